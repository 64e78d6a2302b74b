/**
 * One inbound WhatsApp message, start to finish: who sent it, what it means, what it changes in
 * the ledger, what Kantong answers. Everything a message changes — the user, the log rows, the
 * ledger rows, the reply — commits in one PostgreSQL transaction keyed by the message id, so a
 * redelivery changes nothing and gets the first reply again (DESIGN.md decisions 2 and 3).
 */
import * as Categories from '../categories/index.ts';
import { getConfig } from '../config.ts';
import type { DatabasePool, DatabaseTransactionConnection } from '../db/pool.ts';
import { logger } from '../logger.ts';
import * as Messages from '../messages/index.ts';
import { type AiCall, type LlmFallback, recordAiCall, understand } from '../nlu/index.ts';
import type { ParseResult } from '../nlu/schema.ts';
import * as Outbox from '../outbox/index.ts';
import * as Users from '../users/index.ts';
import { act } from './intents.ts';
import * as Replies from './replies.ts';
import type { IncomingMessage, IncomingResult } from './schema.ts';
import * as State from './state.ts';

export * from './schema.ts';

export type ConversationDeps = {
  pool: DatabasePool;
  /** The LLM fallback; null when no Ollama is configured. */
  llm?: LlmFallback | null;
  /** The clock, replaceable in tests. */
  now?: () => Date;
  /**
   * How the reply leaves: in the HTTP `response` (SPEC.md's synchronous `/wa/incoming`, the
   * caller sends it), or through the `outbox` (the queue pipeline: written in the transaction,
   * flushed to outbound.fifo after the commit).
   */
  delivery?: 'response' | 'outbox';
};

/** A message may claim to be from the past (queued on a phone offline), not from the future. */
function messageTime(message: IncomingMessage, now: Date): Date {
  if (message.timestamp === null || message.timestamp === undefined) return now;
  const sent = new Date(message.timestamp * 1000);
  return sent.getTime() > now.getTime() + 5 * 60_000 ? now : sent;
}

/** Longest body kept in the log for a refused over-long message. */
const LOGGED_BODY_LIMIT = 4000;

/**
 * Handles one inbound message and returns the reply to send.
 *
 * @example
 * await handleIncoming({ pool }, { from_number: '6281234567890', message_type: 'text', text: 'beli pulsa 50k' })
 * // → { reply: '✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data. Balas: ganti <kategori> kalau mau ubah.', … }
 */
