/**
 * `npm run bench:media`: the receipt engines over the real-photo set (../shared/receipts-real,
 * skipped with a note when absent) and the rendered receipt set, then the voice half
 * (bench-voice.ts). Per engine: totals right / wrong / missing, wrong totals that would be booked
 * as confirmed (the reading's `status`), dates, merchants, p50/p95 seconds per photo, CPU seconds
 * per photo and peak RSS. `both` is each photo read by Paddle and Tesseract and reconciled
 * (index.ts); its seconds are the two engines' together.
 *
 * Wall seconds are noisy on a shared machine: CPU seconds (this process, which holds
 * onnxruntime's threads, plus the Tesseract/ImageMagick children) are printed beside them.
 * `--real-only` skips the rendered set and the voice half.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OcrEngine, type ReceiptReading, readReceipt, reconcile } from '@kantong/shared/receipts';
import { renderReceipts } from '@kantong/shared/receipts/fixtures';
import { type OcrResult, ocrImage, preprocess } from '@kantong/shared/receipts/ocr';
import { parseReceiptText } from '@kantong/shared/receipts/parse';
import { createWorker, PSM } from 'tesseract.js';
import { benchVoice } from './bench-voice.ts';

const REAL_DIR = fileURLToPath(new URL('../../../shared/receipts-real/', import.meta.url));
const now = new Date('2026-01-15T05:00:00Z');
const realOnly = process.argv.includes('--real-only');

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** CPU seconds used so far by this process and its finished children. */
function cpuSeconds(): number {
  const usage = process.resourceUsage();
  const self = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  return self + childCpu();
}

