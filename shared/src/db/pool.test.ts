import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from './pool.ts';
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
});
