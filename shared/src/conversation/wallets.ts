/**
 * Wallets by chat (issue 12): transfers between the user's own wallets ("top up gopay 100rb dari
 * bca", "tarik tunai 500rb"), balances ("saldo gopay berapa") and a stated balance ("saldo bca
 * sekarang 2,5jt"). A transfer is direction 'transfer' and an adjustment kind 'adjustment': reports
 * and budgets count neither (reports/, budgets/ count only regular income and expense).
 */
import type { DatabaseTransactionConnection } from '../db/pool.ts';
import * as Ledger from '../ledger/index.ts';
import * as Wallets from '../wallets/index.ts';
import { type ActInput, statusFor, withPendingNote } from './book.ts';
import * as Replies from './replies.ts';

/** The wallet a cash withdrawal comes from / a cash deposit goes to when the message names none. */
const UNNAMED_BANK = 'Bank';

/**
 * The bank side of "tarik tunai 500rb" / "setor tunai 1jt" when no bank is named: the user's only
 * bank wallet when there is exactly one (that is the bank they mean), otherwise a wallet called
 * "Bank" — never a guess between two real banks. Decision documented for the README.
 */
async function unnamedBank(tx: DatabaseTransactionConnection, userId: number): Promise<Wallets.Wallet> {
  const banks = (await Wallets.balances(tx, userId)).filter((wallet) => wallet.kind === 'bank');
  const [only] = banks;
  if (banks.length === 1 && only) return { id: only.id, name: only.name, kind: only.kind };
  return Wallets.resolve(tx, userId, UNNAMED_BANK);
}

/**
 * The two ends of a transfer. An unnamed source of a top-up ("isi saldo ovo 50rb") is Tunai —
 * topping up at a minimarket counter is the common way, and a bank is named when it is used —
 * and so is the unnamed destination of anything but cash. Cash in or out with no bank named goes
 * through {@link unnamedBank}.
 */
async function ends(
  tx: DatabaseTransactionConnection,
  userId: number,
  from: string | null,
  to: string | null,
): Promise<{ from: Wallets.Wallet; to: Wallets.Wallet } | null> {
  if (from === null && to === null) return null;
  const cash = (name: string | null) => name !== null && Wallets.isDefaultWallet(name);
  const source =
    from !== null ? await Wallets.resolve(tx, userId, from) : cash(to) ? await unnamedBank(tx, userId) : null;
  const destination =
    to !== null ? await Wallets.resolve(tx, userId, to) : cash(from) ? await unnamedBank(tx, userId) : null;
  return {
    from: source ?? (await Wallets.resolve(tx, userId, null)),
    to: destination ?? (await Wallets.resolve(tx, userId, null)),
  };
}

async function transfer(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const { parsed, user } = input;
  if (parsed.amount === null) return Replies.TRANSFER_ASK_AMOUNT;
  const wallets = await ends(tx, user.id, parsed.wallet ?? null, parsed.to_wallet ?? null);
  if (!wallets) return Replies.TRANSFER_ASK_WALLETS;
  if (wallets.from.id === wallets.to.id) return Replies.TRANSFER_SAME_WALLET;
  const datetime = parsed.datetime ? new Date(parsed.datetime) : input.at;
  await Ledger.record(tx, {
    userId: user.id,
    direction: 'transfer',
    amount: parsed.amount,
    categoryId: null,
    description: parsed.description,
    datetime,
    source: 'whatsapp',
    rawText: input.rawText,
    confidence: parsed.confidence,
    status: statusFor(user),
    waMessageRowId: input.inboundId,
    walletId: wallets.from.id,
    toWalletId: wallets.to.id,
  });
  return withPendingNote(
    user,
    Replies.transferred({
      amount: parsed.amount,
      from: wallets.from.name,
      to: wallets.to.name,
      fromBalance: await Wallets.balanceOf(tx, user.id, wallets.from),
      toBalance: await Wallets.balanceOf(tx, user.id, wallets.to),
      day: Replies.dayNote(datetime, input.at, user.timezone),
    }),
  );
}

/** One wallet (never created by a question) or all of them, Tunai first. */
async function balance(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const name = input.parsed.wallet ?? null;
  if (name === null) return Replies.balanceAll(await Wallets.balances(tx, input.user.id));
  const wallet = await Wallets.find(tx, input.user.id, name);
  if (!wallet) return Replies.walletUnknown(Wallets.canonicalWallet(name).name);
  return Replies.balanceOne(wallet.name, await Wallets.balanceOf(tx, input.user.id, wallet));
}

/** "saldo bca sekarang 2,5jt": the difference is an adjustment, so the wallet shows what was said. */
async function setBalance(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const { parsed, user } = input;
  if (parsed.amount === null) {
    // A question creates no wallet: only a stated balance does.
    const name = parsed.wallet ? Wallets.canonicalWallet(parsed.wallet).name : Wallets.DEFAULT_WALLET;
    return Replies.setBalanceAskAmount(name);
  }
  const wallet = await Wallets.resolve(tx, user.id, parsed.wallet ?? null);
  const { previous } = await Wallets.setBalance(tx, {
    userId: user.id,
    wallet,
    balance: parsed.amount,
    datetime: input.at,
    source: 'whatsapp',
    rawText: input.rawText,
    waMessageRowId: input.inboundId,
  });
  return Replies.balanceSet(wallet.name, previous, parsed.amount);
}

export async function actOnWallet(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  switch (input.parsed.intent) {
    case 'transfer':
      return transfer(tx, input);
    case 'get_balance':
      return balance(tx, input);
    case 'set_balance':
      return setBalance(tx, input);
    default:
      throw new Error(`not a wallet intent: ${input.parsed.intent}`);
  }
}
