/**
 * Household books (issue 15): a family's WhatsApp group shares one set of books.
 *
 * The books are a `users` row of kind 'household' (migration 013), so every ledger module —
 * transactions, categories, budgets, savings, wallets, debts, reports, schedules — works on a
 * household by its book id exactly as on a person's. What is household-only lives here: the
 * group behind the books, who belongs to it and with which role, and who wrote each booking.
 *
 * Roles: the one who activated is `owner`; everyone who writes in the group becomes a `member`;
 * a `viewer` reads reports and the dashboard but books nothing. A member who left the group
 * (left_at) books nothing either, and keeps their name on what they wrote.
 */
import { z } from 'zod';
import { type CommonQueryMethods, CountRow, IdRow, sql } from '../db/pool.ts';
import * as Users from '../users/index.ts';

export const RoleSchema = z.enum(['owner', 'member', 'viewer']);
export type Role = z.infer<typeof RoleSchema>;

/** A WhatsApp group JID: "120363025246125486@g.us" (or the older "<creator>-<time>@g.us"). */
export const GroupJidSchema = z
  .string()
  .regex(/^[0-9]{6,24}(-[0-9]{6,14})?@g\.us$/, 'not a WhatsApp group JID');

/** A WhatsApp LID's digits (the part before "@lid"). */
export const LidSchema = z.string().regex(/^[0-9]{6,24}$/, 'not a WhatsApp LID');

export function isGroupJid(value: string): boolean {
  return GroupJidSchema.safeParse(value).success;
}

export const HouseholdSchema = z.object({
  book_id: z.number(),
  group_jid: z.string(),
  name: z.string(),
  timezone: z.string(),
  active: z.boolean(),
});
export type Household = z.infer<typeof HouseholdSchema>;

export const MemberSchema = z.object({
  id: z.number(),
  book_id: z.number(),
  user_id: z.number().nullable(),
  lid: z.string().nullable(),
  display_name: z.string().nullable(),
  role: RoleSchema,
  left_at: z.date().nullable(),
});
export type Member = z.infer<typeof MemberSchema>;

const householdColumns = sql.fragment`h.book_id, h.group_jid, u.name, u.timezone, h.active`;
const memberColumns = sql.fragment`id, book_id, user_id, lid, display_name, role, left_at`;

export async function findByGroup(db: CommonQueryMethods, groupJid: string): Promise<Household | null> {
  return db.maybeOne(sql.type(HouseholdSchema)`
    SELECT ${householdColumns} FROM households h JOIN users u ON u.id = h.book_id
    WHERE h.group_jid = ${groupJid}`);
}

export async function findByBook(db: CommonQueryMethods, bookId: number): Promise<Household | null> {
  return db.maybeOne(sql.type(HouseholdSchema)`
    SELECT ${householdColumns} FROM households h JOIN users u ON u.id = h.book_id
    WHERE h.book_id = ${bookId}`);
}

/** Longest household name kept (users.name). */
const NAME_LIMIT = 120;

/**
 * Turns a group into a household, or switches an existing one back on. The books get their own
 * copy of the default categories and the activating person's timezone; the activator becomes
 * (or stays) an owner. Safe when two activations race: the group JID is unique.
 */
