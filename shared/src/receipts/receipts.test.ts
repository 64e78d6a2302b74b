/**
 * The receipt reader over the rendered set (fixtures/): real ImageMagick photos read by the real
 * Tesseract. Accuracy is a measured figure with a floor, and a misread total must never be
 * recorded as confirmed. The rules themselves are checked on text, trap by trap.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type RenderedReceipt, renderReceipts } from './fixtures/index.ts';
import {
  parseReceiptText,
  RECEIPT_CONFIDENT,
  type ReceiptReading,
  readReceipt,
  toContract,
} from './index.ts';

const NOW = new Date('2025-11-01T05:00:00Z');

describe('the rules on receipt text', () => {
  it('takes TOTAL, never TUNAI, KEMBALI, SUBTOTAL, PPN, DPP, HEMAT or TOTAL ITEM', () => {
    const reading = parseReceiptText(
      [
        'ALFAMART',
        'SUBTOTAL 92.350',
        'HEMAT 5.000',
        'TOTAL ITEM 12',
        'TOTAL 87.350',
        'TUNAI 100.000',
        'KEMBALI 12.650',
        'PPN 8.655',
        'DPP 78.695',
      ].join('\n'),
      { now: NOW },
    );
    expect(reading.total).toBe(87_350n);
    expect(reading.checks).toEqual(expect.arrayContaining(['cash-change', 'subtotal-adds-up']));
    expect(reading.status).toBe('confirmed');
  });

  it('prefers GRAND TOTAL, TOTAL BELANJA and TOTAL BAYAR over a plain JUMLAH', () => {
    const read = (lines: string[]) => parseReceiptText(lines.join('\n'), { now: NOW }).total;
    expect(read(['JUMLAH 10.000', 'GRAND TOTAL 11.000'])).toBe(11_000n);
    expect(read(['SUB TOTAL 20.000', 'TOTAL BELANJA 18.000'])).toBe(18_000n);
    expect(read(['TOTAL BAYAR', 'Rp 96.000'])).toBe(96_000n);
    expect(read(['Total Rp58.000,00'])).toBe(58_000n);
  });

  it('reads the dates receipts print', () => {
    const dateOf = (line: string) => parseReceiptText(`TOKO\n${line}\nTOTAL 10.000`, { now: NOW }).date;
    expect(dateOf('16/10/2025 19:42')).toBe('2025-10-16');
    expect(dateOf('16-10-2025')).toBe('2025-10-16');
    expect(dateOf('16.10.25 07:12')).toBe('2025-10-16');
    expect(dateOf('2025-10-16 17:05:33')).toBe('2025-10-16');
    expect(dateOf('16 Okt 2025')).toBe('2025-10-16');
    expect(dateOf('Tanggal: 16 Oktober 2025')).toBe('2025-10-16');
    expect(dateOf('NPWP 01.337.994.6-092.000')).toBeNull();
  });

  it('finds no total in text that is no receipt', () => {
    const reading = parseReceiptText('Selamat ulang tahun\nsemoga panjang umur', { now: NOW });
    expect(reading).toMatchObject({ total: null, confidence: 0 });
  });
});

describe('the reader over the rendered receipt photos', () => {
  let photos: RenderedReceipt[];
  const readings = new Map<string, ReceiptReading>();
  beforeAll(async () => {
    photos = await renderReceipts();
    for (const photo of photos) readings.set(photo.file, await readReceipt(photo.file, { now: NOW }));
  }, 240_000);

  it('reads totals, dates and merchants at or above the measured accuracy', () => {
    const score = (hit: (photo: RenderedReceipt, reading: ReceiptReading) => boolean) =>
      photos.filter((photo) => hit(photo, readings.get(photo.file) as ReceiptReading)).length / photos.length;
    const total = score((photo, reading) => reading.total === BigInt(photo.truth.total));
    const date = score((photo, reading) => reading.date === photo.truth.date);
    const merchant = score(
      (photo, reading) => reading.merchant?.toLowerCase() === photo.truth.merchant.toLowerCase(),
    );
    console.log(
      `receipt reader over ${photos.length} photos: total ${(total * 100).toFixed(0)}%, date ${(date * 100).toFixed(0)}%, merchant ${(merchant * 100).toFixed(0)}%`,
    );
    // Measured on Debian 12's Tesseract 5.3.0: 24/25 totals, 25/25 dates and merchants.
    expect(total).toBeGreaterThanOrEqual(0.9);
    expect(date).toBeGreaterThanOrEqual(0.92);
    expect(merchant).toBeGreaterThanOrEqual(0.92);
  });

  it('never confirms a total it misread', () => {
    const wrongButSure = photos.filter((photo) => {
      const reading = readings.get(photo.file) as ReceiptReading;
      return reading.total !== BigInt(photo.truth.total) && reading.confidence >= RECEIPT_CONFIDENT;
    });
    expect(wrongButSure.map((photo) => `${photo.id}/${photo.variant}`)).toEqual([]);
  });

  it('prints the contract JSON: total, date, merchant, items, raw_text, confidence', () => {
    const clean = photos.find(
      (photo) => photo.id === 'indomaret' && photo.variant === 'clean',
    ) as RenderedReceipt;
    const contract = toContract(readings.get(clean.file) as ReceiptReading);
    expect(contract).toMatchObject({ total: 132_500, date: '2025-10-16', merchant: 'Indomaret' });
    expect(contract.items).toContainEqual({ name: 'BERAS RAMOS 5KG', price: 68_900 });
    expect(contract.raw_text).toMatch(/INDOMARET/);
    expect(contract.confidence).toBeGreaterThanOrEqual(RECEIPT_CONFIDENT);
  });
});
