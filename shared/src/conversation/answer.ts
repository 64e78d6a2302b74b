/**
 * The last step of every handled message, in a person's chat and in a group alike: the reply
 * logged against the message and, when it leaves through the outbox, queued there — in one
 * statement (issue 16). Returns the outbox ids to flush after the commit.
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
  const queued = await Messages.logReply(tx, input, queue);
  return queued === null ? [] : [queued];
}
