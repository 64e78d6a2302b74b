/**
 * Debts ("utang": you owe someone) and receivables ("piutang": someone owes you), per person.
 *
 * They live in the ledger as rows of kind 'debt' / 'receivable' with a `counterparty`
 * (migration 009): the direction is the cash flow — borrowing and being paid back are income,
 * lending and paying back are expense — so wallet balances follow the cash, while reports and
 * budgets leave loans out. What is still owed is computed from those rows, never stored.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import * as Ledger from '../ledger/index.ts';
import { formatRupiah } from '../money/index.ts';

export type DebtKind = 'debt' | 'receivable';

/** Counterparties are kept lower case, single-spaced: "Budi " = "budi". */
export function normaliseCounterparty(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase().slice(0, 100);
}

/** "budi santoso" → "Budi Santoso", for replies and the dashboard. */
export function displayName(counterparty: string): string {
  return counterparty.replace(
    /(^|\s)(\p{L})/gu,
    (_, space: string, letter: string) => space + letter.toUpperCase(),
  );
}

/** The cash flow that opens a loan of this kind; the opposite one pays it back. */
const OPENING_DIRECTION: Record<DebtKind, 'income' | 'expense'> = { debt: 'income', receivable: 'expense' };

export type DebtBalance = {
  kind: DebtKind;
  counterparty: string;
  /** Everything borrowed / lent. */
  total: bigint;
  /** Everything paid back so far. */
  paid: bigint;
  /** total − paid: still owed. */
  outstanding: bigint;
  last_at: Date;
};

const DebtBalanceSchema = z.object({
  kind: z.enum(['debt', 'receivable']),
  counterparty: z.string(),
  total: z.bigint(),
  paid: z.bigint(),
  outstanding: z.bigint(),
  last_at: z.date(),
});

function balanceQuery(userId: number, only: ReturnType<typeof sql.fragment>) {
  return sql.type(DebtBalanceSchema)`
    SELECT kind, counterparty, total, paid, total - paid AS outstanding, last_at FROM (
      SELECT t.kind, t.counterparty,
             COALESCE(sum(t.amount) FILTER (WHERE (t.kind = 'debt') = (t.direction = 'income')), 0)::numeric AS total,
             COALESCE(sum(t.amount) FILTER (WHERE (t.kind = 'debt') <> (t.direction = 'income')), 0)::numeric AS paid,
             max(t.tx_datetime) AS last_at
      FROM transactions t
      WHERE t.user_id = ${userId} AND t.deleted_at IS NULL AND t.kind IN ('debt', 'receivable') AND ${only}
      GROUP BY t.kind, t.counterparty
    ) AS b`;
}

/** Every person with a loan either way, the ones still owing first, largest first. */
export async function balances(db: CommonQueryMethods, userId: number): Promise<DebtBalance[]> {
  const rows = await db.any(balanceQuery(userId, sql.fragment`TRUE`));
  return [...rows].sort(
    (a, b) =>
      Number(b.outstanding > 0n) - Number(a.outstanding > 0n) ||
      (a.kind === b.kind ? 0 : a.kind === 'debt' ? -1 : 1) ||
      (b.outstanding > a.outstanding ? 1 : b.outstanding < a.outstanding ? -1 : 0) ||
      a.counterparty.localeCompare(b.counterparty),
  );
}

/** What is still owed between the user and one person, one way. */
export async function outstanding(
  db: CommonQueryMethods,
  userId: number,
  kind: DebtKind,
  counterparty: string,
): Promise<bigint> {
  const row = await db.maybeOne(
    balanceQuery(
      userId,
      sql.fragment`t.kind = ${kind} AND t.counterparty = ${normaliseCounterparty(counterparty)}`,
    ),
  );
  return row?.outstanding ?? 0n;
}

export type LoanInput = {
  userId: number;
  kind: DebtKind;
  counterparty: string;
  amount: bigint;
  datetime: Date;
  source: Ledger.Source;
  description?: string | null;
  rawText?: string | null;
  waMessageRowId?: number | null;
  /** The wallet the cash went out of / came into; null: Tunai. */
  walletId?: number | null;
  status?: 'confirmed' | 'pending';
};

