/**
 * `POST /media/ocr` and `POST /media/stt` (SPEC.md): the receipt reader and the transcriber over
 * HTTP, returning what `npm run ocr` / `npm run stt` print. `media_url` must be an `s3://` URL in
 * Kantong's own media bucket: the service never fetches an arbitrary URL (no SSRF through it).
 */
import { NoSuchKey } from '@aws-sdk/client-s3';
import { getConfig } from '@kantong/shared/config';
import {
  configuredReceiptCleaner,
  ReceiptContractSchema,
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
import { describe, errorDoc, type RouteDoc } from '../openapi.ts';

const MediaRequestSchema = z.object({
  media_url: z.string().min(1).max(2048).meta({ description: 's3://<MEDIA_BUCKET>/<key>' }),
});

const MEDIA_URL_NOTE =
  '`media_url` must be `s3://<MEDIA_BUCKET>/<key>` (default bucket wa-media), where the WhatsApp host stores media: the service never fetches another URL.';
const mediaFailures = {
  404: errorDoc('No object at that key.', 'not_found', 'File tidak ditemukan.'),
  413: errorDoc(
    'The file is over MEDIA_MAX_BYTES (or, for audio, too long).',
    'too_large',
    'File terlalu besar.',
  ),
};
const badMediaUrl = errorDoc(
  'Validation failed (`invalid_request`), or `media_url` is not in the media bucket (`invalid_media_url`).',
  'invalid_media_url',
  'media_url harus s3://wa-media/<key>.',
);

const OCR: RouteDoc = {
  operationId: 'readReceipt',
  summary: 'Baca struk (OCR)',
  description: `Reads a receipt photo: total, date, merchant and items — what \`npm run ocr\` prints (SPEC.md \`POST /media/ocr\`). ${MEDIA_URL_NOTE}`,
  tags: ['AI'],
  example: { media_url: 's3://wa-media/struk-xyz.jpg' },
  responses: {
    200: {
      description: 'The receipt as read; `status` pending means Kantong would ask before booking it.',
      schema: ReceiptContractSchema,
      example: {
        total: 132500,
        date: '2025-10-16',
        merchant: 'Indomaret',
        items: [{ name: 'Indomie Goreng', price: 3500 }],
        raw_text: 'INDOMARET\nTotal 132.500\n...',
        confidence: 0.91,
        status: 'confirmed',
        kind: 'purchase',
        topup: null,
      },
    },
    400: badMediaUrl,
    ...mediaFailures,
    422: errorDoc('Not an image that can be read.', 'unreadable_image', 'Gambar tidak bisa dibaca.'),
  },
};

const STT: RouteDoc = {
  operationId: 'transcribeAudio',
  summary: 'Ubah suara jadi teks (STT)',
  description: `Transcribes a voice note (whisper.cpp) — what \`npm run stt\` prints (SPEC.md \`POST /media/stt\`). ${MEDIA_URL_NOTE}`,
  tags: ['AI'],
  example: { media_url: 's3://wa-media/abc123.ogg' },
  responses: {
    200: {
      description: 'The transcript.',
      schema: z.object({
        text: z.string(),
        language: z.string(),
        duration_s: z.number().meta({ description: 'Length of the audio in seconds.' }),
      }),
      example: { text: 'tadi makan di luar tiga puluh lima ribu', language: 'id', duration_s: 3.4 },
    },
    400: badMediaUrl,
    ...mediaFailures,
    422: errorDoc('Not audio that can be played.', 'unreadable_audio', 'Audio tidak bisa diputar.'),
    503: errorDoc(
      'Speech-to-text is not available on this server (or INTERNAL_API_SECRET is not set).',
      'stt_unavailable',
      'Model whisper belum terpasang.',
    ),
  },
};

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
    .post('/ocr', describe(OCR), validate('json', MediaRequestSchema), async (c) => {
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
    .post('/stt', describe(STT), validate('json', MediaRequestSchema), async (c) => {
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
