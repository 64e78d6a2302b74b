import { z } from 'zod';

/**
 * Configuration is read and validated once (DESIGN.md decision 8). Every value has a default
 * that makes `npm start` work on a fresh machine, except DATABASE_URL: the local starter fills it
 * with the embedded PostgreSQL it launches.
 */
const ConfigSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  /** API + dashboard port (SPEC.md: backend-api on 8000). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  /** WhatsApp host port (SPEC.md: wa-bot-service on 3000). */
  BOT_HOST_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DEFAULT_TIMEZONE: z.string().default('Asia/Jakarta'),
  /** Ollama is the LLM fallback; without a URL the fallback is off and the rules answer alone. */
  OLLAMA_URL: z.string().url().optional(),
  OLLAMA_MODEL: z.string().default('qwen2.5:1.5b'),
  OLLAMA_TIMEOUT_MS: z.coerce.number().int().positive().default(8000),
  /** Public address of the dashboard, used in links the bot sends. */
  PUBLIC_URL: z.string().url().default('http://localhost:8000'),
  /** Longest text message Kantong reads; longer ones get a polite refusal (nothing parsed). */
  MAX_TEXT_LENGTH: z.coerce.number().int().positive().default(2000),
  /** SQS endpoint; unset means AWS itself. Locally: ElasticMQ (http://127.0.0.1:9324) or fauxqs. */
  SQS_ENDPOINT: z.string().url().optional(),
  /** S3 endpoint; unset means AWS itself. Locally: MinIO or fauxqs. */
  S3_ENDPOINT: z.string().url().optional(),
  AWS_REGION: z.string().default('ap-southeast-3'),
  /** Prepended to every queue name, so stages (and test files) never share a queue. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .default(''),
  MEDIA_BUCKET: z.string().default('wa-media'),
  REPORTS_BUCKET: z.string().default('reports'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates an environment; throws a ConfigError listing every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process configuration, read from process.env on first use. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Tests and the local starter change the environment before first use; this forgets the cache. */
export function resetConfig(): void {
  cached = undefined;
}
