/**
 * Delivering one scheduled job: compose, claim the delivery and write the outbox row in one
 * transaction; the caller flushes the outbox after the commit. A redelivered job, or one for a
 * user who is no longer active, sends nothing.
 */
import type { DatabasePool } from '../db/pool.ts';
import * as Outbox from '../outbox/index.ts';
import { composeScheduled } from '../reports/scheduled.ts';
import * as Users from '../users/index.ts';
import { claimDelivery, linkOutbox, type ReportJob } from './index.ts';

export async function deliverJob(
  pool: DatabasePool,
  job: ReportJob,
  options: { remindWhenEmpty: boolean },
): Promise<number | null> {
  return pool.transaction(async (tx) => {
    const user = await Users.findById(tx, job.user_id);
    // TODO(issue 15): a household's reports go to its group.
    if (user?.status !== 'active' || user.phone === null) return null;
    const deliveryId = await claimDelivery(tx, job);
    if (deliveryId === null) return null;
    const text = await composeScheduled(tx, user, job, options);
    if (text === null) return null;
    const outboxId = await Outbox.enqueue(tx, {
      userId: user.id,
      to: user.phone,
      body: text,
      inReplyTo: null,
    });
    await linkOutbox(tx, deliveryId, outboxId);
    return outboxId;
  });
}
