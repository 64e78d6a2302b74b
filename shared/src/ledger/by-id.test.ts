import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Categories from '../categories/index.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import * as Reports from '../reports/index.ts';
import * as Savings from '../savings/index.ts';
import * as Users from '../users/index.ts';
import * as Ledger from './index.ts';

let db: TestDatabase;
let ana: number;
let budi: number;
const when = new Date('2026-11-10T05:00:00Z');

const add = (userId: number, amount: bigint, extra: Partial<Ledger.NewTransaction> = {}) =>
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

beforeAll(async () => {
  db = await createTestDatabase();
  const make = (phone: string) =>
    db.pool.transaction(
      async (tx) => (await Users.findOrCreateByPhone(tx, phone, { timezone: 'Asia/Jakarta' })).user.id,
    );
  ana = await make('6281700000001');
  budi = await make('6281700000002');
});
afterAll(async () => {
  await db.drop();
});

describe('changing a transaction by id', () => {
  it("edits amount and category of the user's own row, and refuses another user's row or category", async () => {
    const row = await add(ana, 20_000n);
    const makan = await Categories.findByName(db.pool, ana, 'Makan');
    const budiMakan = await Categories.findByName(db.pool, budi, 'Makan');
    const gaji = await Categories.findByName(db.pool, ana, 'Gaji');
    const edited = await db.pool.transaction((tx) =>
      Ledger.editForUser(tx, { userId: ana, id: row.id, amount: 25_000n, categoryId: makan?.id ?? 0 }),
    );
    expect(edited).toMatchObject({ amount: 25_000n, category: 'Makan' });
    await expect(
      db.pool.transaction((tx) => Ledger.editForUser(tx, { userId: budi, id: row.id, amount: 1n })),
    ).rejects.toThrow('Transaksi tidak ditemukan.');
    await expect(
      db.pool.transaction((tx) =>
        Ledger.editForUser(tx, { userId: ana, id: row.id, categoryId: budiMakan?.id ?? 0 }),
      ),
    ).rejects.toThrow('Kategori tidak ditemukan.');
    await expect(
      db.pool.transaction((tx) =>
        Ledger.editForUser(tx, { userId: ana, id: row.id, categoryId: gaji?.id ?? 0 }),
      ),
    ).rejects.toThrow('Kategori Gaji bukan kategori pengeluaran.');
    expect(await Ledger.findForUser(db.pool, ana, row.id)).toMatchObject({
      amount: 25_000n,
      category: 'Makan',
    });
  });

  it('confirms a pending row and soft-deletes only for its owner', async () => {
    const row = await add(ana, 10_000n, { status: 'pending' });
    await expect(db.pool.transaction((tx) => Ledger.confirmForUser(tx, budi, row.id))).rejects.toThrow(
      'Transaksi tidak ditemukan.',
    );
    expect((await db.pool.transaction((tx) => Ledger.confirmForUser(tx, ana, row.id))).status).toBe(
      'confirmed',
    );
    await expect(db.pool.transaction((tx) => Ledger.softDeleteForUser(tx, budi, row.id))).rejects.toThrow();
    await db.pool.transaction((tx) => Ledger.softDeleteForUser(tx, ana, row.id));
    expect(await Ledger.findForUser(db.pool, ana, row.id)).toBeNull();
    await expect(db.pool.transaction((tx) => Ledger.softDeleteForUser(tx, ana, row.id))).rejects.toThrow(
      'Transaksi tidak ditemukan.',
    );
  });

  it("records a web transaction only in the user's own category of the right kind", async () => {
    const budiMakan = await Categories.findByName(db.pool, budi, 'Makan');
    await expect(
      db.pool.transaction((tx) =>
        Ledger.recordForUser(tx, {
          userId: ana,
          direction: 'expense',
          amount: 1000n,
          categoryId: budiMakan?.id ?? 0,
          description: null,
          datetime: when,
          source: 'web',
        }),
      ),
    ).rejects.toThrow('Kategori tidak ditemukan.');
  });
});

describe('month figures for the dashboard', () => {
  it('gives every day of the month a cashflow point and ranks merchants, falling back to the description', async () => {
    await add(budi, 50_000n, { merchant: 'Indomaret', description: 'belanja' });
    await add(budi, 30_000n, { merchant: 'Indomaret', description: 'belanja lagi' });
    await add(budi, 60_000n, { description: 'bensin' });
    await add(budi, 1_000_000n, { direction: 'income', description: 'gaji' });
    const range = { from: '2026-11-01', to: '2026-12-01' };
    const flow = await Reports.dailyCashflow(db.pool, { userId: budi, timezone: 'Asia/Jakarta', range });
    expect(flow).toHaveLength(30);
    expect(flow[9]).toEqual({ day: '2026-11-10', income: 1_000_000n, expense: 140_000n });
    expect(flow[0]).toEqual({ day: '2026-11-01', income: 0n, expense: 0n });
    expect(await Reports.topMerchants(db.pool, { userId: budi, timezone: 'Asia/Jakarta', range })).toEqual([
      { merchant: 'Indomaret', amount: 80_000n, count: 2 },
      { merchant: 'bensin', amount: 60_000n, count: 1 },
    ]);
  });

  it('finds a savings goal by id only for its owner', async () => {
    const goal = await db.pool.transaction((tx) =>
      Savings.create(tx, { userId: ana, name: 'laptop', targetAmount: 1_000_000n }),
    );
    expect((await Savings.findForUser(db.pool, ana, goal.id))?.name).toBe('laptop');
    expect(await Savings.findForUser(db.pool, budi, goal.id)).toBeNull();
  });
});
