/**
 * Sending to one queue, in batches when messages come faster than the queue answers (issue 16).
 * Each `send` resolves once the queue accepted that message, exactly like a SendMessage — the
 * WhatsApp host lets go of a message only then. While fewer than `maxInFlight` requests are out,
 * a message leaves at once, so a quiet queue adds no wait; past that, the messages that arrive
 * leave together in the next SendMessageBatch (up to ten). The queue server then handles one
 * request instead of several, and that is where its CPU goes (ElasticMQ spends most of it per
 * HTTP request, not per message).
 *
 * - **Order**: at most one message of a FIFO message group is out at a time (and so at most one
 *   per batch): a sender's messages are accepted in the order they were sent, each after the
 *   previous one's answer.
 * - **Failure**: a message the queue refuses (a `Failed` entry) rejects only its caller; a
 *   request that fails rejects the callers of its batch.
 * - **A request that never answers** (a server that stopped mid-request) would hold its slot and
 *   its senders' later messages: after `timeoutMs` its callers are rejected and the slot is
 *   freed. The message may still have been accepted; whoever retries it (the host's
 *   `retryClaimed`) sends the same deduplication id, so the queue keeps one.
 */
import { type BatchResultErrorEntry, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

export type QueueMessage = {
  MessageBody: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
};

/** SendMessageBatch's limits (the payload limit as the outbox counts it). */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

/** The queue refused one message of a batch: its code and whether the sender is at fault. */
export class QueueRejectedError extends Error {
  readonly code: string;
  readonly senderFault: boolean;
  constructor(failed: BatchResultErrorEntry) {
    super(`the queue refused the message: ${failed.Code ?? 'unknown'} ${failed.Message ?? ''}`.trim());
    this.name = 'QueueRejectedError';
    this.code = failed.Code ?? 'unknown';
    this.senderFault = failed.SenderFault ?? false;
  }
}

type Waiting = {
  message: QueueMessage;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
};

export type BatchedSender = {
  /** Resolves when the queue accepted the message; rejects when it did not. */
  send: (message: QueueMessage) => Promise<void>;
};

export type BatchedSenderOptions = {
  /** Requests out at once before messages wait to go together (default 2). */
  maxInFlight?: number;
  /** Longest wait for the queue's answer to one request (default 10 s). */
  timeoutMs?: number;
};

export function createBatchedSender(
  client: SQSClient,
  queueUrl: () => Promise<string>,
  options: BatchedSenderOptions = {},
): BatchedSender {
  const maxInFlight = options.maxInFlight ?? 2;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const waiting: Waiting[] = [];
  /** Groups with a message out: their next message waits for its answer. */
  const busyGroups = new Set<string>();
  let inFlight = 0;

  /** The next batch: in arrival order, no group that is out or already in it, within the limits. */
  const take = (): Waiting[] => {
    const batch: Waiting[] = [];
    const passed = new Set<string>();
    let bytes = 0;
    for (let index = 0; index < waiting.length && batch.length < MAX_ENTRIES; ) {
      const item = waiting[index] as Waiting;
      const group = item.message.MessageGroupId;
      const held = group !== undefined && (busyGroups.has(group) || passed.has(group));
      // A group passed over keeps its later messages back too, so none overtakes another.
      if (group !== undefined) passed.add(group);
      if (held || (batch.length > 0 && bytes + item.bytes > MAX_BATCH_BYTES)) {
        index += 1;
        continue;
      }
      batch.push(item);
      bytes += item.bytes;
      waiting.splice(index, 1);
    }
    return batch;
  };

  const request = async (batch: Waiting[]) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the queue did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const out = await Promise.race([
        queueUrl().then((url) =>
          client.send(
            new SendMessageBatchCommand({
              QueueUrl: url,
              Entries: batch.map((item, index) => ({ Id: String(index), ...item.message })),
            }),
          ),
        ),
        deadline,
      ]);
      const refused = new Map((out.Failed ?? []).map((entry) => [entry.Id, entry]));
      batch.forEach((item, index) => {
        const entry = refused.get(String(index));
        if (entry) item.reject(new QueueRejectedError(entry));
        else item.resolve();
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      clearTimeout(timer);
    }
  };

  const pump = () => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = take();
      if (batch.length === 0) return; // every waiting message's group is out
      const groups = batch.flatMap((item) => item.message.MessageGroupId ?? []);
      for (const group of groups) busyGroups.add(group);
      inFlight += 1;
      void request(batch).finally(() => {
        inFlight -= 1;
        for (const group of groups) busyGroups.delete(group);
        pump();
      });
    }
  };

  return {
    send: (message) =>
      new Promise<void>((resolve, reject) => {
        const bytes =
          Buffer.byteLength(message.MessageBody) +
          Buffer.byteLength(message.MessageGroupId ?? '') +
          Buffer.byteLength(message.MessageDeduplicationId ?? '');
        waiting.push({ message, bytes, resolve, reject });
        pump();
      }),
  };
}
