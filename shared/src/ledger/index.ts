/**
 * The transactions ledger: income, expense and transfers, soft-deleted, never a float.
 * Every function takes the connection first (a pool or a transaction), slonik-style.
 */
import { z } from 'zod';
import * as Categories from '../categories/index.ts';
import { type CommonQueryMethods, CountRow, IdRow, sql } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import { formatRupiah, MAX_AMOUNT } from '../money/index.ts';
import { DirectionSchema } from '../nlu/schema.ts';
import { DEFAULT_WALLET } from '../wallets/names.ts';

export const SourceSchema = z.enum(['whatsapp', 'web', 'import']);
export type Source = z.infer<typeof SourceSchema>;
export const TxStatusSchema = z.enum(['confirmed', 'pending']);
/**
 * What a row means for reports (migration 009): only 'regular' income and expense are earning and
 * spending; 'debt' / 'receivable' rows are loans with a `counterparty` (direction = the cash flow),
 * 'adjustment' rows correct a wallet's balance. Transfers are direction 'transfer', kind 'regular'.
 */
export const TxKindSchema = z.enum(['regular', 'debt', 'receivable', 'adjustment']);
export type TxKind = z.infer<typeof TxKindSchema>;

export const TransactionSchema = z.object({
  id: z.number(),
  user_id: z.number(),
  direction: DirectionSchema,
  amount: z.bigint(),
  currency: z.string(),
  category_id: z.number().nullable(),
  category: z.string().nullable(),
  description: z.string().nullable(),
  tx_datetime: z.date(),
  source: SourceSchema,
  status: TxStatusSchema,
  merchant: z.string().nullable(),
  created_at: z.date(),
  kind: TxKindSchema,
  /** null: the default wallet, Tunai. */
  wallet_id: z.number().nullable(),
  /** The wallet's printed name ("Tunai" when wallet_id is null). */
  wallet: z.string(),
  /** A transfer's destination (null: Tunai); null for every other row. */
  to_wallet_id: z.number().nullable(),
  to_wallet: z.string().nullable(),
  counterparty: z.string().nullable(),
  /** The inbound message that wrote it: the items of one message share it. */
  wa_message_row_id: z.number().nullable(),
});
export type Transaction = z.infer<typeof TransactionSchema>;

/** A transaction with its names, read from `relation` (the table, or rows an INSERT just returned). */
const transactionView = (relation: ReturnType<typeof sql.identifier>) => sql.fragment`
  SELECT t.id, t.user_id, t.direction, t.amount, t.currency, t.category_id, c.name AS category,
         t.description, t.tx_datetime, t.source, t.status, t.merchant, t.created_at,
         t.kind, t.wallet_id, COALESCE(w.name, ${DEFAULT_WALLET}) AS wallet,
         t.to_wallet_id, CASE WHEN t.direction = 'transfer' THEN COALESCE(tw.name, ${DEFAULT_WALLET}) END AS to_wallet,
         t.counterparty, t.wa_message_row_id
  FROM ${relation} t LEFT JOIN categories c ON c.id = t.category_id
  LEFT JOIN wallets w ON w.id = t.wallet_id LEFT JOIN wallets tw ON tw.id = t.to_wallet_id`;

const selectTransaction = transactionView(sql.identifier(['transactions']));

export type NewTransaction = {
  userId: number;
  direction: z.infer<typeof DirectionSchema>;
  amount: bigint;
  categoryId: number | null;
  description: string | null;
  datetime: Date;
  source: Source;
  rawText?: string | null;
  confidence?: number | null;
  status?: z.infer<typeof TxStatusSchema>;
  waMessageRowId?: number | null;
  mediaAssetId?: number | null;
  merchant?: string | null;
  /** Default 'regular'; a loan row needs `counterparty`. */
  kind?: TxKind;
  /** Paid from / received into; a transfer's source. null or absent: Tunai. */
  walletId?: number | null;
  /** A transfer's destination; null or absent: Tunai. */
  toWalletId?: number | null;
  counterparty?: string | null;
};

export function assertAmount(amount: bigint): void {
  if (amount <= 0n) throw new DomainError('invalid', 'Nominalnya harus lebih dari nol ya.');
  if (amount > MAX_AMOUNT)
    throw new DomainError('invalid', `Nominalnya kegedean (maks ${formatRupiah(MAX_AMOUNT)}).`);
}

export async function record(tx: CommonQueryMethods, input: NewTransaction): Promise<Transaction> {
  assertAmount(input.amount);
  const confidence =
    input.confidence === null || input.confidence === undefined ? null : input.confidence.toFixed(2);
  // The row and its names in one round trip (issue 16): the view reads what the INSERT returned.
  return tx.one(sql.type(TransactionSchema)`
    WITH inserted AS (
    INSERT INTO transactions (user_id, direction, amount, category_id, description, tx_datetime, source,
                              raw_text, ai_confidence, status, wa_message_row_id, media_asset_id, merchant,
                              kind, wallet_id, to_wallet_id, counterparty)
    VALUES (${input.userId}, ${input.direction}, ${input.amount.toString()}, ${input.categoryId},
            ${input.description}, ${sql.timestamp(input.datetime)}, ${input.source}, ${input.rawText ?? null},
            ${confidence}, ${input.status ?? 'confirmed'}, ${input.waMessageRowId ?? null},
            ${input.mediaAssetId ?? null}, ${input.merchant ?? null}, ${input.kind ?? 'regular'},
            ${input.walletId ?? null}, ${input.toWalletId ?? null}, ${input.counterparty ?? null})
    RETURNING *)
    ${transactionView(sql.identifier(['inserted']))}`);
}

