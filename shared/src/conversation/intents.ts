/**
 * What each intent does to the ledger and what Kantong answers. Runs inside the message's
 * database transaction; a refusal (a DomainError: unknown savings, not enough balance) undoes
 * the action's partial work but still lets the message and the refusal be logged.
 *
 * How the partial work is undone (issue 16): a savepoint around every action cost two round trips
 * per message (SAVEPOINT, RELEASE) for refusals that come to a few messages in a thousand. A
 * message's transaction opened with {@link withOptimisticActs} runs its action without one; a
 * refusal then rolls the whole transaction back, and it runs once more with the savepoint. Both
 * tries see the same message, state and time, and the first left nothing behind, so the outcome
 * is the one the savepoint alone gives. Any other transaction keeps the savepoint.
 */
import { alertAfterExpense } from '../budgets/alerts.ts';
import * as Budgets from '../budgets/index.ts';
import * as Categories from '../categories/index.ts';
import type { DatabasePool, DatabaseTransactionConnection } from '../db/pool.ts';
import { displayName } from '../debts/index.ts';
import { DomainError } from '../errors/index.ts';
import * as Ledger from '../ledger/index.ts';
import { formatRupiah, percent } from '../money/index.ts';
import type { ParseResult, Period } from '../nlu/schema.ts';
import * as Reports from '../reports/index.ts';
import * as Savings from '../savings/index.ts';
import { formatDayId, formatMonthId, localDate, periodRange } from '../time/index.ts';
import type { User } from '../users/index.ts';
import {
  type ActInput,
  type Action,
  bookTransaction,
  stateKeyOf,
  statusFor,
  withPendingNote,
} from './book.ts';
import { actOnDebt } from './debts.ts';
import * as Replies from './replies.ts';
import { createSeveral } from './several.ts';
import * as State from './state.ts';
import { actOnWallet } from './wallets.ts';

export type { ActInput, Action, Booked } from './book.ts';
export { bookTransaction } from './book.ts';

/** Transactions whose actions run without a savepoint (withOptimisticActs' first try). */
const optimistic = new WeakSet<DatabaseTransactionConnection>();

/** An action refused in a transaction without a savepoint: the transaction is tried again with one. */
class RefusedWithoutSavepoint extends Error {
  override name = 'RefusedWithoutSavepoint';
}

/**
 * `pool.transaction(run)` for a message whose action may be refused: first without a savepoint
 * around the action, and only after a refusal again with one (see the top of this file). `run`
 * must be safe to run twice — everything it does is in the transaction, or happens after the
 * action (a reply handed on).
 */
export async function withOptimisticActs<T>(
  pool: DatabasePool,
  run: (tx: DatabaseTransactionConnection) => Promise<T>,
): Promise<T> {
  try {
    return await pool.transaction((tx) => {
      optimistic.add(tx);
      return run(tx);
    });
  } catch (error) {
    if (!(error instanceof RefusedWithoutSavepoint)) throw error;
    return pool.transaction(run);
  }
}

export async function act(tx: DatabaseTransactionConnection, input: ActInput): Promise<Action> {
  const { parsed } = input;
  if (parsed.intent === 'clarification') {
    await State.rememberQuestion(tx, stateKeyOf(input), parsed, input.at);
    return { intent: 'clarification', reply: parsed.question ?? Replies.ASK_CATEGORY };
  }
  if (input.questionOpen !== false) await State.clear(tx, stateKeyOf(input));
  if (optimistic.has(tx)) {
    try {
      return { intent: parsed.intent, reply: await perform(tx, input) };
    } catch (error) {
      if (error instanceof DomainError) throw new RefusedWithoutSavepoint(error.message, { cause: error });
      throw error;
    }
  }
  try {
    const reply = await tx.transaction((savepoint) => perform(savepoint, input));
    return { intent: parsed.intent, reply };
  } catch (error) {
    if (error instanceof DomainError) return { intent: parsed.intent, reply: error.message };
    throw error;
  }
}

