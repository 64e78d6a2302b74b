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
import { type Channel, ChannelSchema, InboundEnvelopeSchema, QUEUES } from '@kantong/shared/queue';
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

/** One record of `inbound.fifo`; throws when it must be retried (a transient fault only). */
export async function ingestRecord(deps: PipelineDeps, record: SQSRecord): Promise<void> {
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
    try {
      result = await converse(deps, envelope);
    } catch (error) {
      if (!isDataException(error)) throw error;
      const sender = { sender: envelope.from_number, channel: envelope.channel };
      return reject(deps, record, { reason: 'invalid_data', ...sender, detail: String(error) });
    }
    log.info({ intent: result.intent, duplicate: result.duplicate }, 'ingested');
    return;
  }
  // Media work is idempotent on the message id too, so forwarding twice (a retry after a
  // crash here) still gives one effect.
  const target = envelope.type === 'audio' ? 'transcribe' : 'ocr';
  await deps.sqs.send(
    new SendMessageCommand({ QueueUrl: await deps.queue(target), MessageBody: JSON.stringify(envelope) }),
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

export function createIngestHandler(deps: PipelineDeps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(event, (record) => ingestRecord(deps, record), { fifo: true, name: 'ingest' });
}

export const handler = lazyHandler(() => createIngestHandler(processDeps()));