export async function findForUser(
  db: CommonQueryMethods,
  userId: number,
  id: number,
): Promise<Transaction | null> {
  return db.maybeOne(
    sql.type(
      TransactionSchema,
    )`${selectTransaction} WHERE t.id = ${id} AND t.user_id = ${userId} AND t.deleted_at IS NULL`,
  );
}

/**
 * The user's most recent live transaction — what "ganti transport" and "hapus transaksi terakhir"
 * act on. Locked, so two corrections sent at once apply one after the other.
 */
export async function lastForUpdate(
  tx: CommonQueryMethods,
  userId: number,
  /** In a household's books (issue 15): only this member's own bookings count as "the last". */
  authorMemberId: number | null = null,
): Promise<Transaction | null> {
  const byAuthor =
    authorMemberId === null ? sql.fragment`TRUE` : sql.fragment`author_member_id = ${authorMemberId}`;
  const id = await tx.maybeOneFirst(sql.type(IdRow)`
    SELECT id FROM transactions WHERE user_id = ${userId} AND deleted_at IS NULL AND ${byAuthor}
    ORDER BY id DESC LIMIT 1 FOR UPDATE`);
  if (id === null) return null;
  return tx.one(sql.type(TransactionSchema)`${selectTransaction} WHERE t.id = ${id}`);
}

/**
 * Every live row written by the same message as the user's most recent one, in message order,
 * locked: a message with several items ("bakso 25rb, parkir 2rb") is undone as a whole by
 * "hapus transaksi terakhir". A row with no message (web, import) stands alone.
 */
export async function lastMessageForUpdate(
  tx: CommonQueryMethods,
  userId: number,
  authorMemberId: number | null = null,
): Promise<readonly Transaction[]> {
  const last = await lastForUpdate(tx, userId, authorMemberId);
  if (!last) return [];
  if (last.wa_message_row_id === null) return [last];
  const ids = await tx.anyFirst(sql.type(IdRow)`
    SELECT id FROM transactions
    WHERE user_id = ${userId} AND wa_message_row_id = ${last.wa_message_row_id} AND deleted_at IS NULL
    ORDER BY id FOR UPDATE`);
  return tx.any(
    sql.type(
      TransactionSchema,
    )`${selectTransaction} WHERE t.id = ANY(${sql.array(ids, 'int8')}) ORDER BY t.id`,
  );
}

export async function changeCategory(
  tx: CommonQueryMethods,
  id: number,
  categoryId: number,
): Promise<Transaction> {
  await tx.query(
    sql.unsafe`UPDATE transactions SET category_id = ${categoryId}, updated_at = now() WHERE id = ${id}`,
  );
  return tx.one(sql.type(TransactionSchema)`${selectTransaction} WHERE t.id = ${id}`);
}

export async function softDelete(tx: CommonQueryMethods, id: number): Promise<void> {
  await tx.query(sql.unsafe`UPDATE transactions SET deleted_at = now(), updated_at = now() WHERE id = ${id}`);
}

export const TransactionFilterSchema = z.object({
  userId: z.number(),
  /** Local dates (YYYY-MM-DD), from inclusive, to inclusive, in `timezone`. */
  from: z.string().optional(),
  to: z.string().optional(),
  timezone: z.string(),
  category: z.string().optional(),
  direction: DirectionSchema.optional(),
  source: SourceSchema.optional(),
  status: TxStatusSchema.optional(),
  search: z.string().optional(),
  limit: z.number().int().min(1).max(10_000).default(100),
  offset: z.number().int().min(0).default(0),
});
export type TransactionFilter = z.input<typeof TransactionFilterSchema>;

function filterConditions(filter: z.infer<typeof TransactionFilterSchema>) {
  const conditions = [sql.fragment`t.user_id = ${filter.userId}`, sql.fragment`t.deleted_at IS NULL`];
  if (filter.from)
    conditions.push(
      sql.fragment`t.tx_datetime >= (${filter.from}::date)::timestamp AT TIME ZONE ${filter.timezone}`,
    );
  if (filter.to)
    conditions.push(
      sql.fragment`t.tx_datetime < (${filter.to}::date + 1)::timestamp AT TIME ZONE ${filter.timezone}`,
    );
  if (filter.category) conditions.push(sql.fragment`lower(c.name) = lower(${filter.category})`);
  if (filter.direction) conditions.push(sql.fragment`t.direction = ${filter.direction}`);
  if (filter.source) conditions.push(sql.fragment`t.source = ${filter.source}`);
  if (filter.status) conditions.push(sql.fragment`t.status = ${filter.status}`);
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    conditions.push(sql.fragment`(t.description ILIKE ${pattern} OR t.merchant ILIKE ${pattern})`);
  }
  return sql.join(conditions, sql.fragment` AND `);
}

