import { toJsonAmount } from '@kantong/shared/money';
import * as Reports from '@kantong/shared/reports';
import { addDays, addMonths, DAY_RANGE_TEXT, isIsoDate, localDate, startOfWeek } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { resolveUser, UserRefSchema, validate } from '../http.ts';

const DayQuerySchema = UserRefSchema.extend({
  date: z.string().refine(isIsoDate, `date must be YYYY-MM-DD in ${DAY_RANGE_TEXT}`).optional(),
});
const MonthQuerySchema = UserRefSchema.extend({
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'month must be YYYY-MM')
    .refine((month) => isIsoDate(`${month}-01`), `month must be YYYY-MM in ${DAY_RANGE_TEXT}`)
    .optional(),
});

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
    .get('/daily', validate('query', DayQuerySchema), async (c) => {
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
    .get('/weekly', validate('query', DayQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      const from = startOfWeek(query.date ?? today(user.timezone));
      const range = { from, to: addDays(from, 7) };
      const summary = await Reports.summarize(pool, { userId: user.id, timezone: user.timezone, range });
      return c.json({ from, to: addDays(from, 6), ...summaryJson(summary) }, 200);
    })
    .get('/monthly', validate('query', MonthQuerySchema), async (c) => {
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
