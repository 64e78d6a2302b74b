/**
 * Summaries of a user's money over local days: SPEC.md's `/reports/*` JSON and the WhatsApp
 * report texts. Transfers (top up, tarik tunai) move money between the user's own pockets and
 * count as neither income nor expense; pending rows count (they were recorded), deleted ones do not.
 */
import { z } from 'zod';
import * as Budgets from '../budgets/index.ts';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { authorNameSql } from '../households/index.ts';
import { formatRupiah } from '../money/index.ts';
import { addDays, addMonths, type DateRange, formatDayId, startOfMonth } from '../time/index.ts';

export type CategoryAmount = { category: string; amount: bigint };

export type Summary = {
  range: DateRange;
  total_income: bigint;
  total_expense: bigint;
  transaction_count: number;
  category_breakdown: CategoryAmount[];
  income_breakdown: CategoryAmount[];
  /** Income minus expense from the 1st of the month of the range's last day up to that day. */
  month_balance: bigint;
};

const TotalsSchema = z.object({ income: z.bigint(), expense: z.bigint(), n: z.number() });
const BreakdownSchema = z.object({ direction: z.string(), category: z.string(), amount: z.bigint() });

/**
 * Earning and spending only: loans and balance adjustments move cash but are neither (migration
 * 009); transfers are excluded by their direction where it matters.
 */
const EARNING_OR_SPENDING = sql.fragment`t.kind = 'regular'`;

function inRange(range: DateRange, timezone: string) {
  return sql.fragment`t.tx_datetime >= (${range.from}::date)::timestamp AT TIME ZONE ${timezone}
    AND t.tx_datetime < (${range.to}::date)::timestamp AT TIME ZONE ${timezone}`;
}

async function totals(db: CommonQueryMethods, userId: number, range: DateRange, timezone: string) {
  return db.one(sql.type(TotalsSchema)`
    SELECT COALESCE(sum(t.amount) FILTER (WHERE t.direction = 'income'), 0)::numeric AS income,
           COALESCE(sum(t.amount) FILTER (WHERE t.direction = 'expense'), 0)::numeric AS expense,
           count(*) FILTER (WHERE t.direction <> 'transfer') AS n
    FROM transactions t
    WHERE t.user_id = ${userId} AND t.deleted_at IS NULL AND ${EARNING_OR_SPENDING} AND ${inRange(range, timezone)}`);
}

/** Income, expense, per-category amounts (largest first) and the month's balance over `range`. */
export async function summarize(
  db: CommonQueryMethods,
  input: { userId: number; timezone: string; range: DateRange },
): Promise<Summary> {
  const { userId, timezone, range } = input;
  const sums = await totals(db, userId, range, timezone);
  const breakdown = await db.any(sql.type(BreakdownSchema)`
    SELECT t.direction, COALESCE(c.name, 'Tanpa kategori') AS category, sum(t.amount)::numeric AS amount
    FROM transactions t LEFT JOIN categories c ON c.id = t.category_id
    WHERE t.user_id = ${userId} AND t.deleted_at IS NULL AND t.direction <> 'transfer' AND ${EARNING_OR_SPENDING}
      AND ${inRange(range, timezone)}
    GROUP BY t.direction, COALESCE(c.name, 'Tanpa kategori')
    ORDER BY sum(t.amount) DESC, 2`);
  const lastDay = addDays(range.to, -1);
  const month = await totals(db, userId, { from: startOfMonth(lastDay), to: range.to }, timezone);
  const pick = (direction: string) =>
    breakdown
      .filter((row) => row.direction === direction)
      .map((row) => ({ category: row.category, amount: row.amount }));
  return {
    range,
    total_income: sums.income,
    total_expense: sums.expense,
    transaction_count: sums.n,
    category_breakdown: pick('expense'),
    income_breakdown: pick('income'),
    month_balance: month.income - month.expense,
  };
}

const AmountNRow = z.object({ amount: z.bigint(), n: z.number() });

