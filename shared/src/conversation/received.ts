/**
 * The first steps of every inbound message, the same in a personal chat and in a group: what
 * was said (a voice note's transcript is read exactly like typed text, issue 5), its id, when it
 * was sent, the body kept in the log, and what it means — understood outside the database
 * transaction, since the LLM may take seconds.
 */

import { z } from 'zod';
import * as Categories from '../categories/index.ts';
import { getConfig } from '../config.ts';
import { type CommonQueryMethods, sql } from '../db/pool.ts';
import * as Messages from '../messages/index.ts';
import { type AiCall, type LlmFallback, understand } from '../nlu/index.ts';
import type { CategoryOption, ParseResult } from '../nlu/schema.ts';
import { parseSpokenMessage } from '../nlu/spoken.ts';
import * as Users from '../users/index.ts';
import type { Extracted } from './media.ts';
import type { IncomingMessage } from './schema.ts';
import * as State from './state.ts';

/** Longest body kept in the log for a refused over-long message. */
export const LOGGED_BODY_LIMIT = 4000;

export type Received = {
  /** The sender as the log keys them (Messages.senderKey). */
  from: string;
  messageId: string;
  /** What was said: the text, or a voice note's transcript. */
  text: string;
  transcript: boolean;
  tooLong: boolean;
  /** What the log keeps of it. */
  body: string | null;
};

export function received(message: IncomingMessage, extracted: Extracted | undefined): Received {
  const from = Messages.senderKey(message);
  const transcript = extracted?.kind === 'transcript';
  const text = (transcript ? extracted.text : message.text)?.trim() ?? '';
  const messageId =
    message.message_id ??
    Messages.deriveMessageId({
      from,
      type: message.message_type,
      text: message.text ?? null,
      mediaUrl: message.media_url ?? null,
      timestamp: message.timestamp ?? null,
    });
  const tooLong = text.length > getConfig().MAX_TEXT_LENGTH;
  const body = tooLong ? `${text.slice(0, LOGGED_BODY_LIMIT)}…` : transcript ? text : (message.text ?? null);
  return { from, messageId, text, transcript, tooLong, body };
}

/** Row JSON carries instants as text. */
const UserJsonSchema = Users.UserSchema.extend({
  created_at: z.coerce.date(),
  greeted_at: z.coerce.date().nullable(),
});

const LookBackSchema = z.object({
  earlier: Messages.StoredReplySchema.nullable(),
  user: UserJsonSchema.nullable(),
  categories: z.array(Categories.CategorySchema),
});

export type LookBack = {
  /** The first delivery's reply when this message was handled before (Messages.findReply). */
  earlier: Messages.StoredReply | null;
  /** The sender's account, when the number is known. */
  user: Users.User | null;
  /** Their categories, for the parser; undefined for a number Kantong does not know yet. */
  categories: CategoryOption[] | undefined;
  /** The same categories with their ids, for booking without looking one up (book.ts). */
  categoryRows: readonly Categories.Category[] | undefined;
};

/**
 * What the conversation needs to know before its transaction, in one round trip (issue 16): an
 * earlier delivery's reply (a redelivery answers with it), the sender's account and categories.
 * Everything it reads is read again, locked, inside the transaction where it matters.
 */
export async function lookBack(db: CommonQueryMethods, from: string, messageId: string): Promise<LookBack> {
  const row = await db.one(sql.type(LookBackSchema)`
    SELECT
      (SELECT row_to_json(r) FROM (${Messages.replyQuery(from, messageId)}) r) AS earlier,
      (SELECT row_to_json(u) FROM (SELECT ${Users.userColumns} FROM users WHERE phone = ${from}) u) AS user,
      COALESCE((
        SELECT json_agg(json_build_object('id', c.id, 'name', c.name, 'kind', c.kind, 'keywords', c.keywords) ORDER BY c.kind, c.name)
        FROM categories c JOIN users u ON u.id = c.user_id WHERE u.phone = ${from}), '[]'::json) AS categories`);
  return {
    earlier: row.earlier,
    user: row.user,
    categories: row.user ? Categories.optionsOf(row.categories) : undefined,
    categoryRows: row.user ? row.categories : undefined,
  };
}

const LockedSchema = z.object({
  user: UserJsonSchema,
  open: State.OpenQuestionSchema.nullable(),
  budgeted: z.array(z.coerce.number()),
});

export type LockedSender = {
  user: Users.User;
  /** Their open question at `at` (State.openQuestion), locked too. */
  open: State.OpenQuestion | null;
  /**
   * The categories they keep a budget for: an expense elsewhere needs no budget check (issue 16:
   * a statement per expense for the many who keep none). Read under the sender's lock; a budget
   * added on the dashboard at this very moment is checked from the next expense on.
   */
  budgetedCategories: readonly number[];
};

/**
 * A known sender's row, read and locked as Users.lockForSender does — the row read before the
 * transaction may be stale (an activation, a blocked account), so the locked read is the one the
 * message acts on — with their open question and budgeted categories, in one round trip (issue
 * 16). Null when the row is gone.
 */
export async function lockSender(
  tx: CommonQueryMethods,
  userId: number,
  at: Date,
): Promise<LockedSender | null> {
  const row = await tx.maybeOne(sql.type(LockedSchema)`
    SELECT row_to_json(u) AS user,
      (SELECT row_to_json(q) FROM (${State.openQuestionQuery(userId, at)}) q) AS open,
      ARRAY(SELECT category_id FROM budgets WHERE user_id = u.id) AS budgeted
    FROM (SELECT ${Users.userColumns} FROM users WHERE id = ${userId} FOR NO KEY UPDATE) u`);
  return row && { user: row.user, open: row.open, budgetedCategories: row.budgeted };
}

/** A message may claim to be from the past (queued on a phone offline), not from the future. */
export function messageTime(message: IncomingMessage, now: Date): Date {
  if (message.timestamp === null || message.timestamp === undefined) return now;
  const sent = new Date(message.timestamp * 1000);
  return sent.getTime() > now.getTime() + 5 * 60_000 ? now : sent;
}

/**
 * What a text or a transcript means, for the books it goes to (their categories and timezone);
 * null for what is not read (media, empty, too long, a command answered before the parser).
 */
export async function understandReceived(
  db: CommonQueryMethods,
  input: {
    message: IncomingMessage;
    received: Received;
    /** A command answered without the parser ("dashboard", a group's owner commands). */
    command: boolean;
    sentAt: Date;
    /** The books' id and timezone; null for a number Kantong does not know yet. */
    book: { id: number; timezone: string } | null;
    /** The books' categories when already read (lookBack); undefined: read them here. */
    categories?: CategoryOption[] | undefined;
    llm: LlmFallback | null;
    aiCalls: AiCall[];
  },
): Promise<ParseResult | null> {
  const { message, received: said } = input;
  const readable = message.message_type === 'text' || said.transcript;
  if (!readable || said.text.length === 0 || said.tooLong || input.command) return null;
  const categories =
    input.categories ?? (input.book ? await Categories.optionsForUser(db, input.book.id) : undefined);
  return understand(
    said.text,
    {
      now: input.sentAt,
      timezone: input.book?.timezone ?? getConfig().DEFAULT_TIMEZONE,
      ...(categories ? { categories } : {}),
    },
    {
      llm: input.llm,
      onAiCall: (call) => input.aiCalls.push(call),
      // A transcript is read by the reader that knows speech-recognition errors (issue 11).
      ...(said.transcript ? { read: parseSpokenMessage } : {}),
    },
  );
}
