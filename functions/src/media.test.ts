/**
 * SPEC.md test cases 5 and 6 end to end through the queues, with the real engines: a voice note
 * spoken by espeak-ng and a receipt photo rendered by ImageMagick go to S3, their envelopes into
 * inbound.fifo; ingest forwards them, transcribe (whisper.cpp) and ocr (Tesseract) read them, the
 * conversation writes the ledger, and the replies come out of outbound.fifo. Plus what must never
 * reach the ledger: an unreadable image, a photo that is no receipt, a 0-second note, a file
 * over the size limit.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetConfig } from '@kantong/shared/config';
import { sql } from '@kantong/shared/db';
import type { InboundEnvelope, MediaRef } from '@kantong/shared/queue';
import {
  type RenderedReceipt,
  renderNonReceipt,
  renderReceipt,
  renderReceipts,
} from '@kantong/shared/receipts/fixtures';
import { localWhisperReady } from '@kantong/shared/speech';
import { silentVoiceNote, speakVoiceNote } from '@kantong/shared/speech/fixtures';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startWorkers, type Workers } from './local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from './testing-pipeline.ts';

// The quick "⏳ sebentar" reply goes out when the work is not done at once: 0 makes it certain.
process.env.MEDIA_ACK_AFTER_MS = '0';
resetConfig();

let pipe: TestPipeline;
let workers: Workers | undefined;
let work: string;
let photos: RenderedReceipt[];

beforeAll(async () => {
  pipe = await createTestPipeline();
  work = await mkdtemp(join(tmpdir(), 'kantong-media-test-'));
  photos = await renderReceipts();
}, 120_000);
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
});
afterAll(async () => {
  await pipe.close();
});

async function runWorkers() {
  workers = await startWorkers(pipe.deps, {
    retryDelaySeconds: 0,
    waitTimeSeconds: 1,
    relay: false,
    // The scheduler would send each user the weekly report on a Monday morning: one reply too many.
    scheduler: false,
  });
}

function mediaEnvelope(
  from: string,
  type: 'audio' | 'image',
  media: MediaRef,
  caption: string | null = null,
): InboundEnvelope {
  return { ...textEnvelope(from, ''), type, text: caption, media };
}

/**
 * A number that already chats with Kantong (an active account): these tests are about media, not
 * about the registration policy a first message from a new number goes through.
 */
async function knownUser(phone: string): Promise<string> {
  await pipe.db.pool.query(sql.unsafe`
    INSERT INTO users (name, phone, status) VALUES (${`User ${phone.slice(-4)}`}, ${phone}, 'active')`);
  return phone;
}

async function upload(file: string, key: string, mime: string): Promise<MediaRef> {
  return pipe.putMedia(key, await readFile(file), mime);
}

function photo(id: string, variant: RenderedReceipt['variant']): string {
  const found = photos.find((candidate) => candidate.id === id && candidate.variant === variant);
  if (!found) throw new Error(`no ${id}/${variant} photo`);
  return found.file;
}

const TransactionRow = z.object({
  amount: z.bigint(),
  status: z.string(),
  merchant: z.string().nullable(),
  category: z.string().nullable(),
  media_asset_id: z.number().nullable(),
  s3_key: z.string().nullable(),
  tx_day: z.string(),
});

const ledgerOf = (phone: string) =>
  pipe.db.pool.any(sql.type(TransactionRow)`
    SELECT t.amount, t.status, t.merchant, c.name AS category, t.media_asset_id, m.s3_key,
           to_char(t.tx_datetime AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD') AS tx_day
    FROM transactions t JOIN users u ON u.id = t.user_id
    LEFT JOIN categories c ON c.id = t.category_id LEFT JOIN media_assets m ON m.id = t.media_asset_id
    WHERE u.phone = ${phone} AND t.deleted_at IS NULL ORDER BY t.id`);

const isAck = (text: string) => text.startsWith('⏳');

/** Replies until `count` real answers (not "⏳ sebentar") arrived; acknowledgements included. */
async function collectAnswers(count: number, timeoutMs: number) {
  const all: Awaited<ReturnType<TestPipeline['collectReplies']>> = [];
  const deadline = Date.now() + timeoutMs;
  while (all.filter((reply) => !isAck(reply.text)).length < count && Date.now() < deadline) {
    all.push(...(await pipe.collectReplies(1, 2000)));
  }
  return { all, answers: all.filter((reply) => !isAck(reply.text)) };
}