/** Live transactions matching `filter`, newest first, with the total count for paging. */
export async function list(
  db: CommonQueryMethods,
  input: TransactionFilter,
): Promise<{ rows: readonly Transaction[]; total: number }> {
  const filter = TransactionFilterSchema.parse(input);
  const where = filterConditions(filter);
  const rows = await db.any(sql.type(TransactionSchema)`
    ${selectTransaction} WHERE ${where}
    ORDER BY t.tx_datetime DESC, t.id DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`);
  const total = await db.oneFirst(sql.type(CountRow)`
    SELECT count(*) AS n FROM transactions t LEFT JOIN categories c ON c.id = t.category_id WHERE ${where}`);
  return { rows, total };
}

/**
 * The user's live transaction `id`, locked for a change; a row of another user, or a deleted
 * one, is "not found" — the dashboard never tells which ids exist.
 */
async function requireOwnForUpdate(tx: CommonQueryMethods, userId: number, id: number): Promise<Transaction> {
  const found = await tx.maybeOneFirst(sql.type(IdRow)`
    SELECT id FROM transactions WHERE id = ${id} AND user_id = ${userId} AND deleted_at IS NULL FOR UPDATE`);
  if (found === null) throw new DomainError('not_found', 'Transaksi tidak ditemukan.');
  return tx.one(sql.type(TransactionSchema)`${selectTransaction} WHERE t.id = ${id}`);
}

/** Checks that `categoryId` is the user's own and fits `direction` (a transfer takes none). */
async function requireCategoryFor(
  tx: CommonQueryMethods,
  userId: number,
  categoryId: number,
  direction: Transaction['direction'],
): Promise<void> {
  if (direction === 'transfer') throw new DomainError('invalid', 'Transfer nggak pakai kategori.');
  const category = await Categories.findForUser(tx, userId, categoryId);
  if (category === null) throw new DomainError('not_found', 'Kategori tidak ditemukan.');
  if (category.kind !== direction)
    throw new DomainError(
      'invalid',
      `Kategori ${category.name} bukan kategori ${direction === 'income' ? 'pemasukan' : 'pengeluaran'}.`,
    );
}

/**
 * Records a transaction typed into the dashboard: the category, when given, must be the user's
 * own and of the right kind.
 */
export async function recordForUser(tx: CommonQueryMethods, input: NewTransaction): Promise<Transaction> {
  if (input.categoryId !== null)
    await requireCategoryFor(tx, input.userId, input.categoryId, input.direction);
  return record(tx, input);
}

/**
 * Changes the amount and/or category of one of the user's transactions (the dashboard's inline
 * edit). The category must be the user's own and of the transaction's direction; a transfer
 * takes none.
 */
export async function editForUser(
  tx: CommonQueryMethods,
  input: { userId: number; id: number; amount?: bigint; categoryId?: number },
): Promise<Transaction> {
  const current = await requireOwnForUpdate(tx, input.userId, input.id);
  // A loan's or a balance correction's amount is part of a balance (a repayment was checked against
  // what was owed): changing it here could leave a person owing below zero. Delete and record again.
  if (current.kind !== 'regular')
    throw new DomainError(
      'invalid',
      'Pinjaman dan penyesuaian saldo nggak bisa diubah di sini. Hapus lalu catat ulang ya.',
    );
  if (input.amount !== undefined) assertAmount(input.amount);
  if (input.categoryId !== undefined) {
    await requireCategoryFor(tx, input.userId, input.categoryId, current.direction);
  }
  await tx.query(sql.unsafe`
    UPDATE transactions
    SET amount = COALESCE(${input.amount?.toString() ?? null}::numeric, amount),
        category_id = COALESCE(${input.categoryId ?? null}::bigint, category_id),
        updated_at = now()
    WHERE id = ${current.id}`);
  return tx.one(sql.type(TransactionSchema)`${selectTransaction} WHERE t.id = ${current.id}`);
}

/** Marks one of the user's pending transactions (an unsure receipt or voice note) confirmed. */
export async function confirmForUser(
  tx: CommonQueryMethods,
  userId: number,
  id: number,
): Promise<Transaction> {
  const current = await requireOwnForUpdate(tx, userId, id);
  await tx.query(
    sql.unsafe`UPDATE transactions SET status = 'confirmed', updated_at = now() WHERE id = ${current.id}`,
  );
  return tx.one(sql.type(TransactionSchema)`${selectTransaction} WHERE t.id = ${current.id}`);
}

/** Soft-deletes one of the user's transactions by id. */
export async function softDeleteForUser(tx: CommonQueryMethods, userId: number, id: number): Promise<void> {
  const current = await requireOwnForUpdate(tx, userId, id);
  await softDelete(tx, current.id);
}
