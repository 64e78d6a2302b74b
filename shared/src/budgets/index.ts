/**
 * Monthly budgets per expense category ("set budget makan 1,5jt") and how much of each the
 * current month has used. Alerts at 80%/100% belong to the scheduled-reports issue.
 */
import { z } from 'zod';
import { type CommonQueryMethods, IdRow, sql } from '../db/pool.ts';
import { assertAmount } from '../ledger/index.ts';

export const BudgetStatusSchema = z.object({
  id: z.number(),
  category_id: z.number(),
  category: z.string(),
  amount: z.bigint(),
  spent: z.bigint(),
});
export type BudgetStatus = z.infer<typeof BudgetStatusSchema>;

/** Sets (or replaces) the monthly budget of a category. */
export async function set(
  tx: CommonQueryMethods,
  input: { userId: number; categoryId: number; amount: bigint },
): Promise<number> {
  assertAmount(input.amount);
  return tx.oneFirst(sql.type(IdRow)`
    INSERT INTO budgets (user_id, category_id, amount) VALUES (${input.userId}, ${input.categoryId}, ${input.amount.toString()})
    ON CONFLICT (user_id, category_id, period) DO UPDATE SET amount = EXCLUDED.amount, updated_at = now()
    RETURNING id`);
}

/**
 * Every budget of the user with what was spent in the local month containing `day`
 * (live expense rows, confirmed or pending).
 */
export async function statusForMonth(
  db: CommonQueryMethods,
  input: { userId: number; timezone: string; day: string; categoryId?: number },
): Promise<readonly BudgetStatus[]> {
  const onlyCategory =
    input.categoryId === undefined ? sql.fragment`TRUE` : sql.fragment`b.category_id = ${input.categoryId}`;
  return db.any(sql.type(BudgetStatusSchema)`
    SELECT b.id, b.category_id, c.name AS category, b.amount,
           COALESCE((
             SELECT sum(t.amount) FROM transactions t
             WHERE t.user_id = b.user_id AND t.category_id = b.category_id AND t.direction = 'expense'
               AND t.kind = 'regular' AND t.deleted_at IS NULL
               AND t.tx_datetime >= (date_trunc('month', ${input.day}::date))::timestamp AT TIME ZONE ${input.timezone}
               AND t.tx_datetime < (date_trunc('month', ${input.day}::date) + interval '1 month')::timestamp AT TIME ZONE ${input.timezone}
           ), 0)::numeric AS spent
    FROM budgets b JOIN categories c ON c.id = b.category_id
    WHERE b.user_id = ${input.userId} AND ${onlyCategory}
    ORDER BY c.name`);
}
