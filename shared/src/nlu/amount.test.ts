import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT } from '../money/index.ts';
import { findAmounts, isMoney, parseAmount, scanTokens } from './amount.ts';
import { tokenize } from './text.ts';

describe('parseAmount reads every common written form into whole rupiah', () => {
  it.each<[string, bigint]>([
    ['50k', 50_000n],
    ['50K', 50_000n],
    ['50 k', 50_000n],
    ['2.5k', 2_500n],
    ['50rb', 50_000n],
    ['50 rb', 50_000n],
    ['50rbu', 50_000n],
    ['50 ribu', 50_000n],
    ['50 rebu', 50_000n],
    ['50 RIBU', 50_000n],
    ['50rban', 50_000n],
    ['50.000', 50_000n],
    ['1.250.000', 1_250_000n],
    ['50,000', 50_000n],
    ['1,500,000', 1_500_000n],
    ['Rp50.000', 50_000n],
    ['Rp 50.000', 50_000n],
    ['Rp. 15.500', 15_500n],
    ['rp50rb', 50_000n],
    ['IDR 75.000', 75_000n],
    ['Rp 28.000,00', 28_000n],
    ['Rp 28.000,50', 28_001n],
    ['1,000.50 rupiah', 1_001n],
    ['15.500 rupiah', 15_500n],
    ['500 perak', 500n],
    ['1,5jt', 1_500_000n],
    ['1,5 jt', 1_500_000n],
    ['3,25 jt', 3_250_000n],
    ['1.5jt', 1_500_000n],
    ['1.500rb', 1_500_000n],
    ['1jt 200rb', 1_200_000n],
    ['1jt200rb', 1_200_000n],
    ['1jt 200', 1_200_000n],
    ['2 juta 500 ribu', 2_500_000n],
    ['12rb 500', 12_500n],
    ['2 juta', 2_000_000n],
    ['2jt', 2_000_000n],
    ['2 jutaan', 2_000_000n],
    ['1 miliar', 1_000_000_000n],
    ['2 milyar', 2_000_000_000n],
    ['1 triliun', 1_000_000_000_000n],
    ['sejuta', 1_000_000n],
    ['seribu', 1_000n],
    ['seratus ribu', 100_000n],
    ['setengah juta', 500_000n],
    ['satu setengah juta', 1_500_000n],
    ['dua setengah juta', 2_500_000n],
    ['satu koma lima juta', 1_500_000n],
    ['tiga puluh lima ribu', 35_000n],
    ['dua puluh lima ribu lima ratus', 25_500n],
    ['dua belas ribu', 12_000n],
    ['sebelas ribu', 11_000n],
    ['sepuluh ribu', 10_000n],
    ['lima ratus ribu', 500_000n],
    ['dua ratus lima puluh ribu', 250_000n],
    ['sejuta dua ratus ribu', 1_200_000n],
    ['seribu lima ratus', 1_500n],
    ['dua juta lima ratus ribu', 2_500_000n],
    ['5 ratus ribu', 500_000n],
    ['seceng', 1_000n],
    ['ceceng', 1_000n],
    ['noceng', 2_000n],
    ['goceng', 5_000n],
    ['ceban', 10_000n],
    ['2 ceban', 20_000n],
    ['dua goban', 100_000n],
    ['goban', 50_000n],
    ['gocap', 50n],
    ['cepek', 100n],
    ['gopek', 500n],
    ['50000', 50_000n],
    ['1000', 1_000n],
    ['beli kopi 25rb', 25_000n],
    ['-50k', 50_000n],
    ['bayar -Rp50.000', 50_000n],
    ['Rp1.000.000.000.000.000', MAX_AMOUNT],
    ['1000 triliun', MAX_AMOUNT],
  ])('%s → %d', (text, expected) => {
    expect(parseAmount(text)).toBe(expected);
  });
});

describe('parseAmount leaves numbers that are not money alone', () => {
  it.each<[string]>([
    ['3'],
    ['jam 3'],
    ['jam 10.30'],
    ['aku umur 25 tahun'],
    ['kamar nomor 12'],
    ['kirim 3 foto'],
    ['tahun 2024'],
    ['nomor 12345'],
    ['08123456789'],
    ['6281234567890'],
    ['1234567890123'],
    ['sebelas'],
    ['lima ratus'],
    ['1,5'],
    ['0'],
    ['0k'],
    ['1.2.3'],
    ['50%'],
    ['10:30'],
    ['kuota 10 gb'],
    ['2 liter'],
    ['ke-3'],
    [''],
    ['-'],
    ['rp'],
    ['k'],
  ])('%s → null', (text) => {
    expect(parseAmount(text)).toBeNull();
  });
});