/** Children's CPU from /proc (Tesseract, ImageMagick): Linux only, 0 elsewhere. */
function childCpu(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // cutime and cstime are fields 16 and 17 of stat, i.e. 13 and 14 after "pid (comm) ".
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

type Truth = { file: string; total: number | null; date: string | null; merchant: string | null };
type Measured = { truth: Truth; reading: ReceiptReading; seconds: number; cpu: number };

function summarise(name: string, rows: readonly Measured[]): void {
  let right = 0;
  let wrong = 0;
  let missing = 0;
  let wrongConfirmed = 0;
  let confirmed = 0;
  let dates = 0;
  let merchants = 0;
  const notes: string[] = [];
  for (const { truth, reading } of rows) {
    const total = reading.total === null ? null : Number(reading.total);
    if (reading.status === 'confirmed') confirmed += 1;
    if (total === truth.total) right += 1;
    else if (total === null) {
      missing += 1;
      notes.push(`${truth.file} missing`);
    } else {
      wrong += 1;
      if (reading.status === 'confirmed') wrongConfirmed += 1;
      notes.push(`${truth.file} ${total} ≠ ${truth.total} (${reading.status})`);
    }
    if (truth.date !== null && reading.date === truth.date) dates += 1;
    if (truth.merchant !== null && reading.merchant?.toLowerCase() === truth.merchant.toLowerCase())
      merchants += 1;
  }
  const seconds = rows.map((row) => row.seconds);
  const cpu = rows.map((row) => row.cpu);
  const n = rows.length;
  console.log(
    `  ${name.padEnd(9)} totals right ${right}/${n}, wrong ${wrong} (confirmed ${wrongConfirmed}), missing ${missing}; ` +
      `confirmed ${confirmed}; dates ${dates}/${rows.filter((row) => row.truth.date).length}; ` +
      `merchants ${merchants}/${rows.filter((row) => row.truth.merchant).length}`,
  );
  console.log(
    `  ${''.padEnd(9)} seconds per photo p50 ${percentile(seconds, 50).toFixed(2)} s, p95 ${percentile(seconds, 95).toFixed(2)} s; ` +
      `CPU seconds per photo p50 ${percentile(cpu, 50).toFixed(2)}, p95 ${percentile(cpu, 95).toFixed(2)}`,
  );
  if (notes.length > 0) console.log(`  ${''.padEnd(9)} ${notes.join('; ')}`);
}

async function timed(
  file: string,
  engine: OcrEngine,
): Promise<{ ocr: OcrResult; seconds: number; cpu: number }> {
  const cpuBefore = cpuSeconds();
  const started = performance.now();
  const ocr = await ocrImage(file, engine);
  return { ocr, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds() - cpuBefore };
}

async function benchRealSet(): Promise<void> {
  if (!existsSync(join(REAL_DIR, 'truth.jsonl'))) {
    console.log(`real receipts: ${REAL_DIR} is absent, skipped`);
    return;
  }
  const truths = readFileSync(join(REAL_DIR, 'truth.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Truth);
  console.log(
    `real receipts: ${truths.length} phone photos in ${REAL_DIR}; machine ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}`,
  );
  const byEngine: Record<'paddle' | 'tesseract' | 'both', Measured[]> = {
    paddle: [],
    tesseract: [],
    both: [],
  };
  let paddleRss = 0;
  for (const engine of ['paddle', 'tesseract'] as const) {
    for (const truth of truths) {
      const { ocr, seconds, cpu } = await timed(join(REAL_DIR, truth.file), engine);
      const reading = parseReceiptText(ocr.text, { now, ocrConfidence: ocr.confidence });
      byEngine[engine].push({ truth, reading, seconds, cpu });
    }
    if (engine === 'paddle') paddleRss = process.resourceUsage().maxRSS / 1024;
  }
  truths.forEach((truth, index) => {
    const paddle = byEngine.paddle[index] as Measured;
    const tesseract = byEngine.tesseract[index] as Measured;
    const { reading } = reconcile([
      {
        ocr: { text: '', confidence: null, words: 0, engine: 'paddle', rotation: 0 },
        reading: paddle.reading,
      },
      {
        ocr: { text: '', confidence: null, words: 0, engine: 'tesseract', rotation: 0 },
        reading: tesseract.reading,
      },
    ]);
    byEngine.both.push({
      truth,
      reading,
      seconds: paddle.seconds + tesseract.seconds,
      cpu: paddle.cpu + tesseract.cpu,
    });
  });
  for (const engine of ['paddle', 'tesseract', 'both'] as const) summarise(engine, byEngine[engine]);
  console.log(
    `  peak RSS of this process after the Paddle pass: ${paddleRss.toFixed(0)} MiB (models loaded once)`,
  );
}

async function benchRenderedSet(): Promise<void> {
  const photos = await renderReceipts();
  console.log(`rendered receipts: ${photos.length} photos (shared/src/receipts/fixtures)`);
  for (const engine of ['paddle', 'tesseract'] as const) {
    const rows: Measured[] = [];
    for (const photo of photos) {
      const cpuBefore = cpuSeconds();
      const started = performance.now();
      const reading = await readReceipt(photo.file, { now, engine });
      rows.push({
        truth: { file: `${photo.id}-${photo.variant}`, ...photo.truth },
        reading,
        seconds: (performance.now() - started) / 1000,
        cpu: cpuSeconds() - cpuBefore,
      });
    }
    summarise(engine, rows);
  }

  // The same photos through tesseract.js (WebAssembly) on the same traineddata and preprocessing,
  // kept from the first engine comparison. It reads the Debian tessdata offline, never a CDN.
  const tessdata = process.env.TESSDATA_DIR ?? '/usr/share/tesseract-ocr/5/tessdata';
  const seconds: number[] = [];
  let totals = 0;
  const work = await mkdtemp(join(tmpdir(), 'kantong-bench-tjs-'));
  const worker = await createWorker(['ind', 'eng'], 1, {
    langPath: tessdata,
    gzip: false,
    cachePath: work,
    logger: () => undefined,
  });
  await worker.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_BLOCK, preserve_interword_spaces: '1' });
  for (const [index, photo] of photos.entries()) {
    const started = performance.now();
    const cleaned = join(work, `clean-${index}.png`);
    await preprocess(photo.file, cleaned);
    const result = await worker.recognize(cleaned);
    const reading = parseReceiptText(result.data.text, { now, ocrConfidence: result.data.confidence });
    seconds.push((performance.now() - started) / 1000);
    if (reading.total === BigInt(photo.truth.total)) totals += 1;
  }
  await worker.terminate();
  console.log(
    `  tesseract.js 7 (WebAssembly): p50 ${percentile(seconds, 50).toFixed(2)} s, p95 ${percentile(seconds, 95).toFixed(2)} s; totals right ${totals}/${photos.length}`,
  );
}

await benchRealSet();
if (!realOnly) {
  await benchRenderedSet();
  await benchVoice();
}
