/**
 * The chat console's `/foto` and `/suara` (issue 11): a receipt photo rendered by ImageMagick and
 * a voice note spoken by espeak-ng go the way the WhatsApp host sends them — into the S3 bucket,
 * an envelope on inbound.fifo, the real ingest/ocr/transcribe functions (Tesseract or PaddleOCR,
 * whisper.cpp), the reply back on console.fifo — and a piped console waits for each *answer*, not
 * only the "⏳ sebentar", before its next line. A missing path, a file that is not an image or not
 * audio by its content, and a file over MEDIA_MAX_BYTES each get a message and reach nothing.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { getConfig, resetConfig } from '@kantong/shared/config';
import { sql } from '@kantong/shared/db';
import { RECEIPTS, renderReceipt } from '@kantong/shared/receipts/fixtures';
import { localWhisperReady } from '@kantong/shared/speech';
import { speakVoiceNote } from '@kantong/shared/speech/fixtures';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import type { TestPipeline } from '../../functions/src/testing-pipeline.ts';
import { MEDIA_NEEDS_QUEUES, runConsole } from './console.ts';
import { type MediaTarget, parseMediaCommand, sendMedia, sniffMime } from './console-media.ts';
import { queueTransport } from './console-queue.ts';
import { type ConsoleStack, startConsoleStack } from './console-testing.ts';

// The "⏳ sebentar" goes out whenever the work is not done at once: 0 makes it certain, so the
// console must be seen waiting past it for the answer. A small size limit keeps the oversize file small.
process.env.MEDIA_ACK_AFTER_MS = '0';
process.env.MEDIA_MAX_BYTES = String(1024 * 1024);
resetConfig();

let stack: ConsoleStack;
let pipe: TestPipeline;
let dir: string;

beforeAll(async () => {
  stack = await startConsoleStack();
  ({ pipe, dir } = stack);
}, 60_000);
afterAll(async () => {
  await stack.stop();
  delete process.env.MEDIA_ACK_AFTER_MS;
  delete process.env.MEDIA_MAX_BYTES;
  resetConfig();
});

function mediaTarget(): MediaTarget {
  return {
    sqsEndpoint: inject('sqsEndpoint'),
    queuePrefix: pipe.prefix,
    region: getConfig().AWS_REGION,
    mailboxDir: stack.mailboxDir,
    s3: pipe.s3,
    bucket: pipe.mediaBucket,
    maxBytes: getConfig().MEDIA_MAX_BYTES,
  };
}

async function activeUser(phone: string): Promise<string> {
  await pipe.db.pool.query(sql.unsafe`
    INSERT INTO users (name, phone, status) VALUES (${`User ${phone.slice(-4)}`}, ${phone}, 'active')`);
  return phone;
}

/** Runs a piped console session (as `printf … | npm run chat`) and returns what it printed. */
async function pipedConsole(from: string, lines: string[]) {
  const target = mediaTarget();
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const code = await runConsole({
    apiUrl: 'http://127.0.0.1:1',
    transport: {
      describe: 'test queues',
      send: queueTransport(target, from),
      sendMedia: (command) => sendMedia(target, pipe.sqs, from, command),
    },
    from,
    input: Readable.from(lines.map((line) => `${line}\n`)),
    output,
    interactive: false,
  });
  return { code, text: chunks.join('') };
}

const Ledger = z.object({ direction: z.string(), amount: z.bigint(), status: z.string() });
const ledgerOf = (phone: string) =>
  pipe.db.pool.any(sql.type(Ledger)`
    SELECT t.direction, t.amount, t.status FROM transactions t JOIN users u ON u.id = t.user_id
    WHERE u.phone = ${phone} AND t.deleted_at IS NULL ORDER BY t.id`);

const inboundOf = (phone: string) =>
  pipe.db.pool.anyFirst(sql.type(z.object({ wa_type: z.string() }))`
    SELECT message_type AS wa_type FROM wa_messages WHERE wa_from = ${phone} AND direction = 'in' ORDER BY id`);