export async function activate(
  tx: CommonQueryMethods,
  input: {
    groupJid: string;
    name: string;
    owner: { id: number; timezone: string };
    ownerName?: string | null;
  },
): Promise<{ household: Household; owner: Member; created: boolean }> {
  const existing = await tx.maybeOne(sql.type(HouseholdSchema)`
    SELECT ${householdColumns} FROM households h JOIN users u ON u.id = h.book_id
    WHERE h.group_jid = ${input.groupJid} FOR UPDATE OF h`);
  let household: Household;
  let created = false;
  if (existing) {
    await tx.query(sql.unsafe`
      UPDATE households SET active = true, deactivated_at = NULL WHERE book_id = ${existing.book_id}`);
    household = { ...existing, active: true };
  } else {
    const name = (input.name.trim() || 'Keluarga').slice(0, NAME_LIMIT);
    const bookId = await tx.oneFirst(sql.type(IdRow)`
      INSERT INTO users (name, phone, timezone, status, kind)
      VALUES (${name}, NULL, ${input.owner.timezone}, 'active', 'household') RETURNING id`);
    await tx.query(sql.unsafe`
      INSERT INTO households (book_id, group_jid, activated_by) VALUES (${bookId}, ${input.groupJid}, ${input.owner.id})`);
    await Users.seedDefaultCategories(tx, bookId);
    household = {
      book_id: bookId,
      group_jid: input.groupJid,
      name,
      timezone: input.owner.timezone,
      active: true,
    };
    created = true;
  }
  const owner = await addMember(tx, {
    bookId: household.book_id,
    userId: input.owner.id,
    lid: null,
    displayName: input.ownerName ?? null,
  });
  const promoted = owner.role === 'owner' ? owner : await setRole(tx, household.book_id, owner.id, 'owner');
  return { household, owner: promoted, created };
}

/** "matikan kantong": the group is ignored from now on; the books, members and history stay. */
export async function deactivate(tx: CommonQueryMethods, bookId: number): Promise<void> {
  await tx.query(sql.unsafe`
    UPDATE households SET active = false, deactivated_at = now() WHERE book_id = ${bookId}`);
}

/**
 * The member who wrote a message, added on first message (role `member`), back from having left
 * when they write again (they are in the group, so they rejoined). Known by account, LID or both:
 * a member first known by LID is linked to their account once their number is known.
 */
export async function addMember(
  tx: CommonQueryMethods,
  input: { bookId: number; userId: number | null; lid: string | null; displayName: string | null },
): Promise<Member> {
  if (input.userId === null && input.lid === null) throw new Error('a member needs an account or a LID');
  const found = await tx.any(sql.type(MemberSchema)`
    SELECT ${memberColumns} FROM household_members
    WHERE book_id = ${input.bookId}
      AND (user_id = ${input.userId ?? -1} OR lid = ${input.lid ?? ''})
    ORDER BY (user_id IS NOT NULL) DESC, id
    FOR UPDATE`);
  const existing = found[0];
  if (!existing) {
    const inserted = await tx.maybeOne(sql.type(MemberSchema)`
      INSERT INTO household_members (book_id, user_id, lid, display_name)
      VALUES (${input.bookId}, ${input.userId}, ${input.lid}, ${input.displayName})
      ON CONFLICT DO NOTHING
      RETURNING ${memberColumns}`);
    if (inserted) return inserted;
    // A concurrent first message of the same person won the race: read theirs.
    return addMember(tx, input);
  }
  // One person known twice (by LID, then by account): keep the older row, fold the other in.
  for (const duplicate of found.slice(1)) {
    await tx.query(sql.unsafe`
      UPDATE transactions SET author_member_id = ${existing.id} WHERE author_member_id = ${duplicate.id}`);
    await tx.query(sql.unsafe`
      UPDATE savings_transactions SET author_member_id = ${existing.id} WHERE author_member_id = ${duplicate.id}`);
    await tx.query(sql.unsafe`DELETE FROM household_members WHERE id = ${duplicate.id}`);
  }
  return tx.one(sql.type(MemberSchema)`
    UPDATE household_members SET
      user_id = COALESCE(user_id, ${input.userId}),
      lid = COALESCE(lid, ${input.lid}),
      display_name = COALESCE(${input.displayName}, display_name),
      left_at = NULL,
      updated_at = now()
    WHERE id = ${existing.id}
    RETURNING ${memberColumns}`);
}

export async function setRole(
  tx: CommonQueryMethods,
  bookId: number,
  memberId: number,
  role: Role,
): Promise<Member> {
  return tx.one(sql.type(MemberSchema)`
    UPDATE household_members SET role = ${role}, updated_at = now()
    WHERE book_id = ${bookId} AND id = ${memberId}
    RETURNING ${memberColumns}`);
}

