/**
 * `reportWorker`: consumes the `reports` queue, one scheduled report per record, sent through the
 * outbox like every reply. Failures are reported per record and retried, then dead-lettered.
 */
import { getConfig } from '@kantong/shared/config';
import * as Outbox from '@kantong/shared/outbox';
import { processBatch } from '@kantong/shared/queue/batch';
import { ReportJobSchema } from '@kantong/shared/schedules';
import { deliverJob } from '@kantong/shared/schedules/deliver';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazyHandler, type PipelineDeps, processDeps } from '../pipeline.ts';

export function createReportWorker(
  deps: PipelineDeps,
  options = { remindWhenEmpty: getConfig().DAILY_REMINDER_WHEN_EMPTY },
) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const job = ReportJobSchema.parse(JSON.parse(record.body));
        const pool = await deps.pool();
        const outboxId = await deliverJob(pool, job, options);
        if (outboxId !== null) {
          await Outbox.flush(pool, { client: deps.sqs, queue: deps.queue }, [outboxId]);
        }
      },
      { fifo: false, name: 'reportWorker' },
    );
}

export const handler = lazyHandler(() => createReportWorker(processDeps()));
