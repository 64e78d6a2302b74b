/**
 * A fresh database per test file (STYLE habit 9): cloned from the migrated template that the
 * global setup made, so every file starts from an empty, fully migrated ledger.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabasePool, type DatabasePool } from './pool.ts';

export type TestDatabase = {
  pool: DatabasePool;
  url: string;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
};

async function adminQuery(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(
  options: Parameters<typeof createDatabasePool>[1] = {},
): Promise<TestDatabase> {
  const name = `kantong_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
  const url = new URL(inject('adminDatabaseUrl'));
  url.pathname = `/${name}`;
  const pool = await createDatabasePool(url.toString(), options);
  return {
    pool,
    url: url.toString(),
    drop: async () => {
      await pool.end();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Every query text sent to PostgreSQL from now until `stop()`, as the driver sends it: slonik's
 * own BEGIN, COMMIT and SAVEPOINT included, which its interceptors never see (issue 16 counts
 * round trips on the wire).
 */
export function recordWire(): { texts: string[]; stop: () => void } {
  const texts: string[] = [];
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (text !== undefined) texts.push(text.replace(/\s+/g, ' ').trim());
    return original.apply(this, args);
  };
  return {
    texts,
    stop: () => {
      prototype.query = original;
    },
  };
}
