import { MAX_AMOUNT, percent, toJsonAmount } from '@kantong/shared/money';
import * as Savings from '@kantong/shared/savings';
import { DAY_RANGE_TEXT, isIsoDate } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { NEEDS_USER_REF, resolveUser, UserRefSchema, validate } from '../http.ts';
import {
  AmountJsonSchema,
  describe,
  errorDoc,
  type RouteDoc,
  USER_NOT_FOUND,
  USER_NOTE,
} from '../openapi.ts';

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
  target_date: z
    .string()
    .refine(isIsoDate, `target_date must be YYYY-MM-DD in ${DAY_RANGE_TEXT}`)
    .optional()
    .meta({ format: 'date', description: 'When the goal should be reached, YYYY-MM-DD.' }),
}).meta(NEEDS_USER_REF);
const MovementSchema = UserRefSchema.extend({
  saving_name: z.string().trim().min(1).max(100),
  amount: AmountSchema,
  note: z.string().max(500).optional(),
}).meta(NEEDS_USER_REF);

/** What {@link accountJson} answers: the stored account's fields, amounts as JSON numbers. */
export const AccountJsonSchema = Savings.SavingsAccountSchema.pick({
  id: true,
  name: true,
  currency: true,
  target_date: true,
}).extend({
  target_amount: AmountJsonSchema,
  current_amount: AmountJsonSchema,
  progress_percent: z.number().int().meta({ description: 'Whole percent of the target, rounded down.' }),
});

const LAPTOP = {
  id: 12,
  name: 'laptop',
  target_amount: 15000000,
  current_amount: 0,
  currency: 'IDR',
  target_date: null,
  progress_percent: 0,
};
const SAVING_NOT_FOUND = errorDoc(
  'No such user, or the user has no savings by that name.',
  'not_found',
  'Tabungan laptop belum ada. Bikin dulu, misalnya: buat tabungan laptop 10jt',
);
const MovementReplySchema = z.object({
  message: z.string().meta({ description: 'The reply the bot would send, in Indonesian.' }),
  account: AccountJsonSchema,
});

const LIST: RouteDoc = {
  operationId: 'listSavings',
  summary: 'Daftar tabungan',
  description: `Every savings goal of the user with its progress. ${USER_NOTE}`,
  tags: ['Savings'],
  example: { phone: '6281234567890' },
  responses: {
    200: {
      description: 'The goals.',
      schema: z.object({ items: z.array(AccountJsonSchema) }),
      example: { items: [LAPTOP] },
    },
    404: USER_NOT_FOUND,
  },
};
const CREATE: RouteDoc = {
  operationId: 'createSavingsAccount',
  summary: 'Buat tabungan baru',
  description: `A savings goal with a target in whole rupiah (SPEC.md \`POST /savings/accounts\`). ${USER_NOTE}`,
  tags: ['Savings'],
  example: { phone: '6281234567890', name: 'laptop', target_amount: 15000000 },
  responses: {
    201: { description: 'The new goal.', schema: AccountJsonSchema, example: LAPTOP },
    404: USER_NOT_FOUND,
    409: errorDoc(
      'The user already has a goal by that name.',
      'conflict',
      'Tabungan laptop udah ada. Progress 0/15.000.000 (0%).',
    ),
  },
};
const DEPOSIT: RouteDoc = {
  operationId: 'depositSavings',
  summary: 'Setor ke tabungan',
  description: `Adds to a goal named \`saving_name\`; the answer carries the bot's words. ${USER_NOTE}`,
  tags: ['Savings'],
  example: { phone: '6281234567890', saving_name: 'laptop', amount: 500000 },
  responses: {
    200: {
      description: 'The deposit, in the bot’s words, and the goal after it.',
      schema: MovementReplySchema,
      example: {
        message: '✅ Setoran Rp500.000 ke tabungan laptop. Progress 500.000/15.000.000 (3%).',
        account: { ...LAPTOP, current_amount: 500000, progress_percent: 3 },
      },
    },
    404: SAVING_NOT_FOUND,
  },
};
const WITHDRAW: RouteDoc = {
  operationId: 'withdrawSavings',
  summary: 'Ambil dari tabungan',
  description: `Takes from a goal; never below zero. ${USER_NOTE}`,
  tags: ['Savings'],
  example: { phone: '6281234567890', saving_name: 'laptop', amount: 200000, note: 'servis motor' },
  responses: {
    200: {
      description: 'The withdrawal, in the bot’s words, and the goal after it.',
      schema: MovementReplySchema,
      example: {
        message: '✅ Tarik Rp200.000 dari tabungan laptop. Progress 300.000/15.000.000 (2%).',
        account: { ...LAPTOP, current_amount: 300000, progress_percent: 2 },
      },
    },
    404: SAVING_NOT_FOUND,
    422: errorDoc(
      'The goal holds less than the amount.',
      'insufficient_funds',
      'Saldo tabungan laptop cuma Rp300.000, nggak cukup buat tarik Rp500.000.',
    ),
  },
};

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
    .get('/', describe(LIST), validate('query', UserRefSchema), async (c) => {
      const pool = await deps.pool();
      const user = await resolveUser(pool, c.req.valid('query'));
      const accounts = await Savings.listForUser(pool, user.id);
      return c.json({ items: accounts.map(accountJson) }, 200);
    })
    .post('/accounts', describe(CREATE), validate('json', CreateSchema), async (c) => {
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
    .post('/deposit', describe(DEPOSIT), validate('json', MovementSchema), async (c) => {
      const body = c.req.valid('json');
      return c.json(await move(deps, 'deposit', body), 200);
    })
    .post('/withdraw', describe(WITHDRAW), validate('json', MovementSchema), async (c) => {
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
