/**
 * Issue 16 books an expense into a category found among those the look back read before the
 * transaction, without looking it up again. If that category is deleted in between (on the
 * dashboard, at that very moment), the stale id must not slip through: the ledger insert fails on
 * its foreign key, the whole message rolls back — no ledger row, no log row, no reply — and its
 * redelivery books it into the category as it is then.
 */
import type { Interceptor } from '@kantong/shared/db';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { handleIncoming } from './index.ts';

let db: TestDatabase;
/** Runs once, just before the sender's lock: after the look back, before the booking. */
let betweenLookBackAndLock: (() => Promise<void>) | null = null;

const race: Interceptor = {
  name: 'category-race',
  beforeQueryExecution: async (_context, query) => {
    if (betweenLookBackAndLock && query.sql.includes('FOR NO KEY UPDATE')) {
      const run = betweenLookBackAndLock;
      betweenLookBackAndLock = null;
      await run();
    }
    return null;
  },
};

beforeAll(async () => {
  db = await createTestDatabase({ interceptors: [race], maximumPoolSize: 4 });
});
afterAll(async () => {
  await db?.drop();
});

const from = '6281277770001';
const send = (text: string, messageId: string) =>
  handleIncoming(
    { pool: db.pool, delivery: 'outbox' },
    { from_number: from, message_type: 'text', text, message_id: messageId },
  );

const count = (table: 'transactions' | 'outbox') =>
  db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM ${sql.identifier([table])} t
    JOIN users u ON u.id = t.user_id WHERE u.phone = ${from}`);

it('rolls a message back when the category it names is deleted after the look back, and books its redelivery', async () => {
  await send('halo', 'race-1');
  await send('ya', 'race-2');
  const before = { ledger: await count('transactions'), outbox: await count('outbox') };

  // Another connection, as the dashboard's would be (the message's own is in its transaction).
  betweenLookBackAndLock = async () => {
    const dashboard = new pg.Client({ connectionString: db.url });
    await dashboard.connect();
    try {
      await dashboard.query(
        `DELETE FROM categories WHERE name = 'Makan' AND user_id = (SELECT id FROM users WHERE phone = $1)`,
        [from],
      );
    } finally {
      await dashboard.end();
    }
  };
  await expect(send('makan siang 25rb', 'race-3')).rejects.toThrow(/foreign key/i);
  expect(await count('transactions')).toBe(before.ledger);
  expect(await count('outbox')).toBe(before.outbox);

  const redelivered = await send('makan siang 25rb', 'race-3');
  expect(redelivered.reply).toContain('Rp25.000 kategori Makan');
  expect(await count('transactions')).toBe(before.ledger + 1);
});
