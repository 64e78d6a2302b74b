/**
 * Debts and receivables by chat (issue 12): "hutang ke budi 100rb", "minjemin andi 50rb",
 * "bayar hutang ke budi 40rb", "dimas bayar utang 150rb", "lunasin utang mama", "cek hutang".
 * Every reply says what is still owed with that person, so the user never has to add it up.
 * The ledger side (rows of kind debt/receivable, refusals of overpaying) is shared/src/debts.
 */
import type { DatabaseTransactionConnection } from '../db/pool.ts';
import * as Debts from '../debts/index.ts';
import type { ParseResult } from '../nlu/schema.ts';
import * as Wallets from '../wallets/index.ts';
import { type ActInput, stateKeyOf, statusFor, withPendingNote } from './book.ts';
import * as Replies from './replies.ts';
import * as State from './state.ts';

type LoanIntent = 'create_debt' | 'create_receivable' | 'pay_debt' | 'receive_debt_payment';

const KIND: Record<LoanIntent, Debts.DebtKind> = {
  create_debt: 'debt',
  create_receivable: 'receivable',
  pay_debt: 'debt',
  receive_debt_payment: 'receivable',
};

function isLoanIntent(intent: ParseResult['intent']): intent is LoanIntent {
  return intent in KIND;
}

/** Borrowing or lending: the person and the amount are needed, each asked for when missing. */
async function openLoan(
  tx: DatabaseTransactionConnection,
  input: ActInput,
  intent: 'create_debt' | 'create_receivable',
): Promise<string> {
  const { parsed, user } = input;
  const kind = KIND[intent];
  if (!parsed.counterparty) {
    await State.rememberLoan(
      tx,
      stateKeyOf(input),
      { ...loanQuestion(intent, parsed), awaiting: 'person' },
      input.at,
    );
    return Replies.LOAN_ASK_PERSON[kind];
  }
  if (parsed.amount === null) {
    await State.rememberLoan(
      tx,
      stateKeyOf(input),
      { ...loanQuestion(intent, parsed), awaiting: 'amount' },
      input.at,
    );
    return Replies.loanAskAmount(kind, Debts.displayName(Debts.normaliseCounterparty(parsed.counterparty)));
  }
  const wallet = await Wallets.resolve(tx, user.id, parsed.wallet);
  const datetime = parsed.datetime ? new Date(parsed.datetime) : input.at;
  const { transaction, outstanding } = await Debts.open(tx, {
    ...ledgerFields(input, kind, parsed.counterparty, wallet.id, datetime),
    amount: parsed.amount,
  });
  return withPendingNote(
    user,
    Replies.loanOpened(kind, {
      who: Debts.displayName(transaction.counterparty ?? parsed.counterparty),
      amount: parsed.amount,
      outstanding,
      wallet: wallet.name,
      day: Replies.dayNote(datetime, input.at, user.timezone),
    }),
  );
}

/**
 * Paying back or being paid back. No person named: the only one with an open balance that way is
 * meant; with several, the user is asked which (and the list shown). No amount: settle it all.
 */
async function repayLoan(
  tx: DatabaseTransactionConnection,
  input: ActInput,
  intent: 'pay_debt' | 'receive_debt_payment',
): Promise<string> {
  const { parsed, user } = input;
  const kind = KIND[intent];
  let person = parsed.counterparty ? Debts.normaliseCounterparty(parsed.counterparty) : null;
  if (!person) {
    const open = (await Debts.balances(tx, user.id)).filter(
      (balance) => balance.kind === kind && balance.outstanding > 0n,
    );
    if (open.length === 0) return Replies.NOTHING_OWED[kind];
    if (open.length > 1) {
      await State.rememberLoan(
        tx,
        stateKeyOf(input),
        { ...loanQuestion(intent, parsed), awaiting: 'person' },
        input.at,
      );
      return Replies.loanAskWhichPerson(kind, open);
    }
    person = open[0]?.counterparty ?? null;
    if (!person) return Replies.NOTHING_OWED[kind];
  }
  const wallet = await Wallets.resolve(tx, user.id, parsed.wallet);
  const datetime = parsed.datetime ? new Date(parsed.datetime) : input.at;
  const { transaction, outstanding } = await Debts.repay(tx, {
    ...ledgerFields(input, kind, person, wallet.id, datetime),
    amount: parsed.amount,
  });
  return withPendingNote(
    user,
    Replies.loanRepaid(kind, {
      who: Debts.displayName(person),
      amount: transaction.amount,
      outstanding,
      wallet: wallet.name,
      day: Replies.dayNote(datetime, input.at, user.timezone),
    }),
  );
}

function ledgerFields(
  input: ActInput,
  kind: Debts.DebtKind,
  counterparty: string,
  walletId: number | null,
  datetime: Date,
) {
  return {
    userId: input.user.id,
    kind,
    counterparty,
    datetime,
    source: 'whatsapp' as const,
    description: input.parsed.description,
    rawText: input.rawText,
    waMessageRowId: input.inboundId,
    walletId,
    status: statusFor(input.user),
  };
}

function loanQuestion(intent: LoanIntent, parsed: ParseResult) {
  return {
    intent,
    counterparty: parsed.counterparty ?? null,
    amount: parsed.amount === null ? null : parsed.amount.toString(),
    description: parsed.description,
    datetime: parsed.datetime,
    wallet: parsed.wallet ?? null,
  };
}

/** What is still owed either way: everyone, or the one person asked about. */
async function debtsOverview(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const person = input.parsed.counterparty ? Debts.normaliseCounterparty(input.parsed.counterparty) : null;
  const open = (await Debts.balances(tx, input.user.id)).filter(
    (balance) => balance.outstanding > 0n && (person === null || balance.counterparty === person),
  );
  if (person !== null) return Replies.debtsWithPerson(Debts.displayName(person), open);
  return Replies.debtsList(open);
}

export async function actOnDebt(tx: DatabaseTransactionConnection, input: ActInput): Promise<string> {
  const { intent } = input.parsed;
  if (intent === 'get_debts') return debtsOverview(tx, input);
  if (!isLoanIntent(intent)) throw new Error(`not a debt intent: ${intent}`);
  if (intent === 'create_debt' || intent === 'create_receivable') return openLoan(tx, input, intent);
  return repayLoan(tx, input, intent);
}
