/**
 * How the processes of one machine find a running `npm start`: it writes
 * `.data/local-stack.json` (the database, queues, storage and API it started) and keeps the
 * internal API's secret in `.data/internal-secret`. `npm run host` takes everything it needs
 * from there, so a newcomer sets nothing by hand; alone, it says what is missing and how to get it.
 *
 * KANTONG_DATA_DIR moves `.data` (the tests run a stack of their own beside a developer's).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function localDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KANTONG_DATA_DIR ? resolve(env.KANTONG_DATA_DIR) : join(repoRoot, '.data');
}

export const localStackFile = (dataDir: string) => join(dataDir, 'local-stack.json');
export const internalSecretFile = (dataDir: string) => join(dataDir, 'internal-secret');

export const LocalStackSchema = z.object({
  databaseUrl: z.string().min(1),
  sqsEndpoint: z.string().url(),
  s3Endpoint: z.string().url(),
  queuePrefix: z.string(),
  region: z.string().min(1),
  apiUrl: z.string(),
  mediaBucket: z.string().min(3).optional(),
  /** The `npm start` process: a file left by one that was killed is recognised as stale. */
  pid: z.number().int().positive().optional(),
});
export type LocalStackInfo = z.infer<typeof LocalStackSchema>;

export type LocalStackRead =
  | { status: 'running'; info: LocalStackInfo }
  | { status: 'absent' }
  | { status: 'stale'; pid: number }
  | { status: 'unreadable'; reason: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is only someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readLocalStack(dataDir: string): Promise<LocalStackRead> {
  let text: string;
  try {
    text = await readFile(localStackFile(dataDir), 'utf8');
  } catch {
    return { status: 'absent' };
  }
  let parsed: ReturnType<typeof LocalStackSchema.safeParse>;
  try {
    parsed = LocalStackSchema.safeParse(JSON.parse(text));
  } catch (error) {
    return { status: 'unreadable', reason: error instanceof Error ? error.message : String(error) };
  }
  if (!parsed.success) return { status: 'unreadable', reason: z.prettifyError(parsed.error) };
  if (parsed.data.pid !== undefined && !alive(parsed.data.pid))
    return { status: 'stale', pid: parsed.data.pid };
  return { status: 'running', info: parsed.data };
}

export type HostEnvironment =
  /** Configured by hand (docker compose, the cloud, your own servers): used as it is. */
  | { source: 'environment' }
  /** The running `npm start`: these variables fill what is unset. */
  | { source: 'local-stack'; file: string; values: Record<string, string> }
  | { source: 'missing'; message: string };

/** Set and not equal to what the stack says: the user pointed the host somewhere else. */
function differs(env: NodeJS.ProcessEnv, name: string, stackValue: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '' && value !== stackValue;
}

/**
 * Where the host's database, queues, storage and secret come from. A running `npm start` is
 * used unless the environment points the host elsewhere (a DATABASE_URL, SQS_ENDPOINT or
 * S3_ENDPOINT of its own); without one, DATABASE_URL is required and its absence is explained.
 */
export async function resolveHostEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  dataDir: string = localDataDir(env),
): Promise<HostEnvironment> {
  const file = localStackFile(dataDir);
  const stack = await readLocalStack(dataDir);
  if (stack.status === 'running') {
    const { info } = stack;
    const own =
      differs(env, 'DATABASE_URL', info.databaseUrl) ||
      differs(env, 'SQS_ENDPOINT', info.sqsEndpoint) ||
      differs(env, 'S3_ENDPOINT', info.s3Endpoint);
    if (!own) {
      const secret = await readFile(internalSecretFile(dataDir), 'utf8')
        .then((text) => text.trim())
        .catch(() => '');
      const candidates: Record<string, string> = {
        DATABASE_URL: info.databaseUrl,
        SQS_ENDPOINT: info.sqsEndpoint,
        S3_ENDPOINT: info.s3Endpoint,
        QUEUE_PREFIX: info.queuePrefix,
        AWS_REGION: info.region,
        ...(info.mediaBucket ? { MEDIA_BUCKET: info.mediaBucket } : {}),
        ...(secret ? { INTERNAL_API_SECRET: secret } : {}),
      };
      const values = Object.fromEntries(Object.entries(candidates).filter(([name]) => !env[name]));
      return { source: 'local-stack', file, values };
    }
  }
  if (env.DATABASE_URL) return { source: 'environment' };
  return { source: 'missing', message: missingMessage(whyNoStack(stack, file)) };
}

function whyNoStack(stack: LocalStackRead, file: string): string {
  switch (stack.status) {
    case 'absent':
      return `no npm start is running (${file} is not there)`;
    case 'stale':
      return `${file} is left from an npm start that is no longer running (pid ${stack.pid})`;
    case 'unreadable':
      return `${file} could not be read: ${stack.reason}`;
    case 'running':
      return 'the running npm start was not used: SQS_ENDPOINT or S3_ENDPOINT points elsewhere';
  }
}

function missingMessage(why: string): string {
  return [
    'The WhatsApp host needs Kantong’s database, queues and storage, and found none:',
    '  - DATABASE_URL is not set',
    `  - ${why}`,
    '',
    'Jalankan Kantong dulu di terminal lain, lalu host-nya lagi / start Kantong first, then the host again:',
    '    npm start            # terminal 1',
    '    npm run host         # terminal 2: takes the database, queues, storage and secret from npm start',
    'Or both in one process:  npm start -- --whatsapp',
    'Or your own servers:     DATABASE_URL=postgres://… SQS_ENDPOINT=http://… S3_ENDPOINT=http://… npm run host',
  ].join('\n');
}
