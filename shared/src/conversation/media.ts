/**
 * What a voice note or a receipt photo does, once the media functions have turned it into text
 * or a receipt reading (issue 5). Runs inside the message's transaction, like intents.ts: the
 * media asset row, the one transaction a receipt makes, the open "is this right?" question and
 * the reply commit together, keyed by the WhatsApp message id.
 */
import { z } from 'zod';
import * as Categories from '../categories/index.ts';
import { type CommonQueryMethods, type DatabaseTransactionConnection, IdRow, sql } from '../db/pool.ts';
import * as Ledger from '../ledger/index.ts';
import { wallTimeToDate } from '../nlu/dates.ts';
import { FALLBACK_EXPENSE_CATEGORY } from '../nlu/lexicon.ts';
import type { AiCall } from '../nlu/llm.ts';
import { parseMessage } from '../nlu/rules.ts';
import { AMOUNT_INTENTS, type ParseResult } from '../nlu/schema.ts';
import { SPOKEN_SURE } from '../nlu/spoken.ts';
import { answerWords } from '../nlu/text.ts';
import type { MediaRef } from '../queue/envelope.ts';
import { RECEIPT_CONFIDENT, type ReceiptReading } from '../receipts/parse.ts';
import { localDate } from '../time/index.ts';
import type { User } from '../users/index.ts';
import * as Wallets from '../wallets/index.ts';
import { type ActInput, type Action, bookTransaction, stateKeyOf } from './book.ts';
import * as Replies from './replies.ts';
import type { StateKey } from './state.ts';
import * as State from './state.ts';

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
  const id = await tx.oneFirst(sql.type(IdRow)`
    INSERT INTO media_assets (user_id, s3_bucket, s3_key, sha256, mime, size_bytes)
    VALUES (${input.userId}, ${media.bucket}, ${media.key}, ${media.sha256}, ${media.mime}, ${media.size_bytes})
    ON CONFLICT (s3_bucket, s3_key) DO UPDATE SET user_id = COALESCE(media_assets.user_id, EXCLUDED.user_id)
    RETURNING id`);
  await tx.query(sql.unsafe`UPDATE wa_messages SET media_asset_id = ${id} WHERE id = ${input.inboundId}`);
  return id;
}

/**
 * The one open "is this right?" question, for a receipt and a voice note alike: the transactions
 * it holds pending, and which of them a typed amount corrects.
 */
const CONFIRMATION = 'awaiting_confirmation';
/** The name this question had before voice notes asked it too; still read for open questions. */
const LEGACY_RECEIPT_QUESTION = 'awaiting_receipt_confirmation';
/** A pending reading may be confirmed the same day, not a week later by an unrelated "ok". */
const CONFIRMATION_HOURS = 12;
const LOGGED_OCR_LIMIT = 4000;
/** Where a receipt lands when neither the caption nor the shop and items name a category. */
const RECEIPT_CATEGORY = 'Belanja';
/** Where a top-up slip's admin fee lands: SPEC's bills category already knows "biaya admin". */
const ADMIN_FEE_CATEGORY = 'Tagihan';

const ConfirmationSchema = z.union([
  z.object({
    source: z.enum(['receipt', 'voice']),
    transaction_ids: z.array(z.number()).min(1),
    /** The transaction whose amount a typed number replaces (a top-up, not its fee). */
    correctable_id: z.number(),
  }),
  z.object({ transaction_id: z.number() }).transform((legacy) => ({
    source: 'receipt' as const,
    transaction_ids: [legacy.transaction_id],
    correctable_id: legacy.transaction_id,
  })),
]);
type Confirmation = z.infer<typeof ConfirmationSchema>;

/**
 * Opens (or replaces) the one question of `key`: a person's, or one member's in a household's
 * books (state.ts), so Budi's unsure receipt waits for Budi's "ya", not Ani's.
 */
async function askToConfirm(tx: CommonQueryMethods, key: StateKey, at: Date, confirmation: Confirmation) {
  const expires = new Date(at.getTime() + CONFIRMATION_HOURS * 3_600_000);
  await State.upsert(tx, key, { kind: CONFIRMATION, payload: confirmation, expires });
}

/** The shop's date as a moment: noon local time, or the message's own time when it is today. */
function receiptMoment(date: string | null, at: Date, timezone: string): Date {
  if (!date || date === localDate(at, timezone)) return at;
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return wallTimeToDate({ year, month, day, hour: 12, minute: 0, second: 0 }, timezone);
}

