/**
 * Login lockout: 5 failed logins for one account within 15 minutes lock it until those 15
 * minutes (counted from the first failure of the window) are over. A success clears the count.
 * While locked, no password is checked at all, so a guesser learns nothing from a locked account.
 *
 * One counter per account (issue 14 item 1): the key is the user (`user:<id>`) whatever name
 * was typed — phone in any form, or email — so the phone and the email share five tries; a name
 * that matches nobody gets its own counter (`name:<identifier>`) so it locks like a real one.
 *
 * Atomic: a try is reserved with one INSERT … ON CONFLICT DO UPDATE … RETURNING *before* the
 * password is checked. PostgreSQL serialises the upsert on the row, so of 40 parallel tries
 * exactly the first five see a count ≤ 5 and the rest are refused without a check. A right
 * password then clears the counter; a wrong one leaves its reservation as the failure. The
 * window is fixed (from its first failure), not sliding: simpler to make atomic, and at most
 * 5 checks per 15 minutes per account either way.
 *
 * Attempts are kept by account only: behind API Gateway or a proxy the client address is a
 * header anyone can write, so per-IP limits belong to the proxy or WAF in front.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';

export const MAX_FAILURES = 5;
export const LOCK_WINDOW_MS = 15 * 60_000;

/** The counter key of a login try: the account when the name matches one, else the name typed. */
export function throttleKey(userId: number | null, identifier: string): string {
  return userId === null ? `name:${identifier}` : `user:${userId}`;
}

const ReservationSchema = z.object({ failures: z.number(), window_started_at: z.date() });

/**
 * Reserves one try for `key`: 0 when the password may be checked, else the milliseconds until
 * the account may try again. A window older than {@link LOCK_WINDOW_MS} starts over.
 */
export async function reserveAttempt(db: CommonQueryMethods, key: string, now: Date): Promise<number> {
  const since = sql.timestamp(new Date(now.getTime() - LOCK_WINDOW_MS));
  const at = sql.timestamp(now);
  const row = await db.one(sql.type(ReservationSchema)`
    INSERT INTO login_throttle AS t (key, failures, window_started_at) VALUES (${key}, 1, ${at})
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.window_started_at <= ${since} THEN 1 ELSE t.failures + 1 END,
      window_started_at = CASE WHEN t.window_started_at <= ${since} THEN ${at} ELSE t.window_started_at END
    RETURNING failures, window_started_at`);
  // A new window: counters of names typed once and never again would pile up, so windows
  // over for a day are dropped here (cheap, indexed, and only when a window starts).
  if (row.failures === 1) {
    await db.query(sql.unsafe`
      DELETE FROM login_throttle WHERE window_started_at < ${sql.timestamp(new Date(now.getTime() - 24 * 3_600_000))}`);
  }
  if (row.failures <= MAX_FAILURES) return 0;
  return Math.max(1, row.window_started_at.getTime() + LOCK_WINDOW_MS - now.getTime());
}

/** A right password: the account's count starts from zero again. */
export async function clearAttempts(db: CommonQueryMethods, key: string): Promise<void> {
  await db.query(sql.unsafe`DELETE FROM login_throttle WHERE key = ${key}`);
}

/** Keeps the audit trail of tries (`login_attempts`, by the name typed); the lockout no longer reads it. */
export async function recordAttempt(
  db: CommonQueryMethods,
  identifier: string,
  success: boolean,
  now: Date,
): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO login_attempts (identifier, success, created_at) VALUES (${identifier}, ${success}, ${sql.timestamp(now)})`);
  if (success) {
    // Old rows are only history; keep the table small.
    await db.query(sql.unsafe`
      DELETE FROM login_attempts WHERE identifier = ${identifier} AND created_at < ${sql.timestamp(new Date(now.getTime() - 24 * 3_600_000))}`);
  }
}
