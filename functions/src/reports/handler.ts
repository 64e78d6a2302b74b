/**
 * Scheduled reports (serverless.yml, function `reports`): EventBridge runs it every hour, and each
 * run is meant to send the daily (21:00), weekly (Monday 08:00) and monthly (1st, 08:00) reports
 * whose local time has come in each user's own timezone — through the outbox, like every reply.
 *
 * A placeholder until the scheduled-reports issue fills it in: it only says that it ran, so the
 * schedule, the packaging and the permissions can be deployed and checked already.
 */
import { logger } from '@kantong/shared/logger';
import type { ScheduledEvent } from 'aws-lambda';

const log = logger.child({ component: 'reports' });

export async function handler(event: Pick<ScheduledEvent, 'time'>): Promise<{ sent: number }> {
  log.info({ scheduledAt: event.time }, 'scheduled reports run: nothing to send yet (not implemented)');
  return { sent: 0 };
}
