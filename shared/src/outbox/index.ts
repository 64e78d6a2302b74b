/**
 * Replies leave through the outbox: written in the message's transaction, sent to
 * `outbound.fifo` after the commit (DESIGN.md decision 3). The queue deduplicates on the outbox
 * id, so a row sent twice after a crash (sent, not yet marked) reaches the host once.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { type CommonQueryMethods, type DatabasePool, sql } from '../db/pool.ts';
import { logger } from '../logger.ts';
import { type OutboundMessage, OutboundMessageSchema } from '../queue/envelope.ts';

export async function enqueue(
  tx: CommonQueryMethods,
  input: { userId: number | null; to: string; body: string; inReplyTo: number | null },
): Promise<number> {
  return tx.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO outbox (user_id, to_number, body, in_reply_to)
    VALUES (${input.userId}, ${input.to}, ${input.body}, ${input.inReplyTo})
    RETURNING id`);
}

/**
 * Enqueues a message at most once per `dedupKey`; returns its id, or null when a message with
 * that key was enqueued before (by an earlier try of the same work).
 */
export async function enqueueOnce(
  tx: CommonQueryMethods,
  input: { userId: number | null; to: string; body: string; dedupKey: string },
): Promise<number | null> {
  return tx.maybeOneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO outbox (user_id, to_number, body, in_reply_to, dedup_key)
    VALUES (${input.userId}, ${input.to}, ${input.body}, NULL, ${input.dedupKey})
    ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
    RETURNING id`);
}

const PendingRowSchema = z.object({
  id: z.number(),
  to_number: z.string(),
  body: z.string(),
  wa_message_id: z.string().nullable(),
});
type PendingRow = z.infer<typeof PendingRowSchema>;

/** Pending replies to one inbound message (the first delivery's, when a redelivery arrives). */
export async function pendingFor(db: CommonQueryMethods, inboundId: number): Promise<number[]> {
  const rows = await db.anyFirst(sql.type(z.object({ id: z.number() }))`
    SELECT id FROM outbox WHERE in_reply_to = ${inboundId} AND status = 'pending' ORDER BY id`);
  return [...rows];
}

export type OutboundTarget = { client: SQSClient; queueUrl: string };

function toMessage(row: PendingRow): OutboundMessage {
  return OutboundMessageSchema.parse({
    version: 1,
    outbox_id: row.id,
    to: row.to_number,
    text: row.body,
    in_reply_to: row.wa_message_id,
  });
}

async function send(
  db: CommonQueryMethods,
  target: OutboundTarget,
  rows: readonly PendingRow[],
): Promise<number> {
  let sent = 0;
  for (const row of rows) {
    try {
      await target.client.send(
        new SendMessageCommand({
          QueueUrl: target.queueUrl,
          MessageBody: JSON.stringify(toMessage(row)),
          MessageGroupId: row.to_number,
          MessageDeduplicationId: `outbox-${row.id}`,
        }),
      );
    } catch (error) {
      await db.query(sql.unsafe`
        UPDATE outbox SET attempts = attempts + 1, last_error = ${String(error)} WHERE id = ${row.id}`);
      throw error;
    }
    await db.query(sql.unsafe`
      UPDATE outbox SET status = 'queued', queued_at = now(), attempts = attempts + 1, last_error = NULL
      WHERE id = ${row.id}`);
    sent += 1;
  }
  return sent;
}

const selectPending = sql.fragment`
  SELECT o.id, o.to_number, o.body, w.wa_message_id
  FROM outbox o LEFT JOIN wa_messages w ON w.id = o.in_reply_to`;

/**
 * Sends the given pending rows, in id order (per-recipient order). Throws when a send fails, so
 * the caller's record fails and is retried; rows already queued are skipped.
 */
export async function flush(
  pool: DatabasePool,
  target: OutboundTarget,
  ids: readonly number[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await pool.any(sql.type(PendingRowSchema)`
    ${selectPending} WHERE o.id = ANY(${sql.array(ids, 'int8')}) AND o.status = 'pending' ORDER BY o.id`);
  return send(pool, target, rows);
}

/**
 * Sends replies that stayed pending longer than `olderThanSeconds` — the safety net for a
 * crash between a commit and its flush when no redelivery comes. Rows are claimed with
 * SKIP LOCKED so two relays never send the same row at once.
 */
export async function relayStale(
  pool: DatabasePool,
  target: OutboundTarget,
  options: { olderThanSeconds: number; limit?: number },
): Promise<number> {
  return pool.transaction(async (tx) => {
    const rows = await tx.any(sql.type(PendingRowSchema)`
      ${selectPending}
      WHERE o.id IN (
        SELECT id FROM outbox WHERE status = 'pending'
          AND created_at < now() - make_interval(secs => ${options.olderThanSeconds})
        ORDER BY id LIMIT ${options.limit ?? 100} FOR UPDATE SKIP LOCKED)
      ORDER BY o.id`);
    if (rows.length > 0) logger.warn({ count: rows.length }, 'relaying replies left pending');
    // The rows stay locked by this transaction while they are sent and marked.
    return send(tx, target, rows);
  });
}