/** Members who left the group (by account or LID) book nothing more; what they wrote stays theirs. */
export async function markLeft(
  tx: CommonQueryMethods,
  bookId: number,
  who: { userIds: number[]; lids: string[] },
): Promise<number> {
  const rows = await tx.anyFirst(sql.type(IdRow)`
    UPDATE household_members SET left_at = now(), updated_at = now()
    WHERE book_id = ${bookId} AND left_at IS NULL
      AND (user_id = ANY(${sql.array(who.userIds, 'int8')}) OR lid = ANY(${sql.array(who.lids, 'text')}))
    RETURNING id`);
  return rows.length;
}

export async function members(db: CommonQueryMethods, bookId: number): Promise<readonly Member[]> {
  return db.any(sql.type(MemberSchema)`
    SELECT ${memberColumns} FROM household_members WHERE book_id = ${bookId} ORDER BY id`);
}

/** Whether a member may book into the household: not a viewer, and still in the group. */
export function canBook(member: Pick<Member, 'role' | 'left_at'>): boolean {
  return member.left_at === null && member.role !== 'viewer';
}

const RoleRow = z.object({ role: RoleSchema });

/** A person's role in a household's books, or null when they are not (or no longer) a member. */
export async function roleOf(db: CommonQueryMethods, bookId: number, userId: number): Promise<Role | null> {
  return db.maybeOneFirst(sql.type(RoleRow)`
    SELECT role FROM household_members
    WHERE book_id = ${bookId} AND user_id = ${userId} AND left_at IS NULL`);
}

export const BookSchema = z.object({
  book_id: z.number(),
  name: z.string(),
  role: RoleSchema,
  active: z.boolean(),
});
export type Book = z.infer<typeof BookSchema>;

/** The households a person belongs to (still in the group), for the dashboard's book switcher. */
export async function booksOf(db: CommonQueryMethods, userId: number): Promise<readonly Book[]> {
  return db.any(sql.type(BookSchema)`
    SELECT m.book_id, u.name, m.role, h.active
    FROM household_members m JOIN households h ON h.book_id = m.book_id JOIN users u ON u.id = m.book_id
    WHERE m.user_id = ${userId} AND m.left_at IS NULL
    ORDER BY u.name, m.book_id`);
}

/**
 * Tags every booking made in the rest of this database transaction with `memberId` as its author
 * (the column default of transactions/savings_transactions.author_member_id reads it). Must run
 * inside a transaction: the setting is transaction-local, so a pooled connection never carries
 * it into someone else's work.
 */
export async function actAs(tx: CommonQueryMethods, memberId: number): Promise<void> {
  await tx.query(sql.unsafe`SELECT set_config('kantong.author_member', ${String(memberId)}, true)`);
}

/** A member's name for replies and reports: their own name, WhatsApp name, or the number's end. */
export function memberLabel(
  member: { display_name: string | null; lid: string | null },
  userName?: string | null,
): string {
  return userName ?? member.display_name ?? (member.lid ? `Anggota …${member.lid.slice(-4)}` : 'Anggota');
}

export { commandWords, isActivationCommand, isDeactivationCommand } from './commands.ts';

/**
 * A person's membership of a household's books (still in the group), or null. The dashboard
 * resolves the book it shows from this on every request: the role decides what the page offers,
 * the member id tags what they add (actAs).
 */
export async function membership(
  db: CommonQueryMethods,
  bookId: number,
  userId: number,
): Promise<Member | null> {
  return db.maybeOne(sql.type(MemberSchema)`
    SELECT ${memberColumns} FROM household_members
    WHERE book_id = ${bookId} AND user_id = ${userId} AND left_at IS NULL`);
}

export const RosterEntrySchema = MemberSchema.extend({
  /** authorName: the name the chat and the reports use for them. */
  name: z.string(),
  phone: z.string().nullable(),
});
export type RosterEntry = z.infer<typeof RosterEntrySchema>;

/** Every member, left or not, with their name and number (for the dashboard's "Anggota"). */
export async function roster(db: CommonQueryMethods, bookId: number): Promise<readonly RosterEntry[]> {
  return db.any(sql.type(RosterEntrySchema)`
    SELECT m.id, m.book_id, m.user_id, m.lid, m.display_name, m.role, m.left_at,
           ${authorNameSql} AS name, p.phone
    FROM household_members m LEFT JOIN users p ON p.id = m.user_id
    WHERE m.book_id = ${bookId}
    ORDER BY m.left_at IS NOT NULL, m.id`);
}

