/**
 * The last step of every handled message, in a person's chat and in a group alike: the reply
 * logged against the message and, when it leaves through the outbox, queued there — in one
 * statement (issue 16). Returns the outbox ids to flush after the commit, and hands the queued
 * row to `onQueued` so a caller can send it without reading it back (Outbox.flushMany's `known`).
 */
import type { CommonQueryMethods } from '../db/pool.ts';
import * as Messages from '../messages/index.ts';
import * as Outbox from '../outbox/index.ts';
import type { Channel } from '../queue/topology.ts';

export async function logAndQueueReply(
  tx: CommonQueryMethods,
  input: { inboundId: number; userId: number | null; to: string; intent: string; reply: string },
  /** The channel the reply leaves on; null: it is not queued (HTTP response delivery, or nothing to say). */
  channel: Channel | null,
  onQueued?: (row: Outbox.QueuedRow) => void,
): Promise<number[]> {
  const queue =
    channel === null
      ? undefined
      : Outbox.insertMessage({
          userId: input.userId,
          to: input.to,
          body: input.reply,
          inReplyTo: input.inboundId,
          channel,
        });
  const { id, wa_message_id } = await Messages.logReply(tx, input, queue);
  if (id === null || channel === null) return [];
  onQueued?.({ id, to_number: input.to, body: input.reply, wa_message_id, channel });
  return [id];
}