async function perform(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const { parsed, user } = input;
  switch (parsed.intent) {
    case 'create_transaction':
      return createTransaction(tx, input);
    case 'create_saving': {
      if (!parsed.saving_name) return Replies.SAVING_NEEDS_NAME;
      const target = parsed.target_amount ?? parsed.amount;
      if (target === null)
        return `Target tabungan ${parsed.saving_name} berapa? Contoh: 'buat tabungan ${parsed.saving_name} 10jt'.`;
      const account = await Savings.create(tx, {
        userId: user.id,
        name: parsed.saving_name,
        targetAmount: target,
      });
      return `✅ Tabungan ${account.name} dibuat, target ${formatRupiah(account.target_amount)}. Mulai setor: 'setor ${account.name} 500k'.`;
    }
    case 'deposit_saving': {
      if (!parsed.saving_name || parsed.amount === null) return Replies.DEPOSIT_NEEDS_DETAILS;
      const account = await Savings.deposit(tx, movement(input, parsed.saving_name, parsed.amount));
      return Savings.depositMessage(parsed.amount, account);
    }
    case 'withdraw_saving': {
      if (!parsed.saving_name || parsed.amount === null) return Replies.WITHDRAW_NEEDS_DETAILS;
      const account = await Savings.withdraw(tx, movement(input, parsed.saving_name, parsed.amount));
      return Savings.withdrawMessage(parsed.amount, account);
    }
    case 'get_savings':
      return savingsOverview(tx, user, parsed.saving_name);
    case 'get_report':
      return report(tx, user, parsed, input.at);
    case 'set_budget':
      return setBudget(tx, user, parsed, input.at);
    case 'edit_category':
      return editCategory(tx, user, parsed, input.memberId ?? null);
    case 'delete_last':
      return deleteLast(tx, user, input.memberId ?? null);
    case 'help':
      return Replies.HELP;
    case 'smalltalk':
      return smalltalk(input.rawText);
    case 'clarification':
      return parsed.question ?? Replies.ASK_CATEGORY;
    case 'create_debt':
    case 'create_receivable':
    case 'pay_debt':
    case 'receive_debt_payment':
    case 'get_debts':
      return actOnDebt(tx, input);
    case 'transfer':
    case 'get_balance':
    case 'set_balance':
      return actOnWallet(tx, input);
  }
}

function movement(input: ActInput, name: string, amount: bigint) {
  return {
    userId: input.user.id,
    name,
    amount,
    source: 'whatsapp' as const,
    note: input.rawText,
    waMessageRowId: input.inboundId,
  };
}

/**
 * "pengeluaran Rp50.000 (beli pulsa)", "utang ke Budi Rp100.000", "transfer Rp100.000 dari BCA ke
 * GoPay": what a correction or an undo is about, in the user's words.
 */
function describe(transaction: Ledger.Transaction): string {
  const what = transaction.description ? ` (${transaction.description})` : '';
  const amount = formatRupiah(transaction.amount);
  const who = transaction.counterparty ? displayName(transaction.counterparty) : '';
  const cashIn = transaction.direction === 'income';
  switch (transaction.kind) {
    case 'debt':
      return cashIn ? `utang ke ${who} ${amount}` : `bayar utang ke ${who} ${amount}`;
    case 'receivable':
      return cashIn ? `${who} bayar utang ${amount}` : `piutang: ${who} pinjam ${amount}`;
    case 'adjustment':
      return `penyesuaian saldo ${transaction.wallet} ${cashIn ? '+' : '-'}${amount}`;
    case 'regular':
      if (transaction.direction === 'transfer')
        return `transfer ${amount} dari ${transaction.wallet} ke ${transaction.to_wallet ?? ''}${what}`;
      return `${Replies.directionWord(transaction.direction)} ${amount}${what}`;
  }
}

