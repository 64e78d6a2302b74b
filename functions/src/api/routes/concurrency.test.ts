/**
 * 100 concurrent `/wa/incoming` requests from 10 users, a third of them redeliveries: every
 * unique message has exactly one effect, no savings deposit is lost, and balances equal the sum
 * of their movements.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../testing.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ maximumPoolSize: 20 });
});
afterAll(async () => {
  await api.db.drop();
});

const users = Array.from({ length: 10 }, (_, index) => `62813000000${String(index).padStart(2, '0')}`);

it('keeps exact counts and balances under 100 concurrent requests with duplicates', async () => {
  // Prepare: each user exists and has a goal.
  for (const phone of users) {
    await api.say(phone, 'buat tabungan darurat 10jt', `setup-${phone}`);
  }

  // 67 unique messages: per user alternating expenses and deposits of known amounts.
  type Sent = { phone: string; id: string; text: string; kind: 'expense' | 'deposit'; amount: bigint };
  const unique: Sent[] = [];
  for (let i = 0; i < 67; i += 1) {
    const phone = users[i % users.length] as string;
    const amount = BigInt(1000 * (i + 1));
    const kind = i % 2 === 0 ? 'expense' : 'deposit';
    const text = kind === 'expense' ? `beli kopi ${amount}` : `setor darurat ${amount}`;
    unique.push({ phone, id: `msg-${i}`, text, kind, amount });
  }
  const duplicates = unique.filter((_, index) => index % 2 === 0).slice(0, 33);
  const all = [...unique, ...duplicates].sort(() => Math.random() - 0.5);
  expect(all).toHaveLength(100);

  // Act: all at once.
  const results = await Promise.all(
    all.map((message) =>
      api.post('/wa/incoming', {
        from_number: message.phone,
        message_type: 'text',
        text: message.text,
        message_id: message.id,
      }),
    ),
  );

  // Assess.
  expect(results.every((result) => result.status === 200)).toBe(true);
  const byId = new Map<string, string[]>();
  all.forEach((message, index) => {
    const replies = byId.get(message.id) ?? [];
    replies.push(String(results[index]?.body.reply));
    byId.set(message.id, replies);
  });
  for (const replies of byId.values()) expect(new Set(replies).size).toBe(1);

  const expenses = unique.filter((message) => message.kind === 'expense');
  const deposits = unique.filter((message) => message.kind === 'deposit');
  const stored = await api.db.pool.one(sql.type(
    z.object({
      tx: z.number(),
      tx_sum: z.bigint(),
      deposits: z.number(),
      inbound: z.number(),
      outbound: z.number(),
    }),
  )`
    SELECT (SELECT count(*) FROM transactions) AS tx,
           (SELECT COALESCE(sum(amount), 0)::numeric FROM transactions) AS tx_sum,
           (SELECT count(*) FROM savings_transactions) AS deposits,
           (SELECT count(*) FROM wa_messages WHERE direction = 'in') AS inbound,
           (SELECT count(*) FROM wa_messages WHERE direction = 'out') AS outbound`);
  expect(stored.tx).toBe(expenses.length);
  expect(stored.tx_sum).toBe(expenses.reduce((sum, message) => sum + message.amount, 0n));
  expect(stored.deposits).toBe(deposits.length);
  expect(stored.inbound).toBe(unique.length + users.length);
  expect(stored.outbound).toBe(unique.length + users.length);

  for (const phone of users) {
    const expected = deposits
      .filter((message) => message.phone === phone)
      .reduce((sum, m) => sum + m.amount, 0n);
    const balance = await api.db.pool.one(sql.type(z.object({ current: z.bigint(), moved: z.bigint() }))`
      SELECT s.current_amount AS current,
             COALESCE((SELECT sum(CASE WHEN st.direction = 'deposit' THEN st.amount ELSE -st.amount END)
                       FROM savings_transactions st WHERE st.savings_account_id = s.id), 0)::numeric AS moved
      FROM savings_accounts s JOIN users u ON u.id = s.user_id WHERE u.phone = ${phone}`);
    expect(balance).toEqual({ current: expected, moved: expected });
  }
});
