/**
 * Understanding a message: the deterministic Indonesian reader first; the LLM only when the rules
 * are unsure (confidence below RULES_CONFIDENT) and one is configured.
 */
import { getConfig } from '../config.ts';
import { aiDuration } from '../metrics/index.ts';
import { DEFAULT_CATEGORIES } from './lexicon.ts';
import { type AiCall, createOllamaFallback, type LlmAnswer, type LlmFallback } from './llm.ts';
import { parseMessage, RULES_CONFIDENT } from './rules.ts';
import type { CategoryOption, ParseContext, ParseResult } from './schema.ts';

export { recordAiCall } from './audit.ts';
export type { AiCall, LlmFallback } from './llm.ts';
export { createOllamaFallback } from './llm.ts';
export { parseMessage, RULES_CONFIDENT } from './rules.ts';
export * from './schema.ts';

/** Highest confidence an LLM-derived reading gets: it is a guess, and the reply may ask to correct it. */
const LLM_CONFIDENCE = 0.7;

/** The fallback configured for this process (OLLAMA_URL), or null. */
export function configuredFallback(): LlmFallback | null {
  const config = getConfig();
  if (!config.OLLAMA_URL) return null;
  return createOllamaFallback({
    url: config.OLLAMA_URL,
    model: config.OLLAMA_MODEL,
    timeoutMs: config.OLLAMA_TIMEOUT_MS,
  });
}

function canonicalCategory(
  name: string | null | undefined,
  options: readonly CategoryOption[],
): string | null {
  if (!name) return null;
  const match = options.find((option) => option.name.toLowerCase() === name.trim().toLowerCase());
  return match ? match.name : null;
}

/**
 * Folds the model's answer into the rules' reading. The model may pick the intent, category,
 * savings name and period; the amount stays the rules' (null when they read none, which turns a
 * transaction into a question for the amount).
 */
export function mergeLlmAnswer(
  rules: ParseResult,
  answer: LlmAnswer,
  options: readonly CategoryOption[],
): ParseResult {
  const category = canonicalCategory(answer.category_suggestion, options) ?? rules.category_suggestion;
  const merged: ParseResult = {
    ...rules,
    intent: answer.intent,
    direction: answer.direction ?? rules.direction,
    description: rules.description ?? answer.description ?? null,
    category_suggestion: category,
    saving_name: rules.saving_name ?? answer.saving_name?.trim().toLowerCase() ?? null,
    period: rules.period ?? answer.period ?? null,
    question: answer.question ?? rules.question,
    confidence: Math.min(LLM_CONFIDENCE, Math.max(rules.confidence, 0.5)),
  };
  const needsAmount = ['create_transaction', 'deposit_saving', 'withdraw_saving', 'set_budget'].includes(
    merged.intent,
  );
  if (needsAmount && merged.amount === null) {
    return { ...merged, intent: 'clarification', question: merged.question ?? 'Berapa nominalnya?' };
  }
  if (merged.intent === 'clarification' && !merged.question)
    merged.question = 'Maksudnya gimana? Bisa diperjelas?';
  return merged;
}

/**
 * Reads `text` in `context`. With `llm`, unsure readings go to the model and every call is
 * reported through `onAiCall` (for `ai_audit`).
 */
export async function understand(
  text: string,
  context: ParseContext,
  options: {
    llm?: LlmFallback | null;
    onAiCall?: (call: AiCall) => void;
    /** The rules reader to start from: a voice note's transcript has its own (spoken.ts). */
    read?: (text: string, context: ParseContext) => ParseResult;
  } = {},
): Promise<ParseResult> {
  const rules = (options.read ?? parseMessage)(text, context);
  if (!options.llm || rules.confidence >= RULES_CONFIDENT) return rules;
  const categories = context.categories ?? DEFAULT_CATEGORIES;
  const answer = await options.llm.interpret(text, { categories, timezone: context.timezone }, (call) => {
    aiDuration.observe(
      { model: call.model, purpose: call.purpose, success: String(call.success) },
      call.latencyMs / 1000,
    );
    options.onAiCall?.(call);
  });
  return answer ? mergeLlmAnswer(rules, answer, categories) : rules;
}
