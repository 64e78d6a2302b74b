/**
 * Delivering one scheduled job: compose, claim the delivery and write the outbox row in one
 * transaction; the caller flushes the outbox after the commit. A redelivered job, or one for a
 * user who is no longer active, sends nothing.
 */
import type { CommonQueryMethods, DatabasePool } from '../db/pool.ts';
import * as Households from '../households/index.ts';
import * as Outbox from '../outbox/index.ts';
import { composeScheduled } from '../reports/scheduled.ts';
import * as Users from '../users/index.ts';
import { claimDelivery, linkOutbox, type ReportJob } from './index.ts';

/**
 * Where a user's scheduled messages go: a person's own chat, or a household's group (issue 15)
 * while the household is active — after "matikan kantong" its group hears nothing more.
 */
async function recipientOf(db: CommonQueryMethods, user: Users.User): Promise<string | null> {
  if (user.kind === 'person') return user.phone;
  const household = await Households.findByBook(db, user.id);
  return household?.active ? household.group_jid : null;
}

export async function deliverJob(
  pool: DatabasePool,
  job: ReportJob,
  options: { remindWhenEmpty: boolean },
): Promise<number | null> {
  return pool.transaction(async (tx) => {
    const user = await Users.findById(tx, job.user_id);
    if (user?.status !== 'active') return null;
    const to = await recipientOf(tx, user);
    if (to === null) return null;
    const deliveryId = await claimDelivery(tx, job);
    if (deliveryId === null) return null;
    const text = await composeScheduled(tx, user, job, options);
    if (text === null) return null;
    const outboxId = await Outbox.enqueue(tx, {
      userId: user.id,
      to,
      body: text,
      inReplyTo: null,
    });
    await linkOutbox(tx, deliveryId, outboxId);
    return outboxId;
  });
}
