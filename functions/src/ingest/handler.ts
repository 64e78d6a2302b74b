/**
 * `ingest`: consumes `inbound.fifo`. Text goes straight to the conversation; voice notes go to
 * the `transcribe` queue and photos/documents to `ocr`, so a slow receipt never holds up the
 * sender's next text. A record whose body is not a valid envelope throws: it is retried and then
 * dead-lettered, where an operator can read it — it is never silently dropped.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { logger } from '@kantong/shared/logger';
import { processBatch } from '@kantong/shared/queue/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { converse, lazyHandler, type PipelineDeps, parseEnvelope, processDeps } from '../pipeline.ts';

/** One record of `inbound.fifo`; throws when it must be retried. */
export async function ingestRecord(deps: PipelineDeps, record: SQSRecord): Promise<void> {
  const envelope = parseEnvelope(record);
  const log = logger.child({
    messageId: envelope.message_id,
    from: envelope.from_number,
    type: envelope.type,
  });
  if (envelope.type === 'text') {
    const result = await converse(deps, envelope);
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

export function createIngestHandler(deps: PipelineDeps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(event, (record) => ingestRecord(deps, record), { fifo: true, name: 'ingest' });
}

export const handler = lazyHandler(() => createIngestHandler(processDeps()));
