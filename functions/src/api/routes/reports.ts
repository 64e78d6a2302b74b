import { toJsonAmount } from '@kantong/shared/money';
import * as Reports from '@kantong/shared/reports';
import { addDays, addMonths, DAY_RANGE_TEXT, isIsoDate, localDate, startOfWeek } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { resolveUser, UserRefSchema, validate } from '../http.ts';
import { AmountJsonSchema, describe, type RouteDoc, USER_NOT_FOUND, USER_NOTE } from '../openapi.ts';

const DayQuerySchema = UserRefSchema.extend({
  date: z
    .string()
    .refine(isIsoDate, `date must be YYYY-MM-DD in ${DAY_RANGE_TEXT}`)
    .optional()
    .meta({ format: 'date', description: "A day, YYYY-MM-DD; default today in the user's timezone." }),
});
const MonthQuerySchema = UserRefSchema.extend({
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'month must be YYYY-MM')
    .refine((month) => isIsoDate(`${month}-01`), `month must be YYYY-MM in ${DAY_RANGE_TEXT}`)
    .optional()
    .meta({ description: 'A month, YYYY-MM; default this month.' }),
});

const CategoryAmountsSchema = z.array(z.object({ category: z.string(), amount: AmountJsonSchema }));
/** What {@link summaryJson} answers (openapi.ts publishes it; openapi.test.ts checks real answers against it). */
const SummaryJsonSchema = z.object({
  total_income: AmountJsonSchema,
  total_expense: AmountJsonSchema,
  transaction_count: z.number().int(),
  category_breakdown: CategoryAmountsSchema,
  income_breakdown: CategoryAmountsSchema,
  month_balance: AmountJsonSchema.meta({ description: 'Income minus expense of the month so far.' }),
});

const SUMMARY_EXAMPLE = {
  total_income: 3500000,
  total_expense: 250000,
  transaction_count: 3,
  category_breakdown: [
    { category: 'Makan', amount: 150000 },
    { category: 'Transport', amount: 100000 },
  ],
  income_breakdown: [{ category: 'Gaji', amount: 3500000 }],
  month_balance: 3250000,
};

const DAILY: RouteDoc = {
  operationId: 'getDailyReport',
  summary: 'Ringkasan satu hari',
  description: `Income, expense and the breakdown by category of one day (default today) in the user's timezone. ${USER_NOTE}`,
  tags: ['Reports'],
  example: { phone: '6281234567890', date: '2024-05-01' },
  responses: {
    200: {
      description: 'The day in figures.',
      schema: SummaryJsonSchema.extend({ date: z.string() }),
      example: { date: '2024-05-01', ...SUMMARY_EXAMPLE },
    },
    404: USER_NOT_FOUND,
  },
};

const WEEKLY: RouteDoc = {
  operationId: 'getWeeklyReport',
  summary: 'Ringkasan satu minggu',
  description: `The week (Monday to Sunday) holding \`date\` (default today). ${USER_NOTE}`,
  tags: ['Reports'],
  example: { phone: '6281234567890', date: '2024-05-01' },
  responses: {
    200: {
      description: 'The week in figures; `from` and `to` are its Monday and Sunday.',
      schema: SummaryJsonSchema.extend({ from: z.string(), to: z.string() }),
      example: { from: '2024-04-29', to: '2024-05-05', ...SUMMARY_EXAMPLE },
    },
    404: USER_NOT_FOUND,
  },
};

const MONTHLY: RouteDoc = {
  operationId: 'getMonthlyReport',
  summary: 'Ringkasan satu bulan',
  description: `One calendar month (default this month). ${USER_NOTE}`,
  tags: ['Reports'],
  example: { phone: '6281234567890', month: '2024-05' },
  responses: {
    200: {
      description: 'The month in figures.',
      schema: SummaryJsonSchema.extend({ month: z.string(), from: z.string(), to: z.string() }),
      example: { month: '2024-05', from: '2024-05-01', to: '2024-05-31', ...SUMMARY_EXAMPLE },
    },
    404: USER_NOT_FOUND,
  },
};

function summaryJson(summary: Reports.Summary) {
  const rows = (list: Reports.CategoryAmount[]) =>
    list.map((row) => ({ category: row.category, amount: toJsonAmount(row.amount) }));
  return {
    total_income: toJsonAmount(summary.total_income),
    total_expense: toJsonAmount(summary.total_expense),
    transaction_count: summary.transaction_count,
    category_breakdown: rows(summary.category_breakdown),
    income_breakdown: rows(summary.income_breakdown),
    month_balance: toJsonAmount(summary.month_balance),
  };
}

/** `GET /reports/daily|weekly|monthly` (SPEC.md), computed in the user's timezone. */
export function reportRoutes(deps: ApiDeps) {
  const today = (timezone: string) => localDate(deps.now?.() ?? new Date(), timezone);
  return new Hono()
    .get('/daily', describe(DAILY), validate('query', DayQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      const date = query.date ?? today(user.timezone);
      const summary = await Reports.summarize(pool, {
        userId: user.id,
        timezone: user.timezone,
        range: { from: date, to: addDays(date, 1) },
      });
      return c.json({ date, ...summaryJson(summary) }, 200);
    })
    .get('/weekly', describe(WEEKLY), validate('query', DayQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      const from = startOfWeek(query.date ?? today(user.timezone));
      const range = { from, to: addDays(from, 7) };
      const summary = await Reports.summarize(pool, { userId: user.id, timezone: user.timezone, range });
      return c.json({ from, to: addDays(from, 6), ...summaryJson(summary) }, 200);
    })
    .get('/monthly', describe(MONTHLY), validate('query', MonthQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      const from = query.month ? `${query.month}-01` : `${today(user.timezone).slice(0, 7)}-01`;
      const range = { from, to: addMonths(from, 1) };
      const summary = await Reports.summarize(pool, { userId: user.id, timezone: user.timezone, range });
      return c.json(
        { month: from.slice(0, 7), from, to: addDays(range.to, -1), ...summaryJson(summary) },
        200,
      );
    });
}
