/**
 * Issue 11: Kantong never books an unsure amount from a photo or a voice note without asking. A
 * receipt the reader could not corroborate and a voice note the spoken reader is unsure of become
 * *pending* transactions with one question ("…, bener? Balas *ya*, atau ketik jumlah yang
 * benar."); "ya" or a typed amount settles them, through one mechanism for both. A corroborated
 * receipt books at once; an e-wallet top-up slip is a transfer plus its admin fee, not groceries.
 *
 * The readings are handed to the conversation as the ocr/transcribe functions hand them (the OCR
 * and Whisper engines have their own end-to-end tests in media.test.ts and the console's):
 * here what is under test is what Kantong books and asks, in a real PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetConfig } from '@kantong/shared/config';
import { type Extracted, handleIncoming } from '@kantong/shared/conversation';
import { sql } from '@kantong/shared/db';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { type ReceiptReading, readReceipt } from '@kantong/shared/receipts';
import { renderReceipt } from '@kantong/shared/receipts/fixtures';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
// Not among the package's entry points: the test reaches the spoken reader directly.
import { parseSpokenMessage, SPOKEN_SURE } from '../../shared/src/nlu/spoken.ts';

let db: TestDatabase;
let sequence = 0;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(() => {
  delete process.env.REGISTRATION_POLICY;
  resetConfig();
});
afterAll(async () => {
  await db.drop();
});

async function activeUser(phone: string): Promise<string> {
  await db.pool.query(sql.unsafe`
    INSERT INTO users (name, phone, status) VALUES (${`User ${phone.slice(-4)}`}, ${phone}, 'active')`);
  return phone;
}

function nextId(): string {
  sequence += 1;
  return `confirm-${process.pid}-${sequence}`;
}

const say = (from: string, text: string) =>
  handleIncoming({ pool: db.pool }, { from_number: from, message_type: 'text', text, message_id: nextId() });

/** A photo as functions/ocr hands it over: its S3 reference and the reading made of it. */
function sendReceipt(from: string, reading: ReceiptReading, caption: string | null = null) {
  const messageId = nextId();
  const sha256 = createHash('sha256').update(messageId).digest('hex');
  const media = { bucket: 'wa-media', key: sha256, mime: 'image/jpeg', size_bytes: 54_321, sha256 };
  return handleIncoming(
    { pool: db.pool },
    { from_number: from, message_type: 'image', text: caption, message_id: messageId },
    { kind: 'receipt', reading, media },
  );
}

/** A voice note as functions/transcribe hands it over. */
const sendVoice = (from: string, transcript: string) =>
  handleIncoming(
    { pool: db.pool },
    { from_number: from, message_type: 'audio', text: null, message_id: nextId() },
    { kind: 'transcript', text: transcript, duration_s: 4, media: null } satisfies Extracted,
  );

/**
 * An Indomaret slip read as the receipt reader reports it: `status` says whether the receipt's
 * own arithmetic corroborated the total (the field the reader adds in issue 11; the confidence
 * says the same for a reader without it).
 */
function indomaret(total: bigint, status: 'confirmed' | 'pending', extra: object = {}): ReceiptReading {
  const reading = {
    total,
    date: '2025-12-07',
    merchant: 'Indomaret',
    items: [{ name: 'INDOMIE GORENG', price: total }],
    raw_text: `INDOMARET\nINDOMIE GORENG ${total}\nTOTAL ${total}`,
    confidence: status === 'confirmed' ? 0.95 : 0.5,
    checks: status === 'confirmed' ? ['items'] : [],
    status,
    kind: 'purchase',
    ...extra,
  };
  return reading as ReceiptReading;
}

const Row = z.object({
  direction: z.string(),
  amount: z.bigint(),
  status: z.string(),
  category: z.string().nullable(),
  description: z.string().nullable(),
});
const ledgerOf = (phone: string) =>
  db.pool.any(sql.type(Row)`
    SELECT t.direction, t.amount, t.status, c.name AS category, t.description
    FROM transactions t JOIN users u ON u.id = t.user_id LEFT JOIN categories c ON c.id = t.category_id
    WHERE u.phone = ${phone} AND t.deleted_at IS NULL ORDER BY t.id`);

