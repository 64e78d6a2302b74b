/**
 * `ingest`: consumes `inbound.fifo`. Text goes straight to the conversation; voice notes go to
 * the `transcribe` queue and photos/documents to `ocr`, so a slow receipt never holds up the
 * sender's next text.
 *
 * Two kinds of failure are told apart (issue 14 item 3). A transient one (the database or a queue
 * away) throws: the record is retried, and the sender's later records wait behind it in their
 * FIFO group, in order. A record that can never succeed — its body is not a valid envelope, or
 * PostgreSQL refuses its data (SQLSTATE class 22) — is not retried: retrying cannot change it and
 * would stall the sender for up to five visibility timeouts. It is answered at once (when it names
 * a sender), logged as an error, counted (`kantong_queue_records_total{outcome="rejected"}`) and
 * copied to the dead-letter queue itself, where an operator can read it; then it is acknowledged.
 * It is never silently dropped.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { logger } from '@kantong/shared/logger';
import { queueRecords } from '@kantong/shared/metrics';
import * as Outbox from '@kantong/shared/outbox';
import { type Channel, ChannelSchema, InboundEnvelopeSchema, QUEUES, queueBody } from '@kantong/shared/queue';
import { processBatch } from '@kantong/shared/queue/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { converse, lazyHandler, type PipelineDeps, processDeps } from '../pipeline.ts';

/** The answer to a message that can never be processed as it came (it fails validation). */
export const REJECTED_REPLY =
  'Maaf, pesan ini nggak bisa aku proses 🙏 Coba ketik ulang dengan kata-kata biasa ya, contoh: "beli kopi 20rb".';

/** Why a record can never succeed, and whom to tell. */
type Rejection = {
  reason: 'not_json' | 'invalid_envelope' | 'invalid_data';
  sender: string | null;
  channel: Channel | undefined;
  detail: unknown;
};

/** The parts of a broken envelope that are still good enough to answer it. */
const ReplyToSchema = z.object({
  from_number: InboundEnvelopeSchema.shape.from_number,
  channel: ChannelSchema.optional().catch(undefined),
});

function readEnvelope(record: SQSRecord) {
  let raw: unknown;
  try {
    raw = JSON.parse(record.body);
  } catch (error) {
    return { ok: false as const, rejection: rejection('not_json', null, error) };
  }
  const parsed = InboundEnvelopeSchema.safeParse(raw);
  if (parsed.success) return { ok: true as const, envelope: parsed.data };
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  return { ok: false as const, rejection: rejection('invalid_envelope', raw, issues) };
}

function rejection(reason: Rejection['reason'], raw: unknown, detail: unknown): Rejection {
  const replyTo = ReplyToSchema.safeParse(raw);
  return {
    reason,
    sender: replyTo.success ? replyTo.data.from_number : null,
    channel: replyTo.success ? replyTo.data.channel : undefined,
    detail,
  };
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: an invalid byte sequence, a number out of
 * range, an impossible date) depend only on the data, so the same record fails the same way on
 * every retry. Slonik wraps the driver's error; its `code` is on a `cause`.
 */
export function isDataException(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * One record of `inbound.fifo`; throws when it must be retried (a transient fault only). With
 * `deferReplies` the text's replies are handed to it instead of sent here: the batch sends them
 * all at once (createIngestHandler).
 */
export async function ingestRecord(
  deps: PipelineDeps,
  record: SQSRecord,
  deferReplies?: (outboxIds: readonly number[], rows: readonly Outbox.QueuedRow[]) => void,
): Promise<void> {
  const read = readEnvelope(record);
  if (!read.ok) return reject(deps, record, read.rejection);
  const envelope = read.envelope;
  const log = logger.child({
    messageId: envelope.message_id,
    from: envelope.from_number,
    type: envelope.type,
  });
  if (envelope.type === 'text') {
    let result: Awaited<ReturnType<typeof converse>>;
    const queued: Outbox.QueuedRow[] = [];
    try {
      result = await converse(deps, envelope, undefined, {
        flush: deferReplies === undefined,
        onQueued: (row) => queued.push(row),
      });
    } catch (error) {
      if (!isDataException(error)) throw error;
      const sender = { sender: envelope.from_number, channel: envelope.channel };
      return reject(deps, record, { reason: 'invalid_data', ...sender, detail: String(error) });
    }
    deferReplies?.(result.outbox_ids, queued);
    log.info({ intent: result.intent, duplicate: result.duplicate }, 'ingested');
    return;
  }
  // Media work is idempotent on the message id too, so forwarding twice (a retry after a
  // crash here) still gives one effect.
  const target = envelope.type === 'audio' ? 'transcribe' : 'ocr';
  await deps.sqs.send(
    new SendMessageCommand({ QueueUrl: await deps.queue(target), MessageBody: queueBody(envelope) }),
  );
  log.info({ queue: target }, 'forwarded to media work');
}

/**
 * Answers a record that can never succeed, dead-letters it and lets it be acknowledged. The reply
 * is enqueued once per SQS message (a redelivery after a crash here does not answer twice); if
 * the dead-letter send fails, this throws and the whole step is retried as a transient fault.
 */
async function reject(deps: PipelineDeps, record: SQSRecord, why: Rejection): Promise<void> {
  logger.error(
    {
      function: 'ingest',
      sqsMessageId: record.messageId,
      messageGroupId: record.attributes.MessageGroupId,
      reason: why.reason,
      detail: why.detail,
      from: why.sender,
    },
    'record rejected: it can never succeed, so it is answered and dead-lettered without retries',
  );
  queueRecords.inc({ function: 'ingest', outcome: 'rejected' });
  if (why.sender !== null) {
    const pool = await deps.pool();
    const id = await Outbox.enqueueOnce(pool, {
      userId: null,
      to: why.sender,
      body: REJECTED_REPLY,
      dedupKey: `ingest-rejected:${record.messageId}`,
      ...(why.channel ? { channel: why.channel } : {}),
    });
    if (id !== null) await Outbox.flush(pool, { client: deps.sqs, queue: deps.queue }, [id]);
  }
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deadLetterUrl(await deps.queue('inbound')),
      MessageBody: record.body,
      MessageGroupId: record.attributes.MessageGroupId ?? 'rejected',
      MessageDeduplicationId: record.messageId,
      MessageAttributes: { reason: { DataType: 'String', StringValue: why.reason } },
    }),
  );
}

