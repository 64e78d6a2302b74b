/**
 * `reportWorker`: consumes the `reports` queue, one scheduled report per record, sent through the
 * outbox like every reply. Failures are reported per record and retried, then dead-lettered.
 *
 * A job that comes back after its report was committed but not sent (SQS unreachable right after
 * the commit, an instance killed there) finds its delivery claimed: it then sends the report's
 * still-pending outbox row, like a redelivered message sends its pending reply. Never a second
 * report: the row is one per user, kind and period, and the queue deduplicates on its id.
 */
import { getConfig } from '@kantong/shared/config';
import { type DatabasePool, IdRow, sql } from '@kantong/shared/db';
import * as Outbox from '@kantong/shared/outbox';
import { processBatch } from '@kantong/shared/queue/batch';
import { type ReportJob, ReportJobSchema } from '@kantong/shared/schedules';
import { deliverJob } from '@kantong/shared/schedules/deliver';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lazyHandler, type PipelineDeps, processDeps } from '../pipeline.ts';

/** The outbox row of a job's report that was committed and is still waiting to be sent. */
async function stillPending(pool: DatabasePool, job: ReportJob): Promise<number | null> {
  return pool.maybeOneFirst(sql.type(IdRow)`
    SELECT o.id FROM report_deliveries d JOIN outbox o ON o.id = d.outbox_id
    WHERE d.user_id = ${job.user_id} AND d.kind = ${job.kind} AND d.period_key = ${job.period_key}
      AND o.status = 'pending'`);
}

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
        const outboxId = (await deliverJob(pool, job, options)) ?? (await stillPending(pool, job));
        if (outboxId !== null) {
          await Outbox.flush(pool, { client: deps.sqs, queue: deps.queue }, [outboxId]);
        }
      },
      { fifo: false, name: 'reportWorker' },
    );
}

export const handler = lazyHandler(() => createReportWorker(processDeps()));
