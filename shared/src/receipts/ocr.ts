/**
 * Photo → text, with two engines (OCR_ENGINE):
 *
 * - `paddle` (paddle.ts): PaddleOCR PP-OCRv4 on onnxruntime-node. It reads real phone photos of
 *   thermal receipts almost verbatim, where Tesseract garbles them.
 * - `tesseract`: ImageMagick cleans the photo up (grayscale, upscaling of small photos, deskew,
 *   contrast stretch), then the native Tesseract reads it with Indonesian + English in one block
 *   (`--psm 6` keeps each label and its amount on one line). TSV output gives the words with
 *   their confidences in one pass. The native binary and not tesseract.js: on this 2-core
 *   machine the binary reads a receipt in about a second and uses both cores; tesseract.js
 *   (WASM, one core) needs several seconds and a worker per process.
 *
 * Both engines get the same prepared photo (image.ts: EXIF orientation, at most 1600 px), turned
 * upright by the Paddle detector and direction classifier when it lies sideways or upside down.
 * Which engine reads by default, and why, is in index.ts (`readReceipt`) and the README.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getConfig } from '../config.ts';
import { encodePng, loadPhoto, type RgbImage, rotateQuarterTurns, UnreadableImageError } from './image.ts';
import { paddleRead, uprightTurnsOf } from './paddle.ts';

const run = promisify(execFile);

export { UnreadableImageError } from './image.ts';

export type OcrEngine = 'paddle' | 'tesseract';
export type OcrResult = {
  text: string;
  /** mean word confidence, 0–100 */
  confidence: number | null;
  words: number;
  engine: OcrEngine;
  /** clockwise quarter turns that made the photo upright */
  rotation: number;
};

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

export async function preprocess(input: string, output: string, timeoutMs = 30_000): Promise<void> {
  try {
    // [0]: the first frame only (a GIF or a multi-page TIFF is still one receipt).
    await run(getConfig().IMAGEMAGICK_CONVERT, [`${input}[0]`, ...PREPROCESS, output], {
      timeout: timeoutMs,
    });
  } catch (error) {
    throw new UnreadableImageError('the photo could not be decoded', { cause: error });
  }
}

/** Tesseract's TSV: level 5 rows are words, grouped into lines by block/paragraph/line numbers. */
export function textFromTsv(tsv: string): Pick<OcrResult, 'text' | 'confidence' | 'words'> {
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

/** Tesseract over an already prepared (upright, downscaled) photo. */
export async function tesseractRead(
  image: RgbImage,
): Promise<Pick<OcrResult, 'text' | 'confidence' | 'words'>> {
  const work = await mkdtemp(join(tmpdir(), 'kantong-ocr-'));
  try {
    const photo = join(work, 'photo.png');
    const cleaned = join(work, 'clean.png');
    await writeFile(photo, await encodePng(image));
    // Decoded and shrunk already: only a busy machine makes ImageMagick slow here, not the photo.
    await preprocess(photo, cleaned, 120_000);
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

/** Decodes the photo once and reads it with each engine asked for, in that order. */
export async function ocrWith(
  image: Uint8Array | string,
  engines: readonly OcrEngine[],
): Promise<OcrResult[]> {
  const photo = await loadPhoto(image);
  const results: OcrResult[] = [];
  let rotation: number | null = null;
  for (const engine of engines) {
    if (engine === 'paddle') {
      const read = await paddleRead(photo);
      rotation = read.rotation;
      results.push({ text: read.text, confidence: read.confidence, words: read.words, engine, rotation });
    } else {
      rotation ??= await uprightTurnsOf(photo);
      const read = await tesseractRead(rotateQuarterTurns(photo, rotation));
      results.push({ ...read, engine, rotation });
    }
  }
  return results;
}

/** Reads the text of an image (a path or bytes) with one engine (default: Paddle). */
export async function ocrImage(image: Uint8Array | string, engine: OcrEngine = 'paddle'): Promise<OcrResult> {
  const [result] = await ocrWith(image, [engine]);
  if (!result) throw new UnreadableImageError('no engine read the photo');
  return result;
}

/** Reads the text of an image file with one engine. */
export function ocrFile(file: string, engine?: OcrEngine): Promise<OcrResult> {
  return ocrImage(file, engine);
}
