/**
 * Savings goals ("tabungan"): a target, a balance kept in step with its deposits and
 * withdrawals in one database transaction, and no overdraw — the balance never goes below zero.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import { assertAmount, type Source } from '../ledger/index.ts';
import { formatRupiah, groupThousands, MAX_STORED_AMOUNT, percent } from '../money/index.ts';

export const SavingsAccountSchema = z.object({
  id: z.number(),
  user_id: z.number(),
  name: z.string(),
  target_amount: z.bigint(),
  current_amount: z.bigint(),
  currency: z.string(),
  target_date: z.string().nullable(),
  created_at: z.date(),
});
export type SavingsAccount = z.infer<typeof SavingsAccountSchema>;

const accountColumns = sql.fragment`id, user_id, name, target_amount, current_amount, currency, target_date, created_at`;

/** Savings names are kept as typed but compared without case or extra spaces: "Laptop " = "laptop". */
export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

/** "500.000/15.000.000 (3%)" — SPEC.md's progress line. */
export function progressText(account: Pick<SavingsAccount, 'current_amount' | 'target_amount'>): string {
  return `${groupThousands(account.current_amount)}/${groupThousands(account.target_amount)} (${percent(
    account.current_amount,
    account.target_amount,
  )}%)`;
}

export async function findByName(
  db: CommonQueryMethods,
  userId: number,
  name: string,
): Promise<SavingsAccount | null> {
  return db.maybeOne(sql.type(SavingsAccountSchema)`
    SELECT ${accountColumns} FROM savings_accounts
    WHERE user_id = ${userId} AND lower(name) = lower(${normaliseName(name)})`);
}

export async function listForUser(
  db: CommonQueryMethods,
  userId: number,
): Promise<readonly SavingsAccount[]> {
  return db.any(sql.type(SavingsAccountSchema)`
    SELECT ${accountColumns} FROM savings_accounts WHERE user_id = ${userId} ORDER BY created_at, id`);
}

/** Creates a goal; a second goal of the same name is a conflict, not a duplicate. */
export async function create(
  tx: CommonQueryMethods,
  input: { userId: number; name: string; targetAmount: bigint; targetDate?: string | null },
): Promise<SavingsAccount> {
  assertAmount(input.targetAmount);
  const name = normaliseName(input.name);
  if (name.length === 0 || name.length > 100)
    throw new DomainError('invalid', 'Nama tabungannya 1–100 huruf ya.');
  const existing = await findByName(tx, input.userId, name);
  if (existing) {
    throw new DomainError(
      'conflict',
      `Tabungan ${existing.name} udah ada. Progress ${progressText(existing)}.`,
    );
  }
  // The unique index is on lower(name) (migration 010): of two concurrent creates of "Laptop"
  // and "laptop", the second waits for the first's commit, then does nothing and answers as if
  // it had found the goal before inserting.
  const created = await tx.maybeOne(sql.type(SavingsAccountSchema)`
    INSERT INTO savings_accounts (user_id, name, target_amount, target_date)
    VALUES (${input.userId}, ${name}, ${input.targetAmount.toString()}, ${input.targetDate ?? null})
    ON CONFLICT (user_id, lower(name)) DO NOTHING
    RETURNING ${accountColumns}`);
  if (!created) {
    const winner = await findByName(tx, input.userId, name);
    throw new DomainError(
      'conflict',
      winner
        ? `Tabungan ${winner.name} udah ada. Progress ${progressText(winner)}.`
        : `Tabungan ${name} udah ada.`,
    );
  }
  return created;
}

type Movement = {
  userId: number;
  name: string;
  amount: bigint;
  source: Source;
  note?: string | null;
  waMessageRowId?: number | null;
};

async function requireAccount(tx: CommonQueryMethods, userId: number, name: string): Promise<SavingsAccount> {
  const account = await findByName(tx, userId, name);
  if (!account) {
    throw new DomainError(
      'not_found',
      `Tabungan ${normaliseName(name)} belum ada. Bikin dulu, misalnya: buat tabungan ${normaliseName(name)} 10jt`,
    );
  }
  return account;
}