/** Sum and count of one category (or all) in one direction over `range`: "pengeluaran makan bulan ini". */
export async function categoryTotal(
  db: CommonQueryMethods,
  input: {
    userId: number;
    timezone: string;
    range: DateRange;
    direction: 'income' | 'expense';
    category: string | null;
  },
): Promise<{ amount: bigint; count: number }> {
  const category =
    input.category === null ? sql.fragment`TRUE` : sql.fragment`lower(c.name) = lower(${input.category})`;
  const row = await db.one(sql.type(AmountNRow)`
    SELECT COALESCE(sum(t.amount), 0)::numeric AS amount, count(*) AS n
    FROM transactions t LEFT JOIN categories c ON c.id = t.category_id
    WHERE t.user_id = ${input.userId} AND t.deleted_at IS NULL AND t.direction = ${input.direction} AND ${EARNING_OR_SPENDING}
      AND ${category} AND ${inRange(input.range, input.timezone)}`);
  return { amount: row.amount, count: row.n };
}

/** "Makan Rp150.000, Transport Rp100.000" — the top `limit` categories. */
export function topCategoriesText(breakdown: readonly CategoryAmount[], limit = 3): string {
  if (breakdown.length === 0) return '-';
  return breakdown
    .slice(0, limit)
    .map((row) => `${row.category} ${formatRupiah(row.amount)}`)
    .join(', ');
}

/**
 * SPEC.md's WhatsApp report layout:
 * "Ringkasan 21 Jan 2025\nIncome: Rp3.500.000\nExpense: Rp250.000\nTop kategori: Makan Rp150.000, Transport Rp100.000\nSaldo bulan ini: Rp3.250.000."
 * `heading` names the period ("21 Jan 2025", "minggu ini (18–24 Nov 2026)").
 */
export function formatSummary(heading: string, summary: Summary): string {
  return [
    `Ringkasan ${heading}`,
    `Income: ${formatRupiah(summary.total_income)}`,
    `Expense: ${formatRupiah(summary.total_expense)}`,
    `Top kategori: ${topCategoriesText(summary.category_breakdown)}`,
    `Saldo bulan ini: ${formatRupiah(summary.month_balance)}.`,
  ].join('\n');
}

/** "18–24 Nov 2026" for a range of local days. */
export function rangeLabel(range: DateRange): string {
  const last = addDays(range.to, -1);
  if (range.from === last) return formatDayId(last);
  const from = formatDayId(range.from);
  const to = formatDayId(last);
  const [fromDay, fromMonth, fromYear] = from.split(' ');
  const [, toMonth, toYear] = to.split(' ');
  if (fromYear === toYear && fromMonth === toMonth) return `${fromDay}–${to}`;
  if (fromYear === toYear) return `${fromDay} ${fromMonth}–${to}`;
  return `${from}–${to}`;
}

export type DayFlow = { day: string; income: bigint; expense: bigint };

const DayIncomeExpenseRow = z.object({ day: z.string(), income: z.bigint(), expense: z.bigint() });

/** Income and expense per local day over `range`, every day present (zero when quiet): the cashflow chart. */
export async function dailyCashflow(
  db: CommonQueryMethods,
  input: { userId: number; timezone: string; range: DateRange },
): Promise<DayFlow[]> {
  const { userId, timezone, range } = input;
  const rows = await db.any(sql.type(DayIncomeExpenseRow)`
    SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
           COALESCE(sum(t.amount) FILTER (WHERE t.direction = 'income'), 0)::numeric AS income,
           COALESCE(sum(t.amount) FILTER (WHERE t.direction = 'expense'), 0)::numeric AS expense
    FROM generate_series(${range.from}::date, ${range.to}::date - 1, interval '1 day') AS d(day)
    LEFT JOIN transactions t
      ON t.user_id = ${userId} AND t.deleted_at IS NULL AND ${EARNING_OR_SPENDING}
     AND t.tx_datetime >= d.day::timestamp AT TIME ZONE ${timezone}
     AND t.tx_datetime < (d.day + interval '1 day')::timestamp AT TIME ZONE ${timezone}
    GROUP BY d.day ORDER BY d.day`);
  return [...rows];
}

export type MerchantAmount = { merchant: string; amount: bigint; count: number };

