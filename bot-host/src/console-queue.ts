/**
 * The chat console's queue transport: a typed line travels exactly as a WhatsApp message does —
 * an inbound envelope on `inbound.fifo` (group = sender, dedup = message id) — through the real
 * functions; the reply comes back from `outbound.fifo` through the local delivery of
 * console-mailbox.ts, which stands in for WhatsApp's servers.
 */
import { randomBytes } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsClient, type InboundEnvelope, inboundMessageFields, queueUrl } from '@kantong/shared/queue';
import type { SendResult } from './console.ts';
import { readMailbox } from './console-mailbox.ts';

export type QueueTarget = { sqsEndpoint: string; queuePrefix: string; region: string; mailboxDir: string };

const REPLY_TIMEOUT_MS = 60_000;

export function queueTransport(target: QueueTarget, from: string) {
  const sqs = createSqsClient({ endpoint: target.sqsEndpoint, region: target.region });
  return async (text: string): Promise<SendResult> => {
    try {
      const inbound = await queueUrl(sqs, 'inbound', target.queuePrefix);
      const seen = (await readMailbox(target.mailboxDir, from)).length;
      const envelope: InboundEnvelope = {
        version: 1,
        message_id: `console-${randomBytes(8).toString('hex')}`,
        from_number: from,
        bot_number: null,
        type: 'text',
        text,
        media: null,
        timestamp: Math.floor(Date.now() / 1000),
      };
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: inbound,
          ...inboundMessageFields(envelope),
        }),
      );
      const deadline = Date.now() + REPLY_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const fresh = (await readMailbox(target.mailboxDir, from)).slice(seen);
        const answered = fresh.findIndex((reply) => reply.in_reply_to === envelope.message_id);
        if (answered >= 0) {
          return {
            ok: true,
            reply: fresh
              .slice(0, answered + 1)
              .map((reply) => reply.text)
              .join('\n\n'),
          };
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { ok: false, kind: 'network', message: 'no reply within 60 s (is npm start still running?)' };
    } catch (error) {
      return { ok: false, kind: 'network', message: error instanceof Error ? error.message : String(error) };
    }
  };
}
