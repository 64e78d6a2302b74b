/**
 * A sender who floods the bot gets one polite note, then silence for the rest of the minute —
 * every message is still logged, and nothing past the limit is recorded as money.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { resetConfig } from '../config.ts';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { handleIncoming } from './index.ts';
import { SLOW_DOWN } from './replies.ts';

let db: TestDatabase;
beforeAll(async () => {
  process.env.RATE_LIMIT_PER_MINUTE = '5';
  resetConfig();
  db = await createTestDatabase();
});
afterAll(async () => {
  delete process.env.RATE_LIMIT_PER_MINUTE;
  resetConfig();
  await db.drop();
});

it('answers the first message over the limit with a note and the rest with silence', async () => {
  const replies: string[] = [];
  for (let index = 1; index <= 8; index += 1) {
    const result = await handleIncoming(
      { pool: db.pool },
      {
        from_number: '6282100000001',
        message_type: 'text',
        text: `beli kopi ${index}000`,
        message_id: `flood-${index}`,
      },
    );
    replies.push(result.reply);
  }
  expect(replies.slice(0, 5).every((reply) => reply.includes('Catat pengeluaran'))).toBe(true);
  expect(replies.slice(5)).toEqual([SLOW_DOWN, '', '']);
  const stored = await db.pool.one(sql.type(z.object({ tx: z.number(), inbound: z.number() }))`
    SELECT (SELECT count(*) FROM transactions) AS tx,
           (SELECT count(*) FROM wa_messages WHERE direction = 'in') AS inbound`);
  expect(stored).toEqual({ tx: 5, inbound: 8 });
});

it('does not slow down another sender', async () => {
  const result = await handleIncoming(
    { pool: db.pool },
    { from_number: '6282100000002', message_type: 'text', text: 'beli kopi 20k', message_id: 'other-1' },
  );
  expect(result.intent).toBe('create_transaction');
});
