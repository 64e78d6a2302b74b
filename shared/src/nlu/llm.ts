/**
 * The LLM fallback: a self-hosted Ollama model asked for SPEC.md's JSON with a JSON schema
 * (`format`), answered within a timeout and validated with zod. It is only consulted for messages
 * the rules cannot place, and it never decides an amount (DESIGN.md decision 5: a small model once
 * turned "40K" into 40.000.000) — amounts always come from the deterministic reader.
 */
import { Ollama } from 'ollama';
import { z } from 'zod';
import { DEFAULT_CATEGORIES } from './lexicon.ts';
import { type CategoryOption, IntentSchema, PeriodSchema } from './schema.ts';

/**
 * Intents the prompt offers the model (issue 14 item 8). delete_last is not among them: the model
 * may pick words, never destroy; index.ts turns any destructive answer into a question anyway,
 * since a schema can be ignored by a small model.
 */
export const LLM_PROMPT_INTENTS = IntentSchema.options.filter((intent) => intent !== 'delete_last');

/** What the model may answer. Amount fields are requested (SPEC.md's prompt) but only compared, never used. */
export const LlmAnswerSchema = z.object({
  intent: IntentSchema,
  direction: z.enum(['income', 'expense', 'transfer']).nullable().optional(),
  amount: z.number().nullable().optional(),
  description: z.string().max(500).nullable().optional(),
  category_suggestion: z.string().max(80).nullable().optional(),
  saving_name: z.string().max(100).nullable().optional(),
  period: PeriodSchema.nullable().optional(),
  question: z.string().max(300).nullable().optional(),
  // Issue 12's fields: kept by index.ts only when the message itself says the name.
  counterparty: z.string().max(100).nullable().optional(),
  wallet: z.string().max(50).nullable().optional(),
  to_wallet: z.string().max(50).nullable().optional(),
});
export type LlmAnswer = z.infer<typeof LlmAnswerSchema>;

/** One call to a model, as `ai_audit` records it. */
export type AiCall = {
  model: string;
  purpose: string;
  input: string;
  output: string | null;
  success: boolean;
  latencyMs: number;
  error: string | null;
};

export type LlmFallback = {
  model: string;
  /** Asks the model about `text`; reports the call (success or not) through `onCall`. */
  interpret: (
    text: string,
    context: { categories: readonly CategoryOption[]; timezone: string },
    onCall: (call: AiCall) => void,
  ) => Promise<LlmAnswer | null>;
};

/** SPEC.md's NLU prompt, with the clarification rule and the user's categories. */
export function buildPrompt(categories: readonly CategoryOption[], timezone: string): string {
  const names = categories.map((category) => category.name).join(', ');
  return [
    'Tugas Anda mendeteksi intent keuangan dari pesan pengguna (bahasa Indonesia informal).',
    'Outputkan JSON ketat tanpa teks lain dengan format:',
    '{"intent": ..., "direction": ..., "amount": ..., "description": ..., "category_suggestion": ..., "saving_name": ..., "period": ..., "question": ..., "counterparty": ..., "wallet": ..., "to_wallet": ...}',
    `Intent yang valid: ${LLM_PROMPT_INTENTS.join(', ')}.`,
    'Utang/piutang: counterparty = nama orangnya (huruf kecil). Dompet/rekening: wallet = sumber, to_wallet = tujuan transfer.',
    'Jika tidak ada angka uang, amount null.',
    `Kategori yang tersedia: ${names}.`,
    'Jika pesan ambigu (tidak ada kategori/amount jelas), set intent=clarification dan isi "question" untuk ditanyakan ke user.',
    `Zona waktu pengguna: ${timezone}.`,
  ].join('\n');
}

/** An Ollama client whose every call is bounded by `timeoutMs`, the model load included. */
export function ollamaClient(url: string, timeoutMs: number): Ollama {
  return new Ollama({
    host: url,
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        signal: init?.signal
          ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs),
      }),
  });
}

/**
 * One chat call answered under a JSON schema (Ollama's `format`), parsed and validated with zod,
 * and reported through `onCall` whether it worked or not. Null when it did not.
 */
export async function askJson<T>(
  client: Ollama,
  request: { model: string; purpose: string; system: string; user: string; schema: z.ZodType<T> },
  onCall: (call: AiCall) => void,
): Promise<T | null> {
  const started = performance.now();
  const input = JSON.stringify({ system: request.system, user: request.user });
  let output: string | null = null;
  const report = (error: string | null) =>
    onCall({
      model: request.model,
      purpose: request.purpose,
      input,
      output,
      success: error === null,
      latencyMs: elapsed(started),
      error,
    });
  try {
    const response = await client.chat({
      model: request.model,
      stream: false,
      format: z.toJSONSchema(request.schema),
      options: { temperature: 0 },
      messages: [
        { role: 'system', content: request.system },
        { role: 'user', content: request.user },
      ],
    });
    output = response.message.content;
    const answer = request.schema.parse(JSON.parse(output));
    report(null);
    return answer;
  } catch (error) {
    report(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return null;
  }
}

/** The Ollama-backed fallback; `timeoutMs` bounds each call, the whole call, including the model load. */
export function createOllamaFallback(options: {
  url: string;
  model: string;
  timeoutMs: number;
}): LlmFallback {
  const client = ollamaClient(options.url, options.timeoutMs);
  return {
    model: options.model,
    interpret: (text, context, onCall) => {
      const system = buildPrompt(
        context.categories.length > 0 ? context.categories : DEFAULT_CATEGORIES,
        context.timezone,
      );
      return askJson(
        client,
        { model: options.model, purpose: 'nlu', system, user: text, schema: LlmAnswerSchema },
        onCall,
      );
    },
  };
}

export function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
