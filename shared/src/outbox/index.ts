/**
 * Replies leave through the outbox: written in the message's transaction, sent to the queue of
 * their channel after the commit (DESIGN.md decision 3): `outbound.fifo` for WhatsApp (the host
 * reads it), `console.fifo` for the chat console (`npm start` delivers it). Where a reply goes is
 * decided when it is written, never by which reader happens to run. The queue deduplicates on the
 * outbox id, so a row sent twice after a crash (sent, not yet marked) reaches its reader once.
 */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { type CommonQueryMethods, type DatabasePool, IdRow, sql } from '../db/pool.ts';
import { logger } from '../logger.ts';
import { type OutboundMessage, OutboundMessageSchema, queueBody } from '../queue/envelope.ts';
import { CHANNELS, type Channel, DEFAULT_CHANNEL, type QueueKey, REPLY_QUEUE } from '../queue/topology.ts';

/**
 * The channel of a message Kantong starts (a scheduled report): where the last message to that
 * number went, so a console user's report reaches the console; WhatsApp for a number never
 * written to.
 */
const lastChannel = (to: string) => sql.fragment`
  COALESCE((SELECT channel FROM outbox WHERE to_number = ${to} ORDER BY id DESC LIMIT 1), ${DEFAULT_CHANNEL})`;

const channelValue = (to: string, channel: Channel | undefined) =>
  channel === undefined ? lastChannel(to) : sql.fragment`${channel}`;

/**
 * Writes one message to send. `channel`: where the message it answers came from; absent for a
 * message Kantong starts, which goes where that number's last message went.
 */
export async function enqueue(tx: CommonQueryMethods, input: NewMessage): Promise<number> {
  return tx.oneFirst(sql.type(IdRow)`${insertMessage(input)} RETURNING id`);
}

type NewMessage = {
  userId: number | null;
  to: string;
  body: string;
  inReplyTo: number | null;
  channel?: Channel;
};

/** The INSERT of {@link enqueue}, for a statement that writes the reply's log row too (Messages.logReply). */
export const insertMessage = (input: NewMessage) => sql.fragment`
  INSERT INTO outbox (user_id, to_number, body, in_reply_to, channel)
  VALUES (${input.userId}, ${input.to}, ${input.body}, ${input.inReplyTo}, ${channelValue(input.to, input.channel)})`;

/**
 * Enqueues a message at most once per `dedupKey`; returns its id, or null when a message with
 * that key was enqueued before (by an earlier try of the same work).
 */
export async function enqueueOnce(
  tx: CommonQueryMethods,
  input: { userId: number | null; to: string; body: string; dedupKey: string; channel?: Channel },
): Promise<number | null> {
  return tx.maybeOneFirst(sql.type(IdRow)`
    INSERT INTO outbox (user_id, to_number, body, in_reply_to, dedup_key, channel)
    VALUES (${input.userId}, ${input.to}, ${input.body}, NULL, ${input.dedupKey},
      ${channelValue(input.to, input.channel)})
    ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
    RETURNING id`);
}

const PendingRowSchema = z.object({
  id: z.number(),
  to_number: z.string(),
  body: z.string(),
  wa_message_id: z.string().nullable(),
  channel: z.enum(CHANNELS),
});
type PendingRow = z.infer<typeof PendingRowSchema>;
/** A reply row as its transaction wrote it: what sending it needs, without reading it back. */
export type QueuedRow = PendingRow;

/** Pending replies to one inbound message (the first delivery's, when a redelivery arrives). */
export async function pendingFor(db: CommonQueryMethods, inboundId: number): Promise<number[]> {
  const rows = await db.anyFirst(sql.type(IdRow)`
    SELECT id FROM outbox WHERE in_reply_to = ${inboundId} AND status = 'pending' ORDER BY id`);
  return [...rows];
}

