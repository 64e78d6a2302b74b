/**
 * The PaddleOCR engine and the photo preparation on real inputs: a receipt photographed
 * sideways, upside down, at a slant, with an EXIF rotation tag, and as an 8000 px original.
 * Each input is made at test time from a rendered receipt (always) and from a real phone photo
 * in ../shared/receipts-real (when that folder is there), by turning or enlarging its pixels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECEIPTS, renderReceipt } from './fixtures/index.ts';
import { loadPhoto, PHOTO_MAX_SIDE, rotateQuarterTurns, UnreadableImageError } from './image.ts';
import { readReceipt } from './index.ts';
import { groupLines, type PaddleWord, paddleRead } from './paddle.ts';

const NOW = new Date('2026-01-15T05:00:00Z');
const SLOW = 240_000; // one photo is 1–4 s on 2 idle cores; CI machines are busier
const REAL_DIR = fileURLToPath(new URL('../../../../shared/receipts-real/', import.meta.url));
const HAS_REAL = existsSync(join(REAL_DIR, 'truth.jsonl'));
/** A clear café slip with few lines: the cheapest real photo to turn four ways. */
const REAL_FILE = 'struk-45.jpeg';

if (!HAS_REAL)
  console.warn(`NOTE: ${REAL_DIR} is absent: the real-photo cases of engine.test.ts are skipped`);

const receipt = RECEIPTS.find((candidate) => candidate.id === 'indomaret') ?? RECEIPTS[0];
if (!receipt) throw new Error('no rendered receipt fixture');

let work = '';
let rendered = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kantong-engine-'));
  rendered = join(work, 'rendered.png');
  await renderReceipt(receipt.lines, rendered);
}, SLOW);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Writes `source` turned clockwise by `degrees` (pixels only, no EXIF tag) as a JPEG. */
async function turned(source: string, degrees: number, name: string): Promise<string> {
  const file = join(work, name);
  await sharp(source).rotate(degrees, { background: '#ffffff' }).jpeg({ quality: 90 }).toFile(file);
  return file;
}

function realTruth(file: string): { total: number; date: string | null; merchant: string | null } {
  const line = readFileSync(join(REAL_DIR, 'truth.jsonl'), 'utf8')
    .split('\n')
    .find((row) => row.includes(`"${file}"`));
  if (!line) throw new Error(`no truth for ${file}`);
  return JSON.parse(line) as { total: number; date: string | null; merchant: string | null };
}

describe('photo preparation', () => {
  it(
    'applies the EXIF orientation before reading',
    async () => {
      // Stored sideways with orientation 6 ("turn 90° clockwise to show"), as phones save photos.
      const upright = await sharp(rendered).metadata();
      const stored = join(work, 'exif-6.jpg');
      await sharp(rendered).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toFile(stored);
      const photo = await loadPhoto(stored);
      expect([photo.width, photo.height]).toEqual([upright.width, upright.height]);
      const reading = await readReceipt(stored, { now: NOW, engine: 'paddle' });
      expect(reading.total).toBe(BigInt(receipt.truth.total));
    },
    SLOW,
  );

  it(
    'shrinks an 8000 px original before anything else and still reads it',
    async () => {
      const source = HAS_REAL ? join(REAL_DIR, REAL_FILE) : rendered;
      const truth = HAS_REAL ? realTruth(REAL_FILE).total : receipt.truth.total;
      const huge = join(work, 'huge.jpg');
      await sharp(source)
        .resize({ height: 8000, width: 8000, fit: 'inside', kernel: 'cubic' })
        .jpeg({ quality: 85 })
        .toFile(huge);
      const { width = 0, height = 0 } = await sharp(huge).metadata();
      expect(Math.max(width, height)).toBe(8000);

      const photo = await loadPhoto(huge);
      expect(Math.max(photo.width, photo.height)).toBe(PHOTO_MAX_SIDE);
      const reading = await readReceipt(await readFile(huge), { now: NOW, engine: 'paddle' });
      expect(reading.total).toBe(BigInt(truth));
    },
    SLOW,
  );

  it('refuses bytes that are no image with UnreadableImageError', async () => {
    await expect(loadPhoto(new TextEncoder().encode('bukan gambar, cuma teks'))).rejects.toBeInstanceOf(
      UnreadableImageError,
    );
  });

  it('turns pixels a quarter at a time without losing any', () => {
    const image = { data: Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i), width: 3, height: 2 };
    const once = rotateQuarterTurns(image, 1);
    expect([once.width, once.height]).toEqual([2, 3]);
    // The bottom-left pixel (x 0, y 1) lands top-left after a clockwise quarter turn.
    expect([...once.data.slice(0, 3)]).toEqual([9, 10, 11]);
    expect(rotateQuarterTurns(rotateQuarterTurns(once, 1), 2)).toEqual(image);
  });
});

