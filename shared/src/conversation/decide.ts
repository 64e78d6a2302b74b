/**
 * What a message means once its sender and books are known: a receipt or voice note, an answer
 * to an open question, or a new intent. Shared by a person's own chat (index.ts) and a
 * household's group (group.ts), which differ only in whose books and whose questions.
 */

import type * as Categories from '../categories/index.ts';
import { getConfig } from '../config.ts';
import type { DatabaseTransactionConnection } from '../db/pool.ts';
import type { ParseResult } from '../nlu/schema.ts';
import type * as Users from '../users/index.ts';
import { act } from './intents.ts';
import { answerConfirmation, askSpoken, type Extracted, recordReceipt, spokenUnsure } from './media.ts';
import * as Replies from './replies.ts';
import type { IncomingMessage } from './schema.ts';
import * as State from './state.ts';

export type DecideInput = {
  user: Users.User;
  parsed: ParseResult | null;
  message: IncomingMessage;
  text: string;
  tooLong: boolean;
  sentAt: Date;
  inboundId: number;
  extracted: Extracted | undefined;
  mediaAssetId: number | null;
  /** The household member who wrote (issue 15); absent in a person's own chat. */
  memberId?: number | null;
  /** The writer's open question when already read (received.ts `lockSender`); absent: read here. */
  open?: State.OpenQuestion | null;
  /** The categories with a budget when already read (`lockSender`); absent: every expense is checked. */
  budgetedCategories?: readonly number[];
  /** The books' categories when already read (received.ts `lookBack`); absent: looked up by name. */
  categories?: readonly Categories.Category[];
};

export async function decide(
  tx: DatabaseTransactionConnection,
  input: DecideInput,
): Promise<{ reply: string; intent: string }> {
  const { message, extracted } = input;
  if (message.message_type !== 'text' && extracted?.kind !== 'transcript') {
    // Photos arrive read by functions/ocr; an unusable photo or note arrives as a problem.
    if (extracted?.kind === 'receipt') {
      const caption = message.text?.trim() ?? '';
      return recordReceipt(tx, { ...input, reading: extracted.reading, caption, at: input.sentAt });
    }
    if (extracted?.kind === 'problem')
      return { intent: `media_${extracted.problem}`, reply: Replies.MEDIA_PROBLEM[extracted.problem] };
    return {
      intent: `unsupported_${message.message_type}`,
      reply: Replies.MEDIA_NOT_READY[message.message_type],
    };
  }
  const action = await decideText(tx, input);
  // An unsure voice note's question already quotes what was heard.
  const quoted = action.intent === 'voice_pending' || action.intent === 'voice_unsure';
  return extracted?.kind === 'transcript' && !quoted
    ? { ...action, reply: Replies.heard(input.text, action.reply) }
    : action;
}

async function decideText(
  tx: DatabaseTransactionConnection,
  input: DecideInput,
): Promise<{ reply: string; intent: string }> {
  if (input.tooLong)
    return { intent: 'rejected_too_long', reply: Replies.TOO_LONG(getConfig().MAX_TEXT_LENGTH) };
  if (!input.parsed) return { intent: 'empty', reply: Replies.EMPTY_TEXT };

  // "ya" or a corrected amount may answer "is this right?" of a receipt or voice note (media.ts).
  const key = { userId: input.user.id, memberId: input.memberId ?? null };
  // The writer's open question, read once for both readers below (issue 16).
  const open = input.open !== undefined ? input.open : await State.openQuestion(tx, key, input.sentAt);
  const answer = await answerConfirmation(tx, {
    userId: input.user.id,
    memberId: key.memberId,
    parsed: input.parsed,
    text: input.text,
    at: input.sentAt,
    open,
  });
  if (answer) return answer;
  // A pending question ("Ini pengeluaran kategori apa?") may be answered by this message.
  const completed = await State.completePending(tx, key, input.parsed, input.sentAt, input.text, open);
  const parsed = completed ?? input.parsed;
  const actInput = {
    user: input.user,
    parsed,
    rawText: input.text,
    inboundId: input.inboundId,
    at: input.sentAt,
    memberId: key.memberId,
    questionOpen: open !== null,
    ...(input.budgetedCategories ? { budgetedCategories: input.budgetedCategories } : {}),
    ...(input.categories ? { categories: input.categories } : {}),
  };
  // A voice note's amount that the spoken reader is not sure of is asked back, never just booked.
  if (input.extracted?.kind === 'transcript' && spokenUnsure(input.parsed)) {
    return askSpoken(tx, { ...actInput, transcript: input.text });
  }
  return act(tx, actInput);
}
