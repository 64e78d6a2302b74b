/**
 * Pipeline tests run the real handlers against a real SQS server (ElasticMQ in CI) and a fresh
 * PostgreSQL database. Each test file gets its own queue prefix, so files never share a queue.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import {
  createSqsClient,
  ensureQueues,
  type InboundEnvelope,
  type OutboundMessage,
  OutboundMessageSchema,
  type QueueKey,
} from '@kantong/shared/queue';
import { inject } from 'vitest';
import type { PipelineDeps } from './pipeline.ts';

export type TestPipeline = {
  db: TestDatabase;
  sqs: SQSClient;
  urls: Record<QueueKey, string>;
  deps: PipelineDeps;
  prefix: string;
  /** Sends an envelope to inbound.fifo as the WhatsApp host does. */
  sendInbound: (envelope: InboundEnvelope, dedupId?: string) => Promise<void>;
  /** Receives (and deletes) outbound replies until `count` arrived or `timeoutMs` passed. */
  collectReplies: (count: number, timeoutMs?: number) => Promise<OutboundMessage[]>;
  /** Everything on a dead-letter queue right now (received, not deleted). */
  peekDeadLetters: (key: QueueKey) => Promise<Message[]>;
  close: () => Promise<void>;
};

let sequence = 0;

export function textEnvelope(from: string, text: string, messageId?: string): InboundEnvelope {
  sequence += 1;
  return {
    version: 1,
    message_id: messageId ?? `WA${process.pid}X${sequence}`,
    from_number: from,
    bot_number: null,
    type: 'text',
    text,
    media: null,
    timestamp: Math.floor(Date.now() / 1000),
  };
}

export async function createTestPipeline(options: { now?: () => Date } = {}): Promise<TestPipeline> {
  const db = await createTestDatabase({ maximumPoolSize: 10 });
  const sqs = createSqsClient({ endpoint: inject('sqsEndpoint'), region: 'elasticmq' });
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const urls = await ensureQueues(sqs, prefix);
  const deps: PipelineDeps = {
    pool: async () => db.pool,
    sqs,
    queue: async (key) => urls[key],
    llm: null,
    ...(options.now ? { now: options.now } : {}),
  };
  return {
    db,
    sqs,
    urls,
    deps,
    prefix,
    sendInbound: async (envelope, dedupId) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.inbound,
          MessageBody: JSON.stringify(envelope),
          MessageGroupId: envelope.from_number,
          MessageDeduplicationId: dedupId ?? envelope.message_id,
        }),
      );
    },
    collectReplies: async (count, timeoutMs = 20_000) => {
      const replies: OutboundMessage[] = [];
      const deadline = Date.now() + timeoutMs;
      while (replies.length < count && Date.now() < deadline) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: urls.outbound, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        replies.push(
          ...messages.map((message) => OutboundMessageSchema.parse(JSON.parse(message.Body ?? ''))),
        );
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: urls.outbound,
            Entries: messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
      return replies;
    },
    peekDeadLetters: async (key) => {
      const dlqUrl = urls[key].replace(
        /([^/]+?)(\.fifo)?$/,
        (_match, name: string, fifo?: string) => `${name}-dlq${fifo ?? ''}`,
      );
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 0,
        }),
      );
      return out.Messages ?? [];
    },
    close: async () => {
      sqs.destroy();
      await db.drop();
    },
  };
}
