/**
 * Issue 14 item 8: the model may pick words, never destroy. Whatever a model answers, a reading
 * that deletes, or settles money without an amount the user typed, becomes a question; and the
 * names it returns (a person, a wallet) are kept only when the message says them.
 */
import { describe, expect, it } from 'vitest';
import { mergeLlmAnswer, parseMessage, RULES_CONFIDENT, understand } from './index.ts';
import { DEFAULT_CATEGORIES } from './lexicon.ts';
import { buildPrompt, type LlmAnswer, LlmAnswerSchema, type LlmFallback } from './llm.ts';
import type { ParseContext } from './schema.ts';

const CTX: ParseContext = { now: new Date('2026-11-25T03:00:00Z'), timezone: 'Asia/Jakarta' };

/** A stand-in model that answers `answer` to every message, and counts its calls. */
function fakeModel(answer: LlmAnswer): LlmFallback & { calls: number } {
  const model = {
    model: 'fake',
    calls: 0,
    interpret: async () => {
      model.calls += 1;
      return LlmAnswerSchema.parse(answer);
    },
  };
  return model;
}

describe('the LLM may not choose a destructive intent', () => {
  it.each<[string, LlmAnswer]>([
    ['tolong yang kemarin diberesin', { intent: 'delete_last' }],
    ['yang tadi salah semua', { intent: 'delete_last', question: null }],
    ['urusan sama budi beres', { intent: 'pay_debt', counterparty: 'budi' }],
    ['dimas udah beres', { intent: 'receive_debt_payment', counterparty: 'dimas' }],
    ['yang di bca ya', { intent: 'set_balance', wallet: 'BCA' }],
    ['beresin yang di bca', { intent: 'transfer', wallet: 'BCA', to_wallet: 'GoPay' }],
  ])('"%s" answered %j becomes a question, nothing removed or moved', async (text, answer) => {
    const rules = parseMessage(text, CTX);
    expect(rules.confidence).toBeLessThan(RULES_CONFIDENT);
    const model = fakeModel(answer);
    const result = await understand(text, CTX, { llm: model });
    expect(model.calls).toBe(1);
    expect(result.intent).toBe('clarification');
    expect(result.question).toEqual(expect.any(String));
    expect(result.amount).toBeNull();
  });

  it('a delete the user typed is still read by the rules alone, the model never asked', async () => {
    const model = fakeModel({ intent: 'smalltalk' });
    const result = await understand('hapus transaksi terakhir', CTX, { llm: model });
    expect(result.intent).toBe('delete_last');
    expect(model.calls).toBe(0);
  });

  it('the question after a model-chosen delete is one the rules read as the delete itself', () => {
    const merged = mergeLlmAnswer(
      parseMessage('gimana ya yang kemarin', CTX),
      { intent: 'delete_last' },
      DEFAULT_CATEGORIES,
    );
    expect(merged.intent).toBe('clarification');
    expect(merged.question).toMatch(/hapus/);
    // The user's answer "hapus" is what deletes, read by the rules at full confidence.
    expect(parseMessage('hapus', CTX)).toMatchObject({ intent: 'delete_last', confidence: 0.95 });
  });

  it('a repayment with the amount the user typed may stand', () => {
    const rules = parseMessage('urusan sama budi 50rb', CTX);
    expect(rules.amount).toBe(50_000n);
    const merged = mergeLlmAnswer(
      rules,
      { intent: 'pay_debt', counterparty: 'budi', amount: 50_000_000 },
      DEFAULT_CATEGORIES,
      'urusan sama budi 50rb',
    );
    expect(merged).toMatchObject({
      intent: 'pay_debt',
      amount: 50_000n,
      counterparty: 'budi',
      direction: 'expense',
    });
  });
});

describe('names from the model are kept only when the message says them', () => {
  it('keeps a person and wallets that appear in the text, canonicalised', () => {
    const text = 'urusan sama budi 50rb lewat gopay';
    const merged = mergeLlmAnswer(
      parseMessage(text, CTX),
      { intent: 'create_receivable', counterparty: 'Budi', wallet: 'gopay' },
      DEFAULT_CATEGORIES,
      text,
    );
    expect(merged).toMatchObject({ intent: 'create_receivable', counterparty: 'budi', wallet: 'GoPay' });
  });

  it('drops a person or wallet the model made up', () => {
    const text = 'urusan sama budi 50rb';
    const merged = mergeLlmAnswer(
      parseMessage(text, CTX),
      { intent: 'create_receivable', counterparty: 'andi', wallet: 'OVO', to_wallet: 'BCA' },
      DEFAULT_CATEGORIES,
      text,
    );
    expect(merged.counterparty ?? null).toBeNull();
    expect(merged.wallet ?? null).toBeNull();
    expect(merged.to_wallet ?? null).toBeNull();
  });
});

describe('the prompt and schema know the new intents and fields', () => {
  it('lists every intent the model may choose, and not delete_last', () => {
    const prompt = buildPrompt(DEFAULT_CATEGORIES, 'Asia/Jakarta');
    for (const intent of ['create_debt', 'create_receivable', 'get_debts', 'transfer', 'get_balance']) {
      expect(prompt).toContain(intent);
    }
    expect(prompt).not.toMatch(/\bdelete_last\b/);
    expect(prompt).toContain('counterparty');
    expect(prompt).toContain('to_wallet');
  });

  it('accepts counterparty, wallet and to_wallet, bounded in length', () => {
    expect(
      LlmAnswerSchema.safeParse({ intent: 'transfer', wallet: 'BCA', to_wallet: 'GoPay', counterparty: null })
        .success,
    ).toBe(true);
    expect(LlmAnswerSchema.safeParse({ intent: 'create_debt', counterparty: 'x'.repeat(500) }).success).toBe(
      false,
    );
  });
});