async function createTransaction(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const { parsed, user } = input;
  if (parsed.amount === null) {
    await State.rememberQuestion(tx, stateKeyOf(input), parsed, input.at);
    return Replies.ASK_AMOUNT;
  }
  const items = parsed.transactions ?? [];
  if (items.length >= 2) return createSeveral(tx, input, items);
  const booked = await bookTransaction(tx, input, statusFor(user));
  if (booked.direction === 'transfer') {
    return withPendingNote(user, Replies.recordedTransfer(booked.amount, parsed.description));
  }
  const reply = withPendingNote(
    user,
    Replies.recorded(booked.direction, booked.amount, booked.category ?? '', {
      wallet: booked.wallet,
      day: Replies.dayNote(booked.datetime, input.at, user.timezone),
    }),
  );
  if (booked.direction !== 'expense' || booked.categoryId === null) return reply;
  const alert = await alertAfterExpense(tx, {
    userId: user.id,
    categoryId: booked.categoryId,
    timezone: user.timezone,
    at: booked.datetime,
    budgeted: input.budgetedCategories,
  });
  return alert ? `${reply}\n\n${alert}` : reply;
}

/**
 * "hapus transaksi terakhir": every item of the last message goes (one message, one undo — a
 * several-item message is undone whole), and the reply lists what went.
 */
async function deleteLast(
  tx: DatabaseTransactionConnection,
  user: User,
  /** In a household's books: a member undoes their own last message, never someone else's. */
  memberId: number | null,
): Promise<string> {
  const rows = await Ledger.lastMessageForUpdate(tx, user.id, memberId);
  if (rows.length === 0) return Replies.NOTHING_TO_DELETE;
  for (const row of rows) await Ledger.softDelete(tx, row.id);
  const [only] = rows;
  if (rows.length === 1 && only) return `🗑️ Oke, dihapus: ${describe(only)}.`;
  const lines = rows.map((row, index) => `${index + 1}. ${describe(row)}`);
  return [`🗑️ Oke, ${rows.length} transaksi dari pesan terakhir dihapus:`, ...lines].join('\n');
}

async function editCategory(
  tx: DatabaseTransactionConnection,
  user: User,
  parsed: ParseResult,
  /** In a household's books: a member corrects their own last booking, never someone else's. */
  memberId: number | null,
): Promise<string> {
  if (!parsed.category_suggestion) return "Mau diganti ke kategori apa? Contoh: 'ganti transport'.";
  const last = await Ledger.lastForUpdate(tx, user.id, memberId);
  if (!last) return Replies.NOTHING_TO_EDIT;
  if (last.direction === 'transfer') return Replies.TRANSFER_NO_CATEGORY;
  if (last.kind !== 'regular') return `Transaksi terakhir itu ${describe(last)}, jadi nggak pakai kategori.`;
  const existing = await Categories.findByName(tx, user.id, parsed.category_suggestion);
  if (existing && existing.kind !== last.direction) {
    return `Kategori ${existing.name} itu buat ${Replies.directionWord(existing.kind)}, sedangkan transaksi terakhir ${describe(last)}.`;
  }
  const category =
    existing ?? (await Categories.findOrCreate(tx, user.id, parsed.category_suggestion, last.direction));
  const updated = await Ledger.changeCategory(tx, last.id, category.id);
  // After a several-item message the LAST item changes; say so, so the user knows which one.
  const siblings = (await Ledger.lastMessageForUpdate(tx, user.id, memberId)).length;
  const which = siblings > 1 ? ` (yang terakhir dari ${siblings} transaksi tadi)` : '';
  return `✅ Oke, ${describe(updated)}${which} sekarang kategori ${category.name}.`;
}