const QUESTION = 'bener? Balas *ya*, atau ketik jumlah yang benar.';

describe('a receipt the reader could not corroborate', () => {
  it('is booked pending with the question, and "ya" confirms it', async () => {
    const phone = await activeUser('6281700000001');
    const first = await sendReceipt(phone, indomaret(33_000n, 'pending'));
    expect(first.reply).toBe(`Aku baca struk Indomaret total Rp33.000 tanggal 07-12-2025, ${QUESTION}`);
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 33_000n, status: 'pending', category: 'Belanja' }),
    ]);

    const answer = await say(phone, 'ya');
    expect(answer.intent).toBe('receipt_confirm');
    expect(answer.reply).toBe('✅ Oke, struk Rp33.000 sudah dikonfirmasi.');
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 33_000n, status: 'confirmed' }),
    ]);

    // The question is closed: a second "ya" is just a "ya", and confirms nothing more.
    const again = await say(phone, 'ya');
    expect(again.intent).not.toMatch(/confirm|activate/);
  });

  it('takes a typed amount as the corrected total, and confirms it', async () => {
    const phone = await activeUser('6281700000002');
    await sendReceipt(phone, indomaret(93_000n, 'pending'));
    const answer = await say(phone, '33rb');
    expect(answer.reply).toBe('✅ Oke, total struknya aku ganti jadi Rp33.000 dan sudah dikonfirmasi.');
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 33_000n, status: 'confirmed' }),
    ]);
  });

  it('accepts the other ways of saying yes, and not a sentence that merely starts with "ya"', async () => {
    const phone = await activeUser('6281700000003');
    await sendReceipt(phone, indomaret(45_000n, 'pending'));
    const newMessage = await say(phone, 'ya ampun lupa, beli kopi 20k');
    expect(newMessage.intent).toBe('create_transaction');
    // A new transaction closes the question and leaves the receipt pending.
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 45_000n, status: 'pending' }),
      expect.objectContaining({ amount: 20_000n, status: 'confirmed', category: 'Makan' }),
    ]);
    expect((await say(phone, 'iya bener')).intent).not.toBe('receipt_confirm');

    for (const yes of ['iya bener', 'ok sip', 'Betul!']) {
      await sendReceipt(phone, indomaret(10_000n, 'pending'));
      expect((await say(phone, yes)).intent).toBe('receipt_confirm');
    }
    const statuses = (await ledgerOf(phone)).map((row) => row.status);
    expect(statuses).toEqual(['pending', 'confirmed', 'confirmed', 'confirmed', 'confirmed']);
  });

  it('says so when merchant and date are unknown', async () => {
    const phone = await activeUser('6281700000004');
    const reply = await sendReceipt(phone, indomaret(12_500n, 'pending', { merchant: null, date: null }));
    expect(reply.reply).toBe(`Aku baca struk total Rp12.500, ${QUESTION}`);
  });

  it('is confirmed by a caption with the same amount; a different caption amount wins but stays pending', async () => {
    const phone = await activeUser('6281700000005');
    const same = await sendReceipt(phone, indomaret(33_000n, 'pending'), 'jajan 33rb');
    expect(same.intent).toBe('receipt');
    const other = await sendReceipt(phone, indomaret(33_000n, 'pending'), 'jajan 35rb');
    expect(other.reply).toBe(
      `Aku baca struk Indomaret total Rp33.000 tanggal 07-12-2025, tapi kamu tulis Rp35.000. Aku catat Rp35.000 dulu, ${QUESTION}`,
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 33_000n, status: 'confirmed' }),
      expect.objectContaining({ amount: 35_000n, status: 'pending' }),
    ]);
  });
});

describe('a receipt whose arithmetic corroborates the total', () => {
  it('is booked at once, in SPEC.md’s words, and asks nothing', async () => {
    const phone = await activeUser('6281700000010');
    const result = await sendReceipt(phone, indomaret(132_500n, 'confirmed'));
    expect(result.reply).toBe(
      'Aku baca struk Indomaret total Rp132.500 tanggal 07-12-2025. ✅ Sudah dicatat sebagai pengeluaran. Balas: ganti <kategori> untuk koreksi.',
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 132_500n, status: 'confirmed' }),
    ]);
    // No question is open: "ya" is no confirmation.
    expect((await say(phone, 'ya')).intent).not.toMatch(/confirm/);
  });
});

