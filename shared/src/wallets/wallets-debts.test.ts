/**
 * Wallets and debts against a real PostgreSQL: balances follow the cash, loans and adjustments
 * never count as earning or spending, payments never take a loan below zero, and one user's
 * wallets and people are never another's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import * as Debts from '../debts/index.ts';
import { DomainError } from '../errors/index.ts';
import * as Ledger from '../ledger/index.ts';
import * as Reports from '../reports/index.ts';
import * as Users from '../users/index.ts';
import * as Wallets from './index.ts';

let db: TestDatabase;
let ana: number;
let budi: number;
const when = new Date('2026-11-10T05:00:00Z');
const november = { from: '2026-11-01', to: '2026-12-01' };

beforeAll(async () => {
  db = await createTestDatabase();
  const make = (phone: string) =>
    db.pool.transaction(
      async (tx) => (await Users.findOrCreateByPhone(tx, phone, { timezone: 'Asia/Jakarta' })).user.id,
    );
  ana = await make('6281700000011');
  budi = await make('6281700000012');
});
afterAll(async () => {
  await db.drop();
});

const spend = (userId: number, amount: bigint, extra: Partial<Ledger.NewTransaction> = {}) =>
  db.pool.transaction((tx) =>
    Ledger.record(tx, {
      userId,
      direction: 'expense',
      amount,
      categoryId: null,
      description: 'kopi',
      datetime: when,
      source: 'web',
      ...extra,
    }),
  );

const balanceMap = async (userId: number) =>
  Object.fromEntries((await Wallets.balances(db.pool, userId)).map((w) => [w.name, w.balance]));

describe('wallets', () => {
  it('creates a wallet the first time it is named, once, whatever the spelling', async () => {
    const [first, second] = await Promise.all([
      db.pool.transaction((tx) => Wallets.resolve(tx, ana, 'gopay')),
      db.pool.transaction((tx) => Wallets.resolve(tx, ana, 'GoPay')),
    ]);
    expect(first.id).not.toBeNull();
    expect(second.id).toBe(first.id);
    expect(first.name).toBe('GoPay');
    expect(first.kind).toBe('ewallet');
    expect((await db.pool.transaction((tx) => Wallets.resolve(tx, ana, 'cash'))).id).toBeNull();
    expect(await Wallets.find(db.pool, budi, 'gopay')).toBeNull();
  });

  it('moves money between wallets with a transfer, without touching the report', async () => {
    const bca = await db.pool.transaction((tx) => Wallets.resolve(tx, ana, 'bca'));
    const gopay = await db.pool.transaction((tx) => Wallets.resolve(tx, ana, 'gopay'));
    const before = await Reports.summarize(db.pool, {
      userId: ana,
      timezone: 'Asia/Jakarta',
      range: november,
    });
    await db.pool.transaction((tx) =>
      Wallets.setBalance(tx, {
        userId: ana,
        wallet: bca,
        balance: 1_000_000n,
        datetime: when,
        source: 'web',
      }),
    );
    await spend(ana, 100_000n, { direction: 'transfer', walletId: bca.id, toWalletId: gopay.id });
    await spend(ana, 25_000n, { walletId: gopay.id });
    expect(await balanceMap(ana)).toMatchObject({ BCA: 900_000n, GoPay: 75_000n, Tunai: 0n });
    const after = await Reports.summarize(db.pool, {
      userId: ana,
      timezone: 'Asia/Jakarta',
      range: november,
    });
    // Only the coffee is spending: the opening balance and the top-up are neither.
    expect(after.total_expense - before.total_expense).toBe(25_000n);
    expect(after.total_income).toBe(before.total_income);
  });

  it('records only the difference when a balance is stated, and nothing when it agrees', async () => {
    const bca = await db.pool.transaction((tx) => Wallets.resolve(tx, ana, 'bca'));
    const lower = await db.pool.transaction((tx) =>
      Wallets.setBalance(tx, { userId: ana, wallet: bca, balance: 850_000n, datetime: when, source: 'web' }),
    );
    expect(lower.previous).toBe(900_000n);
    expect(lower.adjustment?.direction).toBe('expense');
    expect(lower.adjustment?.amount).toBe(50_000n);
    expect(lower.adjustment?.kind).toBe('adjustment');
    const same = await db.pool.transaction((tx) =>
      Wallets.setBalance(tx, { userId: ana, wallet: bca, balance: 850_000n, datetime: when, source: 'web' }),
    );
    expect(same.adjustment).toBeNull();
    await expect(
      db.pool.transaction((tx) =>
        Wallets.setBalance(tx, { userId: ana, wallet: bca, balance: -1n, datetime: when, source: 'web' }),
      ),
    ).rejects.toBeInstanceOf(DomainError);
  });
});

describe('debts', () => {
  const loan = (userId: number, kind: Debts.DebtKind, counterparty: string, amount: bigint) => ({
    userId,
    kind,
    counterparty,
    amount,
    datetime: when,
    source: 'web' as const,
  });

  it('keeps a balance per person through partial and full payments, out of the report', async () => {
    const before = await Reports.summarize(db.pool, {
      userId: ana,
      timezone: 'Asia/Jakarta',
      range: november,
    });
    await db.pool.transaction((tx) => Debts.open(tx, loan(ana, 'receivable', 'Andi ', 50_000n)));
    const partly = await db.pool.transaction((tx) =>
      Debts.repay(tx, loan(ana, 'receivable', 'andi', 20_000n)),
    );
    expect(partly.outstanding).toBe(30_000n);
    expect(partly.transaction.direction).toBe('income');
    const rest = await db.pool.transaction((tx) =>
      Debts.repay(tx, { ...loan(ana, 'receivable', 'ANDI', 0n), amount: null }),
    );
    expect(rest.transaction.amount).toBe(30_000n);
    expect(rest.outstanding).toBe(0n);
    const [andi] = (await Debts.balances(db.pool, ana)).filter((b) => b.counterparty === 'andi');
    expect(andi).toMatchObject({ kind: 'receivable', total: 50_000n, paid: 50_000n, outstanding: 0n });
    const after = await Reports.summarize(db.pool, {
      userId: ana,
      timezone: 'Asia/Jakarta',
      range: november,
    });
    expect(after.total_expense).toBe(before.total_expense);
    expect(after.total_income).toBe(before.total_income);
  });

  it('refuses a payment above what is owed, and one where nothing is owed, writing nothing', async () => {
    await db.pool.transaction((tx) => Debts.open(tx, loan(ana, 'debt', 'budi', 100_000n)));
    await expect(
      db.pool.transaction((tx) => Debts.repay(tx, loan(ana, 'debt', 'budi', 150_000n))),
    ).rejects.toThrow(/tinggal Rp100\.000/);
    await expect(
      db.pool.transaction((tx) => Debts.repay(tx, loan(ana, 'debt', 'rina', 10_000n))),
    ).rejects.toThrow(/nggak punya catatan/);
    expect(await Debts.outstanding(db.pool, ana, 'debt', 'budi')).toBe(100_000n);
  });

  it('lets two payments at once never overpay', async () => {
    await db.pool.transaction((tx) => Debts.open(tx, loan(ana, 'debt', 'mama', 60_000n)));
    const results = await Promise.allSettled([
      db.pool.transaction((tx) => Debts.repay(tx, loan(ana, 'debt', 'mama', 40_000n))),
      db.pool.transaction((tx) => Debts.repay(tx, loan(ana, 'debt', 'mama', 40_000n))),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await Debts.outstanding(db.pool, ana, 'debt', 'mama')).toBe(20_000n);
  });

  it('never shows one user the people of another', async () => {
    expect(await Debts.balances(db.pool, budi)).toEqual([]);
    expect(await Debts.outstanding(db.pool, budi, 'debt', 'budi')).toBe(0n);
  });
});