async function setBudget(
  tx: DatabaseTransactionConnection,
  user: User,
  parsed: ParseResult,
  at: Date,
): Promise<string> {
  if (!parsed.category_suggestion) return Replies.BUDGET_NEEDS_CATEGORY;
  if (parsed.amount === null)
    return `Budget ${parsed.category_suggestion} berapa per bulan? Contoh: 'set budget makan 1,5jt'.`;
  const existing = await Categories.findByName(tx, user.id, parsed.category_suggestion);
  if (existing && existing.kind !== 'expense')
    return `Budget cuma buat kategori pengeluaran, ${existing.name} itu pemasukan.`;
  const category =
    existing ?? (await Categories.findOrCreate(tx, user.id, parsed.category_suggestion, 'expense'));
  await Budgets.set(tx, { userId: user.id, categoryId: category.id, amount: parsed.amount });
  const today = localDate(at, user.timezone);
  const [status] = await Budgets.statusForMonth(tx, {
    userId: user.id,
    timezone: user.timezone,
    day: today,
    categoryId: category.id,
  });
  const spent = status?.spent ?? 0n;
  return `✅ Budget ${category.name} ${formatRupiah(parsed.amount)} per bulan. Bulan ini udah kepakai ${formatRupiah(spent)} (${percent(spent, parsed.amount)}%).`;
}

async function savingsOverview(
  tx: DatabaseTransactionConnection,
  user: User,
  name: string | null,
): Promise<string> {
  if (name) {
    const account = await Savings.findByName(tx, user.id, name);
    if (!account) throw new DomainError('not_found', `Tabungan ${name} belum ada.`);
    return `💰 Tabungan ${account.name}: ${formatRupiah(account.current_amount)}. Progress ${Savings.progressText(account)}.`;
  }
  const accounts = await Savings.listForUser(tx, user.id);
  if (accounts.length === 0) return Replies.NO_SAVINGS;
  const lines = accounts.map((account) => `• ${account.name}: ${Savings.progressText(account)}`);
  return [user.kind === 'household' ? '💰 Tabungan bersama:' : '💰 Tabungan kamu:', ...lines].join('\n');
}

const PERIOD_WORDS: Record<Period, string> = {
  today: 'hari ini',
  yesterday: 'kemarin',
  this_week: 'minggu ini',
  last_week: 'minggu lalu',
  this_month: 'bulan ini',
  last_month: 'bulan lalu',
};

async function report(
  tx: DatabaseTransactionConnection,
  user: User,
  parsed: ParseResult,
  at: Date,
): Promise<string> {
  const period = parsed.period ?? 'today';
  const today = localDate(at, user.timezone);
  const range = periodRange(period, today);
  if (parsed.category_filter || parsed.direction === 'income' || parsed.direction === 'expense') {
    const direction = parsed.direction === 'income' ? 'income' : 'expense';
    const total = await Reports.categoryTotal(tx, {
      userId: user.id,
      timezone: user.timezone,
      range,
      direction,
      category: parsed.category_filter,
    });
    const label = direction === 'income' ? 'Pemasukan' : 'Pengeluaran';
    const what = parsed.category_filter ? `${label} ${parsed.category_filter}` : label;
    return `${what} ${PERIOD_WORDS[period]}: ${formatRupiah(total.amount)} (${total.count} transaksi).`;
  }
  const summary = await Reports.summarize(tx, { userId: user.id, timezone: user.timezone, range });
  const heading =
    period === 'today' || period === 'yesterday'
      ? formatDayId(range.from)
      : period === 'last_month'
        ? formatMonthId(range.from)
        : `${PERIOD_WORDS[period]} (${Reports.rangeLabel(range)})`;
  const text = Reports.formatSummary(heading, summary);
  if (user.kind !== 'household') return text;
  // A household's report says who spent what (issue 15): one line per person who booked.
  const people = Reports.formatByAuthor(
    await Reports.byAuthor(tx, { userId: user.id, timezone: user.timezone, range }),
  );
  return [text, ...people].join('\n');
}

function smalltalk(text: string): string {
  const lower = text.toLowerCase();
  if (/(makasih|terima ?kasih|thanks|thank you|thx|tengkyu|suwun)/.test(lower))
    return Replies.SMALLTALK_THANKS;
  if (/^(halo|hallo|hai|hi|hello|hey|pagi|siang|sore|malam|assalamu)/.test(lower))
    return Replies.SMALLTALK_GREETING;
  return Replies.SMALLTALK_DEFAULT;
}
