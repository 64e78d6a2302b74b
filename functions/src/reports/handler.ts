/**
 * `reports` (hourly schedule): claims the hour and fans the reports due in it out onto the
 * `reports` queue, one job per user and report — see shared/src/schedules. A second run in the
 * same hour enqueues nothing.
 *
 * The claim commits first and the jobs are sent after it (DESIGN.md decision 3): with ten
 * thousand users that is a thousand batch sends, far too long to hold a transaction open. A
 * failed send releases the hour, so the next run (EventBridge retries a failed invocation, and the
 * local timer ticks every minute) plans it again; the jobs already sent are harmless twice, since
 * the worker delivers one report per user, kind and period (report_deliveries). What this does not
 * cover: an instance killed between the commit and the last send loses that hour's remaining jobs
 * (Lambda's 300 s timeout is far above the few seconds a thousand sends take).
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sql } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import { queueBody } from '@kantong/shared/queue';
import { hourOf, planJobs } from '@kantong/shared/schedules';
import type { ScheduledEvent } from 'aws-lambda';
import { lazyHandler, type PipelineDeps, processDeps } from '../pipeline.ts';

const log = logger.child({ component: 'reports' });

export async function runScheduler(deps: PipelineDeps, now: Date): Promise<{ jobs: number }> {
  const pool = await deps.pool();
  const queueUrl = await deps.queue('reports');
  const planned = await pool.transaction((tx) => planJobs(tx, now));
  try {
    for (let offset = 0; offset < planned.length; offset += 10) {
      const batch = planned.slice(offset, offset + 10);
      const out = await deps.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((job, index) => ({ Id: String(index), MessageBody: queueBody(job) })),
        }),
      );
      if (out.Failed && out.Failed.length > 0) {
        throw new Error(`could not enqueue ${out.Failed.length} report jobs: ${out.Failed[0]?.Message}`);
      }
    }
  } catch (error) {
    await pool.query(sql.unsafe`DELETE FROM schedule_runs WHERE hour_utc = ${sql.timestamp(hourOf(now))}`);
    throw error;
  }
  const jobs = planned.length;
  log.info({ at: now.toISOString(), jobs }, 'scheduled reports planned');
  return { jobs };
}

export const handler = lazyHandler(
  (): ((event: Pick<ScheduledEvent, 'time'>) => Promise<{ jobs: number }>) => {
    const deps = processDeps();
    return (event) => runScheduler(deps, event.time ? new Date(event.time) : new Date());
  },
);
