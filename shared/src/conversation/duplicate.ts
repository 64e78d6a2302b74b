/**
 * The answer to a message delivered again: nothing changes, the first reply is repeated, and a
 * reply the first delivery committed but never sent (a crash before the flush) is still due.
 * The same for a personal chat and a group; only whose books it was differs.
 */
import type { DatabasePool } from '../db/pool.ts';
import { logger } from '../logger.ts';
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
