/**
 * Login lockout: 5 failed logins for one identifier within 15 minutes lock it for the rest of
 * those 15 minutes, counted from the oldest of the five. A success clears the count. While
 * locked, no password is checked at all, so a guesser learns nothing from a locked account.
 * Attempts are kept by identifier only: behind API Gateway or a proxy the client address is a
 * header anyone can write, so per-IP limits belong to the proxy or WAF in front.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';

export const MAX_FAILURES = 5;
export const LOCK_WINDOW_MS = 15 * 60_000;

/** Milliseconds until `identifier` may try again; 0 when it is not locked. */
export async function lockedFor(db: CommonQueryMethods, identifier: string, now: Date): Promise<number> {
  const since = new Date(now.getTime() - LOCK_WINDOW_MS);
  const failures = await db.any(sql.type(z.object({ created_at: z.date() }))`
    SELECT a.created_at FROM login_attempts a
    WHERE a.identifier = ${identifier} AND NOT a.success AND a.created_at > ${sql.timestamp(since)}
      AND a.created_at > COALESCE((
        SELECT max(s.created_at) FROM login_attempts s WHERE s.identifier = ${identifier} AND s.success
      ), '-infinity')
    ORDER BY a.created_at DESC LIMIT ${MAX_FAILURES}`);
  if (failures.length < MAX_FAILURES) return 0;
  const oldest = failures[failures.length - 1];
  if (!oldest) return 0;
  return Math.max(0, oldest.created_at.getTime() + LOCK_WINDOW_MS - now.getTime());
}

export async function recordAttempt(
  db: CommonQueryMethods,
  identifier: string,
  success: boolean,
  now: Date,
): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO login_attempts (identifier, success, created_at) VALUES (${identifier}, ${success}, ${sql.timestamp(now)})`);
  if (success) {
    // Old rows only feed the lockout window; keep the table small.
    await db.query(sql.unsafe`
      DELETE FROM login_attempts WHERE identifier = ${identifier} AND created_at < ${sql.timestamp(new Date(now.getTime() - 24 * 3_600_000))}`);
  }
}
