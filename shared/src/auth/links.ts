/**
 * One-time dashboard links: "Buat password dashboard kamu di <PUBLIC_URL>/onboarding/<token>".
 * The token is 32 random bytes; only its SHA-256 is stored. It works once, for 24 hours, and a
 * newer link retires the older ones, so only the last link the bot sent works.
 *
 * Minted at delivery (issue 14 item 2): a reply is written with {@link LINK_PLACEHOLDER} where
 * the link goes, and that text is what every stored copy holds (wa_messages.response,
 * outbox.body, the queue message, wa_sent_outbox.body, the console mailbox) — it says a link
 * was sent, and no backup or database reader can use it. The component that hands the message
 * to the person (the WhatsApp host's sender, the `/wa/incoming` response, the chat console)
 * calls {@link mintLinks} right before: the token is created then, and only its hash stored.
 */
import { createHash } from 'node:crypto';
import { getConfig } from '../config.ts';
import { type CommonQueryMethods, type DatabasePool, sql, UserIdRow } from '../db/pool.ts';
import * as Users from '../users/index.ts';
import { randomToken } from './session.ts';

export const LINK_TTL_HOURS = 24;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Only tokens of the shape Kantong makes reach the database. */
export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

export function linkUrl(token: string, publicUrl: string = getConfig().PUBLIC_URL): string {
  return `${publicUrl.replace(/\/+$/, '')}/onboarding/${token}`;
}

/**
 * Where a link goes in a stored message. Its brackets are not on a phone keyboard, so typed text
 * does not produce one by chance; if a user does paste it, the sender mints a link for the
 * message's own recipient — the user — which is what they asked for.
 */
export const LINK_PLACEHOLDER = '⟦link dashboard sekali pakai⟧';

/** The line the bot sends with a fresh link (with {@link LINK_PLACEHOLDER} as `url` when stored). */
export function linkLine(url: string, hasPassword: boolean): string {
  return hasPassword
    ? `Ganti password dashboard kamu di ${url} (berlaku ${LINK_TTL_HOURS} jam, sekali pakai).`
    : `Buat password dashboard kamu di ${url} (berlaku ${LINK_TTL_HOURS} jam, sekali pakai).`;
}

/** Makes a new link for `userId` (retiring the older open ones) and returns its URL. */
export async function issueLink(
  tx: CommonQueryMethods,
  userId: number,
  now: Date = new Date(),
): Promise<{ token: string; url: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + LINK_TTL_HOURS * 3_600_000);
  await tx.query(sql.unsafe`
    UPDATE dashboard_tokens SET used_at = ${sql.timestamp(now)}
    WHERE user_id = ${userId} AND used_at IS NULL`);
  await tx.query(sql.unsafe`
    INSERT INTO dashboard_tokens (user_id, token_hash, expires_at)
    VALUES (${userId}, ${hashToken(token)}, ${sql.timestamp(expiresAt)})`);
  return { token, url: linkUrl(token), expiresAt };
}

/** The user a link still works for (unused, unexpired), or null. Reading it does not use it up. */
export async function userOfLink(db: CommonQueryMethods, token: string, now: Date = new Date()) {
  if (!isWellFormedToken(token)) return null;
  return db.maybeOneFirst(sql.type(UserIdRow)`
    SELECT user_id FROM dashboard_tokens
    WHERE token_hash = ${hashToken(token)} AND used_at IS NULL AND expires_at > ${sql.timestamp(now)}`);
}

/**
 * Uses up a link and returns its user, or null when it was already used, expired or never
 * existed. One atomic UPDATE: two tabs submitting the same link cannot both win.
 */
export async function consumeLink(tx: CommonQueryMethods, token: string, now: Date = new Date()) {
  if (!isWellFormedToken(token)) return null;
  return tx.maybeOneFirst(sql.type(UserIdRow)`
    UPDATE dashboard_tokens SET used_at = ${sql.timestamp(now)}
    WHERE token_hash = ${hashToken(token)} AND used_at IS NULL AND expires_at > ${sql.timestamp(now)}
    RETURNING user_id`);
}

const LINK_COMMANDS = new Set(['dashboard', 'link dashboard', 'password', 'lupa password']);

/** The exact chat commands that ask for a fresh link: "dashboard", "link dashboard", "password", "lupa password". */
export function isLinkCommand(text: string): boolean {
  return LINK_COMMANDS.has(
    text
      .toLowerCase()
      .replace(/[.!?]+$/, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/**
 * Replaces each {@link LINK_PLACEHOLDER} in `text`, a message about to reach `to` (a phone
 * number), with a freshly minted link of that number's user. Text without one is returned as it
 * is, without touching the database. A number with no user (never happens for a reply) gets the
 * note instead of a link.
 */
export async function mintLinks(
  pool: DatabasePool,
  to: string,
  text: string,
  now: Date = new Date(),
): Promise<string> {
  if (!text.includes(LINK_PLACEHOLDER)) return text;
  const user = await Users.findByPhone(pool, Users.normalisePhone(to));
  if (!user) return text;
  const link = await pool.transaction((tx) => issueLink(tx, user.id, now));
  return text.replaceAll(LINK_PLACEHOLDER, link.url);
}