const IdNameRow = z.object({ id: z.number(), name: z.string() });

/**
 * Who wrote each of `transactionIds` in the books `bookId` (authorName), for the dashboard's
 * list and exports. Only rows of that book are read, so an id from other books names nobody.
 */
export async function authorsOf(
  db: CommonQueryMethods,
  bookId: number,
  transactionIds: readonly number[],
): Promise<ReadonlyMap<number, string>> {
  if (transactionIds.length === 0) return new Map();
  const rows = await db.any(sql.type(IdNameRow)`
    SELECT t.id, ${authorNameSql} AS name
    FROM transactions t
    JOIN household_members m ON m.id = t.author_member_id AND m.book_id = t.user_id
    LEFT JOIN users p ON p.id = m.user_id
    WHERE t.user_id = ${bookId} AND t.id = ANY(${sql.array([...transactionIds], 'int8')})`);
  return new Map(rows.map((row) => [row.id, row.name]));
}

/**
 * The member row of a writer, as it is — without adding them or bringing them back. The group
 * path reads this first: a member who left stays left until the host says they rejoined
 * (group.ts decides; {@link addMember} would clear left_at).
 */
export async function findMember(
  db: CommonQueryMethods,
  bookId: number,
  who: { userId: number | null; lid: string | null },
): Promise<Member | null> {
  if (who.userId === null && who.lid === null) return null;
  const found = await db.any(sql.type(MemberSchema)`
    SELECT ${memberColumns} FROM household_members
    WHERE book_id = ${bookId} AND (user_id = ${who.userId ?? -1} OR lid = ${who.lid ?? ''})
    ORDER BY (user_id IS NOT NULL) DESC, id`);
  return found[0] ?? null;
}

/** Members the host saw (re)join the group: whoever had left may book again. New people are added when they write. */
export async function markRejoined(
  tx: CommonQueryMethods,
  bookId: number,
  who: { userIds: number[]; lids: string[] },
): Promise<number> {
  const rows = await tx.anyFirst(sql.type(IdRow)`
    UPDATE household_members SET left_at = NULL, updated_at = now()
    WHERE book_id = ${bookId} AND left_at IS NOT NULL
      AND (user_id = ANY(${sql.array(who.userIds, 'int8')}) OR lid = ANY(${sql.array(who.lids, 'text')}))
    RETURNING id`);
  return rows.length;
}

/** Owners still in the group: a household always keeps at least one (group.ts refuses the last demotion). */
export async function activeOwners(db: CommonQueryMethods, bookId: number): Promise<number> {
  return db.oneFirst(sql.type(CountRow)`
    SELECT count(*)::int AS n FROM household_members
    WHERE book_id = ${bookId} AND role = 'owner' AND left_at IS NULL`);
}

/**
 * A member's name in replies and reports: the name they gave their own account (not the
 * automatic "User 1234"), else their WhatsApp name, else the end of their number or LID.
 * {@link authorNameSql} is the same rule in SQL, for reports.
 */
export function authorName(input: {
  accountName: string | null;
  phone: string | null;
  displayName: string | null;
  lid: string | null;
}): string {
  const own = input.accountName && input.phone && input.accountName !== `User ${input.phone.slice(-4)}`;
  if (own) return input.accountName as string;
  if (input.displayName?.trim()) return input.displayName.trim();
  const digits = input.phone ?? input.lid;
  return digits ? `…${digits.slice(-4)}` : 'Anggota';
}

/** {@link authorName} over `household_members m LEFT JOIN users p ON p.id = m.user_id`. */
export const authorNameSql = sql.fragment`COALESCE(
  CASE WHEN p.phone IS NOT NULL AND p.name <> 'User ' || right(p.phone, 4) THEN p.name END,
  NULLIF(btrim(m.display_name), ''),
  '…' || right(COALESCE(p.phone, m.lid), 4),
  'Anggota')`;
