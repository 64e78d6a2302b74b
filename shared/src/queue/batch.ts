/**
 * Partial batch processing for SQS-triggered functions (STYLE habit 4, after Powertools'
 * `processPartialResponse`): records are handled one by one, a record that throws is reported in
 * `batchItemFailures` (only it is retried), and no error is swallowed — each is logged with the
 * record's ids before it is reported.
 *
 * On a FIFO queue, order within a message group must survive a failure: once a record of a group
 * fails, the later records of that group in the batch are reported as failed without being
 * processed, so they are retried after it, in order. Other groups go on — at the same time: the
 * groups of one batch are handled concurrently, each group's records strictly one after another.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../logger.ts';
import { queueLag, queueRecords } from '../metrics/index.ts';

export type RecordHandler = (record: SQSRecord) => Promise<void>;

export async function processBatch(
  event: SQSEvent,
  handleRecord: RecordHandler,
  options: { fifo: boolean; name: string },
): Promise<SQSBatchResponse> {
  const failed = new Set<string>();
  if (options.fifo) {
    // Message groups are independent: each group's records run in order, the groups side by side
    // (issue 16). A batch of ten senders' messages costs one sender's latency instead of ten, and
    // order within a group is kept exactly as before.
    await Promise.all(
      [...groupsOf(event.Records).values()].map((records) =>
        runInOrder(records, handleRecord, options, failed),
      ),
    );
  } else {
    await runInOrder(event.Records, handleRecord, options, failed);
  }
  // Reported in the batch's order, whatever order the groups finished in.
  return {
    batchItemFailures: event.Records.filter((record) => failed.has(record.messageId)).map((record) => ({
      itemIdentifier: record.messageId,
    })),
  };
}

/** The batch's records by message group, each group in its order (a record without one is its own). */
function groupsOf(records: readonly SQSRecord[]): Map<string, SQSRecord[]> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const key = record.attributes.MessageGroupId ?? `\u0000${record.messageId}`;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return groups;
}

/** One after the other; once one fails, the rest of a FIFO group is deferred unprocessed. */
async function runInOrder(
  records: readonly SQSRecord[],
  handleRecord: RecordHandler,
  options: { fifo: boolean; name: string },
  failed: Set<string>,
): Promise<void> {
  const failedGroups = new Set<string>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId;
    if (options.fifo && group !== undefined && failedGroups.has(group)) {
      failed.add(record.messageId);
      queueRecords.inc({ function: options.name, outcome: 'deferred' });
      continue;
    }
    const sent = Number(record.attributes.SentTimestamp);
    if (Number.isFinite(sent))
      queueLag.observe({ function: options.name }, Math.max(0, Date.now() - sent) / 1000);
    try {
      await handleRecord(record);
      queueRecords.inc({ function: options.name, outcome: 'ok' });
    } catch (error) {
      queueRecords.inc({ function: options.name, outcome: 'failed' });
      logger.error(
        {
          err: error,
          function: options.name,
          sqsMessageId: record.messageId,
          messageGroupId: group,
          receiveCount: record.attributes.ApproximateReceiveCount,
        },
        'record failed; it will be retried, then dead-lettered',
      );
      failed.add(record.messageId);
      if (options.fifo && group !== undefined) failedGroups.add(group);
    }
  }
}