/** The dead-letter queue sits beside its queue: same endpoint and prefix, the topology's name. */
function deadLetterUrl(inboundUrl: string): string {
  const spec = QUEUES.inbound;
  if (!inboundUrl.endsWith(spec.name)) throw new Error(`unexpected inbound queue URL ${inboundUrl}`);
  return `${inboundUrl.slice(0, -spec.name.length)}${spec.deadLetter}`;
}

/**
 * The batch: its records (senders side by side, each sender in order: processBatch), then every
 * reply they wrote in one batched flush (issue 16: one SendMessageBatch per ten replies instead of
 * a SendMessage, a SELECT and an UPDATE each). A record whose reply could not be sent fails, and
 * so do the later records of its sender in this batch: their effects are committed and their
 * replies pending, and the redelivery, recognised as a duplicate, sends them in order (or the
 * relay does). Nothing is answered twice: the queue deduplicates on the outbox id.
 */
export function createIngestHandler(deps: PipelineDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const replies = new Map<string, readonly number[]>();
    const known = new Map<number, Outbox.QueuedRow>();
    const started = Date.now();
    const response = await processBatch(
      event,
      (record) =>
        ingestRecord(deps, record, (ids, rows) => {
          replies.set(record.messageId, ids);
          for (const row of rows) known.set(row.id, row);
        }),
      { fifo: true, name: 'ingest' },
    );
    const ids = [...replies.values()].flat();
    if (ids.length === 0) return response;
    let unsent: Set<number>;
    try {
      const pool = await deps.pool();
      const target = { client: deps.sqs, queue: deps.queue };
      // A batch that took long enough for the relay to take its rows (RELAY_AFTER_SECONDS) reads
      // them back, with their status, instead: the relay may have sent them already.
      const young = Date.now() - started < (Outbox.RELAY_AFTER_SECONDS - 10) * 1000;
      unsent = new Set((await Outbox.flushMany(pool, target, ids, young ? known : undefined)).unsent);
    } catch (error) {
      // The database went away while marking what was sent: retry them all (deduplicated by id).
      logger.error(
        { err: error, function: 'ingest' },
        'replies of the batch not flushed; its records are retried',
      );
      unsent = new Set(ids);
    }
    return { batchItemFailures: withUnsentReplies(event, response, replies, unsent) };
  };
}

/** The batch's failures plus each record whose reply is unsent and its sender's later records. */
function withUnsentReplies(
  event: SQSEvent,
  response: SQSBatchResponse,
  replies: ReadonlyMap<string, readonly number[]>,
  unsent: ReadonlySet<number>,
): SQSBatchResponse['batchItemFailures'] {
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const stalledGroups = new Set<string>();
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    const replyUnsent = (replies.get(record.messageId) ?? []).some((id) => unsent.has(id));
    if (replyUnsent || stalledGroups.has(group)) {
      if (!failed.has(record.messageId)) queueRecords.inc({ function: 'ingest', outcome: 'failed' });
      failed.add(record.messageId);
      stalledGroups.add(group);
    }
  }
  return event.Records.filter((record) => failed.has(record.messageId)).map((record) => ({
    itemIdentifier: record.messageId,
  }));
}

export const handler = lazyHandler(() => createIngestHandler(processDeps()));
