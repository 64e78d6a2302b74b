/**
 * Dashboard sign-in: passwords (argon2id), sessions (JWT), CSRF tokens, the login lockout and
 * the one-time links the bot sends. Routes call these; no SQL about credentials lives elsewhere.
 */
import { z } from 'zod';
import { type CommonQueryMethods, type DatabasePool, IdRow, sql } from '../db/pool.ts';
import { logger } from '../logger.ts';
import * as Users from '../users/index.ts';
import { consumeLink, LINK_PLACEHOLDER, linkLine, userOfLink } from './links.ts';
import { burnVerification, checkNewPassword, hashPassword, verifyPassword } from './password.ts';
import { clearAttempts, recordAttempt, reserveAttempt, throttleKey } from './throttle.ts';

export * from './csrf.ts';
export * from './links.ts';
export * from './password.ts';
export * from './session.ts';
export * from './throttle.ts';

const CredentialsSchema = z.object({
  id: z.number(),
  password_hash: z.string().nullable(),
  session_version: z.number(),
  status: Users.UserStatusSchema,
});
const credentialColumns = sql.fragment`id, password_hash, session_version, status`;

/** What a person types to log in, in the form attempts are counted by: an email or a 628… number. */
export function normaliseIdentifier(input: string): string {
  const trimmed = input.trim();
  return trimmed.includes('@') ? trimmed.toLowerCase() : Users.normalisePhone(trimmed);
}

export type LoginResult =
  | { ok: true; userId: number; sessionVersion: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterMs: number };

/**
 * Checks a phone-or-email and password, counting the attempt for the lockout.
 *
 * @example
 * await login(pool, { identifier: '0812 0000 0001', password: 'rahasia123' })
 * // → { ok: true, userId: 7, sessionVersion: 3 }
 */
export async function login(
  db: CommonQueryMethods,
  input: { identifier: string; password: string; now?: Date },
): Promise<LoginResult> {
  const now = input.now ?? new Date();
  const identifier = normaliseIdentifier(input.identifier).slice(0, 254);
  const column = identifier.includes('@') ? sql.fragment`lower(email)` : sql.fragment`phone`;
  const user = await db.maybeOne(sql.type(CredentialsSchema)`
    SELECT ${credentialColumns} FROM users WHERE ${column} = ${identifier}`);
  // The try is counted before the password is checked (see throttle.ts), against the account.
  const key = throttleKey(user?.id ?? null, identifier);
  const retryAfterMs = await reserveAttempt(db, key, now);
  if (retryAfterMs > 0) return { ok: false, reason: 'locked', retryAfterMs };

  let ok = false;
  if (user?.password_hash && user.status !== 'blocked') {
    ok = await verifyPassword(user.password_hash, input.password);
  } else {
    await burnVerification(input.password);
  }
  await recordAttempt(db, identifier, ok, now);
  if (!ok || !user) return { ok: false, reason: 'invalid' };
  await clearAttempts(db, key);
  return { ok: true, userId: user.id, sessionVersion: user.session_version };
}

/**
 * The signed-in user of a verified session, or null when the session was ended since (logout,
 * a new password: both bump `users.session_version`), the user is blocked or gone.
 */
export async function sessionUser(
  db: CommonQueryMethods,
  session: { userId: number; sessionVersion: number },
): Promise<Users.User | null> {
  const credentials = await db.maybeOne(sql.type(CredentialsSchema)`
    SELECT ${credentialColumns} FROM users WHERE id = ${session.userId}`);
  if (!credentials || credentials.status === 'blocked' || !credentials.password_hash) return null;
  if (credentials.session_version !== session.sessionVersion) return null;
  return Users.findById(db, session.userId);
}

/**
 * Ends every session of `userId` (logout): a server-side version bump, so a copied cookie stops
 * working too, not only the browser's own that the logout response deletes. Only the session
 * that asks may end them: a stale version changes nothing.
 */
export async function endSessions(
  db: CommonQueryMethods,
  session: { userId: number; sessionVersion: number },
): Promise<void> {
  await db.query(sql.unsafe`
    UPDATE users SET session_version = session_version + 1, updated_at = now()
    WHERE id = ${session.userId} AND session_version = ${session.sessionVersion}`);
}

export const EmailSchema = z.email('Format email-nya belum benar.').max(254);

const SessionVersionRow = z.object({ session_version: z.number() });

/**
 * Sets the password (and optionally the email) of the user a one-time link belongs to, using the
 * link up in the same transaction. Returns null when the link is used, expired or unknown.
 */
export async function setPasswordWithLink(
  pool: DatabasePool,
  input: { token: string; password: string; confirmation: string; email?: string | null; now?: Date },
): Promise<{ userId: number; sessionVersion: number } | null> {
  const email = input.email ? EmailSchema.parse(input.email.trim().toLowerCase()) : null;
  checkNewPassword(
    input.password,
    input.confirmation,
    await accountWords(pool, input.token, email, input.now),
  );
  const hash = await hashPassword(input.password);
  const now = input.now ?? new Date();
  return pool.transaction(async (tx) => {
    const userId = await consumeLink(tx, input.token, now);
    if (userId === null) return null;
    // An email another account uses is not attached, and the answer is the same as for a free
    // one (issue 14 item 10): a refusal would tell anyone with a link which emails are
    // registered. Without a mail to verify the address, this is the non-revealing choice; the
    // email stays unset and the person can still log in with the phone.
    const taken =
      email !== null &&
      (await tx.maybeOneFirst(sql.type(IdRow)`
        SELECT id FROM users WHERE lower(email) = ${email} AND id <> ${userId}`)) !== null;
    if (taken) logger.info({ userId }, 'onboarding email belongs to another account; not attached');
    const newEmail = taken ? null : email;
    // A new password ends every older session (lupa password signs out every other browser).
    const sessionVersion = await tx.oneFirst(sql.type(SessionVersionRow)`
      UPDATE users SET password_hash = ${hash}, password_set_at = ${sql.timestamp(now)},
             session_version = session_version + 1,
             email = COALESCE(${newEmail}, email), updated_at = now()
      WHERE id = ${userId} RETURNING session_version`);
    return { userId, sessionVersion };
  });
}

/**
 * What a guesser knows of the account a link belongs to — its phone (both written forms) and
 * email — so "081234567890" is refused as that account's password.
 */
async function accountWords(
  pool: DatabasePool,
  token: string,
  email: string | null,
  now: Date = new Date(),
): Promise<string[]> {
  const userId = await userOfLink(pool, token, now);
  const user = userId === null ? null : await Users.findById(pool, userId);
  const phone = user?.phone ?? null;
  const words = [email, user?.email, phone, phone ? `0${phone.slice(2)}` : null];
  return words.filter((word): word is string => typeof word === 'string' && word.length > 0);
}

const HasRow = z.object({ has: z.boolean() });

/** Whether the user has set a dashboard password already. */
export async function hasPassword(db: CommonQueryMethods, userId: number): Promise<boolean> {
  return db.oneFirst(sql.type(HasRow)`
    SELECT password_hash IS NOT NULL AS has FROM users WHERE id = ${userId}`);
}

/**
 * The line the bot answers a link command with, as stored: the link itself is minted when the
 * message is delivered (see links.ts, issue 14 item 2).
 */
export async function dashboardLinkLine(tx: CommonQueryMethods, userId: number): Promise<string> {
  return linkLine(LINK_PLACEHOLDER, await hasPassword(tx, userId));
}
