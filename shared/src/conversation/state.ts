/**
 * The one open question the bot may have for a user. "tadi 50k" → "Ini pengeluaran kategori apa?"
 * → "makan" completes a Rp50.000 Makan expense; "beli kopi" → "Berapa nominalnya?" → "20k"
 * completes the coffee. Any other message drops the question; it also expires on its own.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { DirectionSchema, type ParseResult } from '../nlu/schema.ts';
import { answerWords } from '../nlu/text.ts';

const QUESTION_TTL_MINUTES = 15;

const PendingSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('awaiting_category'),
    amount: z.string().regex(/^\d+$/),
    direction: DirectionSchema.nullable(),
    description: z.string().nullable(),
    datetime: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('awaiting_amount'),
    category: z.string(),
    direction: DirectionSchema.nullable(),
    description: z.string().nullable(),
    datetime: z.string().nullable(),
  }),
  // A loan missing its person ("hutang 100rb" → "Utangnya ke siapa?") or amount ("hutang ke budi"
  // → "Utang ke Budi berapa?"); the answer completes it with the same intent (issue 12).
  z.object({
    kind: z.literal('awaiting_loan'),
    awaiting: z.enum(['person', 'amount']),
    intent: z.enum(['create_debt', 'create_receivable', 'pay_debt', 'receive_debt_payment']),
    counterparty: z.string().nullable(),
    amount: z.string().regex(/^\d+$/).nullable(),
    description: z.string().nullable(),
    datetime: z.string().nullable(),
    wallet: z.string().nullable(),
  }),
]);
type Pending = z.infer<typeof PendingSchema>;

const RowSchema = z.object({ kind: z.string(), payload: z.unknown() });

/** The open question of a key as stored: read once per message and handed to each reader (issue 16). */
export type OpenQuestion = z.infer<typeof RowSchema>;

/** The key's open question that has not expired, locked until the transaction ends; null when none. */
export async function openQuestion(
  tx: CommonQueryMethods,
  key: number | StateKey,
  at: Date,
): Promise<OpenQuestion | null> {
  return tx.maybeOne(sql.type(RowSchema)`${openQuestionQuery(key, at)}`);
}

/** The query of {@link openQuestion}, for a statement that reads it with other things (received.ts). */
export const openQuestionQuery = (key: number | StateKey, at: Date) => sql.fragment`
  SELECT kind, payload FROM conversation_state
  WHERE ${whereKey(key)} AND expires_at > ${sql.timestamp(at)} FOR UPDATE`;

/** A stored question as a row reads it back from JSON. */
export const OpenQuestionSchema = RowSchema;

/**
 * Whose open question it is: a person's own books (`memberId` null), or one member's in a
 * household's books (issue 15) — Budi's "beli bakso" → "Berapa?" waits for Budi, and Ani's next
 * message in the same group neither answers nor drops it (migration 013's partial unique indexes).
 */
export type StateKey = { userId: number; memberId: number | null };

/** The key of a conversation's books: a number alone is a person's own books. */
export function keyOf(key: number | StateKey): StateKey {
  return typeof key === 'number' ? { userId: key, memberId: null } : key;
}

/** The WHERE condition that picks exactly one key's row. */
export function whereKey(key: number | StateKey) {
  const { userId, memberId } = keyOf(key);
  return memberId === null
    ? sql.fragment`user_id = ${userId} AND member_id IS NULL`
    : sql.fragment`user_id = ${userId} AND member_id = ${memberId}`;
}

/** Opens (or replaces) a key's one question. */
export async function upsert(
  tx: CommonQueryMethods,
  key: number | StateKey,
  row: { kind: string; payload: unknown; expires: Date },
): Promise<void> {
  const { userId, memberId } = keyOf(key);
  const conflict =
    memberId === null
      ? sql.fragment`ON CONFLICT (user_id) WHERE member_id IS NULL`
      : sql.fragment`ON CONFLICT (user_id, member_id) WHERE member_id IS NOT NULL`;
  await tx.query(sql.unsafe`
    INSERT INTO conversation_state (user_id, member_id, kind, payload, expires_at)
    VALUES (${userId}, ${memberId}, ${row.kind}, ${sql.jsonb(row.payload as never)}, ${sql.timestamp(row.expires)})
    ${conflict} DO UPDATE SET kind = EXCLUDED.kind, payload = EXCLUDED.payload,
      expires_at = EXCLUDED.expires_at, created_at = now()`);
}

export async function clear(tx: CommonQueryMethods, key: number | StateKey): Promise<void> {
  await tx.query(sql.unsafe`DELETE FROM conversation_state WHERE ${whereKey(key)}`);
}

/** Remembers what a clarification asked, replacing any older question. */
export async function rememberQuestion(
  tx: CommonQueryMethods,
  userId: number | StateKey,
  parsed: ParseResult,
  at: Date,
) {
  let pending: Pending | null = null;
  if (parsed.amount !== null && parsed.category_suggestion === null) {
    pending = {
      kind: 'awaiting_category',
      amount: parsed.amount.toString(),
      direction: parsed.direction,
      description: parsed.description,
      datetime: parsed.datetime,
    };
  } else if (parsed.amount === null && parsed.category_suggestion !== null) {
    pending = {
      kind: 'awaiting_amount',
      category: parsed.category_suggestion,
      direction: parsed.direction,
      description: parsed.description,
      datetime: parsed.datetime,
    };
  }
  if (!pending) return clear(tx, userId);
  await save(tx, userId, pending, at);
}

export type LoanQuestion = Omit<Extract<Pending, { kind: 'awaiting_loan' }>, 'kind'>;

