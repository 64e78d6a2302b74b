/**
 * `relay` (every minute): sends outbox rows left pending — a reply or report committed whose send
 * failed or whose instance died before it, a media "⏳" — when no redelivery came to send them.
 * Locally the workers run the same relay on a timer (functions/src/local/workers.ts); on AWS
 * nothing else would, so a report whose send failed after the commit would never leave.
 * Rows are claimed with a lease and sent after the claim commits (shared/src/outbox), so
 * overlapping runs, or a run beside a redelivery, never send a row twice.
 */
import * as Outbox from '@kantong/shared/outbox';
import type { ScheduledEvent } from 'aws-lambda';
import { lazyHandler, processDeps } from '../pipeline.ts';

export const handler = lazyHandler(
  (): ((event: Pick<ScheduledEvent, 'time'>) => Promise<{ sent: number }>) => {
    const deps = processDeps();
    return async () => {
      const pool = await deps.pool();
      let sent = 0;
      // A full claim (100 rows) means more may wait: keep going, within the function's timeout.
      for (let round = 0; round < 10; round += 1) {
        const count = await Outbox.relayStale(
          pool,
          { client: deps.sqs, queue: deps.queue },
          { olderThanSeconds: Outbox.RELAY_AFTER_SECONDS },
        );
        sent += count;
        if (count < 100) break;
      }
      return { sent };
    };
  },
);
