import { MAX_AMOUNT, percent, toJsonAmount } from '@kantong/shared/money';
import * as Savings from '@kantong/shared/savings';
import { DAY_RANGE_TEXT, isIsoDate } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { resolveUser, UserRefSchema, validate } from '../http.ts';

/** Whole rupiah in JSON: a positive integer within Kantong's limit (never a fraction, never a float sum). */
export const AmountSchema = z
  .number()
  .int('amount must be whole rupiah')
  .positive('amount must be more than zero')
  .max(Number(MAX_AMOUNT), 'amount too large')
  .transform((value) => BigInt(value));

const CreateSchema = UserRefSchema.extend({
  name: z.string().trim().min(1).max(100),
  target_amount: AmountSchema,
  target_date: z.string().refine(isIsoDate, `target_date must be YYYY-MM-DD in ${DAY_RANGE_TEXT}`).optional(),
});
const MovementSchema = UserRefSchema.extend({
  saving_name: z.string().trim().min(1).max(100),
  amount: AmountSchema,
  note: z.string().max(500).optional(),
});

export function accountJson(account: Savings.SavingsAccount) {
  return {
    id: account.id,
    name: account.name,
    target_amount: toJsonAmount(account.target_amount),
    current_amount: toJsonAmount(account.current_amount),
    currency: account.currency,
    target_date: account.target_date,
    progress_percent: percent(account.current_amount, account.target_amount),
  };
}

/** `POST /savings/accounts|deposit|withdraw` (SPEC.md) and `GET /savings`. */
export function savingsRoutes(deps: ApiDeps) {
  return new Hono()
    .get('/', validate('query', UserRefSchema), async (c) => {
      const pool = await deps.pool();
      const user = await resolveUser(pool, c.req.valid('query'));
      const accounts = await Savings.listForUser(pool, user.id);
      return c.json({ items: accounts.map(accountJson) }, 200);
    })
    .post('/accounts', validate('json', CreateSchema), async (c) => {
      const body = c.req.valid('json');
      const pool = await deps.pool();
      const user = await resolveUser(pool, body);
      const account = await pool.transaction((tx) =>
        Savings.create(tx, {
          userId: user.id,
          name: body.name,
          targetAmount: body.target_amount,
          targetDate: body.target_date ?? null,
        }),
      );
      return c.json(accountJson(account), 201);
    })
    .post('/deposit', validate('json', MovementSchema), async (c) => {
      const body = c.req.valid('json');
      return c.json(await move(deps, 'deposit', body), 200);
    })
    .post('/withdraw', validate('json', MovementSchema), async (c) => {
      const body = c.req.valid('json');
      return c.json(await move(deps, 'withdraw', body), 200);
    });
}

/** A deposit or withdrawal from the web, answered with the same words the bot uses. */
async function move(deps: ApiDeps, kind: 'deposit' | 'withdraw', body: z.infer<typeof MovementSchema>) {
  const pool = await deps.pool();
  const user = await resolveUser(pool, body);
  const movement = {
    userId: user.id,
    name: body.saving_name,
    amount: body.amount,
    source: 'web' as const,
    note: body.note ?? null,
  };
  const account = await pool.transaction((tx) =>
    kind === 'deposit' ? Savings.deposit(tx, movement) : Savings.withdraw(tx, movement),
  );
  const message =
    kind === 'deposit'
      ? Savings.depositMessage(body.amount, account)
      : Savings.withdrawMessage(body.amount, account);
  return { message, account: accountJson(account) };
}
