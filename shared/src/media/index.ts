/**
 * A voice note or a photo, from S3 to what the conversation needs (conversation/media.ts's
 * `Extracted`): a transcript, a receipt reading, or the problem to tell the user about. The
 * `transcribe` and `ocr` functions and `POST /media/*` are thin transports over this.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getConfig } from '../config.ts';
import type { Extracted } from '../conversation/media.ts';
import * as Replies from '../conversation/replies.ts';
import { type AiCall, elapsed } from '../nlu/llm.ts';
import type { MediaRef } from '../queue/envelope.ts';
import { type ReceiptCleaner, readReceipt, UnreadableImageError } from '../receipts/index.ts';
import {
  AudioTooLongError,
  SpeechUnavailableError,
  speechEngine,
  transcribeBuffer,
  UnreadableAudioError,
} from '../speech/index.ts';
import { getObjectBytes, ObjectTooLargeError } from '../storage/index.ts';

export type MediaWork = 'transcribe' | 'ocr';

/** The quick first reply when the work takes a while (sent by the function, through the outbox). */
export const ACKNOWLEDGEMENT: Record<MediaWork, string> = {
  transcribe: Replies.ACK_LISTENING,
  ocr: Replies.ACK_READING,
};

export type ExtractOptions = {
  s3: S3Client;
  /** The only bucket media may come from (MEDIA_BUCKET). */
  bucket: string;
  now: Date;
  cleaner?: ReceiptCleaner | null;
  onAiCall?: (call: AiCall) => void;
};

/** Whether a document is a photo the receipt reader can take (a PDF is not, yet). */
export function isImage(mime: string): boolean {
  return /^image\//i.test(mime);
}

/**
 * Downloads and reads one media file. Returns null when this host has no engine for it (no
 * whisper.cpp and no STT_URL): the conversation then says plainly that it cannot listen here.
 * Errors that a retry may cure (S3 unreachable) are thrown.
 */
export async function extract(
  work: MediaWork,
  media: MediaRef | null,
  options: ExtractOptions,
): Promise<Extracted | null> {
  const problem = (name: Extract<Extracted, { kind: 'problem' }>['problem']): Extracted => ({
    kind: 'problem',
    problem: name,
    media,
  });
  if (!media) return problem(work === 'transcribe' ? 'unreadable_audio' : 'unreadable_image');
  // Never fetched: over the limit by the host's word, or from a bucket that is not ours.
  if (media.size_bytes > getConfig().MEDIA_MAX_BYTES) return problem('too_large');
  if (media.bucket !== options.bucket)
    return problem(work === 'transcribe' ? 'unreadable_audio' : 'unreadable_image');
  if (work === 'ocr' && !isImage(media.mime)) return null;

  let bytes: Uint8Array;
  try {
    bytes = await getObjectBytes(options.s3, media, getConfig().MEDIA_MAX_BYTES);
  } catch (error) {
    if (error instanceof ObjectTooLargeError) return problem('too_large');
    throw error;
  }
  const calls: AiCall[] = [];
  const source = `s3://${media.bucket}/${media.key}`;
  const audit = (model: string, purpose: string, started: number, output: string | null, error: unknown) =>
    calls.push({
      model,
      purpose,
      input: source,
      output,
      success: error === null,
      latencyMs: elapsed(started),
      error:
        error === null ? null : error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  const started = performance.now();
  if (work === 'transcribe') {
    const engine = speechEngine();
    try {
      const transcript = await transcribeBuffer(bytes);
      audit(transcript.engine, 'stt', started, transcript.text, null);
      if (!transcript.text) return { ...problem('silent_audio'), aiCalls: calls };
      return {
        kind: 'transcript',
        text: transcript.text,
        duration_s: transcript.duration_s,
        media,
        aiCalls: calls,
      };
    } catch (error) {
      if (error instanceof SpeechUnavailableError) return null;
      audit(engine, 'stt', started, null, error);
      if (error instanceof UnreadableAudioError) return { ...problem('unreadable_audio'), aiCalls: calls };
      if (error instanceof AudioTooLongError) return { ...problem('too_long'), aiCalls: calls };
      throw error;
    }
  }
  try {
    const reading = await readReceipt(bytes, {
      now: options.now,
      cleaner: options.cleaner ?? null,
      onAiCall: (call) => {
        calls.push(call);
        options.onAiCall?.(call);
      },
    });
    calls.unshift({
      model: 'tesseract:ind+eng',
      purpose: 'ocr',
      input: source,
      output: reading.raw_text,
      success: true,
      latencyMs: elapsed(started),
      error: null,
    });
    if (reading.total === null) return { ...problem('not_a_receipt'), aiCalls: calls };
    return { kind: 'receipt', reading, media, aiCalls: calls };
  } catch (error) {
    if (!(error instanceof UnreadableImageError)) throw error;
    audit('tesseract:ind+eng', 'ocr', started, null, error);
    return { ...problem('unreadable_image'), aiCalls: calls };
  }
}
