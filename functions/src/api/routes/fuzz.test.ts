/**
 * Bad input at scale: property-based tests (fast-check) over every JSON endpoint, with payloads
 * that follow each endpoint's schema and then break it — hostile and random strings, emoji,
 * mixed scripts, huge and negative numbers, wrong types, missing fields. Nothing may answer 500,
 * and nothing partial may be stored: every logged message has its reply, every amount is a
 * positive whole number within the limit, and every savings balance equals its movements.
 */
import { sql } from '@kantong/shared/db';
import { MAX_AMOUNT } from '@kantong/shared/money';
import { WireParseResultSchema } from '@kantong/shared/nlu';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../testing.ts';

let api: TestApi;
const PHONE = '6282200000001';

beforeAll(async () => {
  api = await createTestApi();
  await api.say(PHONE, 'halo');
  await api.say(PHONE, 'ya');
  await api.post('/savings/accounts', { phone: PHONE, name: 'darurat', target_amount: 10_000_000 });
});
afterAll(async () => {
  await api.db.drop();
});

const RUNS = { numRuns: 60, seed: 20261125 };

/** Strings people and attackers send: emoji, other scripts, SQL, HTML, control characters, long runs. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    "'; DROP TABLE transactions; --",
    '<script>alert(1)</script>',
    'beli kopi 20k 🤑🤑',
    'бели кофе 20к',
    '買咖啡 20k',
    'gaji \u0000 5jt',
    '9'.repeat(60),
    '-50k',
    'setor darurat -100k',
    'tarik darurat 999999999999999999jt',
  ),
);
const amount = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000_000 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -1, 1e18, Number.MAX_SAFE_INTEGER, Number(MAX_AMOUNT) + 1, '50000', null, true),
);
/** A field that usually has the right type, and sometimes any JSON value at all. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: fc.jsonValue() });

async function invariants() {
  const state = await api.db.pool.one(sql.type(
    z.object({ unanswered: z.number(), bad_amounts: z.number(), unbalanced: z.number() }),
  )`
    SELECT
      (SELECT count(*) FROM wa_messages i WHERE i.direction = 'in' AND i.intent IS DISTINCT FROM 'rate_limited'
         AND NOT EXISTS (SELECT 1 FROM wa_messages o WHERE o.in_reply_to = i.id)) AS unanswered,
      (SELECT count(*) FROM transactions WHERE amount <= 0 OR amount > ${MAX_AMOUNT.toString()}::numeric
         OR amount <> trunc(amount)) AS bad_amounts,
      (SELECT count(*) FROM savings_accounts s WHERE s.current_amount <> COALESCE((
         SELECT sum(CASE WHEN st.direction = 'deposit' THEN st.amount ELSE -st.amount END)
         FROM savings_transactions st WHERE st.savings_account_id = s.id), 0)) AS unbalanced`);
  expect(state).toEqual({ unanswered: 0, bad_amounts: 0, unbalanced: 0 });
}

describe('every endpoint under random and hostile input', () => {
  it('POST /wa/incoming never fails with 500 and never leaves a message without its reply', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            from_number: maybe(fc.oneof(fc.constant(PHONE), fc.stringMatching(/^62\d{8,12}$/), hostile)),
            message_type: maybe(fc.constantFrom('text', 'audio', 'image', 'document', 'sticker')),
            text: maybe(fc.oneof(hostile, fc.constant(null))),
            media_url: maybe(fc.oneof(fc.constant(null), hostile)),
            timestamp: maybe(fc.oneof(fc.integer(), fc.double())),
            message_id: maybe(fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{4,20}$/), hostile)),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const result = await api.post('/wa/incoming', body);
          expect([200, 400, 413]).toContain(result.status);
        },
      ),
      RUNS,
    );
    await invariants();
  });

  it('POST /transactions stores only positive whole amounts within the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          phone: maybe(fc.constant(PHONE)),
          direction: maybe(fc.constantFrom('income', 'expense', 'transfer', 'gift')),
          amount,
          category: maybe(fc.oneof(fc.constantFrom('Makan', 'Gaji', 'Transport'), hostile)),
          description: maybe(hostile),
          datetime: maybe(
            fc.oneof(
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              hostile,
            ),
          ),
        }),
        async (body) => {
          const result = await api.post('/transactions', body);
          expect([201, 400, 404]).toContain(result.status);
        },
      ),
      RUNS,
    );
    await invariants();
  });

  it('savings deposits and withdrawals keep every balance equal to its movements', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/savings/deposit', '/savings/withdraw'),
        fc.record({
          phone: fc.constant(PHONE),
          saving_name: maybe(fc.oneof(fc.constant('darurat'), hostile)),
          amount,
        }),
        async (path, body) => {
          const result = await api.post(path, body);
          expect([200, 400, 404, 422]).toContain(result.status);
        },
      ),
      RUNS,
    );
    await invariants();
  });

  it('GET /reports/* and /transactions answer any query with 200 or a 4xx', async () => {
    const queryValue = fc.oneof(
      hostile,
      fc.integer().map(String),
      fc.constantFrom('2026-02-30', '2026-11', 'now'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/reports/daily',
          '/reports/weekly',
          '/reports/monthly',
          '/transactions',
          '/transactions/export',
        ),
        fc.dictionary(
          fc.constantFrom('user_id', 'phone', 'date', 'month', 'from', 'to', 'category', 'limit', 'q'),
          queryValue,
        ),
        async (path, query) => {
          const search = new URLSearchParams(query).toString();
          const result = await api.get(search ? `${path}?${search}` : path);
          expect(result.status).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });

  it('POST /ai/parse answers text with the parse contract, and anything else with 400', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ text: maybe(hostile) }, { requiredKeys: [] }), async (body) => {
        const result = await api.post('/ai/parse', body);
        if (result.status === 200) expect(WireParseResultSchema.safeParse(result.body).success).toBe(true);
        else expect(result.status).toBe(400);
      }),
      RUNS,
    );
  });
});
