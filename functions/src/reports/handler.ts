/**
 * `reports` (hourly schedule): claims the hour and fans the reports due in it out onto the
 * `reports` queue, one job per user and report — see shared/src/schedules. A second run in the
 * same hour enqueues nothing; a failed enqueue rolls the claim back so the next run retries.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { logger } from '@kantong/shared/logger';
import { planJobs } from '@kantong/shared/schedules';
import type { ScheduledEvent } from 'aws-lambda';
import { lazyHandler, type PipelineDeps, processDeps } from '../pipeline.ts';

const log = logger.child({ component: 'reports' });

export async function runScheduler(deps: PipelineDeps, now: Date): Promise<{ jobs: number }> {
  const pool = await deps.pool();
  const queueUrl = await deps.queue('reports');
  const jobs = await pool.transaction(async (tx) => {
    const planned = await planJobs(tx, now);
    for (let offset = 0; offset < planned.length; offset += 10) {
      const batch = planned.slice(offset, offset + 10);
      const out = await deps.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((job, index) => ({ Id: String(index), MessageBody: JSON.stringify(job) })),
        }),
      );
      if (out.Failed && out.Failed.length > 0) {
        throw new Error(`could not enqueue ${out.Failed.length} report jobs: ${out.Failed[0]?.Message}`);
      }
    }
    return planned.length;
  });
  log.info({ at: now.toISOString(), jobs }, 'scheduled reports planned');
  return { jobs };
}

export const handler = lazyHandler(
  (): ((event: Pick<ScheduledEvent, 'time'>) => Promise<{ jobs: number }>) => {
    const deps = processDeps();
    return (event) => runScheduler(deps, event.time ? new Date(event.time) : new Date());
  },
);