/** The last paragraph of a reply: a new number's first reply carries the welcome around it. */
const answerOf = (text: string) =>
  text.split('\n\n').find((part) => /^(Aku baca|🎤|Hmm|Maaf|Voice|Waduh)/.test(part)) ?? text;

describe('SPEC.md test case 6: a receipt photo → OCR → an expense', () => {
  it('records a clear Indomaret receipt as a confirmed expense, in SPEC.md’s words, linked to the photo', async () => {
    const phone = await knownUser('6281500000001');
    const media = await upload(photo('indomaret', 'clean'), 'r/indomaret-clean.jpg', 'image/jpeg');
    const envelope = mediaEnvelope(phone, 'image', media);
    await pipe.sendInbound(envelope);
    await runWorkers();
    const { all, answers } = await collectAnswers(1, 60_000);
    expect(all[0]?.text).toBe('⏳ sebentar, aku baca struknya dulu ya');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.in_reply_to).toBe(envelope.message_id);
    expect(answerOf(answers[0]?.text ?? '')).toBe(
      'Aku baca struk Indomaret total Rp132.500 tanggal 16-10-2025. ✅ Sudah dicatat sebagai pengeluaran. Balas: ganti <kategori> untuk koreksi.',
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({
        amount: 132_500n,
        status: 'confirmed',
        merchant: 'Indomaret',
        category: 'Belanja',
        s3_key: 'r/indomaret-clean.jpg',
        tx_day: '2025-10-16',
      }),
    ]);
    const audit = await pipe.db.pool.anyFirst(sql.type(z.object({ purpose: z.string() }))`
      SELECT a.purpose FROM ai_audit a JOIN users u ON u.id = a.user_id WHERE u.phone = ${phone}`);
    expect(audit).toEqual(['ocr']);
  });

  it('records a receipt that nothing on it corroborates as a pending expense, and confirms it on "ya"', async () => {
    const phone = await knownUser('6281500000002');
    // One TOTAL line and nothing to check it against (no items, cash or change): never booked unasked.
    const file = join(work, 'warung.jpg');
    await renderReceipt(
      ['   WARUNG MAKAN BU SRI', '   07-12-2025 12:31', '', 'TOTAL              45.000'],
      file,
    );
    const media = await upload(file, 'r/warung.jpg', 'image/jpeg');
    await pipe.sendInbound(mediaEnvelope(phone, 'image', media));
    await runWorkers();
    const { answers } = await collectAnswers(1, 60_000);
    const answer = answerOf(answers[0]?.text ?? '');
    expect(answer).toMatch(
      /^Aku baca struk .*total Rp45\.000 tanggal 07-12-2025, bener\? Balas \*ya\*, atau ketik jumlah yang benar\.$/,
    );
    expect(await ledgerOf(phone)).toEqual([expect.objectContaining({ amount: 45_000n, status: 'pending' })]);

    await pipe.sendInbound(textEnvelope(phone, 'ya'));
    const confirmed = await pipe.collectReplies(1);
    expect(confirmed[0]?.text).toBe('✅ Oke, struk Rp45.000 sudah dikonfirmasi.');
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 45_000n, status: 'confirmed' }),
    ]);
  });

  it('takes the category from the caption and reads the shop’s own date', async () => {
    const phone = await knownUser('6281500000003');
    const media = await upload(photo('padang', 'clean'), 'r/padang.jpg', 'image/jpeg');
    await pipe.sendInbound(mediaEnvelope(phone, 'image', media, 'makan siang tim'));
    await runWorkers();
    const { answers } = await collectAnswers(1, 60_000);
    expect(answerOf(answers[0]?.text ?? '')).toMatch(
      /^Aku baca struk RM Sederhana total Rp96\.000 tanggal 12-10-2025\. ✅/,
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({
        amount: 96_000n,
        status: 'confirmed',
        category: 'Makan',
        tx_day: '2025-10-12',
      }),
    ]);
  });
});