/**
 * What the receipt reader says beyond the total (issue 11): whether the receipt's own arithmetic
 * corroborates it, and whether the slip is an e-wallet top-up. Optional so a reader that predates
 * them still works (then the confidence decides, as before).
 */
type Reading = ReceiptReading & {
  status?: 'confirmed' | 'pending';
  kind?: 'purchase' | 'topup';
  topup?: { wallet: string; amount: bigint; fee: bigint } | null;
};

function readingConfirmed(reading: Reading): boolean {
  return reading.status !== undefined
    ? reading.status === 'confirmed'
    : reading.confidence >= RECEIPT_CONFIDENT;
}

type ReceiptInput = {
  user: User;
  memberId?: number | null;
  reading: ReceiptReading;
  caption: string;
  at: Date;
  inboundId: number;
  mediaAssetId: number | null;
};

/**
 * Records what a receipt shows: booked at once when the receipt corroborates its total, pending
 * (with a question) when it does not. The caption helps: its category wins over the shop's, and an
 * amount typed in it that matches the total confirms the reading (one that differs wins, pending).
 * A corroborated receipt is confirmed whatever the account's status (account activation leaves
 * media transactions alone: users/registration.ts); an unsure one waits for its own "ya".
 */
export async function recordReceipt(tx: DatabaseTransactionConnection, input: ReceiptInput): Promise<Action> {
  const reading: Reading = input.reading;
  if (reading.total === null)
    return { intent: 'receipt_unreadable', reply: Replies.MEDIA_PROBLEM.not_a_receipt };
  const options = await Categories.optionsForUser(tx, input.user.id);
  const context = { now: input.at, timezone: input.user.timezone, categories: options };
  const caption = input.caption ? parseMessage(input.caption, context) : null;
  if (reading.kind === 'topup' && reading.topup) {
    return recordTopUp(tx, input, reading, reading.topup, caption?.amount ?? null);
  }
  const shop = parseMessage(
    [reading.merchant ?? '', ...reading.items.map((item) => item.name)].join(' '),
    context,
  );
  const captionAmount = caption?.amount ?? null;
  const amount = captionAmount ?? reading.total;
  const confirmedByCaption = captionAmount !== null && captionAmount === reading.total;
  const sure = (readingConfirmed(reading) || confirmedByCaption) && amount === reading.total;
  const category = await expenseCategory(
    tx,
    input.user.id,
    caption?.category_suggestion ?? shop.category_suggestion ?? RECEIPT_CATEGORY,
  );
  const transaction = await Ledger.record(tx, {
    userId: input.user.id,
    direction: 'expense',
    amount,
    categoryId: category.id,
    description: reading.merchant ? `Belanja ${reading.merchant}` : 'Belanja (struk)',
    datetime: receiptMoment(reading.date, input.at, input.user.timezone),
    source: 'whatsapp',
    rawText: reading.raw_text.slice(0, LOGGED_OCR_LIMIT),
    confidence: confirmedByCaption ? Math.max(reading.confidence, RECEIPT_CONFIDENT) : reading.confidence,
    status: sure ? 'confirmed' : 'pending',
    waMessageRowId: input.inboundId,
    mediaAssetId: input.mediaAssetId,
    merchant: reading.merchant,
  });
  if (sure) {
    await State.clear(tx, stateKeyOf(input));
    return { intent: 'receipt', reply: Replies.receiptRecorded(reading.merchant, amount, reading.date) };
  }
  await askToConfirm(tx, stateKeyOf(input), input.at, {
    source: 'receipt',
    transaction_ids: [transaction.id],
    correctable_id: transaction.id,
  });
  return {
    intent: 'receipt_pending',
    reply: Replies.receiptQuestion({
      merchant: reading.merchant,
      total: reading.total,
      date: reading.date,
      booked: amount,
    }),
  };
}

/** A caption naming an income category ("gaji") cannot make a receipt income: it stays an expense. */
async function expenseCategory(tx: DatabaseTransactionConnection, userId: number, name: string) {
  const existing = await Categories.findByName(tx, userId, name);
  if (existing?.kind === 'expense') return existing;
  return Categories.findOrCreate(tx, userId, existing ? FALLBACK_EXPENSE_CATEGORY : name, 'expense');
}