async function bucketKeys(): Promise<string[]> {
  const listed = await pipe.s3.send(new ListObjectsV2Command({ Bucket: pipe.mediaBucket }));
  return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
}

describe('/foto and /suara through the queues', () => {
  it('sends a receipt photo and a voice note as WhatsApp does, each answer printed before the next line', async () => {
    const phone = await activeUser('6281800000001');
    const receipt = join(dir, 'struk indomaret.jpg');
    const indomaret = RECEIPTS.find((candidate) => candidate.id === 'indomaret');
    if (!indomaret) throw new Error('no indomaret fixture');
    await renderReceipt(indomaret.lines, receipt);
    const note = join(dir, 'makan.ogg');
    await speakVoiceNote('tadi makan di luar tiga puluh lima ribu', note);

    const { code, text } = await pipedConsole(phone, [
      `/foto "${receipt}" belanja bulanan`,
      `/suara ${note}`,
      'laporan hari ini',
    ]);
    expect(code).toBe(0);

    // The photo: the "⏳", then the answer, and only then the next line is sent.
    const photoAt = text.indexOf(`👤 ${phone}: /foto`);
    const ackAt = text.indexOf('⏳ sebentar, aku baca struknya dulu ya');
    const answerAt = text.search(/Aku baca struk Indomaret total Rp132\.500/);
    const voiceAt = text.indexOf(`👤 ${phone}: /suara`);
    const reportAt = text.indexOf(`👤 ${phone}: laporan hari ini`);
    expect(photoAt).toBeGreaterThanOrEqual(0);
    expect(ackAt).toBeGreaterThan(photoAt);
    expect(answerAt).toBeGreaterThan(ackAt);
    expect(voiceAt).toBeGreaterThan(answerAt);
    expect(reportAt).toBeGreaterThan(voiceAt);
    const voiceReply = text.slice(voiceAt, reportAt);
    expect(voiceReply).toContain('⏳ sebentar, aku dengerin dulu ya');
    if (localWhisperReady()) {
      expect(voiceReply.toLowerCase()).toMatch(/aku dengar: ["'].*tiga puluh lima ribu/);
      expect(voiceReply).toContain('Rp35.000');
    } else {
      console.warn('WHISPER MODEL NOT INSTALLED: /suara checked only the "belum bisa" answer');
      expect(voiceReply).toContain('voice note belum bisa aku dengerin');
    }

    // The same path as the host: the photo's caption, its bytes in S3 under their SHA-256.
    const logged = await pipe.db.pool.any(sql.type(
      z.object({ wa_type: z.string(), wa_body: z.string().nullable(), s3_key: z.string(), mime: z.string() }),
    )`
      SELECT w.message_type AS wa_type, w.wa_body, m.s3_key, m.mime FROM wa_messages w JOIN media_assets m ON m.id = w.media_asset_id
      WHERE w.wa_from = ${phone} ORDER BY w.id`);
    expect(logged).toEqual([
      expect.objectContaining({ wa_type: 'image', wa_body: 'belanja bulanan', mime: 'image/jpeg' }),
      expect.objectContaining({ wa_type: 'audio', mime: 'audio/ogg' }),
    ]);
    expect(logged.every((row) => /^[0-9a-f]{64}$/.test(row.s3_key))).toBe(true);
    const ledger = await ledgerOf(phone);
    expect(ledger[0]).toEqual(expect.objectContaining({ direction: 'expense', amount: 132_500n }));
    if (localWhisperReady()) expect(ledger[1]).toEqual(expect.objectContaining({ amount: 35_000n }));
  }, 240_000);

  it('refuses a missing path, a file that is not an image or not audio, and an oversize file: nothing sent', async () => {
    const phone = await activeUser('6281800000002');
    const before = await bucketKeys();
    const textFile = join(dir, 'not-a-photo.jpg');
    await writeFile(textFile, 'TOTAL 50.000\nini cuma teks, bukan foto\n');
    // A real JPEG named like a voice note.
    const photoAsVoice = join(dir, 'photo.ogg');
    await renderReceipt(['TOTAL 50.000'], join(dir, 'photo.jpg'));
    await copyFile(join(dir, 'photo.jpg'), photoAsVoice);
    // A real JPEG header over the 1 MiB limit: refused by its size, before any content matters.
    const huge = join(dir, 'huge.jpg');
    await writeFile(
      huge,
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(1024 * 1024 + 1)]),
    );

    const { code, text } = await pipedConsole(phone, [
      `/foto ${join(dir, 'tidak-ada.jpg')}`,
      `/foto ${textFile}`,
      `/suara ${photoAsVoice}`,
      `/foto ${huge}`,
      '/suara',
    ]);
    expect(code).toBe(0);
    expect(text).toContain(`File ${join(dir, 'tidak-ada.jpg')} nggak ketemu`);
    expect(text).toContain(`File ${textFile} bukan foto (JPEG, PNG atau WebP), jadi nggak aku kirim.`);
    expect(text).toContain(`File ${photoAsVoice} bukan rekaman suara`);
    expect(text).toContain('(isinya foto, image/jpeg)');
    expect(text).toMatch(/File .*huge\.jpg kegedean \(1 MB, maks 1 MB\)/);
    expect(text).toContain('Cara pakai: /suara PATH');
    expect(text).not.toContain('🤖 Kantong');
    expect(await inboundOf(phone)).toEqual([]);
    expect(await ledgerOf(phone)).toEqual([]);
    expect(await bucketKeys()).toEqual(before);
  }, 60_000);
});

