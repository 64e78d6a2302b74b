/**
 * The shared shape of `transcribe` and `ocr`: one envelope per record → the media from S3 →
 * Whisper or the receipt reader (shared/src/media) → the conversation, which records the result
 * and answers through the outbox. When the work takes longer than MEDIA_ACK_AFTER_MS, a quick
 * "⏳ sebentar" goes out first, through the outbox like every reply.
 *
 * A redelivered record whose message was already answered skips the work entirely: the
 * conversation repeats (and, if still unsent, sends) the first reply.
 */
import { getConfig } from '@kantong/shared/config';
import type { DatabasePool } from '@kantong/shared/db';
import * as Households from '@kantong/shared/households';
import { logger } from '@kantong/shared/logger';
import { ACKNOWLEDGEMENT, extract, type MediaWork } from '@kantong/shared/media';
import * as Messages from '@kantong/shared/messages';
import * as Outbox from '@kantong/shared/outbox';
import { channelOf, type InboundEnvelope } from '@kantong/shared/queue';
import { processBatch } from '@kantong/shared/queue/batch';
import { getS3Client } from '@kantong/shared/storage';
import * as Users from '@kantong/shared/users';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { converse, type PipelineDeps, parseEnvelope } from './pipeline.ts';

/**
 * Sends the quick "working on it" reply through the outbox (it is no answer: in_reply_to is
 * empty), once per message: a retried record (S3 briefly down, a worker killed) finds the key
 * taken and stays quiet.
 */
async function acknowledge(deps: PipelineDeps, envelope: InboundEnvelope, work: MediaWork): Promise<void> {
  const pool = await deps.pool();
  const user = envelope.from_number === null ? null : await Users.findByPhone(pool, envelope.from_number);
  const id = await Outbox.enqueueOnce(pool, {
    userId: user?.id ?? null,
    to: Messages.replyAddress(envelope),
    body: ACKNOWLEDGEMENT[work],
    dedupKey: `ack:${Messages.senderKey(envelope)}:${envelope.message_id}`,
    channel: channelOf(envelope),
  });
  if (id === null) return;
  await Outbox.flush(pool, { client: deps.sqs, queue: deps.queue }, [id]);
}

/** Whether the sender of a group message may book into the household (a newcomer may: they become a member). */
async function mayBook(pool: DatabasePool, bookId: number, envelope: InboundEnvelope): Promise<boolean> {
  const person = envelope.from_number === null ? null : await Users.findByPhone(pool, envelope.from_number);
  const member = await Households.findMember(pool, bookId, {
    userId: person?.id ?? null,
    lid: envelope.group?.sender_lid ?? null,
  });
  return member === null || Households.canBook(member);
}

/** Runs `work`; if it is not done within `afterMs`, runs `ack` first (and waits for it). */
export async function withAcknowledgement<T>(
  work: Promise<T>,
  afterMs: number,
  ack: () => Promise<void>,
): Promise<{ value: T; acknowledged: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), afterMs);
  });
  let first: 'done' | 'late';
  try {
    first = await Promise.race([work.then(() => 'done' as const), late]);
  } finally {
    clearTimeout(timer);
  }
  // Late: the work goes on meanwhile; its failure still surfaces from the await below.
  if (first === 'late') await ack();
  return { value: await work, acknowledged: first === 'late' };
}

export async function mediaRecord(deps: PipelineDeps, work: MediaWork, record: SQSRecord): Promise<void> {
  const envelope = parseEnvelope(record);
  const log = logger.child({ function: work, messageId: envelope.message_id, from: envelope.from_number });
  const pool = await deps.pool();
  if (await Messages.findReply(pool, Messages.senderKey(envelope), envelope.message_id)) {
    const result = await converse(deps, envelope);
    log.info({ duplicate: result.duplicate }, 'media already handled');
    return;
  }
  // A photo or voice note in a group that is no active household (issue 15) is not read at all:
  // the conversation ignores it, and no "sebentar" may reach a group that never asked for Kantong.
  const household = envelope.group ? await Households.findByGroup(pool, envelope.group.jid) : null;
  if (envelope.group && !household?.active) {
    const result = await converse(deps, envelope);
    log.info({ intent: result.intent }, 'media in an inactive group ignored');
    return;
  }
  // A receipt from someone who may not book there (a viewer, or one who left) is refused by the
  // conversation without being read: no OCR work, no "sebentar". A voice note is still heard —
  // it may be a question ("laporan bulan ini"), which a viewer may ask.
  if (envelope.group && household && work === 'ocr' && !(await mayBook(pool, household.book_id, envelope))) {
    const result = await converse(deps, envelope);
    log.info({ intent: result.intent }, 'receipt from a member who may not book: not read');
    return;
  }
  const now = deps.now?.() ?? new Date();
  const extraction = extract(work, envelope.media, {
    s3: deps.s3 ?? getS3Client(),
    bucket: deps.mediaBucket ?? getConfig().MEDIA_BUCKET,
    now,
    cleaner: deps.receiptCleaner ?? null,
  });
  const { value: extracted, acknowledged } = await withAcknowledgement(
    extraction,
    getConfig().MEDIA_ACK_AFTER_MS,
    () => acknowledge(deps, envelope, work),
  );
  const result = await converse(deps, envelope, extracted ?? undefined);
  log.info(
    {
      intent: result.intent,
      duplicate: result.duplicate,
      extracted: extracted?.kind ?? 'none',
      acknowledged,
    },
    'media handled',
  );
}

export function createMediaHandler(name: MediaWork, deps: PipelineDeps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(event, (record) => mediaRecord(deps, name, record), { fifo: false, name });
}