describe('an e-wallet top-up slip', () => {
  const topUp = (status: 'confirmed' | 'pending') =>
    indomaret(101_500n, status, {
      merchant: 'Alfamart',
      kind: 'topup',
      topup: { wallet: 'DANA', amount: 100_000n, fee: 1_500n },
      items: [{ name: 'TOPUP DANA', price: 100_000n }],
    });

  it('is a transfer into the wallet plus the admin fee as a Tagihan expense, not groceries', async () => {
    const phone = await activeUser('6281700000020');
    const result = await sendReceipt(phone, topUp('confirmed'));
    expect(result.reply).toBe(
      'Aku baca struk top up DANA Rp100.000 (biaya admin Rp1.500) di Alfamart tanggal 07-12-2025. ✅ Dicatat sebagai transfer ke DANA, bukan pengeluaran (uangnya cuma pindah ke dompet digital kamu). Biaya adminnya Rp1.500 dicatat sebagai pengeluaran kategori Tagihan.',
    );
    expect(await ledgerOf(phone)).toEqual([
      {
        direction: 'transfer',
        amount: 100_000n,
        status: 'confirmed',
        category: null,
        description: 'Top up DANA',
      },
      {
        direction: 'expense',
        amount: 1_500n,
        status: 'confirmed',
        category: 'Tagihan',
        description: 'Biaya admin top up DANA',
      },
    ]);
  });

  it('when unsure, asks; a typed amount corrects the top-up and confirms both', async () => {
    const phone = await activeUser('6281700000021');
    const result = await sendReceipt(phone, topUp('pending'));
    expect(result.reply).toBe(
      `Aku baca struk top up DANA Rp100.000 (biaya admin Rp1.500) di Alfamart tanggal 07-12-2025, ${QUESTION}`,
    );
    await say(phone, '150000');
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ direction: 'transfer', amount: 150_000n, status: 'confirmed' }),
      expect.objectContaining({ direction: 'expense', amount: 1_500n, status: 'confirmed' }),
    ]);
  });
});

describe('a top-up slip photographed and read by OCR', () => {
  it('books the top-up as a transfer and the admin fee as an expense', async () => {
    const phone = await activeUser('6281700000022');
    const file = join(await mkdtemp(join(tmpdir(), 'kantong-topup-')), 'topup.jpg');
    await renderReceipt(
      [
        '         ALFAMART',
        '  JL. KALIURANG KM 5 SLEMAN',
        '07/12/2025 18:04   KSR: 02',
        'TOP UP E-WALLET',
        'Biller        : DANA',
        'No. HP        : 0812****7890',
        'Nominal       :       100.000',
        'Biaya Admin   :         1.500',
        'TOTAL                 101.500',
        'TUNAI                 102.000',
        'KEMBALI                   500',
      ],
      file,
    );
    const reading = await readReceipt(file, { now: new Date('2025-12-08T03:00:00Z') });
    const result = await sendReceipt(phone, reading);
    expect(result.reply).toMatch(
      /^Aku baca struk top up DANA Rp100\.000 \(biaya admin Rp1\.500\) di Alfamart/,
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ direction: 'transfer', amount: 100_000n, category: null }),
      expect.objectContaining({ direction: 'expense', amount: 1_500n, category: 'Tagihan' }),
    ]);
  }, 60_000);
});

