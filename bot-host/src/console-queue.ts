/**
 * The chat console's queue transport: a typed line travels exactly as a WhatsApp message does —
 * an inbound envelope on `inbound.fifo` (group = sender, dedup = message id) — and the reply is
 * read from `outbound.fifo`, where the WhatsApp host would pick it up. Replies addressed to other
 * numbers are left on the queue for their own readers.
 */
import { randomBytes } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import {
  createSqsClient,
  type InboundEnvelope,
  OutboundMessageSchema,
  queueUrl,
} from '@kantong/shared/queue';
import type { SendResult } from './console.ts';

export type QueueTarget = { sqsEndpoint: string; queuePrefix: string; region: string };

const REPLY_TIMEOUT_MS = 60_000;

export function queueTransport(target: QueueTarget, from: string) {
  const sqs = createSqsClient({ endpoint: target.sqsEndpoint, region: target.region });
  return async (text: string): Promise<SendResult> => {
    try {
      const inbound = await queueUrl(sqs, 'inbound', target.queuePrefix);
      const outbound = await queueUrl(sqs, 'outbound', target.queuePrefix);
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
          MessageBody: JSON.stringify(envelope),
          MessageGroupId: from,
          MessageDeduplicationId: envelope.message_id,
        }),
      );
      const texts: string[] = [];
      const deadline = Date.now() + REPLY_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: outbound,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 10,
          }),
        );
        for (const message of out.Messages ?? []) {
          const parsed = OutboundMessageSchema.safeParse(JSON.parse(message.Body ?? 'null'));
          if (!parsed.success || parsed.data.to !== from) {
            await sqs.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: outbound,
                ReceiptHandle: message.ReceiptHandle,
                VisibilityTimeout: 0,
              }),
            );
            continue;
          }
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: outbound, ReceiptHandle: message.ReceiptHandle }),
          );
          texts.push(parsed.data.text);
          if (parsed.data.in_reply_to === envelope.message_id) return { ok: true, reply: texts.join('\n\n') };
        }
      }
      return {
        ok: false,
        kind: 'network',
        message: 'no reply on outbound.fifo within 60 s (are the workers running?)',
      };
    } catch (error) {
      return { ok: false, kind: 'network', message: error instanceof Error ? error.message : String(error) };
    }
  };
}
