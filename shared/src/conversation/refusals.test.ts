/**
 * A refused action (a DomainError: a goal without enough saved, an amount past the limit) undoes
 * its partial work while the message and the refusal are still logged. Issue 16: in a message's
 * transaction (withOptimisticActs) this costs no savepoint until a refusal happens, and then the
 * transaction runs again with one; elsewhere the savepoint stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type DatabaseTransactionConnection, sql } from '../db/pool.ts';
import { createTestDatabase, recordWire, type TestDatabase } from '../db/testing.ts';
import * as Messages from '../messages/index.ts';
import { MAX_AMOUNT } from '../money/index.ts';
import { blankReading, type ParsedItem, type ParseResult } from '../nlu/schema.ts';
import * as Users from '../users/index.ts';
import { act, withOptimisticActs } from './intents.ts';

const NOW = new Date('2026-11-29T03:00:00Z');
let db: TestDatabase;
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Two items in one message; the second is past the largest amount the ledger takes. */
function twoItems(second: bigint): ParseResult {
  const item = (amount: bigint, description: string): ParsedItem => ({
    direction: 'expense',
    description,
    category_suggestion: 'Makan & Minum',
    datetime: null,
    wallet: null,
    amount,
  });
  return {
    ...blankReading('create_transaction', 0.95),
    direction: 'expense',
    amount: 20_000n + second,
    transactions: [item(20_000n, 'kopi'), item(second, 'roti')],
  };
}

async function newUser(): Promise<Users.User> {
  counter += 1;
  const phone = `62818${String(counter).padStart(8, '0')}`;
  return db.pool.transaction(
    async (tx) =>
      (await Users.findOrCreateByPhone(tx, phone, { timezone: 'Asia/Jakarta', status: 'active' })).user,
  );
}

/** A message's work: its log row, then the action (as handleIncoming does). */
async function message(tx: DatabaseTransactionConnection, user: Users.User, parsed: ParseResult) {
  counter += 1;
  const inboundId = await Messages.logInbound(tx, {
    userId: user.id,
    from: user.phone ?? '',
    messageId: `refusal-${counter}`,
    type: 'text',
    body: 'kopi 20k, roti …',
  });
  if (inboundId === null) throw new Error('not logged');
  const action = await act(tx, { user, parsed, rawText: 'kopi, roti', inboundId, at: NOW });
  return { inboundId, action };
}

const booked = (userId: number) =>
  db.pool.oneFirst(
    sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM transactions WHERE user_id = ${userId}`,
  );
const logged = (id: number) =>
  db.pool.oneFirst(
    sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM wa_messages WHERE id = ${id}`,
  );

describe('a refused action', () => {
  it('costs no savepoint when nothing is refused', async () => {
    const user = await newUser();
    const wire = recordWire();
    let tries = 0;
    try {
      const { action } = await withOptimisticActs(db.pool, (tx) => {
        tries += 1;
        return message(tx, user, twoItems(15_000n));
      });
      expect(action.reply).toContain('Rp15.000');
    } finally {
      wire.stop();
    }
    expect(tries).toBe(1);
    expect(wire.texts.filter((text) => /SAVEPOINT/i.test(text))).toEqual([]);
    expect(await booked(user.id)).toBe(2);
  });

  it('undoes the items booked before it and still logs the message, trying once more with a savepoint', async () => {
    const user = await newUser();
    const wire = recordWire();
    let tries = 0;
    let outcome: Awaited<ReturnType<typeof message>>;
    try {
      outcome = await withOptimisticActs(db.pool, (tx) => {
        tries += 1;
        return message(tx, user, twoItems(MAX_AMOUNT + 1n));
      });
    } finally {
      wire.stop();
    }
    expect(outcome.action.reply).toMatch(/kegedean/);
    expect(tries).toBe(2);
    expect(wire.texts.filter((text) => /^SAVEPOINT/i.test(text))).toHaveLength(1);
    expect(wire.texts.filter((text) => /^ROLLBACK$/i.test(text))).toHaveLength(1);
    expect(await booked(user.id)).toBe(0);
    expect(await logged(outcome.inboundId)).toBe(1);
  });

  it('keeps the savepoint in any other transaction', async () => {
    const user = await newUser();
    const outcome = await db.pool.transaction((tx) => message(tx, user, twoItems(MAX_AMOUNT + 1n)));
    expect(outcome.action.reply).toMatch(/kegedean/);
    expect(await booked(user.id)).toBe(0);
    expect(await logged(outcome.inboundId)).toBe(1);
  });
});
