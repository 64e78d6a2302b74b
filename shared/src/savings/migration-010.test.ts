/**
 * Migration 010 on a ledger that already has goals differing only in case (made before it,
 * when uniqueness was case-sensitive): every goal, its money and history are kept; the oldest
 * keeps its name, the later ones get " (<id>)", and the case-insensitive index then holds.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import * as Users from '../users/index.ts';
import * as Savings from './index.ts';

let db: TestDatabase;

/** Runs SQL text with several statements, as the migration tool does. */
async function runScript(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

it('renames later case-duplicates and keeps their balances', async () => {
  // Back to the schema before 010 (the template is fully migrated).
  await runScript(`
    DROP INDEX idx_savings_user_lower_name;
    CREATE UNIQUE INDEX idx_savings_user_name ON savings_accounts(user_id, name);
    DROP TABLE login_throttle;
    ALTER TABLE users DROP COLUMN session_version`);
  const userId = (
    await db.pool.transaction((tx) =>
      Users.findOrCreateByPhone(tx, '6282500000001', { timezone: 'Asia/Jakarta' }),
    )
  ).user.id;
  const other = (
    await db.pool.transaction((tx) =>
      Users.findOrCreateByPhone(tx, '6282500000002', { timezone: 'Asia/Jakarta' }),
    )
  ).user.id;
  for (const [owner, name, balance] of [
    [userId, 'Laptop', 100],
    [userId, 'laptop', 200],
    [userId, 'LAPTOP', 300],
    [other, 'laptop', 400],
  ] as const) {
    await db.pool.query(sql.unsafe`
      INSERT INTO savings_accounts (user_id, name, target_amount, current_amount)
      VALUES (${owner}, ${name}, 1000, ${balance})`);
  }

  const migration = await readFile(
    join(import.meta.dirname, '../../../infra/migrations/010.do.accounts-hardening.sql'),
    'utf8',
  );
  await runScript(migration);

  const rows = await db.pool.any(
    sql.type(
      z.object({ id: z.number(), user_id: z.number(), name: z.string(), current_amount: z.bigint() }),
    )`SELECT id, user_id, name, current_amount FROM savings_accounts ORDER BY id`,
  );
  expect(rows.map((row) => [row.user_id, row.name, row.current_amount])).toEqual([
    [userId, 'Laptop', 100n],
    [userId, `laptop (${rows[1]?.id})`, 200n],
    [userId, `LAPTOP (${rows[2]?.id})`, 300n],
    [other, 'laptop', 400n],
  ]);
  const found = await Savings.findByName(db.pool, userId, 'laptop');
  expect(found?.current_amount).toBe(100n);
  await expect(
    db.pool.query(sql.unsafe`
      INSERT INTO savings_accounts (user_id, name, target_amount) VALUES (${userId}, 'lApToP', 1000)`),
  ).rejects.toThrow(/unique/i);
});