describe('a voice note', () => {
  // Two amounts heard with no separator between them, as a speaker correcting themselves: the
  // spoken reader cannot be sure which one is meant. ("20 ribu sama 15 ribu" is two items since
  // several items per message, issue 12.)
  const unsure = 'makan siang 20 ribu eh 15 ribu';

  it('with an unsure amount is booked pending and asked back; "ya" confirms it', async () => {
    const reading = parseSpokenMessage(unsure, {
      now: new Date(),
      timezone: 'Asia/Jakarta',
    });
    expect(reading.amount).toBe(20_000n);
    expect(reading.confidence).toBeLessThan(SPOKEN_SURE);

    const phone = await activeUser('6281700000030');
    const asked = await sendVoice(phone, unsure);
    expect(asked.intent).toBe('voice_pending');
    expect(asked.reply).toBe(`Aku dengar: '${unsure}'. Rp20.000 buat Makan, ${QUESTION}`);
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 20_000n, status: 'pending', category: 'Makan' }),
    ]);
    const answer = await say(phone, 'ya');
    expect(answer.reply).toBe('✅ Oke, Rp20.000 buat Makan sudah dikonfirmasi.');
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 20_000n, status: 'confirmed' }),
    ]);
  });

  it('with an unsure amount takes a typed correction, the same way as a receipt', async () => {
    const phone = await activeUser('6281700000031');
    await sendVoice(phone, unsure);
    const answer = await say(phone, '35rb');
    expect(answer.reply).toBe(
      '✅ Oke, jumlahnya aku ganti jadi Rp35.000 dan sudah dikonfirmasi: Rp35.000 buat Makan.',
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 35_000n, status: 'confirmed' }),
    ]);
  });

  it('with an unsure amount for a savings goal moves no money and asks for it typed', async () => {
    const phone = await activeUser('6281700000033');
    await say(phone, 'buat tabungan laptop 15jt');
    const heard = 'setor laptop 500 ribu sama 200 ribu';
    const result = await sendVoice(phone, heard);
    expect(result.reply).toBe(
      `Aku dengar: '${heard}' (kedengarannya Rp500.000), tapi aku belum yakin jumlahnya 🙏 Ketik aja ya biar nggak salah catat.`,
    );
    expect(await ledgerOf(phone)).toEqual([]);
    const balance = await db.pool.oneFirst(sql.type(z.object({ current_amount: z.bigint() }))`
      SELECT s.current_amount FROM savings_accounts s JOIN users u ON u.id = s.user_id WHERE u.phone = ${phone}`);
    expect(balance).toBe(0n);
  });

  it('with a sure amount is booked at once, quoting what was heard', async () => {
    const phone = await activeUser('6281700000032');
    const result = await sendVoice(phone, 'tadi makan di luar tiga puluh lima ribu');
    expect(result.reply).toBe(
      '🎤 aku dengar: "tadi makan di luar tiga puluh lima ribu"\n✅ Catat pengeluaran Rp35.000 kategori Makan. Balas: ganti <kategori> kalau mau ubah.',
    );
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 35_000n, status: 'confirmed' }),
    ]);
  });
});

describe('"ya" and account activation', () => {
  it('activates a pending account and answers its open receipt question in the same breath', async () => {
    process.env.REGISTRATION_POLICY = 'open';
    resetConfig();
    const phone = '6281700000040';
    const first = await sendReceipt(phone, indomaret(33_000n, 'pending'));
    expect(first.reply).toContain(`Aku baca struk Indomaret total Rp33.000 tanggal 07-12-2025, ${QUESTION}`);
    await say(phone, 'beli pulsa 50k');
    // The new message closed the question; a second receipt opens another.
    await sendReceipt(phone, indomaret(45_000n, 'pending'));
    const answer = await say(phone, 'ya');
    expect(answer.intent).toBe('activate');
    expect(answer.reply).toBe(
      '✅ Akun kamu udah aktif! 1 transaksi yang tadi pending udah dikonfirmasi. Yuk catat terus 💪\n✅ Oke, struk Rp45.000 sudah dikonfirmasi.',
    );
    // The first receipt was never confirmed: it stays pending (activation leaves photos alone).
    expect(await ledgerOf(phone)).toEqual([
      expect.objectContaining({ amount: 33_000n, status: 'pending' }),
      expect.objectContaining({ amount: 50_000n, status: 'confirmed' }),
      expect.objectContaining({ amount: 45_000n, status: 'confirmed' }),
    ]);
  });

  it('activates a pending account whose corroborated receipt was booked at once', async () => {
    process.env.REGISTRATION_POLICY = 'open';
    resetConfig();
    const phone = '6281700000041';
    await sendReceipt(phone, indomaret(50_000n, 'confirmed'));
    expect(await ledgerOf(phone)).toEqual([expect.objectContaining({ status: 'confirmed' })]);
    const answer = await say(phone, 'ya');
    expect(answer.reply).toBe('✅ Akun kamu udah aktif! Yuk catat terus 💪');
  });
});
