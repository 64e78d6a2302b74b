import { describe, expect, it } from 'vitest';
import { resolveCategory } from './categories.ts';
import {
  DEFAULT_CATEGORIES,
  DEFAULT_CATEGORY_NAMES,
  DEFAULT_EXPENSE_CATEGORY_NAMES,
  DEFAULT_INCOME_CATEGORY_NAMES,
  FALLBACK_EXPENSE_CATEGORY,
  FALLBACK_INCOME_CATEGORY,
} from './lexicon.ts';
import { keywordWords, normalizeWord, titleCase, tokenize } from './text.ts';

describe('default categories', () => {
  it('has exactly the expense and income names the product promises, in order', () => {
    expect(DEFAULT_EXPENSE_CATEGORY_NAMES).toEqual([
      'Makan',
      'Transport',
      'Pulsa & Data',
      'Belanja',
      'Tagihan',
      'Rumah',
      'Kesehatan',
      'Hiburan',
      'Pendidikan',
      'Sosial',
      'Cicilan',
      'Lainnya',
    ]);
    expect(DEFAULT_INCOME_CATEGORY_NAMES).toEqual(['Gaji', 'Bonus', 'Usaha', 'Investasi', 'Pemasukan Lain']);
    expect(DEFAULT_CATEGORY_NAMES).toHaveLength(17);
  });

  it('names fallbacks that are themselves default categories of the right kind', () => {
    expect(DEFAULT_CATEGORIES.find((c) => c.name === FALLBACK_EXPENSE_CATEGORY)?.kind).toBe('expense');
    expect(DEFAULT_CATEGORIES.find((c) => c.name === FALLBACK_INCOME_CATEGORY)?.kind).toBe('income');
  });

  it('keeps every keyword lower case, trimmed and unique within its category', () => {
    for (const category of DEFAULT_CATEGORIES) {
      expect(category.keywords.length).toBeGreaterThan(0);
      for (const keyword of category.keywords) expect(keyword).toBe(keyword.trim().toLowerCase());
      expect(new Set(category.keywords).size).toBe(category.keywords.length);
    }
  });

  it('spells every keyword the way the reader normalises chat, so none is dead or redundant', () => {
    for (const category of DEFAULT_CATEGORIES) {
      for (const keyword of category.keywords) expect(keywordWords(keyword).join(' ')).toBe(keyword);
    }
  });

  it('gives no keyword to two categories', () => {
    const owner = new Map<string, string>();
    for (const category of DEFAULT_CATEGORIES) {
      for (const keyword of category.keywords) {
        expect(owner.get(keyword) ?? category.name).toBe(category.name);
        owner.set(keyword, category.name);
      }
    }
  });

  it.each<[string, string]>([
    ['makan', 'Makan'],
    ['kopi', 'Makan'],
    ['gofood', 'Makan'],
    ['bensin', 'Transport'],
    ['krl', 'Transport'],
    ['pulsa', 'Pulsa & Data'],
    ['paket data', 'Pulsa & Data'],
    ['indomaret', 'Belanja'],
    ['listrik', 'Tagihan'],
    ['kontrakan', 'Rumah'],
    ['apotek', 'Kesehatan'],
    ['netflix', 'Hiburan'],
    ['spp', 'Pendidikan'],
    ['kondangan', 'Sosial'],
    ['kpr', 'Cicilan'],
    ['gaji', 'Gaji'],
    ['thr', 'Bonus'],
    ['omzet', 'Usaha'],
    ['dividen', 'Investasi'],
    ['cashback', 'Pemasukan Lain'],
    ['susu formula', 'Belanja'],
  ])('keyword "%s" resolves to %s', (word, name) => {
    expect(resolveCategory(keywordWords(word), undefined)?.name).toBe(name);
  });
});

describe('chat normalisation', () => {
  it.each<[string, string]>([
    ['BELI', 'beli'],
    ['bli', 'beli'],
    ['yg', 'yang'],
    ['tdi', 'tadi'],
    ['kmrn', 'kemarin'],
    ['kemaren', 'kemarin'],
    ['bln', 'bulan'],
    ['tgl', 'tanggal'],
    ['gk', 'tidak'],
    ['ga', 'tidak'],
    ['makasihhh', 'makasih'],
    ['kopiii', 'kopi'],
    ['maaf', 'maaf'],
    ['rebu', 'ribu'],
    ['pekan', 'minggu'],
  ])('"%s" → "%s"', (word, expected) => {
    expect(normalizeWord(word)).toBe(expected);
  });

  it('splits letters from digits and keeps offsets into the original text', () => {
    const tokens = tokenize('Rp50.000,00 tgl5 ☕ 1jt200rb');
    expect(tokens.map((t) => [t.kind, t.norm, t.start])).toEqual([
      ['word', 'rp', 0],
      ['number', '50.000,00', 2],
      ['word', 'tanggal', 12],
      ['number', '5', 15],
      ['number', '1', 19],
      ['word', 'jt', 20],
      ['number', '200', 22],
      ['word', 'rb', 25],
    ]);
  });

  it('title-cases a new category name as typed', () => {
    expect(titleCase('uang  KUCING')).toBe('Uang Kucing');
  });
});