describe('SPEC.md test case 5: a voice note → Whisper → an expense', () => {
  it('hears "tadi makan di luar tiga puluh lima ribu" and records Makan Rp35.000, once for two deliveries', async () => {
    const phone = await knownUser('6281500000010');
    const note = join(work, 'makan.ogg');
    await speakVoiceNote('tadi makan di luar tiga puluh lima ribu', note);
    const media = await upload(note, 'v/makan.ogg', 'audio/ogg; codecs=opus');
    const envelope = mediaEnvelope(phone, 'audio', media);
    await pipe.sendInbound(envelope);
    await pipe.sendInbound(envelope, `${envelope.message_id}-again`);
    await runWorkers();
    if (!localWhisperReady()) {
      // Said plainly: without whisper.cpp and its model (`npm run models`), only the honest
      // fallback runs here. CI installs both, so there the assertions below run.
      console.warn('WHISPER MODEL NOT INSTALLED: the voice-note test checked only the "belum bisa" fallback');
      const { answers } = await collectAnswers(1, 30_000);
      expect(answers[0]?.text).toContain('voice note belum bisa aku dengerin');
      expect(await ledgerOf(phone)).toEqual([]);
      return;
    }
    const { all, answers } = await collectAnswers(1, 150_000);
    // Any stragglers (a second answer would be a bug) arrive within a few seconds.
    all.push(...(await pipe.collectReplies(5, 4000)));
    expect(all[0]?.text).toBe('⏳ sebentar, aku dengerin dulu ya');
    expect(all.filter((reply) => !isAck(reply.text))).toHaveLength(1);
    expect(answerOf(answers[0]?.text ?? '').toLowerCase()).toBe(
      '🎤 aku dengar: "tadi makan di luar tiga puluh lima ribu"\n✅ catat pengeluaran rp35.000 kategori makan. balas: ganti <kategori> kalau mau ubah.',
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({
        amount: 35_000n,
        category: 'Makan',
        status: 'confirmed',
        media_asset_id: null,
      }),
    ]);
    const logged = await pipe.db.pool.one(sql.type(
      z.object({ wa_body: z.string().nullable(), s3_key: z.string() }),
    )`
      SELECT w.wa_body, m.s3_key FROM wa_messages w JOIN media_assets m ON m.id = w.media_asset_id
      WHERE w.wa_message_id = ${envelope.message_id}`);
    expect(logged).toEqual({
      wa_body: expect.stringMatching(/tiga puluh lima ribu/i),
      s3_key: 'v/makan.ogg',
    });
    const audit = await pipe.db.pool.anyFirst(sql.type(z.object({ model_name: z.string() }))`
      SELECT a.model_name FROM ai_audit a JOIN users u ON u.id = a.user_id
      WHERE u.phone = ${phone} AND a.purpose = 'stt'`);
    expect(audit).toEqual(['whisper.cpp:base']);
  }, 180_000);
});

describe('media that must not reach the ledger', () => {
  it('answers an unreadable image, a non-receipt photo, a 0-second note and an oversize file kindly, recording nothing', async () => {
    const phone = await knownUser('6281500000020');
    const landscape = join(work, 'landscape.jpg');
    await renderNonReceipt(landscape);
    const silent = join(work, 'silent.ogg');
    await silentVoiceNote(0, silent);
    const broken = await pipe.putMedia(
      'x/broken.jpg',
      new TextEncoder().encode('\xff\xd8 not really a jpeg'),
      'image/jpeg',
    );
    const sent = [
      mediaEnvelope(phone, 'image', broken),
      mediaEnvelope(phone, 'image', await upload(landscape, 'x/landscape.jpg', 'image/jpeg')),
      mediaEnvelope(phone, 'audio', await upload(silent, 'x/silent.ogg', 'audio/ogg')),
      // Declared 40 MB by the host: refused before any download (the object is not even there).
      mediaEnvelope(phone, 'image', { ...broken, key: 'x/huge.jpg', size_bytes: 40 * 1024 * 1024 }),
    ];
    for (const envelope of sent) await pipe.sendInbound(envelope);
    await runWorkers();
    const { answers } = await collectAnswers(sent.length, 60_000);
    const byMessage = new Map(answers.map((reply) => [reply.in_reply_to, answerOf(reply.text)]));
    expect(sent.map((envelope) => byMessage.get(envelope.message_id))).toEqual([
      expect.stringContaining('fotonya nggak bisa aku buka'),
      expect.stringContaining('aku nggak nemu struk di foto ini'),
      expect.stringContaining('Voice note-nya kosong atau suaranya nggak kedengeran'),
      expect.stringContaining('filenya kegedean'),
    ]);
    expect(await ledgerOf(phone)).toEqual([]);
  }, 120_000);
});