export async function handleIncoming(
  deps: ConversationDeps,
  message: IncomingMessage,
): Promise<IncomingResult> {
  const config = getConfig();
  const now = deps.now?.() ?? new Date();
  const from = message.from_number;
  const text = message.text?.trim() ?? '';
  const messageId =
    message.message_id ??
    Messages.deriveMessageId({
      from,
      type: message.message_type,
      text: message.text ?? null,
      mediaUrl: message.media_url ?? null,
      timestamp: message.timestamp ?? null,
    });
  const log = logger.child({ messageId, from });

  // Cheap early answer for a redelivery, before any parsing or LLM call.
  const earlier = await Messages.findReply(deps.pool, from, messageId);
  if (earlier) return duplicateResult(deps.pool, from, messageId, earlier);
  const delivery = deps.delivery ?? 'response';

  const existingUser = await Users.findByPhone(deps.pool, from);
  const timezone = existingUser?.timezone ?? config.DEFAULT_TIMEZONE;
  const sentAt = messageTime(message, now);

  // Understanding happens outside the database transaction: it may wait seconds on the LLM.
  const aiCalls: AiCall[] = [];
  let parsed: ParseResult | null = null;
  const tooLong = text.length > config.MAX_TEXT_LENGTH;
  if (message.message_type === 'text' && text.length > 0 && !tooLong) {
    const categories = existingUser ? await Categories.optionsForUser(deps.pool, existingUser.id) : undefined;
    parsed = await understand(
      text,
      { now: sentAt, timezone, ...(categories ? { categories } : {}) },
      { llm: deps.llm ?? null, onAiCall: (call) => aiCalls.push(call) },
    );
  }

  const outcome = await deps.pool.transaction(async (tx) => {
    const { user, created } = await Users.findOrCreateByPhone(tx, from, {
      timezone: config.DEFAULT_TIMEZONE,
    });
    const body = tooLong ? `${text.slice(0, LOGGED_BODY_LIMIT)}…` : (message.text ?? null);
    const inboundId = await Messages.logInbound(tx, {
      userId: user.id,
      from,
      messageId,
      type: message.message_type,
      body,
    });
    if (inboundId === null) return null; // a concurrent delivery of the same message won the race
    for (const call of aiCalls) await recordAiCall(tx, user.id, call);

    const action = await decide(tx, { user, parsed, message, text, tooLong, sentAt, inboundId });
    const reply = created ? withWelcome(action.reply, action.intent) : action.reply;
    await Messages.logReply(tx, { inboundId, userId: user.id, to: from, intent: action.intent, reply });
    const outboxIds =
      delivery === 'outbox'
        ? [await Outbox.enqueue(tx, { userId: user.id, to: from, body: reply, inReplyTo: inboundId })]
        : [];
    return { reply, intent: action.intent, userId: user.id, outboxIds };
  });

  if (outcome === null) {
    const first = await Messages.findReply(deps.pool, from, messageId);
    if (!first) throw new Error(`message ${messageId} from ${from} vanished after a conflicting insert`);
    return duplicateResult(deps.pool, from, messageId, first);
  }
  log.info({ userId: outcome.userId, intent: outcome.intent }, 'message handled');
  return {
    status: 'ok',
    reply: outcome.reply,
    intent: outcome.intent,
    user_id: outcome.userId,
    message_id: messageId,
    duplicate: false,
    outbox_ids: outcome.outboxIds,
  };
}

async function duplicateResult(
  pool: DatabasePool,
  from: string,
  messageId: string,
  earlier: { in_id: number; intent: string | null; response: string | null },
): Promise<IncomingResult> {
  const user = await Users.findByPhone(pool, from);
  // A reply the first delivery committed but never sent (a crash before the flush) is still due.
  const outboxIds = await Outbox.pendingFor(pool, earlier.in_id);
  logger.info({ messageId, from }, 'duplicate delivery ignored');
  return {
    status: 'ok',
    reply: earlier.response ?? '',
    intent: earlier.intent ?? 'unknown',
    user_id: user?.id ?? 0,
    message_id: messageId,
    duplicate: true,
    outbox_ids: outboxIds,
  };
}

/** A first-time sender gets the welcome guide (SPEC.md onboarding) before the answer itself. */
function withWelcome(reply: string, intent: string): string {
  if (intent === 'help' || intent === 'smalltalk') return `${Replies.WELCOME}\n\n${Replies.HELP}`;
  return `${Replies.WELCOME}\n\n${reply}`;
}

type DecideInput = {
  user: Users.User;
  parsed: ParseResult | null;
  message: IncomingMessage;
  text: string;
  tooLong: boolean;
  sentAt: Date;
  inboundId: number;
};

async function decide(
  tx: DatabaseTransactionConnection,
  input: DecideInput,
): Promise<{ reply: string; intent: string }> {
  const { message } = input;
  if (message.message_type !== 'text') {
    return {
      intent: `unsupported_${message.message_type}`,
      reply: Replies.MEDIA_NOT_READY[message.message_type],
    };
  }
  if (input.tooLong)
    return { intent: 'rejected_too_long', reply: Replies.TOO_LONG(getConfig().MAX_TEXT_LENGTH) };
  if (!input.parsed) return { intent: 'empty', reply: Replies.EMPTY_TEXT };

  // A pending question ("Ini pengeluaran kategori apa?") may be answered by this message.
  const completed = await State.completePending(tx, input.user.id, input.parsed, input.sentAt);
  const parsed = completed ?? input.parsed;
  return act(tx, {
    user: input.user,
    parsed,
    rawText: input.text,
    inboundId: input.inboundId,
    at: input.sentAt,
  });
}