/** Remembers the one thing a debt message lacks (its person or its amount). */
export async function rememberLoan(
  tx: CommonQueryMethods,
  userId: number | StateKey,
  question: LoanQuestion,
  at: Date,
) {
  await save(tx, userId, { kind: 'awaiting_loan', ...question }, at);
}

async function save(tx: CommonQueryMethods, key: number | StateKey, pending: Pending, at: Date) {
  const expires = new Date(at.getTime() + QUESTION_TTL_MINUTES * 60_000);
  await upsert(tx, key, { kind: pending.kind, payload: pending, expires });
}

/** Little words before a name in an answer: "ke budi", "sama mama", "ama andi". */
const PERSON_LEAD = new Set(['ke', 'sama', 'ama', 'dari', 'di', 'dengan', 'dgn', 'si', 'utang', 'hutang']);
/** Answers that are not a name: thanks, yes/no, never mind, a greeting. */
const NOT_A_PERSON = new Set([
  ...['makasih', 'terima', 'kasih', 'thanks', 'halo', 'hai', 'bantuan', 'help'],
  ...['ok', 'oke', 'ya', 'iya', 'yes', 'no', 'nggak', 'ngga', 'gak', 'ga', 'enggak', 'tidak', 'bukan'],
  ...['batal', 'gajadi', 'jadi', 'cancel', 'nanti', 'aja', 'udah', 'sudah', 'lupa', 'salah'],
]);
/** Names are short: a longer answer is a new message, not an answer to "ke siapa?". */
const PERSON_MAX_WORDS = 3;

/** The person a short answer names ("budi", "ke mama", "Pak Rahmat"), or null. */
export function personAnswer(text: string): string | null {
  if (/\d/.test(text)) return null;
  const words = answerWords(text);
  while (words.length > 0 && PERSON_LEAD.has(words[0] ?? '')) words.shift();
  if (words.length === 0 || words.length > PERSON_MAX_WORDS) return null;
  if (words.some((word) => NOT_A_PERSON.has(word))) return null;
  return words.join(' ');
}

const LOAN_DIRECTION = {
  create_debt: 'income',
  create_receivable: 'expense',
  pay_debt: 'expense',
  receive_debt_payment: 'income',
} as const;

/** The loan message an answer completes, or null when the message is no such answer. */
function completeLoan(
  state: Extract<Pending, { kind: 'awaiting_loan' }>,
  parsed: ParseResult,
  text: string,
): ParseResult | null {
  const loan = {
    ...parsed,
    intent: state.intent,
    direction: LOAN_DIRECTION[state.intent],
    description: state.description ?? parsed.description,
    datetime: state.datetime ?? parsed.datetime,
    wallet: state.wallet,
    category_suggestion: null,
    question: null,
    confidence: 0.9,
  };
  if (state.awaiting === 'amount') {
    const bareAmount =
      parsed.amount !== null && parsed.category_suggestion === null && ANSWER_INTENTS.has(parsed.intent);
    return bareAmount ? { ...loan, amount: parsed.amount, counterparty: state.counterparty } : null;
  }
  // The person: one the reader found ("ke budi"), or a short answer of just a name.
  const person =
    parsed.counterparty ??
    (parsed.intent === 'smalltalk' || parsed.intent === 'clarification' ? personAnswer(text) : null);
  if (!person) return null;
  const amount = state.amount === null ? parsed.amount : BigInt(state.amount);
  return { ...loan, counterparty: person, amount };
}

const ANSWER_INTENTS = new Set(['clarification', 'create_transaction', 'edit_category']);

/**
 * When `parsed` answers the open question, returns the completed transaction it makes
 * (and closes the question); otherwise null, leaving the question for {@link rememberQuestion} or
 * the next intent to replace or clear.
 */
export async function completePending(
  tx: CommonQueryMethods,
  userId: number | StateKey,
  parsed: ParseResult,
  at: Date,
  /** The message as typed: a loan's "ke siapa?" is answered by a bare name the reader has no intent for. */
  text = '',
  /** The question already read by {@link openQuestion}; undefined: read it here. */
  open?: OpenQuestion | null,
): Promise<ParseResult | null> {
  const row = open === undefined ? await openQuestion(tx, userId, at) : open;
  if (!row) return null;
  const pending = PendingSchema.safeParse(row.payload);
  if (!pending.success) return null;
  const state = pending.data;
  if (state.kind === 'awaiting_loan') {
    const loan = completeLoan(state, parsed, text);
    if (loan) await clear(tx, userId);
    return loan;
  }
  if (!ANSWER_INTENTS.has(parsed.intent)) return null;

  let completed: ParseResult | null = null;
  if (state.kind === 'awaiting_category' && parsed.amount === null && parsed.category_suggestion !== null) {
    completed = {
      ...parsed,
      intent: 'create_transaction',
      amount: BigInt(state.amount),
      direction: state.direction === 'transfer' ? null : state.direction,
      description: state.description ?? parsed.description,
      datetime: state.datetime ?? parsed.datetime,
      question: null,
      confidence: 0.9,
    };
  } else if (
    state.kind === 'awaiting_amount' &&
    parsed.amount !== null &&
    parsed.category_suggestion === null
  ) {
    completed = {
      ...parsed,
      intent: 'create_transaction',
      category_suggestion: state.category,
      direction: state.direction === 'transfer' ? null : state.direction,
      description: state.description ?? parsed.description,
      datetime: state.datetime ?? parsed.datetime,
      question: null,
      confidence: 0.9,
    };
  }
  if (completed) await clear(tx, userId);
  return completed;
}
