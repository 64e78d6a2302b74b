/**
 * `npm run bench:media`: seconds per receipt (p50/p95) and total/date/merchant accuracy over the
 * rendered receipt set, and Whisper's real-time factor (processing seconds per audio second) for
 * every model size installed here (`npm run models` installs base and tiny.en).
 */
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReceipt } from '@kantong/shared/receipts';
import { renderReceipts } from '@kantong/shared/receipts/fixtures';
import { preprocess } from '@kantong/shared/receipts/ocr';
import { parseReceiptText } from '@kantong/shared/receipts/parse';
import { localWhisperReady, transcribeFile } from '@kantong/shared/speech';
import { speakVoiceNote } from '@kantong/shared/speech/fixtures';
import { createWorker, PSM } from 'tesseract.js';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const now = new Date('2025-11-01T05:00:00Z');
const photos = await renderReceipts();
const seconds: number[] = [];
let totals = 0;
let dates = 0;
let merchants = 0;
for (const photo of photos) {
  const started = performance.now();
  const reading = await readReceipt(photo.file, { now });
  seconds.push((performance.now() - started) / 1000);
  if (reading.total === BigInt(photo.truth.total)) totals += 1;
  if (reading.date === photo.truth.date) dates += 1;
  if (reading.merchant?.toLowerCase() === photo.truth.merchant.toLowerCase()) merchants += 1;
}
const pct = (hits: number) => `${((hits / photos.length) * 100).toFixed(0)}% (${hits}/${photos.length})`;
console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}`);
console.log(`receipts: ${photos.length} photos, ImageMagick preprocessing + Tesseract ind+eng (--psm 6)`);
console.log(
  `  seconds per receipt: p50 ${percentile(seconds, 50).toFixed(2)} s, p95 ${percentile(seconds, 95).toFixed(2)} s`,
);
console.log(`  accuracy: total ${pct(totals)}, date ${pct(dates)}, merchant ${pct(merchants)}`);

// The same photos through tesseract.js (WebAssembly) on the same traineddata and preprocessing:
// the issue asked for both engines to be measured before choosing. It reads the Debian tessdata
// offline (langPath + gzip: false), never a CDN.
const tessdata = process.env.TESSDATA_DIR ?? '/usr/share/tesseract-ocr/5/tessdata';
const wasmSeconds: number[] = [];
let wasmTotals = 0;
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
  wasmSeconds.push((performance.now() - started) / 1000);
  if (reading.total === BigInt(photo.truth.total)) wasmTotals += 1;
}
await worker.terminate();
console.log('receipts through tesseract.js 7 (WebAssembly), same preprocessing and traineddata:');
console.log(
  `  seconds per receipt: p50 ${percentile(wasmSeconds, 50).toFixed(2)} s, p95 ${percentile(wasmSeconds, 95).toFixed(2)} s; total accuracy ${pct(wasmTotals)}`,
);
console.log(
  `  chosen: native tesseract (${percentile(seconds, 50).toFixed(2)} s p50, total ${pct(totals)}) — see README "Voice notes, receipt photos"`,
);

const dir = await mkdtemp(join(tmpdir(), 'kantong-bench-voice-'));
const note = join(dir, 'note.ogg');
await speakVoiceNote('tadi makan di luar tiga puluh lima ribu, terus beli bensin lima puluh ribu', note);
console.log('whisper.cpp 1.9.1 (beam 5), one espeak-ng voice note:');
const sizes = ['tiny', 'tiny.en', 'base', 'base.en', 'small', 'medium'] as const;
const installed = sizes.filter((size) => localWhisperReady(size));
if (installed.length === 0) console.log('  no whisper model installed: run `npm run models`');
for (const size of installed) {
  const runs: number[] = [];
  let duration = 0;
  let text = '';
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const started = performance.now();
    const heard = await transcribeFile(note, { model: size });
    runs.push((performance.now() - started) / 1000);
    duration = heard.duration_s;
    text = heard.text;
  }
  const best = Math.min(...runs);
  console.log(
    `  ${size.padEnd(8)} real-time factor ${(best / duration).toFixed(2)} (${best.toFixed(2)} s for ${duration.toFixed(1)} s of audio): "${text}"`,
  );
}
