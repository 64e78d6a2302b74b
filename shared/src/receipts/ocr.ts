/**
 * Photo → text: ImageMagick cleans the photo up (orientation, grayscale, upscaling of small
 * photos, deskew, contrast stretch), then the native Tesseract reads it with Indonesian + English
 * in one block (`--psm 6` keeps each label and its amount on one line). TSV output gives the words
 * with their confidences in one pass.
 *
 * Why the native binary and not tesseract.js: on this 2-core machine the binary reads a receipt in
 * about a second and uses both cores; tesseract.js (WASM, one core) needs several seconds and a
 * worker per process. Both read Debian's traineddata offline (DESIGN.md); `npm run bench:media`
 * prints the binary's figures.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getConfig } from '../config.ts';

const run = promisify(execFile);

/** The photo could not be decoded as an image at all. */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError';
}

export type OcrResult = { text: string; confidence: number | null; words: number };

/** ImageMagick options: what makes a phone photo of thermal paper readable to Tesseract. */
const PREPROCESS = [
  '-auto-orient',
  '-colorspace',
  'Gray',
  // Tesseract wants ~30 px letters; receipts photographed from afar are small.
  '-resize',
  '1600x>',
  '-resize',
  '1100x<',
  '-deskew',
  '40%',
  '+repage',
  // Faded thermal print: stretch what contrast there is, then sharpen the strokes a little.
  '-normalize',
  '-sharpen',
  '0x1',
];

export async function preprocess(input: string, output: string): Promise<void> {
  try {
    // [0]: the first frame only (a GIF or a multi-page TIFF is still one receipt).
    await run(getConfig().IMAGEMAGICK_CONVERT, [`${input}[0]`, ...PREPROCESS, output], {
      timeout: 30_000,
    });
  } catch (error) {
    throw new UnreadableImageError('the photo could not be decoded', { cause: error });
  }
}

/** Tesseract's TSV: level 5 rows are words, grouped into lines by block/paragraph/line numbers. */
export function textFromTsv(tsv: string): OcrResult {
  const lines = new Map<string, string[]>();
  const confidences: number[] = [];
  for (const row of tsv.split('\n').slice(1)) {
    const cells = row.split('\t');
    if (cells.length < 12 || cells[0] !== '5') continue;
    const word = (cells[11] ?? '').trim();
    const confidence = Number(cells[10]);
    if (!word || confidence < 0) continue;
    const key = `${cells[2]}.${cells[3]}.${cells[4]}`;
    lines.set(key, [...(lines.get(key) ?? []), word]);
    confidences.push(confidence);
  }
  const text = [...lines.values()].map((words) => words.join(' ')).join('\n');
  const mean = confidences.length > 0 ? confidences.reduce((a, b) => a + b, 0) / confidences.length : null;
  return { text, confidence: mean === null ? null : Math.round(mean * 10) / 10, words: confidences.length };
}

/** Reads the text of an image file (any format ImageMagick decodes). */
export async function ocrFile(file: string): Promise<OcrResult> {
  const work = await mkdtemp(join(tmpdir(), 'kantong-ocr-'));
  try {
    const cleaned = join(work, 'clean.png');
    await preprocess(file, cleaned);
    const { stdout } = await run(
      getConfig().TESSERACT_BIN,
      [cleaned, 'stdout', '-l', 'ind+eng', '--psm', '6', '-c', 'preserve_interword_spaces=1', 'tsv'],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, OMP_THREAD_LIMIT: '1' } },
    );
    return textFromTsv(stdout);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function ocrBuffer(image: Uint8Array): Promise<OcrResult> {
  const work = await mkdtemp(join(tmpdir(), 'kantong-img-'));
  try {
    const file = join(work, 'photo');
    await writeFile(file, image);
    return await ocrFile(file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
