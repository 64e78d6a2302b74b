/**
 * What each intent does to the ledger and what Kantong answers. Runs inside the message's
 * database transaction; each action runs in its own savepoint so a refusal (a DomainError:
 * unknown savings, not enough balance) undoes the action's partial work but still lets the
 * message and the refusal be logged.
 */
import { alertAfterExpense } from '../budgets/alerts.ts';
import * as Budgets from '../budgets/index.ts';
import * as Categories from '../categories/index.ts';
import type { DatabaseTransactionConnection } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import * as Ledger from '../ledger/index.ts';
import { formatRupiah, percent } from '../money/index.ts';
import { FALLBACK_EXPENSE_CATEGORY, FALLBACK_INCOME_CATEGORY } from '../nlu/lexicon.ts';
import type { ParseResult, Period } from '../nlu/schema.ts';
import * as Reports from '../reports/index.ts';
import * as Savings from '../savings/index.ts';
import { formatDayId, formatMonthId, localDate, periodRange } from '../time/index.ts';
import type { User } from '../users/index.ts';
import { PENDING_NOTE } from '../users/registration.ts';
import * as Replies from './replies.ts';
import * as State from './state.ts';

/** `at` is when the message was sent: reports and questions count from it, not from the server clock. */
export type ActInput = { user: User; parsed: ParseResult; rawText: string; inboundId: number; at: Date };
export type Action = { intent: string; reply: string };

export async function act(tx: DatabaseTransactionConnection, input: ActInput): Promise<Action> {
  const { parsed } = input;
  if (parsed.intent === 'clarification') {
    await State.rememberQuestion(tx, input.user.id, parsed, input.at);
    return { intent: 'clarification', reply: parsed.question ?? Replies.ASK_CATEGORY };
  }
  await State.clear(tx, input.user.id);
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
      return editCategory(tx, user, parsed);
    case 'delete_last': {
      const last = await Ledger.lastForUpdate(tx, user.id);
      if (!last) return Replies.NOTHING_TO_DELETE;
      await Ledger.softDelete(tx, last.id);
      return `🗑️ Oke, dihapus: ${describe(last)}.`;
    }
    case 'help':
      return Replies.HELP;
    case 'smalltalk':
      return smalltalk(input.rawText);
    case 'clarification':
      return parsed.question ?? Replies.ASK_CATEGORY;
    // Issue 12 in progress: debts and wallets are answered by the conversation helper's work.
    case 'create_debt':
    case 'create_receivable':
    case 'pay_debt':
    case 'receive_debt_payment':
    case 'get_debts':
    case 'transfer':
    case 'get_balance':
    case 'set_balance':
      return Replies.SMALLTALK_DEFAULT;
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

/** "pengeluaran Rp50.000 (beli pulsa)" */
function describe(transaction: Ledger.Transaction): string {
  const what = transaction.description ? ` (${transaction.description})` : '';
  return `${Replies.directionWord(transaction.direction)} ${formatRupiah(transaction.amount)}${what}`;
}

async function createTransaction(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const { parsed, user } = input;
  if (parsed.amount === null) {
    await State.rememberQuestion(tx, user.id, parsed, input.at);
    return Replies.ASK_AMOUNT;
  }
  // A pending user's money is recorded, but stays pending until the account is activated.
  const booked = await bookTransaction(tx, input, user.status === 'pending' ? 'pending' : 'confirmed');
  if (booked.direction === 'transfer') {
    return withPendingNote(user, Replies.recordedTransfer(booked.amount, parsed.description));
  }
  const reply = withPendingNote(
    user,
    Replies.recorded(booked.direction, booked.amount, booked.category ?? ''),
  );
  if (booked.direction !== 'expense' || booked.categoryId === null) return reply;
  const alert = await alertAfterExpense(tx, {
    userId: user.id,
    categoryId: booked.categoryId,
    timezone: user.timezone,
    at: booked.datetime,
  });
  return alert ? `${reply}\n\n${alert}` : reply;
}

export type Booked = {
  id: number;
  direction: 'income' | 'expense' | 'transfer';
  amount: bigint;
  categoryId: number | null;
  category: string | null;
  datetime: Date;
};

/**
 * Writes the transaction a reading with an amount describes, in the given status: the category
 * decides the direction when the reader could not ("tadi 50k" → "gaji"). Shared with the
 * voice-note question (media.ts), which books an unsure amount as pending.
 */
export async function bookTransaction(
  tx: DatabaseTransactionConnection,
  input: ActInput,
  status: 'confirmed' | 'pending',
): Promise<Booked> {
  const { parsed, user } = input;
  if (parsed.amount === null) throw new Error('bookTransaction needs an amount');
  const datetime = parsed.datetime ? new Date(parsed.datetime) : input.at;
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
  };
  if (parsed.direction === 'transfer') {
    const transfer = await Ledger.record(tx, { ...base, direction: 'transfer', categoryId: null });
    return {
      id: transfer.id,
      direction: 'transfer',
      amount: parsed.amount,
      categoryId: null,
      category: null,
      datetime,
    };
  }
  const existing = parsed.category_suggestion
    ? await Categories.findByName(tx, user.id, parsed.category_suggestion)
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
  return {
    id: recorded.id,
    direction,
    amount: parsed.amount,
    categoryId: category.id,
    category: category.name,
    datetime,
  };
}

function withPendingNote(user: User, reply: string): string {
  return user.status === 'pending' ? `${reply}\n${PENDING_NOTE}` : reply;
}

async function editCategory(
  tx: DatabaseTransactionConnection,
  user: User,
  parsed: ParseResult,
): Promise<string> {
  if (!parsed.category_suggestion) return "Mau diganti ke kategori apa? Contoh: 'ganti transport'.";
  const last = await Ledger.lastForUpdate(tx, user.id);
  if (!last) return Replies.NOTHING_TO_EDIT;
  if (last.direction === 'transfer') return Replies.TRANSFER_NO_CATEGORY;
  const existing = await Categories.findByName(tx, user.id, parsed.category_suggestion);
  if (existing && existing.kind !== last.direction) {
    return `Kategori ${existing.name} itu buat ${Replies.directionWord(existing.kind)}, sedangkan transaksi terakhir ${describe(last)}.`;
  }
  const category =
    existing ?? (await Categories.findOrCreate(tx, user.id, parsed.category_suggestion, last.direction));
  const updated = await Ledger.changeCategory(tx, last.id, category.id);
  return `✅ Oke, ${describe(updated)} sekarang kategori ${category.name}.`;
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
  return ['💰 Tabungan kamu:', ...lines].join('\n');
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
  return Reports.formatSummary(heading, summary);
}

function smalltalk(text: string): string {
  const lower = text.toLowerCase();
  if (/(makasih|terima ?kasih|thanks|thank you|thx|tengkyu|suwun)/.test(lower))
    return Replies.SMALLTALK_THANKS;
  if (/^(halo|hallo|hai|hi|hello|hey|pagi|siang|sore|malam|assalamu)/.test(lower))
    return Replies.SMALLTALK_GREETING;
  return Replies.SMALLTALK_DEFAULT;
}
