/**
 * Dashboard sign-in: passwords (argon2id), sessions (JWT), CSRF tokens, the login lockout and
 * the one-time links the bot sends. Routes call these; no SQL about credentials lives elsewhere.
 */
import { z } from 'zod';
import { type CommonQueryMethods, type DatabasePool, sql } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import * as Users from '../users/index.ts';
import { consumeLink, issueLink, linkLine } from './links.ts';
import { burnVerification, checkNewPassword, hashPassword, verifyPassword } from './password.ts';
import { lockedFor, recordAttempt } from './throttle.ts';

export * from './csrf.ts';
export * from './links.ts';
export * from './password.ts';
export * from './session.ts';
export * from './throttle.ts';

const CredentialsSchema = z.object({
  id: z.number(),
  password_hash: z.string().nullable(),
  password_set_at: z.date().nullable(),
  status: Users.UserStatusSchema,
});

/** What a person types to log in, in the form attempts are counted by: an email or a 628… number. */
export function normaliseIdentifier(input: string): string {
  const trimmed = input.trim();
  return trimmed.includes('@') ? trimmed.toLowerCase() : Users.normalisePhone(trimmed);
}

export type LoginResult =
  | { ok: true; userId: number; passwordVersion: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterMs: number };

/**
 * Checks a phone-or-email and password, counting the attempt for the lockout.
 *
 * @example
 * await login(pool, { identifier: '0812 0000 0001', password: 'rahasia123' })
 * // → { ok: true, userId: 7, passwordVersion: 1764000000000 }
 */
export async function login(
  db: CommonQueryMethods,
  input: { identifier: string; password: string; now?: Date },
): Promise<LoginResult> {
  const now = input.now ?? new Date();
  const identifier = normaliseIdentifier(input.identifier).slice(0, 254);
  const retryAfterMs = await lockedFor(db, identifier, now);
  if (retryAfterMs > 0) return { ok: false, reason: 'locked', retryAfterMs };

  const column = identifier.includes('@') ? sql.fragment`lower(email)` : sql.fragment`phone`;
  const user = await db.maybeOne(sql.type(CredentialsSchema)`
    SELECT id, password_hash, password_set_at, status FROM users WHERE ${column} = ${identifier}`);
  let ok = false;
  if (user?.password_hash && user.status !== 'blocked') {
    ok = await verifyPassword(user.password_hash, input.password);
  } else {
    await burnVerification(input.password);
  }
  await recordAttempt(db, identifier, ok, now);
  if (!ok || !user) return { ok: false, reason: 'invalid' };
  return { ok: true, userId: user.id, passwordVersion: user.password_set_at?.getTime() ?? 0 };
}

/** The signed-in user of a verified session, or null when the password changed since or the user is gone. */
export async function sessionUser(
  db: CommonQueryMethods,
  session: { userId: number; passwordVersion: number },
): Promise<Users.User | null> {
  const credentials = await db.maybeOne(sql.type(CredentialsSchema)`
    SELECT id, password_hash, password_set_at, status FROM users WHERE id = ${session.userId}`);
  if (!credentials || credentials.status === 'blocked' || !credentials.password_set_at) return null;
  if (credentials.password_set_at.getTime() !== session.passwordVersion) return null;
  return Users.findById(db, session.userId);
}

export const EmailSchema = z.email('Format email-nya belum benar.').max(254);

/**
 * Sets the password (and optionally the email) of the user a one-time link belongs to, using the
 * link up in the same transaction. Returns null when the link is used, expired or unknown.
 */
export async function setPasswordWithLink(
  pool: DatabasePool,
  input: { token: string; password: string; confirmation: string; email?: string | null; now?: Date },
): Promise<{ userId: number; passwordVersion: number } | null> {
  checkNewPassword(input.password, input.confirmation);
  const email = input.email ? EmailSchema.parse(input.email.trim().toLowerCase()) : null;
  const hash = await hashPassword(input.password);
  const now = input.now ?? new Date();
  return pool.transaction(async (tx) => {
    const userId = await consumeLink(tx, input.token, now);
    if (userId === null) return null;
    if (email) {
      const taken = await tx.maybeOneFirst(sql.type(z.object({ id: z.number() }))`
        SELECT id FROM users WHERE lower(email) = ${email} AND id <> ${userId}`);
      if (taken !== null) throw new DomainError('conflict', 'Email itu sudah dipakai akun lain.');
    }
    // Milliseconds survive the round trip through timestamptz (microseconds), so this is the version.
    await tx.query(sql.unsafe`
      UPDATE users SET password_hash = ${hash}, password_set_at = ${sql.timestamp(now)},
             email = COALESCE(${email}, email), updated_at = now()
      WHERE id = ${userId}`);
    return { userId, passwordVersion: now.getTime() };
  });
}

/** Whether the user has set a dashboard password already. */
export async function hasPassword(db: CommonQueryMethods, userId: number): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ has: z.boolean() }))`
    SELECT password_hash IS NOT NULL AS has FROM users WHERE id = ${userId}`);
}

/** A fresh one-time link for the bot to send, as the line it sends. */
export async function dashboardLinkLine(tx: CommonQueryMethods, userId: number, now: Date): Promise<string> {
  const link = await issueLink(tx, userId, now);
  return linkLine(link.url, await hasPassword(tx, userId));
}