/**
 * An e-wallet top-up slip (DANA, OVO, GoPay… paid at a minimarket) is not shopping: the top-up
 * amount only moves the user's own money into the wallet, so it is booked as a `transfer` (no
 * category, not counted as spending — the same as a typed "top up gopay 100k"), and only the
 * admin fee, when the slip shows one, is money gone: an expense in Tagihan, where "biaya admin"
 * already lives. Both share the slip's status; a typed correction changes the top-up amount.
 */
async function recordTopUp(
  tx: DatabaseTransactionConnection,
  input: ReceiptInput,
  reading: Reading,
  topup: NonNullable<Reading['topup']>,
  captionAmount: bigint | null,
): Promise<Action> {
  const { user } = input;
  const captionAgrees =
    captionAmount !== null && (captionAmount === topup.amount || captionAmount === reading.total);
  const amount = captionAmount !== null && !captionAgrees ? captionAmount : topup.amount;
  const sure = (readingConfirmed(reading) || captionAgrees) && amount === topup.amount;
  const status = sure ? 'confirmed' : 'pending';
  const common = {
    userId: user.id,
    datetime: receiptMoment(reading.date, input.at, user.timezone),
    source: 'whatsapp' as const,
    rawText: reading.raw_text.slice(0, LOGGED_OCR_LIMIT),
    confidence: reading.confidence,
    status,
    waMessageRowId: input.inboundId,
    mediaAssetId: input.mediaAssetId,
    merchant: reading.merchant,
  } as const;
  // The money moves from Tunai (paid at the counter, as the slip's TUNAI line says) into the
  // e-wallet, created the first time a slip names it: its balance follows (issue 12).
  const wallet = await Wallets.resolve(tx, user.id, topup.wallet);
  const transfer = await Ledger.record(tx, {
    ...common,
    direction: 'transfer',
    amount,
    categoryId: null,
    description: `Top up ${topup.wallet}`,
    toWalletId: wallet.id,
  });
  const ids = [transfer.id];
  if (topup.fee > 0n) {
    const category = await expenseCategory(tx, user.id, ADMIN_FEE_CATEGORY);
    const fee = await Ledger.record(tx, {
      ...common,
      direction: 'expense',
      amount: topup.fee,
      categoryId: category.id,
      description: `Biaya admin top up ${topup.wallet}`,
    });
    ids.push(fee.id);
  }
  const slip = {
    wallet: topup.wallet,
    amount,
    fee: topup.fee,
    merchant: reading.merchant,
    date: reading.date,
  };
  if (sure) {
    await State.clear(tx, stateKeyOf(input));
    return { intent: 'receipt_topup', reply: Replies.topUpRecorded(slip) };
  }
  await askToConfirm(tx, stateKeyOf(input), input.at, {
    source: 'receipt',
    transaction_ids: ids,
    correctable_id: transfer.id,
  });
  return { intent: 'receipt_pending', reply: Replies.topUpQuestion(slip) };
}

/**
 * Whether a voice note's reading must be asked back before anything is booked: speech
 * recognition mishears number words ("dua" for "tiga puluh dua"), and the spoken reader says so
 * with a confidence below SPOKEN_SURE.
 */
export function spokenUnsure(parsed: ParseResult): boolean {
  return parsed.amount !== null && parsed.confidence < SPOKEN_SURE && MONEY_INTENTS.has(parsed.intent);
}

/**
 * What moves or commits money, a savings goal's target included; a clarification ("kategori
 * apa?") books nothing and is just asked.
 */
const MONEY_INTENTS: ReadonlySet<ParseResult['intent']> = new Set([...AMOUNT_INTENTS, 'create_saving']);

/**
 * A voice note whose amount is not sure: a transaction is booked *pending* and the user is asked
 * ("Aku dengar: '…'. Rp32.500 buat Makan, bener?"); "ya" or a typed amount settles it, through
 * the same question as a receipt. Savings and budget commands are not booked pending: the user is
 * asked to type them, since a wrong amount there would move money between goals.
 */
export async function askSpoken(
  tx: DatabaseTransactionConnection,
  input: ActInput & { transcript: string },
): Promise<Action> {
  const { parsed } = input;
  // Several items heard at once are typed too: one pending row could not hold them all.
  const several = (parsed.transactions?.length ?? 0) >= 2;
  if (parsed.intent !== 'create_transaction' || parsed.amount === null || several) {
    return { intent: 'voice_unsure', reply: Replies.spokenTypeIt(input.transcript, parsed.amount) };
  }
  const booked = await bookTransaction(tx, input, 'pending');
  await askToConfirm(tx, stateKeyOf(input), input.at, {
    source: 'voice',
    transaction_ids: [booked.id],
    correctable_id: booked.id,
  });
  return { intent: 'voice_pending', reply: Replies.spokenQuestion(input.transcript, booked) };
}

