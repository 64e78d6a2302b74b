/**
 * A message with several items ("kemarin makan bakso 25rb, parkir 2rb"): every item is booked in
 * the message's one database transaction — all or none — each with its own category (the same
 * logic as a single item), its own wallet and the date said once for all, and answered with ONE
 * reply that lists them with the total (issue 12).
 *
 * Decisions (documented for the README): after such a message `ganti <kategori>` changes the
 * LAST item booked, and the reply names which one; `hapus transaksi terakhir` removes every item
 * of the message (one message, one undo), and the reply lists them.
 */
import { alertAfterExpense } from '../budgets/alerts.ts';
import type { DatabaseTransactionConnection } from '../db/pool.ts';
import type { ParsedItem } from '../nlu/schema.ts';
import { type ActInput, type Booked, bookTransaction, statusFor, withPendingNote } from './book.ts';
import * as Replies from './replies.ts';

/** The reading of one item as if it were its own message: the shared date unless it says its own. */
function itemInput(input: ActInput, item: ParsedItem): ActInput {
  return {
    ...input,
    parsed: {
      ...input.parsed,
      transactions: null,
      amount: item.amount,
      direction: item.direction,
      description: item.description,
      category_suggestion: item.category_suggestion,
      datetime: item.datetime ?? input.parsed.datetime,
      wallet: item.wallet,
    },
  };
}

export async function createSeveral(
  tx: DatabaseTransactionConnection,
  input: ActInput,
  items: readonly ParsedItem[],
): Promise<string> {
  const { user } = input;
  const booked: Booked[] = [];
  for (const item of items) booked.push(await bookTransaction(tx, itemInput(input, item), statusFor(user)));

  const days = booked.map((entry) => Replies.dayNote(entry.datetime, input.at, user.timezone));
  const sharedDay = days.every((day) => day === days[0]) ? (days[0] ?? '') : null;
  const listed: Replies.ListedItem[] = booked.map((entry, index) => ({
    // Items are income or expense (ParsedItem), so bookTransaction never makes a transfer here.
    direction: entry.direction === 'income' ? 'income' : 'expense',
    amount: entry.amount,
    category: entry.category ?? '',
    description: entry.description,
    wallet: entry.wallet,
    day: sharedDay === null ? (days[index] ?? '') : '',
  }));
  const reply = withPendingNote(user, Replies.recordedSeveral(listed, sharedDay ?? ''));
  const alerts = await budgetAlerts(tx, input, booked);
  return alerts.length > 0 ? `${reply}\n\n${alerts.join('\n')}` : reply;
}

/**
 * A budget alert per affected category, once each even when several items share it (checked
 * after the category's last item, so the alert counts all of them).
 */
async function budgetAlerts(
  tx: DatabaseTransactionConnection,
  input: ActInput,
  booked: readonly Booked[],
): Promise<string[]> {
  const lastOfCategory = new Map<number, Booked>();
  for (const entry of booked) {
    if (entry.direction === 'expense' && entry.categoryId !== null)
      lastOfCategory.set(entry.categoryId, entry);
  }
  const alerts: string[] = [];
  for (const [categoryId, entry] of lastOfCategory) {
    const alert = await alertAfterExpense(tx, {
      userId: input.user.id,
      categoryId,
      timezone: input.user.timezone,
      at: entry.datetime,
      budgeted: input.budgetedCategories,
    });
    if (alert) alerts.push(alert);
  }
  return alerts;
}
