/**
 * The optional LLM clean-up of a receipt (SPEC.md's receipt prompt), through the same seam as the
 * chat fallback: Ollama with a JSON schema, a timeout, zod, and every call reported for `ai_audit`.
 * It fills what the rules could not read; it never replaces a total the rules read, and a total
 * it supplies must be printed on the receipt (an amount of the OCR text) — otherwise it is
 * ignored. A reading that needed the model stays pending.
 */
import { z } from 'zod';
import { type AiCall, askJson, ollamaClient } from '../nlu/llm.ts';
import { amountsIn, findDate, type ReceiptReading } from './parse.ts';

export const ReceiptLlmAnswerSchema = z.object({
  total: z.number().nullable().optional(),
  date: z.string().max(40).nullable().optional(),
  merchant: z.string().max(200).nullable().optional(),
  items: z
    .array(z.object({ name: z.string().max(200), price: z.number().nullable().optional() }))
    .max(100)
    .nullable()
    .optional(),
});
export type ReceiptLlmAnswer = z.infer<typeof ReceiptLlmAnswerSchema>;

export type ReceiptCleaner = {
  model: string;
  cleanUp: (
    rawText: string,
    context: { today: string },
    onCall: (call: AiCall) => void,
  ) => Promise<ReceiptLlmAnswer | null>;
};

/** SPEC.md's OCR post-processing prompt. */
export function buildReceiptPrompt(today: string): string {
  return [
    'Rapikan hasil OCR berikut agar menjadi ringkasan JSON ketat:',
    '{"total": <angka dalam IDR>, "date": "YYYY-MM-DD", "merchant": "...", "items": [ {"name": ..., "price": ...}, ... ]}',
    `Jika tanggal tidak ditemukan, gunakan tanggal hari ini (${today}).`,
  ].join('\n');
}

export function createOllamaReceiptCleaner(options: {
  url: string;
  model: string;
  timeoutMs: number;
}): ReceiptCleaner {
  const client = ollamaClient(options.url, options.timeoutMs);
  return {
    model: options.model,
    cleanUp: (rawText, context, onCall) =>
      askJson(
        client,
        {
          model: options.model,
          purpose: 'receipt',
          system: buildReceiptPrompt(context.today),
          user: rawText,
          schema: ReceiptLlmAnswerSchema,
        },
        onCall,
      ),
  };
}

/** Highest confidence a reading gets once the model filled part of it: always pending. */
const LLM_CONFIDENCE = 0.5;

/**
 * Folds the model's answer into the rules' reading: gaps only, with what the model says checked
 * against the printed text.
 */
export function mergeReceiptAnswer(
  reading: ReceiptReading,
  answer: ReceiptLlmAnswer,
  now: Date,
): ReceiptReading {
  const printed = new Set(amountsIn(reading.raw_text));
  const modelTotal =
    typeof answer.total === 'number' && Number.isSafeInteger(answer.total) && answer.total > 0
      ? BigInt(answer.total)
      : null;
  const total = reading.total ?? (modelTotal !== null && printed.has(modelTotal) ? modelTotal : null);
  const date = reading.date ?? (answer.date ? findDate(answer.date, now) : null);
  const merchant = reading.merchant ?? (answer.merchant?.trim() || null);
  const items =
    reading.items.length > 0
      ? reading.items
      : (answer.items ?? []).flatMap((item) =>
          typeof item.price === 'number' &&
          Number.isSafeInteger(item.price) &&
          printed.has(BigInt(item.price))
            ? [{ name: item.name.trim(), price: BigInt(item.price) }]
            : [],
        );
  const filled = total !== reading.total || date !== reading.date || merchant !== reading.merchant;
  const confidence =
    total === null
      ? 0
      : filled
        ? Math.min(Math.max(reading.confidence, 0.3), LLM_CONFIDENCE)
        : reading.confidence;
  // What the model filled in is not corroborated by the receipt: such a reading is always asked about.
  const status = filled || total === null ? 'pending' : reading.status;
  return { ...reading, total, date, merchant, items, confidence, status };
}
