/**
 * The one open question the bot may have for a user. "tadi 50k" → "Ini pengeluaran kategori apa?"
 * → "makan" completes a Rp50.000 Makan expense; "beli kopi" → "Berapa nominalnya?" → "20k"
 * completes the coffee. Any other message drops the question; it also expires on its own.
 */
import { z } from 'zod';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import { DirectionSchema, type ParseResult } from '../nlu/schema.ts';

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
]);
type Pending = z.infer<typeof PendingSchema>;

const RowSchema = z.object({ kind: z.string(), payload: z.unknown() });

export async function clear(tx: CommonQueryMethods, userId: number): Promise<void> {
  await tx.query(sql.unsafe`DELETE FROM conversation_state WHERE user_id = ${userId}`);
}

/** Remembers what a clarification asked, replacing any older question. */
export async function rememberQuestion(
  tx: CommonQueryMethods,
  userId: number,
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
  const expires = new Date(at.getTime() + QUESTION_TTL_MINUTES * 60_000);
  await tx.query(sql.unsafe`
    INSERT INTO conversation_state (user_id, kind, payload, expires_at)
    VALUES (${userId}, ${pending.kind}, ${sql.jsonb(pending)}, ${sql.timestamp(expires)})
    ON CONFLICT (user_id) DO UPDATE SET kind = EXCLUDED.kind, payload = EXCLUDED.payload,
      expires_at = EXCLUDED.expires_at, created_at = now()`);
}

const ANSWER_INTENTS = new Set(['clarification', 'create_transaction', 'edit_category']);

/**
 * When `parsed` answers the open question, returns the completed transaction it makes
 * (and closes the question); otherwise null, leaving the question for {@link rememberQuestion} or
 * the next intent to replace or clear.
 */
export async function completePending(
  tx: CommonQueryMethods,
  userId: number,
  parsed: ParseResult,
  at: Date,
): Promise<ParseResult | null> {
  const row = await tx.maybeOne(sql.type(RowSchema)`
    SELECT kind, payload FROM conversation_state
    WHERE user_id = ${userId} AND expires_at > ${sql.timestamp(at)} FOR UPDATE`);
  if (!row || !ANSWER_INTENTS.has(parsed.intent)) return null;
  const pending = PendingSchema.safeParse(row.payload);
  if (!pending.success) return null;
  const state = pending.data;

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