describe('findAmounts describes each number it sees', () => {
  it('marks a unit amount explicit, a dotted one grouped and plain digits bare', () => {
    expect(findAmounts('50k 50.000 50000').map((a) => [a.value, a.kind])).toEqual([
      [50_000n, 'explicit'],
      [50_000n, 'grouped'],
      [50_000n, 'bare'],
    ]);
  });

  it('keeps a count apart from the price next to it', () => {
    const amounts = findAmounts('beli 3 kopi 60rb');
    expect(amounts.map((a) => [a.value, a.kind, isMoney(a)])).toEqual([
      [3n, 'bare', false],
      [60_000n, 'explicit', true],
    ]);
  });

  it('vetoes a bare number next to a measure word', () => {
    const [first, second] = findAmounts('kuota 10 gb 50k');
    expect(first).toMatchObject({ value: 10n, vetoed: true });
    expect(second).toMatchObject({ value: 50_000n, vetoed: false, kind: 'explicit' });
  });

  it('flags a glued minus sign but keeps the value positive', () => {
    expect(findAmounts('kopi -20k')).toMatchObject([{ value: 20_000n, negative: true }]);
  });

  it('does not take the dash of a range as a minus sign', () => {
    expect(findAmounts('20-30rb').map((a) => [a.value, a.negative])).toEqual([
      [20n, false],
      [30_000n, false],
    ]);
  });

  it('reports the character span of the amount including its currency words', () => {
    const text = 'bayar Rp 28.000,00 tunai';
    const [amount] = findAmounts(text);
    expect(amount === undefined ? null : text.slice(amount.start, amount.end)).toBe('Rp 28.000,00');
  });

  it('keeps two separate amounts separate when the scale does not fall', () => {
    expect(findAmounts('makan 20k parkir 5k').map((a) => a.value)).toEqual([20_000n, 5_000n]);
  });
});

describe('amounts beyond MAX_AMOUNT are refused, never overflowed', () => {
  it.each<[string]>([
    ['99999999999999999999rb'],
    ['1000000000000001'],
    ['2000 triliun'],
    ['1.000.000.000.000.001'],
    [`${'9'.repeat(5000)}k`],
  ])('%s is too large', (text) => {
    const scan = scanTokens(tokenize(text));
    expect(scan.amounts.filter(isMoney)).toEqual([]);
    expect(scan.tooLarge).toBe(true);
  });
});

describe('amount reading on hostile input', () => {
  it('reads 100 KB of digits and separators quickly and without throwing', () => {
    const text = '1.'.repeat(50_000);
    const started = performance.now();
    expect(() => findAmounts(text)).not.toThrow();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('reads emoji, mixed scripts and control characters without throwing', () => {
    expect(parseAmount('☕️ كوب قهوة 咖啡 50k \u0000\u202e')).toBe(50_000n);
  });
});

describe('amount properties', () => {
  it('Xk is always X × 1000 for a whole X', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999 }), (x) => {
        expect(parseAmount(`${x}k`)).toBe(BigInt(x) * 1000n);
      }),
    );
  });

  it('X juta is always X × 1.000.000 for a whole X', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999 }), (x) => {
        expect(parseAmount(`${x} juta`)).toBe(BigInt(x) * 1_000_000n);
      }),
    );
  });

  it('a dotted thousands number reads back as the number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 999_999_999_999 }), (x) => {
        const dotted = x.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
        expect(parseAmount(`Rp${dotted}`)).toBe(BigInt(x));
      }),
    );
  });

  it('every amount found is a positive bigint no larger than MAX_AMOUNT', () => {
    const pieces = fc.constantFrom(
      '50',
      'k',
      'rb',
      'jt',
      'juta',
      'ribu',
      '-',
      '.',
      ',',
      ' ',
      'rp',
      '1,5',
      '9999999',
      'setengah',
      'dua',
      'puluh',
      'ratus',
      'triliun',
      'goceng',
      '000',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), fc.string({ maxLength: 30 }), (parts, noise) => {
        for (const amount of findAmounts(parts.join('') + noise + parts.join(' '))) {
          expect(typeof amount.value).toBe('bigint');
          expect(amount.value > 0n && amount.value <= MAX_AMOUNT).toBe(true);
        }
      }),
    );
  });
});
