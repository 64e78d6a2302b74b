/**
 * Booking one spend or income a message describes: its category (the reader's suggestion, the
 * user's own categories, the fallbacks), its wallet and its day. Shared by a single transaction,
 * each item of a message with several (several.ts) and the voice-note question (media.ts).
 */
import * as Categories from '../categories/index.ts';
import type { DatabaseTransactionConnection } from '../db/pool.ts';
import * as Ledger from '../ledger/index.ts';
import { FALLBACK_EXPENSE_CATEGORY, FALLBACK_INCOME_CATEGORY } from '../nlu/lexicon.ts';
import type { ParseResult } from '../nlu/schema.ts';
import type { User } from '../users/index.ts';
import { PENDING_NOTE } from '../users/registration.ts';
import * as Wallets from '../wallets/index.ts';
import type { StateKey } from './state.ts';

/**
 * `at` is when the message was sent: reports and questions count from it, not from the server clock.
 * `memberId`: in a household's books (issue 15), the member who wrote — their open questions are
 * their own; absent in a person's own chat.
 */
export type ActInput = {
  user: User;
  parsed: ParseResult;
  rawText: string;
  inboundId: number;
  at: Date;
  memberId?: number | null;
  /**
   * Whether the writer may have an open question to close; false when the caller read none
   * (State.openQuestion), which spares the DELETE (issue 16). Absent: close it to be sure.
   */
  questionOpen?: boolean;
  /** The categories with a budget (received.ts `lockSender`); absent: check every expense. */
  budgetedCategories?: readonly number[];
  /**
   * The books' categories as read before the transaction (received.ts `lookBack`), so naming one
   * costs no lookup (issue 16); absent: looked up by name. A category deleted in between makes the
   * ledger insert fail on its foreign key, the transaction roll back and the message come again.
   */
  categories?: readonly Categories.Category[];
};

/** Whose open question a message may answer or leave: the books' and, in a household, the writer's. */
export function stateKeyOf(input: { user: User; memberId?: number | null }): StateKey {
  return { userId: input.user.id, memberId: input.memberId ?? null };
}
export type Action = { intent: string; reply: string };

export type Booked = {
  id: number;
  direction: 'income' | 'expense' | 'transfer';
  amount: bigint;
  categoryId: number | null;
  category: string | null;
  description: string | null;
  datetime: Date;
  /** The wallet's printed name: "Tunai" unless the message named one ("pake gopay"). */
  wallet: string;
};

/**
 * Writes the transaction a reading with an amount describes, in the given status: the category
 * decides the direction when the reader could not ("tadi 50k" → "gaji"). A named wallet is created
 * the first time ("beli kopi 25rb pake gopay" makes GoPay); none is Tunai.
 */
export async function bookTransaction(
  tx: DatabaseTransactionConnection,
  input: ActInput,
  status: 'confirmed' | 'pending',
): Promise<Booked> {
  const { parsed, user } = input;
  if (parsed.amount === null) throw new Error('bookTransaction needs an amount');
  const datetime = parsed.datetime ? new Date(parsed.datetime) : input.at;
  const wallet = await Wallets.resolve(tx, user.id, parsed.wallet);
  const base = {
    status,
    userId: user.id,
    amount: parsed.amount,
    description: parsed.description,
    datetime,
    source: 'whatsapp' as const,
    rawText: input.rawText,
    confidence: parsed.confidence,
    waMessageRowId: input.inboundId,
    walletId: wallet.id,
  };
  const booked = { amount: parsed.amount, description: parsed.description, datetime, wallet: wallet.name };
  if (parsed.direction === 'transfer') {
    const transfer = await Ledger.record(tx, { ...base, direction: 'transfer', categoryId: null });
    return { ...booked, id: transfer.id, direction: 'transfer', categoryId: null, category: null };
  }
  const existing = parsed.category_suggestion
    ? input.categories
      ? Categories.byName(input.categories, parsed.category_suggestion)
      : await Categories.findByName(tx, user.id, parsed.category_suggestion)
    : null;
  const direction = parsed.direction ?? existing?.kind ?? 'expense';
  const fallback = direction === 'income' ? FALLBACK_INCOME_CATEGORY : FALLBACK_EXPENSE_CATEGORY;
  const category =
    existing && existing.kind === direction
      ? existing
      : await Categories.findOrCreate(
          tx,
          user.id,
          existing ? fallback : (parsed.category_suggestion ?? fallback),
          direction,
        );
  const recorded = await Ledger.record(tx, { ...base, direction, categoryId: category.id });
  return { ...booked, id: recorded.id, direction, categoryId: category.id, category: category.name };
}

/** A pending user's money is recorded, but stays pending until the account is activated. */
export function statusFor(user: User): 'confirmed' | 'pending' {
  return user.status === 'pending' ? 'pending' : 'confirmed';
}

export function withPendingNote(user: User, reply: string): string {
  return user.status === 'pending' ? `${reply}\n${PENDING_NOTE}` : reply;
}
