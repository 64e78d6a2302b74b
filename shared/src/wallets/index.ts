/**
 * Wallets: where a user's money sits (Tunai, banks, e-wallets), created the first time a message
 * names one, with balances computed from the ledger — never stored, so they cannot drift.
 *
 * The default wallet, Tunai, has no row: a transaction whose wallet_id is null is in Tunai
 * (migration 009). A balance is every live row on the wallet: income and adjustments up add,
 * expenses and adjustments down subtract, transfers move money from wallet_id to to_wallet_id.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import * as Ledger from '../ledger/index.ts';
import { canonicalWallet, DEFAULT_WALLET, type WalletKind } from './names.ts';

export type { WalletKind } from './names.ts';
export { canonicalWallet, DEFAULT_WALLET, isDefaultWallet, knownWallet, WALLET_ALIASES } from './names.ts';

export type Wallet = { id: number | null; name: string; kind: WalletKind | 'cash' };
export type WalletBalance = Wallet & { balance: bigint };

const WalletRowSchema = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(['bank', 'ewallet', 'other']),
});

const TUNAI: Wallet = { id: null, name: DEFAULT_WALLET, kind: 'cash' };

/** The user's wallet by name (any alias: "gopay", "GoPay"), or null when never named. Tunai always exists. */
export async function find(db: CommonQueryMethods, userId: number, name: string): Promise<Wallet | null> {
  const canonical = canonicalWallet(name);
  if (canonical.name === DEFAULT_WALLET) return TUNAI;
  return db.maybeOne(sql.type(WalletRowSchema)`
    SELECT id, name, kind FROM wallets WHERE user_id = ${userId} AND lower(name) = lower(${canonical.name})`);
}

/**
 * The user's wallet `id` (a form's choice), or null when it is not theirs — another user's id reads
 * as "not found", never as someone else's wallet.
 */
export async function findForUser(
  db: CommonQueryMethods,
  userId: number,
  id: number,
): Promise<Wallet | null> {
  return db.maybeOne(sql.type(WalletRowSchema)`
    SELECT id, name, kind FROM wallets WHERE user_id = ${userId} AND id = ${id}`);
}

/**
 * The wallet a message names, created the first time ("top up gopay 100rb dari bca" makes GoPay
 * and BCA). Null or the Tunai aliases → Tunai (id null). Safe under concurrent first mentions.
 */
export async function resolve(
  tx: CommonQueryMethods,
  userId: number,
  name: string | null | undefined,
): Promise<Wallet> {
  if (!name?.trim()) return TUNAI;
  const canonical = canonicalWallet(name);
  if (canonical.name === DEFAULT_WALLET) return TUNAI;
  if (canonical.name.length === 0) throw new DomainError('invalid', 'Nama dompetnya kosong.');
  await tx.query(sql.unsafe`
    INSERT INTO wallets (user_id, name, kind) VALUES (${userId}, ${canonical.name}, ${canonical.kind})
    ON CONFLICT (user_id, lower(name)) DO NOTHING`);
  return tx.one(sql.type(WalletRowSchema)`
    SELECT id, name, kind FROM wallets WHERE user_id = ${userId} AND lower(name) = lower(${canonical.name})`);
}

const FlowSchema = z.object({ wallet_id: z.number().nullable(), balance: z.bigint() });

/** Net flow per wallet id (null = Tunai) over the user's live rows. */
async function flows(db: CommonQueryMethods, userId: number): Promise<Map<number | null, bigint>> {
  const rows = await db.any(sql.type(FlowSchema)`
    SELECT wallet_id, sum(delta)::numeric AS balance FROM (
      SELECT t.wallet_id, CASE WHEN t.direction = 'income' THEN t.amount ELSE -t.amount END AS delta
      FROM transactions t WHERE t.user_id = ${userId} AND t.deleted_at IS NULL
      UNION ALL
      SELECT t.to_wallet_id, t.amount
      FROM transactions t WHERE t.user_id = ${userId} AND t.deleted_at IS NULL AND t.direction = 'transfer'
    ) AS f GROUP BY wallet_id`);
  return new Map(rows.map((row) => [row.wallet_id, row.balance]));
}

/** Every wallet of the user with its balance: Tunai first, then the others by name. */
export async function balances(db: CommonQueryMethods, userId: number): Promise<WalletBalance[]> {
  const wallets = await db.any(sql.type(WalletRowSchema)`
    SELECT id, name, kind FROM wallets WHERE user_id = ${userId} ORDER BY lower(name)`);
  const net = await flows(db, userId);
  return [TUNAI, ...wallets].map((wallet) => ({ ...wallet, balance: net.get(wallet.id) ?? 0n }));
}

/** One wallet's balance. */
export async function balanceOf(db: CommonQueryMethods, userId: number, wallet: Wallet): Promise<bigint> {
  return (await flows(db, userId)).get(wallet.id) ?? 0n;
}

/**
 * "saldo bca sekarang 2,5jt": records the difference between the balance Kantong knows and the
 * one the user states as an adjustment row (neither earning nor spending), so the wallet shows
 * the stated balance from now on. Nothing is written when they already agree.
 */
export async function setBalance(
  tx: CommonQueryMethods,
  input: {
    userId: number;
    wallet: Wallet;
    balance: bigint;
    datetime: Date;
    source: Ledger.Source;
    rawText?: string | null;
    waMessageRowId?: number | null;
  },
): Promise<{ previous: bigint; adjustment: Ledger.Transaction | null }> {
  if (input.balance < 0n) throw new DomainError('invalid', 'Saldonya nggak bisa minus ya.');
  if (input.balance > 0n) Ledger.assertAmount(input.balance);
  // One change of a user's balances at a time: two "saldo bca sekarang …" at once agree on the end.
  await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(${input.userId}, hashtext('wallets'))`);
  const previous = await balanceOf(tx, input.userId, input.wallet);
  const difference = input.balance - previous;
  if (difference === 0n) return { previous, adjustment: null };
  const adjustment = await Ledger.record(tx, {
    userId: input.userId,
    direction: difference > 0n ? 'income' : 'expense',
    amount: difference > 0n ? difference : -difference,
    kind: 'adjustment',
    categoryId: null,
    description: `Penyesuaian saldo ${input.wallet.name}`,
    datetime: input.datetime,
    source: input.source,
    rawText: input.rawText ?? null,
    waMessageRowId: input.waMessageRowId ?? null,
    walletId: input.wallet.id,
  });
  return { previous, adjustment };
}
