/**
 * Receipt photos, start to finish: OCR (ocr.ts), the rules reader (parse.ts), the optional LLM
 * clean-up (llm.ts). `readReceipt` is what the `ocr` function, `npm run ocr` and
 * `POST /media/ocr` call; {@link toContract} is the JSON they all print.
 */
import { z } from 'zod';
import { getConfig } from '../config.ts';
import type { AiCall } from '../nlu/llm.ts';
import { createOllamaReceiptCleaner, mergeReceiptAnswer, type ReceiptCleaner } from './llm.ts';
import { type OcrEngine, type OcrResult, ocrWith } from './ocr.ts';
import { amountsIn, parseReceiptText, RECEIPT_CONFIDENT, type ReceiptReading } from './parse.ts';

export {
  buildReceiptPrompt,
  createOllamaReceiptCleaner,
  mergeReceiptAnswer,
  type ReceiptCleaner,
} from './llm.ts';
export { type OcrEngine, ocrFile, ocrImage, UnreadableImageError } from './ocr.ts';
export {
  amountsIn,
  findDate,
  findMerchant,
  parseReceiptText,
  RECEIPT_CONFIDENT,
  type ReceiptItem,
  type ReceiptReading,
  type Topup,
} from './parse.ts';

/** The receipt clean-up configured for this process (OLLAMA_URL), or null. */
export function configuredReceiptCleaner(): ReceiptCleaner | null {
  const config = getConfig();
  if (!config.OLLAMA_URL) return null;
  return createOllamaReceiptCleaner({
    url: config.OLLAMA_URL,
    model: config.OLLAMA_MODEL,
    timeoutMs: config.OLLAMA_TIMEOUT_MS,
  });
}

export type ReadOptions = {
  now: Date;
  cleaner?: ReceiptCleaner | null;
  onAiCall?: (call: AiCall) => void;
  /** Overrides OCR_ENGINE (the benchmark compares them). */
  engine?: 'paddle' | 'tesseract' | 'both';
};

/**
 * Reads a receipt photo (bytes or a file path). Throws UnreadableImageError when the bytes are
 * no image; a photo without a receipt reads as `total: null, confidence: 0`.
 *
 * @example
 * const reading = await readReceipt('/tmp/struk.jpg', { now: new Date() });
 * // → { total: 132500n, date: '2025-10-16', merchant: 'Indomaret', confidence: 0.9, … }
 */
export async function readReceipt(image: Uint8Array | string, options: ReadOptions): Promise<ReceiptReading> {
  const choice = options.engine ?? getConfig().OCR_ENGINE;
  const engines: OcrEngine[] = choice === 'both' ? ['paddle', 'tesseract'] : [choice];
  const readings = (await ocrWith(image, engines)).map((ocr) => ({
    ocr,
    reading: parseReceiptText(ocr.text, { now: options.now, ocrConfidence: ocr.confidence }),
  }));
  const { ocr, reading } = reconcile(readings);
  // The model only sees receipts the rules could not fully read, and only when one is configured.
  const unsure =
    reading.total === null || reading.merchant === null || reading.confidence < RECEIPT_CONFIDENT;
  const worthAsking = amountsIn(ocr.text).length > 0;
  if (!options.cleaner || !unsure || !worthAsking) return reading;
  const answer = await options.cleaner.cleanUp(
    ocr.text,
    { today: options.now.toISOString().slice(0, 10) },
    (call) => options.onAiCall?.(call),
  );
  return answer ? mergeReceiptAnswer(reading, answer, options.now) : reading;
}

type EngineReading = { ocr: OcrResult; reading: ReceiptReading };

/**
 * Two engines' readings → one. A total the receipt's own arithmetic confirms wins; otherwise
 * the first engine's (Paddle's) reading, filled in from the other where it found nothing. When
 * the engines disagree on an unconfirmed total, the result stays pending (it is asked back).
 */
export function reconcile(readings: readonly EngineReading[]): EngineReading {
  const [first, ...others] = readings;
  if (!first) throw new Error('reconcile needs at least one reading');
  const confirmed = readings.find(
    (entry) => entry.reading.status === 'confirmed' && entry.reading.total !== null,
  );
  if (confirmed) return confirmed;
  const withTotal = readings.find((entry) => entry.reading.total !== null) ?? first;
  const merged = { ...withTotal.reading };
  for (const { reading } of [first, ...others]) {
    merged.date ??= reading.date;
    merged.merchant ??= reading.merchant;
  }
  return { ocr: withTotal.ocr, reading: merged };
}

export const ReceiptContractSchema = z.object({
  total: z.number().int().nullable(),
  date: z.string().nullable(),
  merchant: z.string().nullable(),
  items: z.array(z.object({ name: z.string(), price: z.number().int() })),
  raw_text: z.string(),
  confidence: z.number(),
  /** What Kantong would do: book it (confirmed) or ask first (pending). */
  status: z.enum(['confirmed', 'pending']),
  kind: z.enum(['purchase', 'topup']),
  topup: z.object({ wallet: z.string(), amount: z.number().int(), fee: z.number().int() }).nullable(),
});
export type ReceiptContract = z.infer<typeof ReceiptContractSchema>;

/** The JSON of `npm run ocr`, `POST /media/ocr` (SPEC.md): rupiah as plain integers. */
export function toContract(reading: ReceiptReading): ReceiptContract {
  return {
    total: reading.total === null ? null : Number(reading.total),
    date: reading.date,
    merchant: reading.merchant,
    items: reading.items.map((item) => ({ name: item.name, price: Number(item.price) })),
    raw_text: reading.raw_text,
    confidence: reading.confidence,
    status: reading.status,
    kind: reading.kind,
    topup: reading.topup
      ? { wallet: reading.topup.wallet, amount: Number(reading.topup.amount), fee: Number(reading.topup.fee) }
      : null,
  };
}
