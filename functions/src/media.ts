/**
 * The shared shape of `transcribe` and `ocr`: one envelope per record, work on its media, then
 * the conversation. Until the media issue lands the work is the conversation's own honest
 * "belum bisa" answer for voice notes and photos.
 */
import { logger } from '@kantong/shared/logger';
import { processBatch } from '@kantong/shared/queue/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { converse, type PipelineDeps, parseEnvelope } from './pipeline.ts';

export function createMediaHandler(name: 'transcribe' | 'ocr', deps: PipelineDeps) {
  const handleRecord = async (record: SQSRecord) => {
    const envelope = parseEnvelope(record);
    const result = await converse(deps, envelope);
    logger.info({ function: name, messageId: envelope.message_id, intent: result.intent }, 'media handled');
  };
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(event, handleRecord, { fifo: false, name });
}
