import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resetConfig } from '../config.ts';
import * as Households from '../households/index.ts';
import { createDatabasePool, defaultPoolSize, namedStatements, sql } from './pool.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('database pool', () => {
  it('reads numeric money as bigint, never as a float', async () => {
    const row = await db.pool.one(
      sql.type(z.object({ amount: z.bigint() }))`SELECT 90071992547409930.00::numeric(20,2) AS amount`,
    );
    expect(row.amount).toBe(90071992547409930n);
  });

  it('reads int8 counts as numbers', async () => {
    const count = await db.pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM users`,
    );
    expect(count).toBe(0);
  });

  it('rejects rows that do not match the declared schema', async () => {
    await expect(db.pool.one(sql.type(z.object({ n: z.string() }))`SELECT 1 AS n`)).rejects.toThrow(
      /do not conform/,
    );
  });

  it('refuses a row schema that validates asynchronously instead of skipping it', async () => {
    const later = z.object({ n: z.number() }).refine(async (row) => row.n > 0);
    await expect(db.pool.one(sql.type(later)`SELECT 1 AS n`)).rejects.toThrow(/synchronously/);
  });

  it('keeps DATABASE_POOL_SIZE connections, else twice the cores within 4..10', () => {
    const previous = process.env.DATABASE_POOL_SIZE;
    try {
      process.env.DATABASE_POOL_SIZE = '3';
      resetConfig();
      expect(defaultPoolSize()).toBe(3);
      delete process.env.DATABASE_POOL_SIZE;
      resetConfig();
      expect(defaultPoolSize()).toBe(Math.min(10, Math.max(4, 2 * availableParallelism())));
    } finally {
      if (previous === undefined) delete process.env.DATABASE_POOL_SIZE;
      else process.env.DATABASE_POOL_SIZE = previous;
      resetConfig();
    }
  });

  it('starts from a fully migrated schema', async () => {
    const tables = await db.pool.manyFirst(
      sql.type(z.object({ table_name: z.string() }))`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables).toEqual(
      expect.arrayContaining([
        'ai_audit',
        'budgets',
        'categories',
        'media_assets',
        'savings_accounts',
        'savings_transactions',
        'transactions',
        'users',
        'wa_messages',
      ]),
    );
  });

  it('parses a repeated statement once per connection: it is prepared under a name (issue 16)', async () => {
    const one = await createDatabasePool(db.url, { maximumPoolSize: 1, preparedStatements: true });
    try {
      const count = sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM users WHERE id > ${0}`;
      await one.oneFirst(count);
      await one.transaction(async (tx) => tx.oneFirst(count));
      const prepared = await one.manyFirst(
        sql.type(z.object({ statement: z.string() }))`SELECT statement FROM pg_prepared_statements`,
      );
      // Once, though it ran twice (in and out of a transaction): and still there after both,
      // so no DISCARD ALL ran when the connection went back to the pool.
      expect(prepared.filter((text) => text.includes('FROM users WHERE id >'))).toHaveLength(1);
    } finally {
      await one.end();
    }
  });

  it('keeps unnamed what a pool configured without prepared statements runs', async () => {
    const one = await createDatabasePool(db.url, { maximumPoolSize: 1, preparedStatements: false });
    try {
      await one.query(sql.unsafe`SELECT 41 AS answer`);
      const count = await one.oneFirst(
        sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM pg_prepared_statements`,
      );
      expect(count).toBe(0);
    } finally {
      await one.end();
    }
  });

  it('names at most the limit of distinct texts, then runs new ones unnamed', () => {
    const interceptor = namedStatements(2);
    const name = (text: string) =>
      interceptor.transformQuery?.({} as never, { sql: text, values: [] })?.name ?? null;
    const first = name('SELECT 1');
    expect(first).toMatch(/^k[\w-]{20}$/);
    expect(name('SELECT 1')).toBe(first);
    expect(name('SELECT 2')).not.toBe(first);
    expect(name('SELECT 3')).toBeNull();
    expect(name('SELECT 1')).toBe(first);
  });

  it('leaves no author setting behind for the next user of the connection (no reset runs)', async () => {
    const one = await createDatabasePool(db.url, { maximumPoolSize: 1 });
    try {
      await one.transaction(async (tx) => {
        await Households.actAs(tx, 7);
      });
      const after = await one.oneFirst(
        sql.type(z.object({ value: z.string().nullable() }))`
          SELECT current_setting('kantong.author_member', true) AS value`,
      );
      expect(after ?? '').toBe('');
    } finally {
      await one.end();
    }
  });
});
