/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls a real SQS server
 * (ElasticMQ, fauxqs), hands each batch to the very same handler as a real `SQSEvent`, deletes
 * the records that succeeded and leaves the reported failures to come back after their
 * visibility timeout — until `maxReceiveCount` sends them to the dead-letter queue.
 *
 * Why not serverless-offline-sqs: it deletes the whole batch on success and ignores
 * `batchItemFailures`, so it cannot run Kantong's partial-failure contract.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { logger } from '@kantong/shared/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export type PollerOptions = {
  client: SQSClient;
  queueUrl: string;
  handler: BatchHandler;
  name: string;
  batchSize?: number;
  waitTimeSeconds?: number;
  /**
   * Seconds before a failed record is visible again; by default the queue's visibility timeout
   * (as on Lambda). Tests set 0 to retry at once.
   */
  retryDelaySeconds?: number;
  /**
   * After a batch that was not full, the next receive waits until this long after the previous
   * one began, so that under load the messages that arrive meanwhile come as one fuller batch
   * (issue 16: every receive, delete and reply send is a request to the queue server, whatever
   * its size). A full batch or an empty long poll goes on at once, so an idle queue still answers
   * a lone message without waiting; the cost is at most this much latency under load.
   */
  batchWindowMs?: number;
};

export type Poller = {
  stop: () => Promise<void>;
  /** Batches handled so far. */
  batches: () => number;
};

function toRecord(message: Message, queueUrl: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const queueName = queueUrl.split('/').at(-1) ?? 'queue';
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId
        ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
        : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${region}:000000000000:${queueName}`,
    awsRegion: region,
  };
}

/** Handles one batch if there is one; returns how many records it received. */
export async function pollOnce(options: PollerOptions): Promise<number> {
  const { client, queueUrl } = options;
  const received = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.batchSize ?? 10,
      WaitTimeSeconds: options.waitTimeSeconds ?? 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return 0;
  const region = String(await client.config.region());
  const records = messages.map((message) => toRecord(message, queueUrl, region));

  let failed: Set<string>;
  try {
    const response = await options.handler({ Records: records });
    failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  } catch (error) {
    // A handler that throws fails its whole batch, as on Lambda.
    logger.error({ err: error, function: options.name }, 'handler threw; the whole batch will be retried');
    failed = new Set(records.map((record) => record.messageId));
  }

  const succeeded = records.filter((record) => !failed.has(record.messageId));
  if (succeeded.length > 0) {
    const out = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: succeeded.map((record, index) => ({
          Id: String(index),
          ReceiptHandle: record.receiptHandle,
        })),
      }),
    );
    if (out.Failed && out.Failed.length > 0) logger.warn({ failed: out.Failed }, 'some deletes failed');
  }
  const retry = records.filter((record) => failed.has(record.messageId));
  if (retry.length > 0 && options.retryDelaySeconds !== undefined) {
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: retry.map((record, index) => ({
          Id: String(index),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: options.retryDelaySeconds,
        })),
      }),
    );
  }
  return records.length;
}

/** Polls until stopped. Errors talking to the queue are logged and retried after a pause. */
export function startPoller(options: PollerOptions): Poller {
  let running = true;
  let batches = 0;
  const batchSize = options.batchSize ?? 10;
  const window = options.batchWindowMs ?? 0;
  const loop = (async () => {
    while (running) {
      try {
        const began = performance.now();
        const received = await pollOnce(options);
        if (received > 0) batches += 1;
        if (received > 0 && received < batchSize && window > 0) {
          await new Promise((resolve) => setTimeout(resolve, window - (performance.now() - began)));
        }
      } catch (error) {
        if (!running) break;
        logger.error({ err: error, function: options.name }, 'polling failed; retrying in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    batches: () => batches,
  };
}
