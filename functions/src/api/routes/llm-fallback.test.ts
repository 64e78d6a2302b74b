/**
 * The LLM fallback as `/wa/incoming` uses it: consulted only for what the rules cannot place,
 * one `ai_audit` row per call, and never the source of an amount. The model here is an
 * in-process LlmFallback (the seam the Ollama client plugs into); the Ollama client's own
 * network behaviour is tested in shared/src/nlu/llm.test.ts.
 */
import { sql } from '@kantong/shared/db';
import type { AiCall, LlmFallback } from '@kantong/shared/nlu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../testing.ts';

type Scripted = { answer: Awaited<ReturnType<LlmFallback['interpret']>>; fail?: string };
const script: Scripted[] = [];
const asked: string[] = [];

const scriptedModel: LlmFallback = {
  model: 'scripted-test-model',
  interpret: async (text, _context, onCall) => {
    asked.push(text);
    const next = script.shift() ?? { answer: null, fail: 'no answer scripted' };
    const call: AiCall = {
      model: 'scripted-test-model',
      purpose: 'nlu',
      input: text,
      output: next.answer ? JSON.stringify(next.answer) : null,
      success: !next.fail,
      latencyMs: 1,
      error: next.fail ?? null,
    };
    onCall(call);
    return next.fail ? null : next.answer;
  },
};

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ llm: scriptedModel });
  await api.say('6281277770001', 'halo');
  await api.say('6281277770001', 'ya');
});
afterAll(async () => {
  await api.db.drop();
});

const audits = () =>
  api.db.pool.any(sql.type(z.object({ model_name: z.string(), success: z.boolean().nullable() }))`
    SELECT model_name, success FROM ai_audit ORDER BY id`);

describe('LLM fallback through /wa/incoming', () => {
  it('is not asked when the rules are sure', async () => {
    asked.length = 0;
    await api.say('6281277770001', 'beli pulsa 50k');
    expect(asked).toEqual([]);
    expect(await audits()).toEqual([]);
  });

  it('places an unclear message, keeps the rules amount over the model’s, and audits the call', async () => {
    script.push({
      answer: {
        intent: 'create_transaction',
        direction: 'expense',
        amount: 40_000_000,
        category_suggestion: 'Belanja',
      },
    });
    const result = await api.say('6281277770001', 'kemarin 40K buat anu');
    // "kemarin": the reply says the day (issue 12), which follows the real clock here.
    expect(result.reply).toMatch(
      /^✅ Catat pengeluaran Rp40\.000 kategori Belanja \(kemarin, \d{1,2} [A-Z][a-z]{2}\)\. Balas: ganti <kategori> kalau mau ubah\.$/,
    );
    expect(await audits()).toEqual([{ model_name: 'scripted-test-model', success: true }]);
    const amount = await api.db.pool.oneFirst(sql.type(z.object({ amount: z.bigint() }))`
      SELECT amount FROM transactions ORDER BY id DESC LIMIT 1`);
    expect(amount).toBe(40000n);
  });

  it('falls back to the rules when the model fails, and audits the failure', async () => {
    script.push({ answer: null, fail: 'TimeoutError: The operation was aborted due to timeout' });
    const result = await api.say('6281277770001', 'anu 20k');
    expect(result.intent).toBe('clarification');
    expect(result.reply).toBe('Ini pengeluaran kategori apa?');
    expect((await audits()).at(-1)).toEqual({ model_name: 'scripted-test-model', success: false });
  });
});
