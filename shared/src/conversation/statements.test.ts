/**
 * Issue 16: what one everyday message costs the database. Each statement is a round trip and
 * about a millisecond of CPU between Node and PostgreSQL, so the count is the cost per message
 * that a benchmark's wall-clock figures only hint at. These budgets fail when a change adds
 * statements to the hot path; lower them when a change removes some.
 */
import type { Interceptor } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, recordWire, type TestDatabase } from '../db/testing.ts';
import { handleIncoming } from './index.ts';

let db: TestDatabase;
let recording: string[] | null = null;

const recorder: Interceptor = {
  name: 'statement-recorder',
  beforeQueryExecution: (_context, query) => {
    recording?.push(query.sql.replace(/\s+/g, ' ').trim().slice(0, 120));
    return null;
  },
};

beforeAll(async () => {
  db = await createTestDatabase({ interceptors: [recorder] });
});
afterAll(async () => {
  await db?.drop();
});

let sequence = 0;
async function send(from: string, text: string, group?: { jid: string; name: string }) {
  sequence += 1;
  return handleIncoming(
    { pool: db.pool, delivery: 'outbox' },
    {
      from_number: from,
      message_type: 'text',
      text,
      message_id: `stmt-${sequence}`,
      ...(group ? { group: { ...group, sender_lid: null, sender_name: 'Budi' } } : {}),
    },
  );
}

async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  recording = [];
  try {
    await run();
    return recording;
  } finally {
    recording = null;
  }
}

describe('statements per everyday message (issue 16)', () => {
  it('books a known user’s expense within its statement budget', async () => {
    const from = '6281200000001';
    await send(from, 'beli pulsa 50k');
    await send(from, 'ya');
    await send(from, 'gaji 3jt');
    const statements = await statementsOf(() => send(from, 'beli kopi 20k'));
    console.log(`personal expense: ${statements.length} statements\n  ${statements.join('\n  ')}`);
    // 17 before issue 16's pass: one look back before the transaction (an earlier reply, the
    // account, its categories), a locked read of the known sender, the rate-limit count with the
    // log row, the open question read once (no DELETE when none), the row and its names in one,
    // the reply's log row and its outbox row in one, the open question and the budgeted
    // categories read with the sender's lock (no budget query for a category without one), the
    // category named found among those the look back read (no lookup by name).
    expect(statements.length).toBeLessThanOrEqual(5);
  });

  it('costs the same expense at most seven round trips on the wire, BEGIN and COMMIT included', async () => {
    const from = '6281200000002';
    await send(from, 'beli pulsa 50k');
    await send(from, 'ya');
    const wire = recordWire();
    try {
      await send(from, 'beli kopi 20k');
    } finally {
      wire.stop();
    }
    console.log(
      `personal expense on the wire: ${wire.texts.length}\n  ${wire.texts.map((text) => text.slice(0, 80)).join('\n  ')}`,
    );
    // The five statements above, START TRANSACTION and COMMIT; no savepoint around the booking
    // (refusals.test.ts: the transaction runs again with one only after a refusal).
    expect(wire.texts.filter((text) => /SAVEPOINT/i.test(text))).toEqual([]);
    expect(wire.texts.length).toBeLessThanOrEqual(7);
  });
});
