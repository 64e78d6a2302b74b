/**
 * The texts of the scheduled messages: daily/weekly/monthly reports in SPEC.md's layout (with
 * budget status on the weekly and monthly ones), the gentle reminder on an empty day, and savings
 * reminders for goals behind their target date.
 */
import * as Budgets from '../budgets/index.ts';
import type { CommonQueryMethods } from '../db/pool.ts';
import { formatRupiah, percent } from '../money/index.ts';
import * as Savings from '../savings/index.ts';
import type { ReportJob } from '../schedules/index.ts';
import { addDays, addMonths, formatDayId, formatMonthId, localDate } from '../time/index.ts';
import type { User } from '../users/index.ts';
import { byAuthor, formatByAuthor, formatSummary, rangeLabel, summarize } from './index.ts';

export const EMPTY_DAY_REMINDER =
  "Hari ini belum ada catatan nih 😊 Ada pengeluaran yang kelewat? Ketik aja, contoh: 'makan siang 25rb'.";

async function budgetLines(db: CommonQueryMethods, user: User, day: string): Promise<string[]> {
  const budgets = await Budgets.statusForMonth(db, { userId: user.id, timezone: user.timezone, day });
  if (budgets.length === 0) return [];
  return [
    'Budget bulan ini:',
    ...budgets.map(
      (budget) =>
        `• ${budget.category} ${percent(budget.spent, budget.amount)}% (${formatRupiah(budget.spent)}/${formatRupiah(budget.amount)})`,
    ),
  ];
}

/** Whole months from `from` to `to` (local dates), at least 1. */
function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return Math.max(1, (ty - fy) * 12 + (tm - fm));
}

/**
 * Goals with a target date whose balance is behind a straight line from creation to the target.
 * Returns one reminder line per goal, with what to save per month to catch up.
 */
async function savingsReminders(db: CommonQueryMethods, user: User, today: string): Promise<string[]> {
  const lines: string[] = [];
  for (const account of await Savings.listForUser(db, user.id)) {
    if (!account.target_date || account.current_amount >= account.target_amount) continue;
    const start = localDate(account.created_at, user.timezone);
    const total = Date.parse(account.target_date) - Date.parse(start);
    const elapsed = Date.parse(today) - Date.parse(start);
    if (total <= 0) continue;
    const expected = (account.target_amount * BigInt(Math.min(Math.max(elapsed, 0), total))) / BigInt(total);
    if (account.current_amount >= expected) continue;
    const remaining = account.target_amount - account.current_amount;
    const overdue = today >= account.target_date;
    const perMonth = remaining / BigInt(monthsBetween(today, account.target_date));
    lines.push(
      overdue
        ? `⏰ Tabungan ${account.name} udah lewat target tanggal ${formatDayId(account.target_date)}, masih kurang ${formatRupiah(remaining)}.`
        : `⏰ Tabungan ${account.name} baru ${percent(account.current_amount, account.target_amount)}% (target ${formatDayId(account.target_date)}). Nabung ${formatRupiah(perMonth)}/bulan biar kekejar.`,
    );
  }
  return lines;
}

/** The message for a scheduled job, or null when there is nothing worth sending. */
/** A household's report names who spent what (issue 15); a person's has no such lines. */
async function authorLines(db: CommonQueryMethods, user: User, range: { from: string; to: string }) {
  if (user.kind !== 'household') return [];
  return formatByAuthor(await byAuthor(db, { userId: user.id, timezone: user.timezone, range }));
}

export async function composeScheduled(
  db: CommonQueryMethods,
  user: User,
  job: ReportJob,
  options: { remindWhenEmpty: boolean },
): Promise<string | null> {
  const base = { userId: user.id, timezone: user.timezone };
  switch (job.kind) {
    case 'daily': {
      const day = job.period_key;
      const range = { from: day, to: addDays(day, 1) };
      const summary = await summarize(db, { ...base, range });
      // A quiet day in a household's group gets no nudge: a group is not nagged (issue 15).
      if (summary.transaction_count === 0)
        return options.remindWhenEmpty && user.kind !== 'household' ? EMPTY_DAY_REMINDER : null;
      return [formatSummary(formatDayId(day), summary), ...(await authorLines(db, user, range))].join('\n');
    }
    case 'weekly': {
      const range = { from: job.period_key, to: addDays(job.period_key, 7) };
      const summary = await summarize(db, { ...base, range });
      const lines = await budgetLines(db, user, addDays(range.to, -1));
      const people = await authorLines(db, user, range);
      return [formatSummary(`minggu lalu (${rangeLabel(range)})`, summary), ...people, ...lines].join('\n');
    }
    case 'monthly': {
      const from = `${job.period_key}-01`;
      const range = { from, to: addMonths(from, 1) };
      const summary = await summarize(db, { ...base, range });
      const lines = await budgetLines(db, user, from);
      const people = await authorLines(db, user, range);
      return [formatSummary(formatMonthId(from), summary), ...people, ...lines].join('\n');
    }
    case 'savings_reminder': {
      const lines = await savingsReminders(db, user, job.period_key);
      return lines.length > 0 ? lines.join('\n') : null;
    }
  }
}
