/**
 * Understanding a message: the deterministic Indonesian reader first; the LLM only when the rules
 * are unsure (confidence below RULES_CONFIDENT) and one is configured.
 */
import { getConfig } from '../config.ts';
import { aiDuration } from '../metrics/index.ts';
import { canonicalWallet } from '../wallets/names.ts';
import { DEFAULT_CATEGORIES } from './lexicon.ts';
import { type AiCall, createOllamaFallback, type LlmAnswer, type LlmFallback } from './llm.ts';
import { parseMessage, RULES_CONFIDENT } from './rules.ts';
import {
  AMOUNT_INTENTS,
  type CategoryOption,
  type Intent,
  type ParseContext,
  type ParseResult,
} from './schema.ts';
import { tokenize } from './text.ts';
import { findWallets } from './wallets.ts';

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

/** Asked instead of deleting when the model, not the user, chose delete_last; "hapus" then deletes. */
export const QUESTION_CONFIRM_DELETE = 'Mau hapus transaksi terakhir? Balas: hapus';

/**
 * The model's money intents are taken only with an amount the rules read from the user's own
 * words (issue 14 item 8: a null amount on pay_debt would settle a whole balance, on set_balance
 * overwrite one). Without it the answer is a question.
 */
const NEEDS_TYPED_AMOUNT = AMOUNT_INTENTS;

/** The cash flow each loan and wallet intent implies (the contract's `direction`), whatever the model said. */
const IMPLIED_DIRECTION: Partial<Record<Intent, ParseResult['direction']>> = {
  create_debt: 'income',
  create_receivable: 'expense',
  pay_debt: 'expense',
  receive_debt_payment: 'income',
  transfer: 'transfer',
};

/** The message's words, lower case and single-spaced, padded so a name matches only as whole words. */
function wordsOf(text: string): string {
  return ` ${tokenize(text)
    .filter((token) => token.kind !== 'symbol')
    .map((token) => token.raw.toLowerCase())
    .join(' ')} `;
}

/** A person the model named, kept only when the message says it (a model may invent names). */
function namedPerson(name: string | null | undefined, text: string): string | null {
  const person = name?.trim().replace(/\s+/g, ' ').toLowerCase();
  if (!person || !wordsOf(text).includes(` ${person} `)) return null;
  return person;
}

/** A wallet the model named, kept only when the message names that wallet (printed name, as wallets/names.ts has it). */
function namedWallet(name: string | null | undefined, text: string): string | null {
  if (!name?.trim()) return null;
  const wallet = canonicalWallet(name).name;
  const said = findWallets(tokenize(text).map((token) => token.norm)).some(
    (mention) => mention.name === wallet,
  );
  if (said || wordsOf(text).includes(` ${name.trim().toLowerCase()} `)) return wallet;
  return null;
}

/**
 * Folds the model's answer into the rules' reading. The model may pick the intent, category,
 * savings name, period and (when the message says them) a person or wallet; the amount stays the
 * rules' (null when they read none, which turns a money intent into a question for the amount).
 * It may never delete: delete_last from the model becomes a question (issue 14 item 8).
 */
export function mergeLlmAnswer(
  rules: ParseResult,
  answer: LlmAnswer,
  options: readonly CategoryOption[],
  text = '',
): ParseResult {
  const category = canonicalCategory(answer.category_suggestion, options) ?? rules.category_suggestion;
  const merged: ParseResult = {
    ...rules,
    intent: answer.intent,
    direction: IMPLIED_DIRECTION[answer.intent] ?? answer.direction ?? rules.direction,
    description: rules.description ?? answer.description ?? null,
    category_suggestion: category,
    saving_name: rules.saving_name ?? answer.saving_name?.trim().toLowerCase() ?? null,
    period: rules.period ?? answer.period ?? null,
    question: answer.question ?? rules.question,
    confidence: Math.min(LLM_CONFIDENCE, Math.max(rules.confidence, 0.5)),
    counterparty: rules.counterparty ?? namedPerson(answer.counterparty, text),
    wallet: rules.wallet ?? namedWallet(answer.wallet, text),
    to_wallet: rules.to_wallet ?? namedWallet(answer.to_wallet, text),
  };
  if (merged.intent === 'delete_last') {
    return { ...merged, intent: 'clarification', question: QUESTION_CONFIRM_DELETE };
  }
  if (NEEDS_TYPED_AMOUNT.has(merged.intent) && merged.amount === null) {
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
  return answer ? mergeLlmAnswer(rules, answer, categories, text) : rules;
}
