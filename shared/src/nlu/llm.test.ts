/**
 * The LLM fallback's own guarantees: bounded by a timeout, every call audited, never the source
 * of an amount. A real Ollama server is exercised by the AI-runtime tests; here the network faults
 * are real sockets (a server that never answers, a closed port).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../infra/scripts/embedded-postgres.ts';
import { mergeLlmAnswer, parseMessage } from './index.ts';
import { DEFAULT_CATEGORIES } from './lexicon.ts';
import { type AiCall, createOllamaFallback } from './llm.ts';

const context = { categories: DEFAULT_CATEGORIES, timezone: 'Asia/Jakarta' };
let silent: Server;
let silentPort: number;
const openSockets = new Set<Socket>();

beforeAll(async () => {
  // Accepts connections and never answers: an Ollama stuck loading a model.
  silent = createServer((socket) => {
    openSockets.add(socket);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  silentPort = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  for (const socket of openSockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe('Ollama fallback faults', () => {
  it('gives up after the timeout and audits the failed call', async () => {
    const calls: AiCall[] = [];
    const llm = createOllamaFallback({
      url: `http://127.0.0.1:${silentPort}`,
      model: 'qwen2.5:1.5b',
      timeoutMs: 300,
    });
    const started = Date.now();
    const answer = await llm.interpret('gimana ya', context, (call) => calls.push(call));
    expect(answer).toBeNull();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ model: 'qwen2.5:1.5b', purpose: 'nlu', success: false, output: null });
    expect(calls[0]?.error).toMatch(/timeout|abort/i);
  });

  it('reports a refused connection as a failed call, not a crash', async () => {
    const calls: AiCall[] = [];
    const port = await freePort();
    const llm = createOllamaFallback({ url: `http://127.0.0.1:${port}`, model: 'm', timeoutMs: 2000 });
    expect(await llm.interpret('gimana ya', context, (call) => calls.push(call))).toBeNull();
    expect(calls.map((call) => call.success)).toEqual([false]);
  });
});

describe('merging the model answer into the rules reading', () => {
  const now = new Date('2026-11-25T03:00:00Z');

  it('never takes an amount from the model: the rules amount stays', () => {
    const rules = parseMessage('kemarin 40K buat anu', { now, timezone: 'Asia/Jakarta' });
    const merged = mergeLlmAnswer(
      rules,
      {
        intent: 'create_transaction',
        amount: 40_000_000,
        category_suggestion: 'Belanja',
        direction: 'expense',
      },
      DEFAULT_CATEGORIES,
    );
    expect(merged.amount).toBe(40000n);
    expect(merged.category_suggestion).toBe('Belanja');
  });

  it('turns a model "transaction" without a rules amount into a question for the amount', () => {
    const rules = parseMessage('yang kemarin itu loh', { now, timezone: 'Asia/Jakarta' });
    const merged = mergeLlmAnswer(rules, { intent: 'create_transaction', amount: 75000 }, DEFAULT_CATEGORIES);
    expect(merged.intent).toBe('clarification');
    expect(merged.amount).toBeNull();
    expect(merged.question).toBe('Berapa nominalnya?');
  });

  it('ignores a category the user does not have', () => {
    const rules = parseMessage('anu 20k', { now, timezone: 'Asia/Jakarta' });
    const merged = mergeLlmAnswer(
      rules,
      { intent: 'create_transaction', category_suggestion: 'Crypto Moon' },
      DEFAULT_CATEGORIES,
    );
    expect(merged.category_suggestion).toBe(rules.category_suggestion);
    expect(merged.confidence).toBeLessThanOrEqual(0.7);
  });
});