/** Where replies are sent: the SQS client and the URL of a queue by its key (each channel has its own). */
export type OutboundTarget = { client: SQSClient; queue: (key: QueueKey) => Promise<string> };

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
          QueueUrl: await target.queue(REPLY_QUEUE[row.channel]),
          MessageBody: queueBody(toMessage(row)),
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
  SELECT o.id, o.to_number, o.body, w.wa_message_id, o.channel
  FROM outbox o LEFT JOIN wa_messages w ON w.id = o.in_reply_to`;

/**
 * Sends the given pending rows, in id order (per-recipient order). Throws when a send fails, so
 * the caller's record fails and is retried; rows already queued, or claimed by a relay that is
 * sending them right now, are skipped.
 */
export async function flush(
  pool: DatabasePool,
  target: OutboundTarget,
  ids: readonly number[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await pool.any(sql.type(PendingRowSchema)`
    ${selectPending} WHERE o.id = ANY(${sql.array(ids, 'int8')}) AND o.status = 'pending'
      AND (o.claimed_until IS NULL OR o.claimed_until < now())
    ORDER BY o.id`);
  return send(pool, target, rows);
}

/** What a batched flush did: rows now queued, and rows left pending for a retry or the relay. */
export type FlushOutcome = { queued: number[]; unsent: number[] };

/** SendMessageBatch takes ten entries and 256 KiB; replies are short, but a report can be long. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 200 * 1024;

/**
 * Sends the given pending rows with SendMessageBatch (issue 16): one SELECT, one call per ten
 * replies and one UPDATE per call, where `flush` spends a call and an UPDATE on every reply.
 * Never throws for a failed send: it reports the rows it could not send (still pending), and the
 * caller fails the records they answer, so their redelivery sends them. Rows in `known` (just
 * committed by the caller, conversation's `onQueued`) are not read back: one statement less per
 * batch. The caller passes only rows younger than the relay's age (a relay takes rows pending for
 * 30 s), so no relay has sent them; were one to, the queue would keep one (it deduplicates on the
 * outbox id for five minutes).
 *
 * Per-recipient order survives a partial failure: each call carries at most one row per
 * recipient (their next one, in id order), and a recipient whose row failed gets nothing more
 * this time — a later reply never overtakes an earlier one that failed.
 */
export async function flushMany(
  pool: DatabasePool,
  target: OutboundTarget,
  ids: readonly number[],
  known: ReadonlyMap<number, QueuedRow> = new Map(),
): Promise<FlushOutcome> {
  const outcome: FlushOutcome = { queued: [], unsent: [] };
  if (ids.length === 0) return outcome;
  const unknown = ids.filter((id) => !known.has(id));
  const read =
    unknown.length === 0
      ? []
      : await pool.any(sql.type(PendingRowSchema)`
    ${selectPending} WHERE o.id = ANY(${sql.array(unknown, 'int8')}) AND o.status = 'pending'
      AND (o.claimed_until IS NULL OR o.claimed_until < now())
    ORDER BY o.id`);
  const rows = [...ids.flatMap((id) => known.get(id) ?? []), ...read].sort((a, b) => a.id - b.id);
  const queues = new Map<QueueKey, Map<string, PendingRow[]>>();
  for (const row of rows) {
    const key = REPLY_QUEUE[row.channel];
    const byRecipient = queues.get(key) ?? new Map<string, PendingRow[]>();
    queues.set(key, byRecipient);
    byRecipient.set(row.to_number, [...(byRecipient.get(row.to_number) ?? []), row]);
  }
  for (const [key, byRecipient] of queues) {
    const url = await target.queue(key);
    while (byRecipient.size > 0) {
      // One round: every recipient's next row, ten to a call.
      const round = [...byRecipient.values()].map((pending) => pending.shift() as PendingRow);
      for (const [recipient, pending] of byRecipient) if (pending.length === 0) byRecipient.delete(recipient);
      for (const chunk of chunks(round)) {
        const failed = await sendChunk(pool, target.client, url, chunk);
        outcome.queued.push(...chunk.filter((row) => !failed.has(row.id)).map((row) => row.id));
        for (const row of chunk.filter((row) => failed.has(row.id))) {
          outcome.unsent.push(row.id, ...(byRecipient.get(row.to_number) ?? []).map((later) => later.id));
          byRecipient.delete(row.to_number);
        }
      }
    }
  }
  return outcome;
}

function chunks(rows: readonly PendingRow[]): PendingRow[][] {
  const result: PendingRow[][] = [];
  let current: PendingRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(row.body) + 512;
    if (current.length === BATCH_ENTRIES || (current.length > 0 && bytes + size > BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** One SendMessageBatch; marks what it sent as queued and counts an attempt on what failed. */
async function sendChunk(
  db: CommonQueryMethods,
  client: SQSClient,
  queueUrl: string,
  rows: readonly PendingRow[],
): Promise<Map<number, string>> {
  const failed = new Map<number, string>();
  try {
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: rows.map((row) => ({
          Id: `o${row.id}`,
          MessageBody: queueBody(toMessage(row)),
          MessageGroupId: row.to_number,
          MessageDeduplicationId: `outbox-${row.id}`,
        })),
      }),
    );
    for (const entry of out.Failed ?? []) {
      failed.set(Number(entry.Id?.slice(1)), `${entry.Code ?? 'failed'}: ${entry.Message ?? ''}`);
    }
  } catch (error) {
    for (const row of rows) failed.set(row.id, String(error));
  }
  const sent = rows.filter((row) => !failed.has(row.id)).map((row) => row.id);
  if (sent.length > 0) {
    await db.query(sql.unsafe`
      UPDATE outbox SET status = 'queued', queued_at = now(), attempts = attempts + 1, last_error = NULL
      WHERE id = ANY(${sql.array(sent, 'int8')})`);
  }
  if (failed.size > 0) {
    logger.warn({ failed: Object.fromEntries(failed) }, 'replies not sent; they stay pending');
    await db.query(sql.unsafe`
      UPDATE outbox SET attempts = attempts + 1, last_error = ${[...failed.values()][0] ?? 'failed'}
      WHERE id = ANY(${sql.array([...failed.keys()], 'int8')})`);
  }
  return failed;
}

/** Rows younger than this are still being sent by the function that wrote them: the relay leaves them. */
export const RELAY_AFTER_SECONDS = 30;

/** How long a relay owns the rows it claimed; far longer than sending a hundred messages takes. */
export const RELAY_LEASE_SECONDS = 120;

/**
 * Sends replies that stayed pending longer than `olderThanSeconds` — the safety net for a
 * crash between a commit and its flush when no redelivery comes (on AWS: the `relay` function,
 * every minute; locally: the workers' timer).
 *
 * Claim, commit, then send (DESIGN.md decision 3): a short transaction leases the rows
 * (`claimed_until`, SKIP LOCKED), so two relays never take the same row, and no database
 * transaction stays open while messages go over the network. Each row is marked queued as soon
 * as it is sent, so a send that fails halfway keeps the rows before it queued (the old way, one
 * transaction around every send, rolled their marks back and sent them again later); the failed
 * row and those after it are released at once for the next run, in order.
 */
export async function relayStale(
  pool: DatabasePool,
  target: OutboundTarget,
  options: { olderThanSeconds: number; limit?: number; leaseSeconds?: number },
): Promise<number> {
  const claimed = await pool.anyFirst(sql.type(IdRow)`
    UPDATE outbox SET claimed_until = now() + make_interval(secs => ${options.leaseSeconds ?? RELAY_LEASE_SECONDS})
    WHERE id IN (
      SELECT id FROM outbox WHERE status = 'pending'
        AND created_at < now() - make_interval(secs => ${options.olderThanSeconds})
        AND (claimed_until IS NULL OR claimed_until < now())
      ORDER BY id LIMIT ${options.limit ?? 100} FOR UPDATE SKIP LOCKED)
    RETURNING id`);
  if (claimed.length === 0) return 0;
  logger.warn({ count: claimed.length }, 'relaying replies left pending');
  const ids = sql.array([...claimed], 'int8');
  const rows = await pool.any(sql.type(PendingRowSchema)`
    ${selectPending} WHERE o.id = ANY(${ids}) AND o.status = 'pending' ORDER BY o.id`);
  try {
    return await send(pool, target, rows);
  } finally {
    // Sent rows are 'queued' already; this frees what was not sent (a failure halfway).
    await pool.query(sql.unsafe`UPDATE outbox SET claimed_until = NULL WHERE id = ANY(${ids})`);
  }
}
