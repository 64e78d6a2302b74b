/**
 * A transaction typed in by hand — the dashboard's form and the JSON API's `POST /transactions` —
 * recorded by this one function, so both check the same things (issue 14 item 13): the category
 * and the wallets are the user's own (another user's id is "not found"), a category fits the
 * direction, a transfer names two different wallets and no category, and a row with no category
 * lands in "Lainnya" / "Pemasukan Lain". Messages from WhatsApp go through the conversation, which
 * has its own rules (pending receipts, several items); this is only the typed-in path.
 */
import * as Categories from '../categories/index.ts';
import type { CommonQueryMethods } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import * as Households from '../households/index.ts';
import * as Ledger from '../ledger/index.ts';
import * as Wallets from '../wallets/index.ts';

/** A choice from a form (`id`) or a name from an API call (`name`); null: the default. */
export type Ref = { id: number } | { name: string } | null;

export type WebTransaction = {
  userId: number;
  direction: Ledger.Transaction['direction'];
  amount: bigint;
  /** null: "Lainnya" for an expense, "Pemasukan Lain" for an income; a transfer takes none. */
  category: Ref;
  description: string | null;
  datetime: Date;
  /** Paid from / received into, a transfer's source; null: Tunai. A name is created when new. */
  wallet?: Ref;
  /** A transfer's destination; null: Tunai. Only for transfers. */
  toWallet?: Ref;
  /**
   * In a household's books: the member who typed it in, so the row names its author as a group
   * message's does (issue 15). Null or absent: personal books, or a caller with no person.
   */
  authorMemberId?: number | null;
};

const DIRECTION_WORD = { income: 'pemasukan', expense: 'pengeluaran' } as const;

async function categoryId(
  tx: CommonQueryMethods,
  input: WebTransaction,
  direction: 'income' | 'expense',
): Promise<number> {
  const ref = input.category;
  if (ref !== null && 'id' in ref) return ref.id; // checked by Ledger.recordForUser
  const name = ref?.name.trim() || (direction === 'income' ? 'Pemasukan Lain' : 'Lainnya');
  const existing = await Categories.findByName(tx, input.userId, name);
  if (existing && existing.kind !== direction)
    throw new DomainError(
      'invalid',
      `Kategori ${existing.name} bukan kategori ${DIRECTION_WORD[direction]}.`,
    );
  return (existing ?? (await Categories.findOrCreate(tx, input.userId, name, direction))).id;
}

async function wallet(tx: CommonQueryMethods, userId: number, ref: Ref | undefined): Promise<Wallets.Wallet> {
  if (ref === null || ref === undefined) return Wallets.resolve(tx, userId, null);
  if ('name' in ref) return Wallets.resolve(tx, userId, ref.name);
  const found = await Wallets.findForUser(tx, userId, ref.id);
  if (!found) throw new DomainError('not_found', 'Dompet tidak ditemukan.');
  return found;
}

/** Records one typed-in transaction (source 'web') and returns it as the ledger reads it back. */
export async function recordFromWeb(
  tx: CommonQueryMethods,
  input: WebTransaction,
): Promise<Ledger.Transaction> {
  Ledger.assertAmount(input.amount);
  // Must run in the caller's transaction: the author is a transaction-local setting (actAs).
  if (input.authorMemberId !== undefined && input.authorMemberId !== null)
    await Households.actAs(tx, input.authorMemberId);
  const from = await wallet(tx, input.userId, input.wallet);
  let to: Wallets.Wallet | null = null;
  let category: number | null = null;
  if (input.direction === 'transfer') {
    if (input.category !== null) throw new DomainError('invalid', 'Transfer nggak pakai kategori.');
    to = await wallet(tx, input.userId, input.toWallet);
    if (to.id === from.id)
      throw new DomainError(
        'invalid',
        `Dompet asal dan tujuannya sama (${from.name}). Pilih dompet lain ya.`,
      );
  } else {
    if (input.toWallet !== undefined && input.toWallet !== null)
      throw new DomainError('invalid', 'Dompet tujuan cuma untuk transfer.');
    category = await categoryId(tx, input, input.direction);
  }
  return Ledger.recordForUser(tx, {
    userId: input.userId,
    direction: input.direction,
    amount: input.amount,
    categoryId: category,
    description: input.description,
    datetime: input.datetime,
    source: 'web',
    walletId: from.id,
    ...(input.direction === 'transfer' ? { toWalletId: to?.id ?? null } : {}),
  });
}
