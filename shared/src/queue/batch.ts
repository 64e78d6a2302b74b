/**
 * Partial batch processing for SQS-triggered functions (STYLE habit 4, after Powertools'
 * `processPartialResponse`): records are handled one by one, a record that throws is reported in
 * `batchItemFailures` (only it is retried), and no error is swallowed — each is logged with the
 * record's ids before it is reported.
 *
 * On a FIFO queue, order within a message group must survive a failure: once a record of a group
 * fails, the later records of that group in the batch are reported as failed without being
 * processed, so they are retried after it, in order. Other groups go on.
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
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const failedGroups = new Set<string>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId;
    if (options.fifo && group !== undefined && failedGroups.has(group)) {
      failures.push({ itemIdentifier: record.messageId });
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
      failures.push({ itemIdentifier: record.messageId });
      if (options.fifo && group !== undefined) failedGroups.add(group);
    }
  }
  return { batchItemFailures: failures };
}