async function recordMovement(
  tx: CommonQueryMethods,
  account: SavingsAccount,
  direction: 'deposit' | 'withdraw',
  input: Movement,
): Promise<void> {
  await tx.query(sql.unsafe`
    INSERT INTO savings_transactions (savings_account_id, user_id, direction, amount, note, source, wa_message_row_id)
    VALUES (${account.id}, ${input.userId}, ${direction}, ${input.amount.toString()}, ${input.note ?? null},
            ${input.source}, ${input.waMessageRowId ?? null})`);
}

/** Adds to a goal. The balance update is one atomic statement, so concurrent deposits never lose one. */
export async function deposit(tx: CommonQueryMethods, input: Movement): Promise<SavingsAccount> {
  assertAmount(input.amount);
  const account = await requireAccount(tx, input.userId, input.name);
  // The balance column holds at most MAX_STORED_AMOUNT; a deposit past it is refused with a
  // reply, never left to fail as a numeric overflow (a 500).
  const updated = await tx.maybeOne(sql.type(SavingsAccountSchema)`
    UPDATE savings_accounts SET current_amount = current_amount + ${input.amount.toString()}, updated_at = now()
    WHERE id = ${account.id} AND current_amount + ${input.amount.toString()} <= ${MAX_STORED_AMOUNT.toString()}
    RETURNING ${accountColumns}`);
  if (!updated) {
    throw new DomainError(
      'invalid',
      `Setorannya kegedean: saldo tabungan ${account.name} nggak bisa lebih dari ${formatRupiah(MAX_STORED_AMOUNT)}.`,
    );
  }
  await recordMovement(tx, updated, 'deposit', input);
  return updated;
}

/** Takes from a goal; refuses (and changes nothing) when the balance is smaller than the amount. */
export async function withdraw(tx: CommonQueryMethods, input: Movement): Promise<SavingsAccount> {
  assertAmount(input.amount);
  const account = await requireAccount(tx, input.userId, input.name);
  const updated = await tx.maybeOne(sql.type(SavingsAccountSchema)`
    UPDATE savings_accounts SET current_amount = current_amount - ${input.amount.toString()}, updated_at = now()
    WHERE id = ${account.id} AND current_amount >= ${input.amount.toString()} RETURNING ${accountColumns}`);
  if (!updated) {
    const current = await tx.one(sql.type(SavingsAccountSchema)`
      SELECT ${accountColumns} FROM savings_accounts WHERE id = ${account.id}`);
    throw new DomainError(
      'insufficient_funds',
      `Saldo tabungan ${current.name} cuma ${formatRupiah(current.current_amount)}, nggak cukup buat tarik ${formatRupiah(input.amount)}.`,
    );
  }
  await recordMovement(tx, updated, 'withdraw', input);
  return updated;
}

export const SavingsMovementSchema = z.object({
  id: z.number(),
  direction: z.enum(['deposit', 'withdraw']),
  amount: z.bigint(),
  note: z.string().nullable(),
  source: z.string(),
  created_at: z.date(),
});

export async function history(db: CommonQueryMethods, userId: number, accountId: number) {
  return db.any(sql.type(SavingsMovementSchema)`
    SELECT id, direction, amount, note, source, created_at FROM savings_transactions
    WHERE user_id = ${userId} AND savings_account_id = ${accountId} ORDER BY id DESC`);
}

/** "✅ Setoran Rp500.000 ke tabungan laptop. Progress 500.000/15.000.000 (3%)." (SPEC.md) */
export function depositMessage(amount: bigint, account: SavingsAccount): string {
  return `✅ Setoran ${formatRupiah(amount)} ke tabungan ${account.name}. Progress ${progressText(account)}.`;
}

/** "✅ Tarik Rp200.000 dari tabungan laptop. Progress 300.000/15.000.000 (2%)." */
export function withdrawMessage(amount: bigint, account: SavingsAccount): string {
  return `✅ Tarik ${formatRupiah(amount)} dari tabungan ${account.name}. Progress ${progressText(account)}.`;
}

/** One of the user's goals by id; another user's goal is null, exactly like a missing one. */
export async function findForUser(
  db: CommonQueryMethods,
  userId: number,
  id: number,
): Promise<SavingsAccount | null> {
  return db.maybeOne(sql.type(SavingsAccountSchema)`
    SELECT ${accountColumns} FROM savings_accounts WHERE id = ${id} AND user_id = ${userId}`);
}
