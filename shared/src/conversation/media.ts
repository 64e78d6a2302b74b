/**
 * What a voice note or a receipt photo does, once the media functions have turned it into text
 * or a receipt reading (issue 5). Runs inside the message's transaction, like intents.ts: the
 * media asset row, the one transaction a receipt makes, the open "is this right?" question and
 * the reply commit together, keyed by the WhatsApp message id.
 */
import { z } from 'zod';
import * as Categories from '../categories/index.ts';
import { type CommonQueryMethods, type DatabaseTransactionConnection, sql } from '../db/pool.ts';
import * as Ledger from '../ledger/index.ts';
import { wallTimeToDate } from '../nlu/dates.ts';
import { FALLBACK_EXPENSE_CATEGORY } from '../nlu/lexicon.ts';
import type { AiCall } from '../nlu/llm.ts';
import { parseMessage } from '../nlu/rules.ts';
import type { ParseResult } from '../nlu/schema.ts';
import type { MediaRef } from '../queue/envelope.ts';
import { RECEIPT_CONFIDENT, type ReceiptReading } from '../receipts/parse.ts';
import { localDate } from '../time/index.ts';
import type { User } from '../users/index.ts';
import type { Action } from './intents.ts';
import * as Replies from './replies.ts';

/** What the media functions hand the conversation along with an audio or image message. */
export type Extracted = (
  | { kind: 'transcript'; text: string; duration_s: number; media: MediaRef | null }
  | { kind: 'receipt'; reading: ReceiptReading; media: MediaRef | null }
  | { kind: 'problem'; problem: Replies.MediaProblem; media: MediaRef | null }
) & {
  /** The model calls it took (Whisper, Tesseract, the receipt LLM), for `ai_audit`. */
  aiCalls?: AiCall[];
};

