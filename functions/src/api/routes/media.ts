/**
 * `POST /media/ocr` and `POST /media/stt` (SPEC.md): the receipt reader and the transcriber over
 * HTTP, returning what `npm run ocr` / `npm run stt` print. `media_url` must be an `s3://` URL in
 * Kantong's own media bucket: the service never fetches an arbitrary URL (no SSRF through it).
 */
import { NoSuchKey } from '@aws-sdk/client-s3';
import { getConfig } from '@kantong/shared/config';
import {
  configuredReceiptCleaner,
  readReceipt,
  toContract,
  UnreadableImageError,
} from '@kantong/shared/receipts';
import {
  AudioTooLongError,
  SpeechUnavailableError,
  transcribeBuffer,
  UnreadableAudioError,
} from '@kantong/shared/speech';
import { getObjectBytes, getS3Client, ObjectTooLargeError, parseS3Url } from '@kantong/shared/storage';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { validate } from '../http.ts';

const MediaRequestSchema = z.object({ media_url: z.string().min(1).max(2048) });

type Failure = { status: 400 | 404 | 413 | 422 | 503; error: string; message: string };

function fail(c: Context, failure: Failure) {
  return c.json({ status: 'error', error: failure.error, message: failure.message }, failure.status);
}

/** The media bytes at `media_url`, or the failure to answer with. */
async function fetchMedia(deps: ApiDeps, url: string): Promise<Uint8Array | Failure> {
  const bucket = deps.mediaBucket ?? getConfig().MEDIA_BUCKET;
  const location = parseS3Url(url, bucket);
  if (!location) {
    return { status: 400, error: 'invalid_media_url', message: `media_url harus s3://${bucket}/<key>.` };
  }
  try {
    return await getObjectBytes(deps.s3 ?? getS3Client(), location, getConfig().MEDIA_MAX_BYTES);
  } catch (error) {
    if (error instanceof ObjectTooLargeError)
      return { status: 413, error: 'too_large', message: 'File terlalu besar.' };
    if (error instanceof NoSuchKey)
      return { status: 404, error: 'not_found', message: 'File tidak ditemukan.' };
    throw error;
  }
}

export function mediaRoutes(deps: ApiDeps) {
  return new Hono()
    .post('/ocr', validate('json', MediaRequestSchema), async (c) => {
      const media = await fetchMedia(deps, c.req.valid('json').media_url);
      if (!(media instanceof Uint8Array)) return fail(c, media);
      try {
        const reading = await readReceipt(media, {
          now: deps.now?.() ?? new Date(),
          cleaner: configuredReceiptCleaner(),
        });
        return c.json(toContract(reading), 200);
      } catch (error) {
        if (error instanceof UnreadableImageError)
          return fail(c, { status: 422, error: 'unreadable_image', message: 'Gambar tidak bisa dibaca.' });
        throw error;
      }
    })
    .post('/stt', validate('json', MediaRequestSchema), async (c) => {
      const media = await fetchMedia(deps, c.req.valid('json').media_url);
      if (!(media instanceof Uint8Array)) return fail(c, media);
      try {
        const transcript = await transcribeBuffer(media);
        return c.json(
          { text: transcript.text, language: transcript.language, duration_s: transcript.duration_s },
          200,
        );
      } catch (error) {
        if (error instanceof UnreadableAudioError)
          return fail(c, { status: 422, error: 'unreadable_audio', message: 'Audio tidak bisa diputar.' });
        if (error instanceof AudioTooLongError)
          return fail(c, { status: 413, error: 'too_long', message: 'Audio terlalu panjang.' });
        if (error instanceof SpeechUnavailableError)
          return fail(c, { status: 503, error: 'stt_unavailable', message: error.message });
        throw error;
      }
    });
}
