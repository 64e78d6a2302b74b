/**
 * The transcript reader on the errors Whisper makes on Indonesian money notes (pure and fast:
 * no audio here; the noisy voice notes themselves are in speech/noisy.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from './rules.ts';
import { editDistance, parseSpokenMessage, readSpoken, SPOKEN_SURE } from './spoken.ts';

const ctx = { now: new Date('2026-03-10T05:00:00Z'), timezone: 'Asia/Jakarta' };

const read = (text: string) => parseSpokenMessage(text, ctx);

describe('edit distance', () => {
  it('counts substitutions, insertions, deletions and swaps', () => {
    expect(editDistance('velapan', 'delapan')).toBe(1);
    expect(editDistance('limar', 'lima')).toBe(1);
    expect(editDistance('pulu', 'puluh')).toBe(1);
    expect(editDistance('tgia', 'tiga')).toBe(1);
    expect(editDistance('apota', 'apotek')).toBe(1.5);
    expect(editDistance('ribu', 'juta', 1)).toBe(2);
    // Letters a recogniser confuses cost half: t/d and r/l.
    expect(editDistance('terapan', 'delapan')).toBe(1);
  });
});

describe('number words joined or split by the recogniser', () => {
  it.each([
    ['beli sepatu duaratus ribu', 200_000n],
    ['makan limapuluh ribu', 50_000n],
    ['makan dua puluhlima ribu', 25_000n],
    ['makan dua puluh lima ribu', 25_000n],
    ['isi bensin delapanpuluh lima ribu', 85_000n],
    ['beli pulsa seratus ribu', 100_000n],
    ['beli pulsa se ratus ribu', 100_000n],
    ['bayar parkir lima rebu', 5_000n],
  ])('"%s" → %s, booked', (text, amount) => {
    const result = read(text);
    expect(result.amount).toBe(amount);
    expect(result.confidence).toBeGreaterThanOrEqual(SPOKEN_SURE);
  });

  it('splits a keyword glued to a number ("Kossatu juta") and asks, since the split is a guess', () => {
    const reading = readSpoken('bayar Kossatu juta', ctx);
    expect(reading.text).toBe('bayar kos satu juta');
    expect(reading.result).toMatchObject({ amount: 1_000_000n, category_suggestion: 'Rumah' });
    expect(reading.result.confidence).toBeLessThan(SPOKEN_SURE);
  });

  it('drops a consonant glued on from the word before ("kempat puluh") and asks', () => {
    const reading = readSpoken('beli obat di apotek kempat puluh ribu', ctx);
    expect(reading.result.amount).toBe(40_000n);
    expect(reading.result.confidence).toBeLessThan(SPOKEN_SURE);
    // …but not from a real word that merely ends like a number word.
    expect(readSpoken('bayar di tempat lima ribu', ctx).text).toBe('bayar di tempat lima ribu');
  });
});

describe('misheard number words, matched within the number vocabulary', () => {
  it.each([
    ['isi bensin velapan puluh ribu', 80_000n],
    ['bayar parkir limar ribu', 5_000n],
    ['makan tiga pulu ribu', 30_000n],
    ['beli roti dua ribuh', 2_000n],
    ['belanja sayur menam puluh berapan ribu', 68_000n],
    ['makan malam sambilan puluh ribu', 90_000n],
    ['isi bensin terapan kuluh ribu', 80_000n],
    ['makan si antiga puluh, dua ribu, lima ratus', 32_500n],
  ])('"%s" → %s, asked back', (text, amount) => {
    const result = read(text);
    expect(result.amount).toBe(amount);
    expect(result.confidence).toBeLessThan(SPOKEN_SURE);
  });

  it('never reads an everyday word as a number ("juga" is not juta)', () => {
    const result = read('makan siang lima ribu juga');
    expect(result.amount).toBe(5_000n);
    expect(result.confidence).toBeGreaterThanOrEqual(SPOKEN_SURE);
  });

  it('leaves real words near number words alone where no number is spoken', () => {
    expect(readSpoken('sudah lama nggak makan sate dua puluh ribu', ctx)).toMatchObject({
      text: 'sudah lama nggak makan sate dua puluh ribu',
      result: { amount: 20_000n },
    });
    expect(read('sudah lama nggak makan sate dua puluh ribu').confidence).toBeGreaterThanOrEqual(SPOKEN_SURE);
  });
});

describe('category words heard slightly wrong', () => {
  it.each([
    ['isi benzin lima puluh ribu', 'Transport'],
    ['beli obat di apota empat puluh ribu', 'Kesehatan'],
  ])('"%s" → %s', (text, category) => {
    const result = read(text);
    expect(result.category_suggestion).toBe(category);
    expect(result.amount).not.toBeNull();
  });

  it('does not replace a category heard exactly', () => {
    expect(read('makan benzin lima puluh ribu').category_suggestion).toBe('Makan');
  });
});

describe('an amount that looks incomplete is never booked', () => {
  it.each([
    // The two readings once booked wrong (Rp2.000 and Rp5.000 at 0.95/0.85).
    'makan siang tigapul dua ribu lima ratus',
    'makan siang xyzzy ribu lima ratus',
    'makan siang tiga puluh eh dua ribu lima ratus',
    'isi bensin terapam puluh lima ribu',
    'isi bensin delapan lima ribu',
    'isi bensin delapan ribar lima ribu',
    'bayar listrik tinggar ratus lima puluh ribu',
  ])('"%s" is asked back or has no amount', (text) => {
    const result = read(text);
    if (result.amount !== null) expect(result.confidence).toBeLessThan(SPOKEN_SURE);
    // The plain rules reader would have booked a part of the number.
    expect(parseMessage(text, ctx).amount).not.toBeNull();
  });

  it('asks when the raw and the repaired readings disagree', () => {
    const reading = readSpoken('makan si antiga puluh dua ribu lima ratus', ctx);
    expect(reading.doubts.join('; ')).toMatch(/disagree/);
  });
});

describe('what Whisper heard right is read as today', () => {
  it.each([
    ['makan siang tiga puluh dua ribu lima ratus', 32_500n],
    ['isi bensin delapan puluh lima ribu', 85_000n],
    ['makan siang 32.500', 32_500n],
    ['isi bensin Rp 85.000', 85_000n],
    ['isi bensin 85 ribu', 85_000n],
    ['gaji, lima, juta.', 5_000_000n],
    ['bayar kos satu juta dua ratus ribu', 1_200_000n],
    ['beli kopi setengah juta', 500_000n],
  ])('"%s" → %s, with the rules’ own confidence', (text, amount) => {
    const spoken = read(text);
    const typed = parseMessage(text, ctx);
    expect(spoken.amount).toBe(amount);
    expect(spoken).toEqual(typed);
    expect(spoken.confidence).toBeGreaterThanOrEqual(SPOKEN_SURE);
  });

  it('passes messages without money through untouched', () => {
    for (const text of ['laporan bulan ini', 'hapus yang terakhir', 'halo', '']) {
      expect(read(text)).toEqual(parseMessage(text, ctx));
    }
  });
});