function checkPerson(counterparty: string): string {
  const person = normaliseCounterparty(counterparty);
  if (person.length === 0) throw new DomainError('invalid', 'Sama siapa? Sebutin namanya ya.');
  return person;
}

/** Serialises changes to one person's loans, so two payments at once cannot both pass the check. */
async function lockPerson(tx: CommonQueryMethods, userId: number, kind: DebtKind, person: string) {
  await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(${userId}, hashtext(${`${kind}:${person}`}))`);
}

function row(input: LoanInput, person: string, direction: 'income' | 'expense', amount: bigint) {
  return {
    userId: input.userId,
    direction,
    amount,
    kind: input.kind,
    counterparty: person,
    categoryId: null,
    description: input.description ?? null,
    datetime: input.datetime,
    source: input.source,
    rawText: input.rawText ?? null,
    waMessageRowId: input.waMessageRowId ?? null,
    walletId: input.walletId ?? null,
    status: input.status ?? 'confirmed',
  } satisfies Ledger.NewTransaction;
}

/** Borrowing ("hutang ke budi 100rb") or lending ("minjemin andi 50rb"): the loan grows. */
export async function open(
  tx: CommonQueryMethods,
  input: LoanInput,
): Promise<{ transaction: Ledger.Transaction; outstanding: bigint }> {
  const person = checkPerson(input.counterparty);
  Ledger.assertAmount(input.amount);
  await lockPerson(tx, input.userId, input.kind, person);
  const transaction = await Ledger.record(
    tx,
    row(input, person, OPENING_DIRECTION[input.kind], input.amount),
  );
  return { transaction, outstanding: await outstanding(tx, input.userId, input.kind, person) };
}

/**
 * Paying back ("bayar hutang ke budi 40rb") or being paid back ("dimas bayar utang 150rb").
 * `amount` null settles the whole balance ("lunasin utang mama"). A payment is never allowed to
 * take the balance below zero: more than is owed, or nothing owed at all, is refused with the
 * balance in the message and nothing written — the user can record the loan first.
 */
export async function repay(
  tx: CommonQueryMethods,
  input: Omit<LoanInput, 'amount'> & { amount: bigint | null },
): Promise<{ transaction: Ledger.Transaction; outstanding: bigint }> {
  const person = checkPerson(input.counterparty);
  await lockPerson(tx, input.userId, input.kind, person);
  const owed = await outstanding(tx, input.userId, input.kind, person);
  const who = displayName(person);
  if (owed <= 0n) {
    throw new DomainError(
      'not_found',
      input.kind === 'debt'
        ? `Aku nggak punya catatan utang kamu ke ${who} 🤔 Kalau memang ada, catat dulu: 'hutang ke ${person} 100rb'.`
        : `Aku nggak punya catatan ${who} ngutang ke kamu 🤔 Kalau memang ada, catat dulu: 'minjemin ${person} 100rb'.`,
    );
  }
  const amount = input.amount ?? owed;
  Ledger.assertAmount(amount);
  if (amount > owed) {
    throw new DomainError(
      'invalid',
      input.kind === 'debt'
        ? `Utang kamu ke ${who} tinggal ${formatRupiah(owed)}, jadi nggak bisa bayar ${formatRupiah(amount)}. Kalau lebihnya buat hal lain, catat terpisah ya.`
        : `${who} tinggal ngutang ${formatRupiah(owed)} ke kamu, jadi nggak bisa bayar ${formatRupiah(amount)}. Kalau lebihnya buat hal lain, catat terpisah ya.`,
    );
  }
  const direction = OPENING_DIRECTION[input.kind] === 'income' ? 'expense' : 'income';
  const transaction = await Ledger.record(tx, row({ ...input, amount }, person, direction, amount));
  return { transaction, outstanding: owed - amount };
}
