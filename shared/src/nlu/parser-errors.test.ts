/**
 * Issue 14 item 9: the rules parser must not hide its own failures. An internal error is logged and
 * counted (kantong_parser_errors_total) and answered as low-confidence smalltalk in production;
 * under test it is thrown, so a test that trips a parser bug fails instead of passing on smalltalk.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../logger.ts';
import { parserErrors, registry } from '../metrics/index.ts';
import { CONFIDENCE, parseMessage, withParserErrorsSwallowed } from './rules.ts';
import type { CategoryOption, ParseContext } from './schema.ts';

/** A category list that fails when read: a stand-in for any bug inside the parser. */
function brokenCategories(): readonly CategoryOption[] {
  return new Proxy([] as CategoryOption[], {
    get(target, property, receiver) {
      if (property === Symbol.iterator) throw new Error('category list unreadable');
      return Reflect.get(target, property, receiver);
    },
  });
}

const ctx = (): ParseContext => ({
  now: new Date('2024-05-01T01:30:00Z'),
  timezone: 'Asia/Jakarta',
  categories: brokenCategories(),
});

async function errorCount(): Promise<number> {
  const metric = await parserErrors.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parser errors', () => {
  it('are thrown under test (VITEST is set), so no test passes on a hidden failure', () => {
    expect(process.env.VITEST).toBeTruthy();
    expect(() => parseMessage('beli kopi 20rb', ctx())).toThrow('category list unreadable');
  });

  it('in production are logged, counted and answered as smalltalk below the LLM threshold', async () => {
    const log = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const before = await errorCount();
    const result = withParserErrorsSwallowed(() => parseMessage('beli kopi 20rb', ctx()));
    expect(result).toMatchObject({ intent: 'smalltalk', confidence: CONFIDENCE.parserError, amount: null });
    expect(await errorCount()).toBe(before + 1);
    expect(log).toHaveBeenCalledTimes(1);
    const [fields, message] = log.mock.calls[0] as unknown as [Record<string, unknown>, string];
    expect(message).toMatch(/parser error/);
    expect(fields).toMatchObject({ component: 'nlu.rules', length: 'beli kopi 20rb'.length });
    expect((fields.err as Error).message).toBe('category list unreadable');
    // The message itself is not logged (it is the user's own text).
    expect(JSON.stringify(fields)).not.toContain('kopi');
    expect(await registry.metrics()).toMatch(/kantong_parser_errors_total \d+/);
  });

  it('a healthy parse logs and counts nothing', async () => {
    const log = vi.spyOn(logger, 'error');
    const before = await errorCount();
    expect(parseMessage('beli kopi 20rb', { now: new Date(), timezone: 'Asia/Jakarta' }).intent).toBe(
      'create_transaction',
    );
    expect(await errorCount()).toBe(before);
    expect(log).not.toHaveBeenCalled();
  });
});