const MerchantAmountCountRow = z.object({ merchant: z.string(), amount: z.bigint(), count: z.number() });

/**
 * Where the money went: expense per merchant (the receipt's store), falling back to the
 * description when no merchant was read, largest first.
 */
export async function topMerchants(
  db: CommonQueryMethods,
  input: { userId: number; timezone: string; range: DateRange; limit?: number },
): Promise<readonly MerchantAmount[]> {
  return db.any(sql.type(MerchantAmountCountRow)`
    SELECT COALESCE(NULLIF(trim(t.merchant), ''), NULLIF(trim(t.description), ''), 'Tanpa keterangan') AS merchant,
           sum(t.amount)::numeric AS amount, count(*) AS count
    FROM transactions t
    WHERE t.user_id = ${input.userId} AND t.deleted_at IS NULL AND t.direction = 'expense' AND ${EARNING_OR_SPENDING}
      AND ${inRange(input.range, input.timezone)}
    GROUP BY 1 ORDER BY sum(t.amount) DESC, 1 LIMIT ${input.limit ?? 5}`);
}

export type MonthOverview = {
  range: DateRange;
  summary: Summary;
  cashflow: DayFlow[];
  merchants: readonly MerchantAmount[];
  budgets: readonly Budgets.BudgetStatus[];
};

/**
 * Everything the dashboard and the monthly report show for one local month (`month` is any day
 * in it): totals, per-category amounts, daily cashflow, top merchants and budgets against actual.
 */
export async function monthOverview(
  db: CommonQueryMethods,
  input: { userId: number; timezone: string; month: string },
): Promise<MonthOverview> {
  const from = startOfMonth(input.month);
  const range = { from, to: addMonths(from, 1) };
  const scope = { userId: input.userId, timezone: input.timezone, range };
  return {
    range,
    summary: await summarize(db, scope),
    cashflow: await dailyCashflow(db, scope),
    merchants: await topMerchants(db, { ...scope, limit: 5 }),
    budgets: await Budgets.statusForMonth(db, { userId: input.userId, timezone: input.timezone, day: from }),
  };
}

export type AuthorAmount = { name: string; expense: bigint; income: bigint };

const NameExpenseIncomeRow = z.object({ name: z.string(), expense: z.bigint(), income: z.bigint() });

/**
 * A household's spending and earning per person over `range` (issue 15), largest spender first:
 * who wrote each booking is `author_member_id`. Bookings with no author (made outside the group,
 * or by a member since deleted) are summed under "Lainnya".
 */
export async function byAuthor(
  db: CommonQueryMethods,
  input: { userId: number; timezone: string; range: DateRange },
): Promise<readonly AuthorAmount[]> {
  return db.any(sql.type(NameExpenseIncomeRow)`
    SELECT CASE WHEN m.id IS NULL THEN 'Lainnya' ELSE ${authorNameSql} END AS name,
           COALESCE(sum(t.amount) FILTER (WHERE t.direction = 'expense'), 0)::numeric AS expense,
           COALESCE(sum(t.amount) FILTER (WHERE t.direction = 'income'), 0)::numeric AS income
    FROM transactions t
    LEFT JOIN household_members m ON m.id = t.author_member_id
    LEFT JOIN users p ON p.id = m.user_id
    WHERE t.user_id = ${input.userId} AND t.deleted_at IS NULL AND t.direction <> 'transfer'
      AND ${EARNING_OR_SPENDING} AND ${inRange(input.range, input.timezone)}
    GROUP BY m.id, 1
    ORDER BY 2 DESC, 3 DESC, 1`);
}

/** "Per orang:\n• Budi: keluar Rp50.000\n• Ani: keluar Rp30.000, masuk Rp1.000.000" — empty when nobody booked. */
export function formatByAuthor(rows: readonly AuthorAmount[]): string[] {
  if (rows.length === 0) return [];
  return [
    'Per orang:',
    ...rows.map((row) => {
      const income = row.income > 0n ? `, masuk ${formatRupiah(row.income)}` : '';
      return `• ${row.name}: keluar ${formatRupiah(row.expense)}${income}`;
    }),
  ];
}
