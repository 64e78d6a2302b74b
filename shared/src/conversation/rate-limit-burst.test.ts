/**
 * Issue 14 item 10: the per-sender limit holds when a sender's messages arrive all at once —
 * at most RATE_LIMIT_PER_MINUTE (30) of them are taken as money, not 34.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { handleIncoming } from './index.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 20 });
});
afterAll(async () => {
  await db.drop();
});

it('lets at most 30 of 45 simultaneous messages through', async () => {
  const from = '6282200000001';
  // The sender exists first, so the burst races on the limit, not on creating the user.
  await handleIncoming(
    { pool: db.pool },
    { from_number: from, message_type: 'text', text: 'halo', message_id: 'burst-0' },
  );
  await Promise.all(
    Array.from({ length: 45 }, (_, index) =>
      handleIncoming(
        { pool: db.pool },
        {
          from_number: from,
          message_type: 'text',
          text: `beli kopi ${index + 1}000`,
          message_id: `burst-${index + 1}`,
        },
      ),
    ),
  );
  const stored = await db.pool.one(sql.type(z.object({ tx: z.number(), inbound: z.number() }))`
    SELECT (SELECT count(*)::int FROM transactions) AS tx,
           (SELECT count(*)::int FROM wa_messages WHERE direction = 'in') AS inbound`);
  expect(stored.inbound).toBe(46);
  expect(stored.tx).toBeLessThanOrEqual(29);
});
