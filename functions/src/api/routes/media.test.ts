/**
 * `POST /media/ocr` and `POST /media/stt` against a real S3 server and the real engines: the
 * contract JSON, and the refusals — a URL outside Kantong's bucket is never fetched.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { renderReceipts } from '@kantong/shared/receipts/fixtures';
import { localWhisperReady } from '@kantong/shared/speech';
import { speakVoiceNote } from '@kantong/shared/speech/fixtures';
import { createS3Client, ensureBuckets } from '@kantong/shared/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../app.ts';
import { signFor, TEST_INTERNAL_SECRET } from '../testing.ts';

const s3 = createS3Client({ endpoint: inject('s3Endpoint') });
const bucket = `media-api-${process.pid}`;
let db: TestDatabase;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureBuckets(s3, [bucket]);
  app = createApp({
    pool: async () => db.pool,
    llm: null,
    s3,
    mediaBucket: bucket,
    internalSecret: TEST_INTERNAL_SECRET,
  });
}, 60_000);
afterAll(async () => {
  s3.destroy();
  await db.drop();
});

async function post(path: string, body: unknown) {
  const raw = JSON.stringify(body);
  const response = await app.request(path, {
    method: 'POST',
    body: raw,
    // Internal routes are signed (signature.ts), like every service-to-service call.
    headers: { 'Content-Type': 'application/json', ...signFor('POST', path, raw) },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function put(key: string, bytes: Uint8Array) {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
  return `s3://${bucket}/${key}`;
}

describe('POST /media/ocr', () => {
  it('returns {total, date, merchant, items, raw_text, confidence, status, kind, topup} for a receipt in our bucket', async () => {
    const photos = await renderReceipts();
    const file = photos.find((photo) => photo.id === 'superindo' && photo.variant === 'clean')?.file ?? '';
    const url = await put('struk-xyz.jpg', await readFile(file));
    const result = await post('/media/ocr', { media_url: url });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ total: 245_600, date: '2025-08-21', merchant: 'Superindo' });
    expect(Object.keys(result.body).sort()).toEqual([
      'confidence',
      'date',
      'items',
      'kind',
      'merchant',
      'raw_text',
      'status',
      'topup',
      'total',
    ]);
    expect(result.body).toMatchObject({ kind: 'purchase', topup: null });
    expect(['confirmed', 'pending']).toContain(result.body.status);
  }, 60_000);

  it('never fetches a URL outside the media bucket', async () => {
    for (const media_url of [
      'https://minio.local/wa-media/struk.jpg',
      'http://127.0.0.1:9/secret',
      's3://another-bucket/struk.jpg',
      `s3://${bucket}/../etc/passwd`,
    ]) {
      const result = await post('/media/ocr', { media_url });
      expect(result.status, media_url).toBe(400);
      expect(result.body.error).toBe('invalid_media_url');
    }
  });

  it('answers 404 for a missing object and 422 for bytes that are no image', async () => {
    expect((await post('/media/ocr', { media_url: `s3://${bucket}/nope.jpg` })).status).toBe(404);
    const url = await put('junk.jpg', new TextEncoder().encode('not an image'));
    expect(await post('/media/ocr', { media_url: url })).toMatchObject({
      status: 422,
      body: { error: 'unreadable_image' },
    });
  });
});

describe('POST /media/stt', () => {
  it('returns {text, language, duration_s} for a voice note', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kantong-stt-api-'));
    await speakVoiceNote('tadi makan di luar tiga puluh lima ribu', join(dir, 'note.ogg'));
    const url = await put('abc123.ogg', await readFile(join(dir, 'note.ogg')));
    const result = await post('/media/stt', { media_url: url });
    if (!localWhisperReady()) {
      console.warn('WHISPER MODEL NOT INSTALLED: POST /media/stt checked only its 503 answer');
      expect(result.status).toBe(503);
      return;
    }
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      language: 'id',
      text: expect.stringMatching(/tiga puluh lima ribu/i),
    });
    expect(result.body.duration_s).toBeGreaterThan(2);
  }, 120_000);
});
