/**
 * Users are identified by their WhatsApp number (SPEC.md "Penanganan Multi-User"): a number that
 * writes for the first time becomes a user named `User <last4>` with the default categories.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { DEFAULT_CATEGORIES } from '../nlu/lexicon.ts';

export const UserStatusSchema = z.enum(['pending', 'active', 'blocked']);

/** A person chats with Kantong; a household is the shared books of a WhatsApp group (issue 15). */
export const UserKindSchema = z.enum(['person', 'household']);

export const UserSchema = z.object({
  id: z.number(),
  name: z.string(),
  /** Null only for a household's books, which belong to a group, not a number. */
  phone: z.string().nullable(),
  email: z.string().nullable(),
  timezone: z.string(),
  status: UserStatusSchema,
  kind: UserKindSchema,
  /** When the welcome guide was sent; null while it is still owed (migration 018). */
  greeted_at: z.date().nullable(),
  created_at: z.date(),
});
export type User = z.infer<typeof UserSchema>;

export const userColumns = sql.fragment`id, name, phone, email, timezone, status, kind, greeted_at, created_at`;

/** Canonical form of a WhatsApp number: digits only, Indonesian local "08…" turned into "628…". */
export function normalisePhone(input: string): string {
  const digits = input.replace(/[\s\-+().]/g, '');
  return digits.startsWith('0') ? `62${digits.slice(1)}` : digits;
}

export function defaultName(phone: string): string {
  return `User ${phone.slice(-4)}`;
}

export async function findByPhone(db: CommonQueryMethods, phone: string): Promise<User | null> {
  return db.maybeOne(sql.type(UserSchema)`SELECT ${userColumns} FROM users WHERE phone = ${phone}`);
}

export async function findById(db: CommonQueryMethods, id: number): Promise<User | null> {
  return db.maybeOne(sql.type(UserSchema)`SELECT ${userColumns} FROM users WHERE id = ${id}`);
}

/**
 * Returns the user of `phone`, creating it (with its default categories) on first contact.
 * Safe under concurrency: two first messages from one number race on the unique phone, the
 * loser waits for the winner's commit and reads its row. Call inside a transaction so the user
 * and its categories appear together.
 */
export async function findOrCreateByPhone(
  tx: CommonQueryMethods,
  phone: string,
  options: {
    timezone: string;
    status?: z.infer<typeof UserStatusSchema>;
    /** True for a person met in a household's group: the guide waits for their first personal chat. */
    welcomeOwed?: boolean;
  },
): Promise<{ user: User; created: boolean }> {
  // Nearly every message comes from a known number: one SELECT, where inserting first cost a
  // refused INSERT and then the SELECT anyway (issue 16). A number registered concurrently makes
  // the INSERT below do nothing (it waits for the other transaction), and the last SELECT finds it.
  const known = await tx.maybeOne(
    sql.type(UserSchema)`SELECT ${userColumns} FROM users WHERE phone = ${phone}`,
  );
  if (known) return { user: known, created: false };
  const inserted = await tx.maybeOne(sql.type(UserSchema)`
    INSERT INTO users (name, phone, timezone, status, greeted_at)
    VALUES (${defaultName(phone)}, ${phone}, ${options.timezone}, ${options.status ?? 'active'},
            ${options.welcomeOwed ? null : sql.fragment`now()`})
    ON CONFLICT (phone) DO NOTHING
    RETURNING ${userColumns}`);
  if (inserted) {
    await seedDefaultCategories(tx, inserted.id);
    return { user: inserted, created: true };
  }
  const existing = await tx.one(
    sql.type(UserSchema)`SELECT ${userColumns} FROM users WHERE phone = ${phone}`,
  );
  return { user: existing, created: false };
}

/**
 * Locks the user's row until the transaction ends, so one sender's messages take turns at the
 * per-sender rate limit: each counts the ones logged before it, committed (issue 14 item 10 —
 * 45 messages at once let 44 through a limit of 30). `NO KEY UPDATE` leaves inserts that
 * reference the user (transactions, messages) unblocked.
 */
export async function lockForSender(tx: CommonQueryMethods, userId: number): Promise<void> {
  await tx.query(sql.unsafe`SELECT 1 FROM users WHERE id = ${userId} FOR NO KEY UPDATE`);
}

/** The welcome guide went out now (to someone first met in a household's group). */
export async function markGreeted(tx: CommonQueryMethods, userId: number): Promise<void> {
  await tx.query(sql.unsafe`UPDATE users SET greeted_at = now() WHERE id = ${userId} AND greeted_at IS NULL`);
}

/** Each user owns a copy of the default categories, so renaming or adding keywords is theirs alone. */
export async function seedDefaultCategories(tx: CommonQueryMethods, userId: number): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO categories (user_id, name, kind, keywords)
    SELECT ${userId}, name, kind, keywords
    FROM ${sql.unnest(
      DEFAULT_CATEGORIES.map((category) => [category.name, category.kind, category.keywords.join(',')]),
      ['text', 'text', 'text'],
    )} AS defaults(name, kind, keywords)
    ON CONFLICT DO NOTHING`);
}