/** Stores the S3 object's metadata (the photo stays in S3) and links it to the inbound message. */
export async function registerAsset(
  tx: CommonQueryMethods,
  input: { userId: number; media: MediaRef; inboundId: number },
): Promise<number> {
  const { media } = input;
  const id = await tx.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO media_assets (user_id, s3_bucket, s3_key, sha256, mime, size_bytes)
    VALUES (${input.userId}, ${media.bucket}, ${media.key}, ${media.sha256}, ${media.mime}, ${media.size_bytes})
    ON CONFLICT (s3_bucket, s3_key) DO UPDATE SET user_id = COALESCE(media_assets.user_id, EXCLUDED.user_id)
    RETURNING id`);
  await tx.query(sql.unsafe`UPDATE wa_messages SET media_asset_id = ${id} WHERE id = ${input.inboundId}`);
  return id;
}

const RECEIPT_QUESTION = 'awaiting_receipt_confirmation';
/** A pending receipt may be confirmed the same day, not a week later by an unrelated "ok". */
const RECEIPT_QUESTION_HOURS = 12;
const LOGGED_OCR_LIMIT = 4000;
/** Where a receipt lands when neither the caption nor the shop and items name a category. */
const RECEIPT_CATEGORY = 'Belanja';

/** The shop's date as a moment: noon local time, or the message's own time when it is today. */
function receiptMoment(date: string | null, at: Date, timezone: string): Date {
  if (!date || date === localDate(at, timezone)) return at;
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return wallTimeToDate({ year, month, day, hour: 12, minute: 0, second: 0 }, timezone);
}

/**
 * Records the expense a receipt shows: confirmed when the reading checks out, pending (with a
 * question) when it does not. The caption helps: its category wins over the shop's, and an
 * amount typed in it that matches the total confirms the reading (one that differs wins, pending).
 */
export async function recordReceipt(
  tx: DatabaseTransactionConnection,
  input: {
    user: User;
    reading: ReceiptReading;
    caption: string;
    at: Date;
    inboundId: number;
    mediaAssetId: number | null;
  },
): Promise<Action> {
  const { reading, user } = input;
  if (reading.total === null)
    return { intent: 'receipt_unreadable', reply: Replies.MEDIA_PROBLEM.not_a_receipt };
  const options = await Categories.optionsForUser(tx, user.id);
  const context = { now: input.at, timezone: user.timezone, categories: options };
  const caption = input.caption ? parseMessage(input.caption, context) : null;
  const shop = parseMessage(
    [reading.merchant ?? '', ...reading.items.map((item) => item.name)].join(' '),
    context,
  );
  const captionAmount = caption?.amount ?? null;
  const amount = captionAmount ?? reading.total;
  const confirmedByCaption = captionAmount !== null && captionAmount === reading.total;
  const confident =
    (reading.confidence >= RECEIPT_CONFIDENT || confirmedByCaption) && amount === reading.total;
  const categoryName = caption?.category_suggestion ?? shop.category_suggestion ?? RECEIPT_CATEGORY;
  const existing = await Categories.findByName(tx, user.id, categoryName);
  // A caption naming an income category ("gaji") cannot make a receipt income: it stays an expense.
  const category =
    existing?.kind === 'expense'
      ? existing
      : await Categories.findOrCreate(
          tx,
          user.id,
          existing ? FALLBACK_EXPENSE_CATEGORY : categoryName,
          'expense',
        );
  const transaction = await Ledger.record(tx, {
    userId: user.id,
    direction: 'expense',
    amount,
    categoryId: category.id,
    description: reading.merchant ? `Belanja ${reading.merchant}` : 'Belanja (struk)',
    datetime: receiptMoment(reading.date, input.at, user.timezone),
    source: 'whatsapp',
    rawText: reading.raw_text.slice(0, LOGGED_OCR_LIMIT),
    confidence: confirmedByCaption ? Math.max(reading.confidence, RECEIPT_CONFIDENT) : reading.confidence,
    status: confident ? 'confirmed' : 'pending',
    waMessageRowId: input.inboundId,
    mediaAssetId: input.mediaAssetId,
    merchant: reading.merchant,
  });
  if (confident) {
    await tx.query(sql.unsafe`DELETE FROM conversation_state WHERE user_id = ${user.id}`);
    return { intent: 'receipt', reply: Replies.receiptRecorded(reading.merchant, amount, reading.date) };
  }
  const expires = new Date(input.at.getTime() + RECEIPT_QUESTION_HOURS * 3_600_000);
  await tx.query(sql.unsafe`
    INSERT INTO conversation_state (user_id, kind, payload, expires_at)
    VALUES (${user.id}, ${RECEIPT_QUESTION}, ${sql.jsonb({ transaction_id: transaction.id })}, ${sql.timestamp(expires)})
    ON CONFLICT (user_id) DO UPDATE SET kind = EXCLUDED.kind, payload = EXCLUDED.payload,
      expires_at = EXCLUDED.expires_at, created_at = now()`);
  return { intent: 'receipt_pending', reply: Replies.receiptPending(reading.merchant, amount, reading.date) };
}

// Not "ya": that word answers the account-activation question (registration policy).
const CONFIRM = /^(ok|oke|okay|okey|sip|siap|benar|betul|bener|cocok|mantap)\b/i;

/**
 * A reply to "is this receipt right?": "ok" confirms the pending expense, a bare amount corrects
 * its total and confirms it. Anything else returns null and goes through the usual intents (which
 * close the question).
 */
export async function answerReceiptQuestion(
  tx: DatabaseTransactionConnection,
  input: { userId: number; parsed: ParseResult; text: string; at: Date },
): Promise<Action | null> {
  const payload = await tx.maybeOneFirst(sql.type(z.object({ payload: z.unknown() }))`
    SELECT payload FROM conversation_state
    WHERE user_id = ${input.userId} AND kind = ${RECEIPT_QUESTION} AND expires_at > ${sql.timestamp(input.at)}
    FOR UPDATE`);
  const state = z.object({ transaction_id: z.number() }).safeParse(payload);
  if (!state.success) return null;
  const { parsed } = input;
  const correction =
    parsed.amount !== null &&
    parsed.category_suggestion === null &&
    (parsed.intent === 'create_transaction' || parsed.intent === 'clarification');
  if (!correction && !CONFIRM.test(input.text.trim())) return null;
  const amount = await tx.maybeOneFirst(sql.type(z.object({ amount: z.bigint() }))`
    UPDATE transactions
    SET status = 'confirmed', updated_at = now(),
        amount = COALESCE(${correction ? String(parsed.amount) : null}::numeric, amount)
    WHERE id = ${state.data.transaction_id} AND user_id = ${input.userId} AND deleted_at IS NULL
    RETURNING amount`);
  await tx.query(sql.unsafe`DELETE FROM conversation_state WHERE user_id = ${input.userId}`);
  if (amount === null) return null;
  return { intent: 'receipt_confirm', reply: Replies.receiptConfirmed(amount, correction) };
}
