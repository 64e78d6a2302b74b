/**
 * The parser's options per category list (issue 16): equal lists share one frozen array, so the
 * parser's index for it is built once, and a change to any name, kind or keyword makes a new one.
 */
import { describe, expect, it } from 'vitest';
import { optionsOf } from './index.ts';

const rows = () => [
  { name: 'Makan & Minum', kind: 'expense' as const, keywords: 'kopi, Bakso ,nasi' },
  { name: 'Gaji', kind: 'income' as const, keywords: null },
];

describe('optionsOf', () => {
  it('splits keywords and gives equal lists the same frozen array', () => {
    const first = optionsOf(rows());
    expect(first).toEqual([
      { name: 'Makan & Minum', kind: 'expense', keywords: ['kopi', 'bakso', 'nasi'] },
      { name: 'Gaji', kind: 'income', keywords: [] },
    ]);
    expect(optionsOf(rows())).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => (first as unknown as { push: (x: unknown) => void }).push({})).toThrow(TypeError);
  });

  it('makes a new list when a keyword changes', () => {
    const changed = rows();
    changed[0] = { ...changed[0], keywords: 'kopi, bakso, nasi, es teh' } as (typeof changed)[0];
    expect(optionsOf(changed)).not.toBe(optionsOf(rows()));
    expect(optionsOf(changed)[0]?.keywords).toContain('es teh');
  });
});
