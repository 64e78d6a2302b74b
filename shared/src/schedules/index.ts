/**
 * When Kantong speaks first (SPEC.md's cron section), in each user's own timezone:
 * - daily report at 21:00 (a gentle reminder instead when nothing was recorded that day),
 * - weekly report on Monday at 08:00 (the week before, Monday to Sunday), with savings reminders
 *   for goals that fell behind their target date,
 * - monthly report on the 1st at 08:00 (the month before).
 *
 * An hourly trigger (EventBridge in the cloud, a timer in the local stack) calls
 * {@link planJobs}; each job goes onto the `reports` queue, so ten thousand users are ten
 * thousand small invocations, not one long one. A household's books (issue 15) are planned like a
 * person's while the household is active; their reports go to its group (deliver.ts). Both steps are idempotent: one fan-out per hour
 * (`schedule_runs`) and one delivery per user, kind and period (`report_deliveries`).
 */
import { z } from 'zod';
import { type CommonQueryMethods, IdRow, sql } from '../db/pool.ts';
import { addDays, addMonths, localDate, startOfWeek } from '../time/index.ts';

export const ReportKindSchema = z.enum(['daily', 'weekly', 'monthly', 'savings_reminder']);
export type ReportKind = z.infer<typeof ReportKindSchema>;

export const ReportJobSchema = z.object({
  user_id: z.number().int().positive(),
  kind: ReportKindSchema,
  /** The period the job covers: '2026-11-25', Monday '2026-11-16', or month '2026-10'. */
  period_key: z.string().min(7).max(10),
  /** The hour (UTC) it was planned for. */
  planned_for: z.string(),
});
export type ReportJob = z.infer<typeof ReportJobSchema>;

export const DAILY_HOUR = 21;
export const WEEKLY_HOUR = 8;
export const MONTHLY_HOUR = 8;

function localClock(now: Date, timeZone: string): { date: string; hour: number; weekday: number } {
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(now),
  );
  const date = localDate(now, timeZone);
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return { date, hour, weekday };
}

/** The report kinds (and the periods they cover) due at `now` for users in `timeZone`. */
export function dueAt(now: Date, timeZone: string): { kind: ReportKind; period_key: string }[] {
  const { date, hour, weekday } = localClock(now, timeZone);
  const due: { kind: ReportKind; period_key: string }[] = [];
  if (hour === DAILY_HOUR) due.push({ kind: 'daily', period_key: date });
  if (weekday === 1 && hour === WEEKLY_HOUR) {
    const lastMonday = addDays(startOfWeek(date), -7);
    due.push({ kind: 'weekly', period_key: lastMonday }, { kind: 'savings_reminder', period_key: date });
  }
  if (date.endsWith('-01') && hour === MONTHLY_HOUR) {
    due.push({ kind: 'monthly', period_key: addMonths(date, -1).slice(0, 7) });
  }
  return due;
}

/** The start of the UTC hour holding `now`: the key of one scheduler run. */
export function hourOf(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
}

const HourUtcRow = z.object({ hour_utc: z.date() });

const TimezoneRow = z.object({ timezone: z.string() });

/**
 * The jobs due in the hour of `now` for every active user, claiming the hour so a second call
 * in the same hour returns none. The caller commits the claim before it enqueues (no network
 * sends inside an open transaction, issue 13) and releases the hour when an enqueue fails.
 */
export async function planJobs(tx: CommonQueryMethods, now: Date): Promise<ReportJob[]> {
  const hour = hourOf(now);
  const claimed = await tx.maybeOneFirst(sql.type(HourUtcRow)`
    INSERT INTO schedule_runs (hour_utc, jobs) VALUES (${sql.timestamp(hour)}, 0)
    ON CONFLICT (hour_utc) DO NOTHING RETURNING hour_utc`);
  if (!claimed) return [];
  const zones = await tx.anyFirst(sql.type(TimezoneRow)`
    SELECT DISTINCT timezone FROM users WHERE status = 'active'`);
  const jobs: ReportJob[] = [];
  for (const zone of zones) {
    const due = dueAt(hour, zone);
    if (due.length === 0) continue;
    const ids = await tx.anyFirst(sql.type(IdRow)`
      SELECT id FROM users u WHERE status = 'active' AND timezone = ${zone}
        AND NOT EXISTS (SELECT 1 FROM households h WHERE h.book_id = u.id AND NOT h.active)
      ORDER BY id`);
    for (const id of ids) {
      for (const item of due) jobs.push({ user_id: id, ...item, planned_for: hour.toISOString() });
    }
  }
  await tx.query(
    sql.unsafe`UPDATE schedule_runs SET jobs = ${jobs.length} WHERE hour_utc = ${sql.timestamp(hour)}`,
  );
  return jobs;
}

/**
 * Records that `job` is being delivered; false when it was already (a redelivered job).
 * Call inside the transaction that writes the report's outbox row.
 */
export async function claimDelivery(tx: CommonQueryMethods, job: ReportJob): Promise<number | null> {
  return tx.maybeOneFirst(sql.type(IdRow)`
    INSERT INTO report_deliveries (user_id, kind, period_key) VALUES (${job.user_id}, ${job.kind}, ${job.period_key})
    ON CONFLICT (user_id, kind, period_key) DO NOTHING RETURNING id`);
}

export async function linkOutbox(
  tx: CommonQueryMethods,
  deliveryId: number,
  outboxId: number,
): Promise<void> {
  await tx.query(sql.unsafe`UPDATE report_deliveries SET outbox_id = ${outboxId} WHERE id = ${deliveryId}`);
}
