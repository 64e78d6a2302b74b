/**
 * Pipeline tests run the real handlers against a real SQS server (ElasticMQ in CI) and a fresh
 * PostgreSQL database. Each test file gets its own queue prefix, so files never share a queue.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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
  inboundMessageFields,
  type MediaRef,
  type OutboundMessage,
  OutboundMessageSchema,
  type QueueKey,
} from '@kantong/shared/queue';
import { createS3Client, ensureBuckets } from '@kantong/shared/storage';
import { inject } from 'vitest';
import type { PipelineDeps } from './pipeline.ts';

export type TestPipeline = {
  db: TestDatabase;
  sqs: SQSClient;
  urls: Record<QueueKey, string>;
  deps: PipelineDeps;
  prefix: string;
  /** This file's own media bucket on the test S3 server. */
  s3: S3Client;
  mediaBucket: string;
  /** Stores a media file as the WhatsApp host does and returns its reference. */
  putMedia: (key: string, bytes: Uint8Array, mime: string) => Promise<MediaRef>;
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
  const sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const urls = await ensureQueues(sqs, prefix);
  const s3 = createS3Client({ endpoint: inject('s3Endpoint') });
  const mediaBucket = `media-${prefix.replace(/-$/, '')}`;
  await ensureBuckets(s3, [mediaBucket]);
  const deps: PipelineDeps = {
    pool: async () => db.pool,
    sqs,
    queue: async (key) => urls[key],
    llm: null,
    s3,
    mediaBucket,
    receiptCleaner: null,
    ...(options.now ? { now: options.now } : {}),
  };
  return {
    db,
    sqs,
    urls,
    deps,
    prefix,
    s3,
    mediaBucket,
    putMedia: async (key, bytes, mime) => {
      await s3.send(new PutObjectCommand({ Bucket: mediaBucket, Key: key, Body: bytes, ContentType: mime }));
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return { bucket: mediaBucket, key, mime, size_bytes: bytes.length, sha256 };
    },
    sendInbound: async (envelope, dedupId) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.inbound,
          ...inboundMessageFields(envelope, dedupId),
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
      s3.destroy();
      await db.drop();
    },
  };
}