/** Words that say "yes, that is right", alone or a few together ("iya bener", "ok sip"). */
const CONFIRM_WORDS = new Set([
  'ya',
  'iya',
  'iyaa',
  'iyap',
  'yap',
  'yup',
  'yes',
  'y',
  'ok',
  'oke',
  'okay',
  'okey',
  'okee',
  'sip',
  'siap',
  'benar',
  'betul',
  'bener',
  'cocok',
  'mantap',
  'setuju',
  'valid',
  'udah',
  'sudah',
  'dong',
  'kok',
  'deh',
  'sih',
  'itu',
  'kak',
  'min',
]);
const CONFIRM_CORE = new Set(
  [...CONFIRM_WORDS].filter((word) => !/^(udah|sudah|dong|kok|deh|sih|itu|kak|min)$/.test(word)),
);

/**
 * "ya", "iya bener", "ok sip": only confirmation words, at most four. A sentence that merely
 * starts with "ya" ("ya ampun lupa, beli kopi 20k") is a new message, not an answer.
 */
export function isConfirmation(text: string): boolean {
  const words = answerWords(text);
  return (
    words.length > 0 &&
    words.length <= 4 &&
    words.every((word) => CONFIRM_WORDS.has(word)) &&
    words.some((word) => CONFIRM_CORE.has(word))
  );
}

const AmountRow = z.object({ amount: z.bigint(), direction: z.string(), category: z.string().nullable() });

/**
 * A reply to "is this right?" (a receipt or a voice note): "ya"/"ok" confirms what is pending, a
 * bare amount ("35rb") corrects it and confirms it. Anything else returns null and goes through
 * the usual intents (which close the question, leaving the transaction pending). A pending
 * *account*'s "ya" activates the account as well (conversation/index.ts asks this first).
 */
export async function answerConfirmation(
  tx: DatabaseTransactionConnection,
  input: {
    userId: number;
    memberId?: number | null;
    parsed: ParseResult;
    text: string;
    at: Date;
    /** The open question already read (State.openQuestion); undefined: read it here. */
    open?: State.OpenQuestion | null;
  },
): Promise<Action | null> {
  const key: StateKey = { userId: input.userId, memberId: input.memberId ?? null };
  const open = input.open === undefined ? await State.openQuestion(tx, key, input.at) : input.open;
  const confirmation = open?.kind === CONFIRMATION || open?.kind === LEGACY_RECEIPT_QUESTION;
  const payload = confirmation ? open.payload : null;
  const state = ConfirmationSchema.safeParse(payload);
  if (!state.success) return null;
  const { parsed } = input;
  const correction =
    parsed.amount !== null &&
    parsed.category_suggestion === null &&
    (parsed.intent === 'create_transaction' || parsed.intent === 'clarification');
  if (!correction && !isConfirmation(input.text)) return null;
  const question = state.data;
  const correctedAmount = correction ? String(parsed.amount) : null;
  const confirmed = await tx.maybeOne(sql.type(AmountRow)`
    WITH settled AS (
      UPDATE transactions
      SET status = 'confirmed', updated_at = now(),
          amount = CASE WHEN id = ${question.correctable_id}
                        THEN COALESCE(${correctedAmount}::numeric, amount) ELSE amount END
      WHERE id = ANY(${sql.array(question.transaction_ids, 'int8')}) AND user_id = ${input.userId}
        AND deleted_at IS NULL
      RETURNING id, amount, direction, category_id)
    SELECT s.amount, s.direction, c.name AS category
    FROM settled s LEFT JOIN categories c ON c.id = s.category_id
    WHERE s.id = ${question.correctable_id}`);
  await State.clear(tx, key);
  if (confirmed === null) return null;
  return {
    intent: `${question.source}_confirm`,
    reply:
      question.source === 'receipt'
        ? Replies.receiptConfirmed(confirmed.amount, correction)
        : Replies.spokenConfirmed(
            { direction: confirmed.direction, amount: confirmed.amount, category: confirmed.category },
            correction,
          ),
  };
}
