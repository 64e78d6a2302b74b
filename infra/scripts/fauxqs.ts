/**
 * fauxqs: SQS and S3 in one Node process (npm package `fauxqs`). The S3 server of the tests and
 * the local stack, and their SQS server where Java is missing (ElasticMQ needs it).
 *
 * fauxqs's own `startFauxqs` listens on every interface; this builds the same app with the
 * package's public `buildApp` and binds it to 127.0.0.1 only. For durable queues (`dataDir`) it
 * wires the package's own stores and SQLite persistence the way `startFauxqs` does: those classes
 * are not in the package's export map, so they are imported by file next to its entry point —
 * the reason `fauxqs` is pinned to one exact version in infra/package.json.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from 'fauxqs';

export type RunningFauxqs = {
  /** e.g. http://127.0.0.1:38211 — the SQS and the S3 endpoint (use path-style S3 requests). */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
};

export type StartFauxqsOptions = {
  port?: number;
  host?: string;
  /**
   * Keep queues, messages (ready, in flight, with their receive counts) and objects in a SQLite
   * database in this folder, written through on every change, so a restart loses nothing that
   * was accepted (default: memory only).
   */
  dataDir?: string;
};

type Stores = NonNullable<Parameters<typeof buildApp>[0]>['stores'];
type Persistence = {
  db: { exec(sql: string): void };
  load(...stores: unknown[]): void;
  close(): void;
};

/** fauxqs's stores wired to its SQLite persistence, loaded from `dataDir` (as `startFauxqs`). */
async function durableStores(dataDir: string): Promise<{ stores: NonNullable<Stores>; close(): void }> {
  const entry = import.meta.resolve('fauxqs');
  const load = (file: string) => import(new URL(file, entry).href);
  const [{ PersistenceManager }, { SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    load('./persistence.js'),
    load('./sqs/sqsStore.js'),
    load('./sns/snsStore.js'),
    load('./s3/s3Store.js'),
  ]);
  const sqsStore = new SqsStore();
  const snsStore = new SnsStore();
  const s3Store = new S3Store();
  const persistence: Persistence = new PersistenceManager(dataDir);
  // Every change is its own SQLite transaction (a message sent, received, deleted: six per
  // WhatsApp message across inbound and outbound), and in WAL mode SQLite's default FULL syncs
  // the log to disk at each one (issue 16: most of fauxqs's CPU and a stall of its one thread
  // each time). NORMAL writes the log at each commit and syncs it at checkpoints: a killed or
  // crashed server loses nothing (queue-restarted.test.ts kills it), a power cut may lose the
  // last changes — the durability of the rest of the local stack (the embedded PostgreSQL runs
  // with fsync off; ElasticMQ's H2 writes behind).
  persistence.db.exec('PRAGMA synchronous = NORMAL');
  // Loaded before the stores know their persistence, so loading writes nothing back.
  persistence.load(sqsStore, snsStore, s3Store);
  sqsStore.persistence = persistence;
  snsStore.persistence = persistence;
  s3Store.persistence = persistence;
  for (const queue of sqsStore.allQueues()) queue.persistence = persistence;
  return { stores: { sqsStore, snsStore, s3Store }, close: () => persistence.close() };
}

export async function startFauxqs(options: StartFauxqsOptions = {}): Promise<RunningFauxqs> {
  const host = options.host ?? '127.0.0.1';
  const durable = options.dataDir ? await durableStores(options.dataDir) : undefined;
  // Queue URLs take the host and port the client called; ARNs take this region.
  const app = buildApp({
    logger: false,
    defaultRegion: 'ap-southeast-3',
    ...(durable ? { stores: durable.stores } : {}),
  });
  if (durable) app.addHook('onClose', async () => durable.close());
  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new Error(`fauxqs could not listen on ${host}:${options.port ?? 0}: ${String(error)}`, {
      cause: error,
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    stop: async () => {
      await app.close();
    },
  };
}

export type FauxqsProcess = RunningFauxqs & {
  pid: number;
  /** Ends the process at once (SIGKILL), as a crash or a power cut would: nothing is flushed. */
  kill(): Promise<void>;
};

/**
 * fauxqs in a child process of its own (this file run as a script): its CPU is measured apart
 * (bench:load), and it can be killed outright (the restart test). Answers once it listens.
 */
export async function startFauxqsProcess(options: StartFauxqsOptions = {}): Promise<FauxqsProcess> {
  const args = [
    ...(options.port ? ['--port', String(options.port)] : []),
    ...(options.dataDir ? ['--data-dir', options.dataDir] : []),
  ];
  const child = fork(fileURLToPath(import.meta.url), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { endpoint?: string; error?: string }) =>
      message.endpoint
        ? resolve(message.endpoint)
        : reject(new Error(message.error ?? 'fauxqs did not start')),
    );
    child.once('exit', (code) => reject(new Error(`fauxqs exited before listening (code ${code})`)));
  });
  // If this process dies without stopping it, leave no server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const end = async (signal: NodeJS.Signals) => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (signal === 'SIGKILL') child.kill('SIGKILL');
    else child.send('stop');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    endpoint,
    port: Number(new URL(endpoint).port),
    pid: child.pid ?? 0,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'data-dir': { type: 'string' } } });
  try {
    const server = await startFauxqs({
      ...(values.port ? { port: Number(values.port) } : {}),
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    });
    const stop = () => void server.stop().then(() => process.exit(0));
    process.on('message', (message) => message === 'stop' && stop());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    if (process.send) process.send({ endpoint: server.endpoint });
    else console.log(`fauxqs answering on ${server.endpoint}; Ctrl+C stops it`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (process.send) process.send({ error: message });
    console.error(message);
    process.exit(1);
  }
}
