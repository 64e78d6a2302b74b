/**
 * Budget alerts: after an expense, warn at 80% and at 100% of the category's monthly budget —
 * each threshold once per category per month (`budget_alerts`), however many expenses follow.
 */
import { type CommonQueryMethods, IdRow, sql } from '../db/pool.ts';
import { formatRupiah, percent } from '../money/index.ts';
import { localDate } from '../time/index.ts';
import { statusForMonth } from './index.ts';

export const THRESHOLDS = [100, 80] as const;

/**
 * The alert to append to the reply of an expense in `categoryId` at `at`, or null. When one
 * expense crosses both thresholds only the 100% alert is sent (and both are recorded).
 */
export async function alertAfterExpense(
  tx: CommonQueryMethods,
  input: {
    userId: number;
    categoryId: number;
    timezone: string;
    at: Date;
    /** The user's categories with a budget, when the caller read them: no query for the others. */
    budgeted?: readonly number[] | undefined;
  },
): Promise<string | null> {
  if (input.budgeted && !input.budgeted.includes(input.categoryId)) return null;
  const day = localDate(input.at, input.timezone);
  const [status] = await statusForMonth(tx, { ...input, day });
  if (!status) return null;
  const used = percent(status.spent, status.amount);
  const month = day.slice(0, 7);
  let alert: string | null = null;
  for (const threshold of THRESHOLDS) {
    if (used < threshold) continue;
    const fresh = await tx.maybeOneFirst(sql.type(IdRow)`
      INSERT INTO budget_alerts (user_id, category_id, month, threshold)
      VALUES (${input.userId}, ${input.categoryId}, ${month}, ${threshold})
      ON CONFLICT DO NOTHING RETURNING id`);
    if (fresh === null || alert !== null) continue;
    alert =
      threshold === 100
        ? `🚨 Budget ${status.category} bulan ini udah habis: ${formatRupiah(status.spent)} dari ${formatRupiah(status.amount)} (${used}%).`
        : `⚠️ Budget ${status.category} bulan ini udah kepakai ${used}% (${formatRupiah(status.spent)} dari ${formatRupiah(status.amount)}).`;
  }
  return alert;
}