describe('a receipt photographed sideways or upside down is turned upright', () => {
  for (const degrees of [90, 180, 270]) {
    it(
      `rendered receipt turned ${degrees}°`,
      async () => {
        const file = await turned(rendered, degrees, `rendered-${degrees}.jpg`);
        const result = await paddleRead(await loadPhoto(file));
        // Turning it back: (4 − degrees/90) quarter turns clockwise.
        expect(result.rotation).toBe((4 - degrees / 90) % 4);
        const reading = await readReceipt(file, { now: NOW, engine: 'paddle' });
        expect(reading.total).toBe(BigInt(receipt.truth.total));
        expect(reading.merchant).toBe(receipt.truth.merchant);
      },
      SLOW,
    );
  }

  for (const degrees of [90, 270]) {
    it.skipIf(!HAS_REAL)(
      `real photo ${REAL_FILE} turned ${degrees}°`,
      async () => {
        const truth = realTruth(REAL_FILE);
        const file = await turned(join(REAL_DIR, REAL_FILE), degrees, `real-${degrees}.jpg`);
        const reading = await readReceipt(file, { now: NOW, engine: 'paddle' });
        expect(reading.total).toBe(BigInt(truth.total));
        expect(reading.date).toBe(truth.date);
      },
      SLOW,
    );
  }

  it(
    'the upright photo is left as it is',
    async () => {
      const result = await paddleRead(await loadPhoto(rendered));
      expect(result.rotation).toBe(0);
      expect(result.confidence).toBeGreaterThan(80);
    },
    SLOW,
  );
});

describe('words become printed lines', () => {
  it(
    'keeps each label with its amount on a receipt photographed at a slant',
    async () => {
      const file = await turned(rendered, 7, 'slant-7.jpg');
      const result = await paddleRead(await loadPhoto(file));
      const total = result.lines.find((line) => /^TOTAL\b/i.test(line.text) && !/ITEM/i.test(line.text));
      expect(total?.text).toMatch(/132[.,]500/);
      const cash = result.lines.find((line) => /TUNAI/i.test(line.text));
      expect(cash?.text).toMatch(/\d{2,3}[.,]\d{3}/);
    },
    SLOW,
  );

  it('groups tilted and bent lines by their nearest word, in reading order', () => {
    const word = (text: string, cx: number, cy: number, w: number, slope: number): PaddleWord => {
      const length = Math.hypot(1, slope);
      return { text, cx, cy, w, h: 20, ux: 1 / length, uy: slope / length, score: 0.9, confidence: 0.95 };
    };
    // Lines 28 px apart, tilted 8° (slope 0.14): at the far right the amount sits 56 px lower
    // than its label, more than one line's pitch, so one global midline would mismatch them.
    const slope = 0.14;
    const words = [0, 1, 2, 3].flatMap((row) => {
      const y = 100 + row * 28;
      return [word(`LABEL${row}`, 60, y, 80, slope), word(`${row}0.000`, 460, y + slope * 400, 90, slope)];
    });
    const lines = groupLines(words.reverse());
    expect(lines.map((line) => line.text)).toEqual([
      'LABEL0 00.000',
      'LABEL1 10.000',
      'LABEL2 20.000',
      'LABEL3 30.000',
    ]);
  });
});

describe('the engine is loaded once and shared safely', () => {
  it(
    'gives the same text to concurrent calls as to one at a time',
    async () => {
      const photo = await loadPhoto(rendered);
      const alone = await paddleRead(photo);
      const together = await Promise.all([paddleRead(photo), paddleRead(photo)]);
      expect(together.map((result) => result.text)).toEqual([alone.text, alone.text]);
    },
    SLOW,
  );
});
