import { z } from 'zod';

/**
 * Configuration is read and validated once (DESIGN.md decision 8). Every value has a default
 * that makes `npm start` work on a fresh machine, except DATABASE_URL: the local starter fills it
 * with the embedded PostgreSQL it launches.
 */
const ConfigSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  /**
   * Named (server-side prepared) statements for repeated SQL (shared/src/db/pool.ts). Turn off
   * behind a pooler that cannot keep them per client (PgBouncer in transaction mode before 1.21).
   */
  DATABASE_PREPARED_STATEMENTS: z.stringbool().default(true),
  /**
   * Connections a process keeps to PostgreSQL (unset: twice this machine's cores, at least 4, at
   * most 10). More transactions at once than cores only adds context switches: on 2 cores at 200
   * messages a second, 4 connections gave p99 302 ms where 10 gave 398 (issue 16).
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).optional(),
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
  /**
   * Key that signs dashboard sessions (HS256, at least 32 characters). Unset: a random key per
   * process, so `npm start` works, but sessions end at every restart and are not shared between
   * Lambda instances — set it in production.
   */
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
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
  /** WhatsApp host: its sessions (one socket per bot number), comma-separated ids. */
  WA_SESSIONS: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}(,[A-Za-z0-9_-]{1,64})*$/, 'comma-separated ids of letters, digits, _ and -')
    .default('main'),
  /** Messages the host takes in besides direct chats: the bot number's own, and status posts. */
  WA_ACCEPT_OWN: z.stringbool().default(false),
  WA_ACCEPT_STATUS: z.stringbool().default(false),
  /**
   * Household books (issue 15): on, a group's messages reach Kantong once the group sent
   * "aktifkan kantong" (the rest of every other group is ignored unstored); off, all groups are.
   */
  WA_ACCEPT_GROUPS: z.stringbool().default(true),
  /** Largest media file taken in; a larger one gets a polite refusal (16 MiB). */
  WA_MEDIA_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** MIME types taken in, comma-separated; `type/*` matches a whole family. */
  WA_MEDIA_TYPES: z.string().default('audio/*,image/jpeg,image/png,image/webp,application/pdf'),
  /** Shortest gap between two messages to the same person, and a cap per bot number. */
  WA_SEND_INTERVAL_MS: z.coerce.number().int().min(0).default(3000),
  WA_SEND_MAX_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /**
   * Shared secret of internal calls (HMAC-SHA256 of timestamp + body): the host's POST /deliver
   * and /wa/send. Unset: those endpoints answer 503.
   */
  INTERNAL_API_SECRET: z.string().min(16, 'INTERNAL_API_SECRET must be at least 16 characters').optional(),
  /**
   * Bearer token a Prometheus scraper sends for the API's GET /metrics (Authorization: Bearer …).
   * Unset: the API does not serve /metrics at all (issue 14 item 12: it sits on the published
   * port); the workers and the WhatsApp host serve theirs on ports compose does not publish.
   */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** How old a signed request may be (seconds), either way. */
  SIGNATURE_WINDOW_S: z.coerce.number().int().positive().default(300),
  /** On a day with nothing recorded, the 21:00 report becomes a gentle reminder (false: nothing is sent). */
  DAILY_REMINDER_WHEN_EMPTY: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  /**
   * Messages per sender per minute before Kantong slows them down: the first one over the limit
   * gets a polite note, the rest of that minute are logged and not answered (no reply storms).
   */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /** Who may use this Kantong: open (new numbers start pending), allowlist, or closed. */
  REGISTRATION_POLICY: z.enum(['open', 'allowlist', 'closed']).default('open'),
  /** Numbers let in under the allowlist policy (comma-separated), besides the allowed_numbers table. */
  ALLOWED_NUMBERS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((phone) => phone.trim())
        .filter(Boolean),
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // ---- Media (issue 5): receipts and voice notes ----
  /** Largest photo or voice note Kantong downloads (WhatsApp's own media limit is 16 MB). */
  MEDIA_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** Longest voice note transcribed, in seconds. */
  VOICE_MAX_SECONDS: z.coerce.number().int().positive().default(300),
  /** After this long without a result, a "⏳ sebentar" reply goes out first; 0 sends it at once. */
  MEDIA_ACK_AFTER_MS: z.coerce.number().int().min(0).default(2000),
  /** ImageMagick 6's `convert` (Debian's path: /usr/local/bin may hold something else). */
  IMAGEMAGICK_CONVERT: z.string().default('/usr/bin/convert'),
  TESSERACT_BIN: z.string().default('tesseract'),
  /**
   * Receipt OCR: `paddle` (PaddleOCR PP-OCRv4 on onnxruntime-node), `tesseract`, or `both`
   * (read with both and reconcile; slower). Measured choice and figures: README "Receipt photos".
   */
  OCR_ENGINE: z.enum(['paddle', 'tesseract', 'both']).default('paddle'),
  FFMPEG_BIN: z.string().default('ffmpeg'),
  /**
   * How voice notes are decoded: `ffmpeg`, or `wasm` (Ogg Opus in WebAssembly, no program run:
   * the transcribe Lambda, whose runtime has no ffmpeg; shared/src/speech/opus.ts).
   */
  AUDIO_DECODER: z.enum(['ffmpeg', 'wasm']).default('ffmpeg'),
  /** whisper.cpp model size; the ggml file is WHISPER_MODEL_DIR/ggml-<size>.bin (`npm run models`). */
  WHISPER_MODEL: z
    .enum(['tiny', 'tiny.en', 'base', 'base.en', 'small', 'small.en', 'medium', 'medium.en'])
    .default('base'),
  WHISPER_MODEL_DIR: z.string().default(`${process.env.HOME ?? '/root'}/.cache/kantong/models`),
  WHISPER_THREADS: z.coerce.number().int().positive().optional(),
  /** whisper-cli to run; default: the one `npm run models` builds inside nodejs-whisper. */
  WHISPER_CLI: z.string().optional(),
  /** An OpenAI-compatible speech server (whisper.cpp server, speaches): `${STT_URL}/v1/audio/transcriptions`. */
  STT_URL: z.string().url().optional(),
  STT_MODEL: z.string().default('whisper-1'),
  STT_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
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