describe('the console without the queues (--http)', () => {
  it('says /foto and /suara need npm start, and sends nothing', async () => {
    const output = new PassThrough();
    const chunks: string[] = [];
    output.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    // Nothing listens on port 1: a line that tried the network would fail with exit code 1.
    const code = await runConsole({
      apiUrl: 'http://127.0.0.1:1',
      from: '6281800000003',
      input: Readable.from(['/foto struk.jpg\n', '/suara catatan.ogg\n']),
      output,
      interactive: false,
    });
    expect(code).toBe(0);
    expect(chunks.join('').split(MEDIA_NEEDS_QUEUES)).toHaveLength(3);
  });
});

describe('parseMediaCommand and sniffMime', () => {
  it('reads a quoted path with spaces, a caption, and leaves other lines as text', () => {
    expect(parseMediaCommand('/foto "struk saya.jpg" makan siang')).toEqual({
      kind: 'image',
      path: 'struk saya.jpg',
      caption: 'makan siang',
    });
    expect(parseMediaCommand('/FOTO struk.jpg')).toEqual({ kind: 'image', path: 'struk.jpg', caption: null });
    expect(parseMediaCommand('/suara rekaman pagi.ogg')).toEqual({
      kind: 'audio',
      path: 'rekaman pagi.ogg',
      caption: null,
    });
    expect(parseMediaCommand('beli kopi 20k')).toBeNull();
    expect(parseMediaCommand('/fotokopi 5rb')).toBeNull();
  });

  it('knows photos and audio by their first bytes, not their names', () => {
    expect(sniffMime(Buffer.from('OggS\0\x02', 'latin1'))).toEqual({ kind: 'audio', mime: 'audio/ogg' });
    expect(sniffMime(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))).toEqual({
      kind: 'image',
      mime: 'image/png',
    });
    expect(sniffMime(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'))).toEqual({
      kind: 'image',
      mime: 'image/webp',
    });
    expect(sniffMime(Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1'))).toEqual({
      kind: 'audio',
      mime: 'audio/wav',
    });
    expect(sniffMime(Buffer.from('ID3\x04\0', 'latin1'))).toEqual({ kind: 'audio', mime: 'audio/mpeg' });
    expect(sniffMime(Buffer.from('\0\0\0\x20ftypM4A \0', 'latin1'))).toEqual({
      kind: 'audio',
      mime: 'audio/mp4',
    });
    expect(sniffMime(Buffer.from('TOTAL 50.000', 'latin1'))).toBeNull();
    expect(sniffMime(Buffer.from('%PDF-1.7', 'latin1'))).toBeNull();
  });
});
