/**
 * The answer to a message delivered again: nothing changes, the first reply is repeated, and a
 * reply the first delivery committed but never sent (a crash before the flush) is still due.
 * The same for a personal chat and a group; only whose books it was differs.
 */
import type { DatabasePool } from '../db/pool.ts';
import { logger } from '../logger.ts';
import * as Messages from '../messages/index.ts';
import * as Outbox from '../outbox/index.ts';
import type { IncomingResult } from './schema.ts';

export async function duplicateResult(
  pool: DatabasePool,
  input: {
    messageId: string;
    earlier: { in_id: number; intent: string | null; response: string | null };
    /** The books it went to (a person's or a household's); null when none is known. */
    bookId: number | null;
    /** Where it came from, for the log: the sender or the group. */
    origin: Record<string, string>;
  },
): Promise<IncomingResult> {
  const outboxIds = await Outbox.pendingFor(pool, input.earlier.in_id);
  logger.info({ messageId: input.messageId, ...input.origin }, 'duplicate delivery ignored');
  return {
    status: 'ok',
    reply: input.earlier.response ?? '',
    intent: input.earlier.intent ?? 'unknown',
    user_id: input.bookId ?? 0,
    message_id: input.messageId,
    duplicate: true,
    outbox_ids: outboxIds,
  };
}

/** The answer to a message handled now: its reply, and the outbox rows still to send. */
export function handledResult(
  messageId: string,
  outcome: { reply: string; intent: string; userId: number; outboxIds: number[] },
): IncomingResult {
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

/**
 * The first delivery's reply after this one lost the race to log the message (a concurrent
 * delivery of the same message committed first).
 */
export async function winnersReply(pool: DatabasePool, from: string, messageId: string) {
  const first = await Messages.findReply(pool, from, messageId);
  if (!first) throw new Error(`message ${messageId} from ${from} vanished after a conflicting insert`);
  return first;
}
