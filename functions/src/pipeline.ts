/**
 * What the queue-triggered functions share: their dependencies (one pool, one SQS client per
 * process) and the step every one of them ends with — hand the message to the conversation and
 * send its reply through the outbox after the commit.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { getConfig } from '@kantong/shared/config';
import { type Extracted, handleIncoming, type IncomingResult } from '@kantong/shared/conversation';
import { type DatabasePool, getPool } from '@kantong/shared/db';
import { registry } from '@kantong/shared/metrics';
import { withEmfMetrics } from '@kantong/shared/metrics/emf';
import { configuredFallback, type LlmFallback } from '@kantong/shared/nlu';
import * as Outbox from '@kantong/shared/outbox';
import {
  channelOf,
  getSqsClient,
  type InboundEnvelope,
  InboundEnvelopeSchema,
  type QueueKey,
  queueUrl,
  toIncoming,
} from '@kantong/shared/queue';
import { configuredReceiptCleaner, type ReceiptCleaner } from '@kantong/shared/receipts';
import { getS3Client } from '@kantong/shared/storage';
import type { SQSRecord } from 'aws-lambda';

export type PipelineDeps = {
  pool: () => Promise<DatabasePool>;
  sqs: SQSClient;
  /** The URL of one of Kantong's queues. */
  queue: (key: QueueKey) => Promise<string>;
  llm: LlmFallback | null;
  now?: () => Date;
  /** Media (issue 5): where voice notes and photos are read from, and the receipt clean-up model. */
  s3?: S3Client;
  mediaBucket?: string;
  receiptCleaner?: ReceiptCleaner | null;
};

/** The process's dependencies: DATABASE_URL, SQS_ENDPOINT/AWS, QUEUE_PREFIX, OLLAMA_URL. */
export function processDeps(): PipelineDeps {
  const sqs = getSqsClient();
  return {
    pool: getPool,
    sqs,
    queue: (key) => queueUrl(sqs, key),
    llm: configuredFallback(),
    s3: getS3Client(),
    mediaBucket: getConfig().MEDIA_BUCKET,
    receiptCleaner: configuredReceiptCleaner(),
  };
}

/**
 * Runs one message through the conversation with outbox delivery and sends its reply. If the
 * send fails the error propagates: the record is retried, the redelivery is recognised as a
 * duplicate and sends the still-pending reply — never a second one.
 */
export async function converse(
  deps: PipelineDeps,
  envelope: InboundEnvelope,
  extracted?: Extracted,
  /**
   * flush false: the caller sends `outbox_ids` itself, batched with other records' (ingest, issue
   * 16); onQueued: the queued rows, so it need not read them back.
   */
  options: { flush?: boolean; onQueued?: (row: Outbox.QueuedRow) => void } = {},
): Promise<IncomingResult> {
  const pool = await deps.pool();
  const result = await handleIncoming(
    {
      pool,
      llm: deps.llm,
      delivery: 'outbox',
      channel: channelOf(envelope),
      ...(deps.now ? { now: deps.now } : {}),
      ...(options.onQueued ? { onQueued: options.onQueued } : {}),
    },
    toIncoming(envelope),
    extracted,
  );
  if (options.flush !== false)
    await Outbox.flush(pool, { client: deps.sqs, queue: deps.queue }, result.outbox_ids);
  return result;
}

/** The envelope in an SQS record; throws (so the record is retried, then dead-lettered) when it is not one. */
export function parseEnvelope(record: SQSRecord): InboundEnvelope {
  return InboundEnvelopeSchema.parse(JSON.parse(record.body));
}

/**
 * A Lambda entry point that builds its dependencies on the first event, not at import: importing a
 * handler module (the local workers, tests) must not read the environment or open clients. On
 * Lambda every invocation ends by writing its metric changes as CloudWatch EMF log lines.
 */
export function lazyHandler<Event, Result>(build: () => (event: Event) => Promise<Result>) {
  let built: ((event: Event) => Promise<Result>) | undefined;
  return withEmfMetrics(registry, (event: Event): Promise<Result> => {
    built ??= build();
    return built(event);
  });
}
