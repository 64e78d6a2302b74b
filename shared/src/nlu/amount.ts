/**
 * Reads rupiah amounts in the forms people type in chat: "50k", "50rb", "Rp 28.000,00",
 * "1,5jt", "1jt 200rb", "tiga puluh lima ribu", "setengah juta", "goceng", "50000".
 *
 * Every amount is whole rupiah in a `bigint`, computed on integers (fractions such as "1,5" are
 * kept as numerator/denominator until the scale is applied), never above {@link MAX_AMOUNT}.
 *
 * Which numbers are money (the rules decide with {@link isMoney}):
 * - `explicit`: a scale or currency word says so ("50k", "2 juta", "Rp5.000", "500 perak",
 *   "goceng") — always money.
 * - `grouped`: digits with thousands separators ("50.000", "1,500,000") — always money.
 * - `bare`: plain digits or number words without a scale ("50000", "lima ratus"). Money only
 *   from 1.000 up, and never next to a word that makes it a count, an hour, an age or an ID
 *   ("jam 3", "25 tahun", "nomor 12", "3 foto", "0812…"); 100–999 is weak money the rules accept
 *   only when the message names a spend ("parkir 500").
 */
import { MAX_AMOUNT } from '../money/index.ts';
import { type Token, tokenize } from './text.ts';

export type AmountKind = 'explicit' | 'grouped' | 'bare';

export type AmountMatch = {
  /** Whole rupiah, 1 ≤ value ≤ MAX_AMOUNT. */
  value: bigint;
  kind: AmountKind;
  /** A minus sign was glued to it ("-50k"); the value is still positive. */
  negative: boolean;
  /** A bare number whose neighbours make it a count, time, age or ID rather than money. */
  vetoed: boolean;
  /** Token range [firstToken, lastToken) and character range [start, end) in the text. */
  firstToken: number;
  lastToken: number;
  start: number;
  end: number;
};

export type AmountScan = {
  amounts: AmountMatch[];
  /** Some amount was written but is beyond MAX_AMOUNT (or absurdly long); it is not in `amounts`. */
  tooLarge: boolean;
};

/** Bare numbers from here up count as money on their own. */
export const BARE_MONEY_MIN = 1000n;
/** Bare numbers from here up count as money when the message names a spend or a category. */
export const BARE_WEAK_MONEY_MIN = 100n;

type Fraction = { num: bigint; den: bigint };

const SCALES: ReadonlyMap<string, bigint> = new Map([
  ['k', 1_000n],
  ['rb', 1_000n],
  ['ribu', 1_000n],
  ['jt', 1_000_000n],
  ['juta', 1_000_000n],
  ['miliar', 1_000_000_000n],
  ['triliun', 1_000_000_000_000n],
]);

/** Words that are a scale with the amount one built in ("seribu" = 1 ribu). */
const SE_SCALES: ReadonlyMap<string, bigint> = new Map([
  ['seribu', 1_000n],
  ['sejuta', 1_000_000n],
  ['semiliar', 1_000_000_000n],
  ['setriliun', 1_000_000_000_000n],
]);

/** Jakarta money slang (from Hokkien numerals). */
const SLANG_AMOUNTS: ReadonlyMap<string, bigint> = new Map([
  ['gocap', 50n],
  ['cepek', 100n],
  ['gopek', 500n],
  ['seceng', 1_000n],
  ['noceng', 2_000n],
  ['goceng', 5_000n],
  ['ceban', 10_000n],
  ['goban', 50_000n],
]);

export const DIGIT_WORDS: ReadonlyMap<string, number> = new Map([
  ['nol', 0],
  ['satu', 1],
  ['dua', 2],
  ['tiga', 3],
  ['empat', 4],
  ['lima', 5],
  ['enam', 6],
  ['tujuh', 7],
  ['delapan', 8],
  ['sembilan', 9],
]);

const CURRENCY_PREFIX = new Set(['rp', 'idr']);
const CURRENCY_SUFFIX = new Set(['rupiah', 'perak', 'rp', 'idr']);

/** Words before a bare number that make it something other than money. */
const VETO_BEFORE = new Set([
  'jam',
  'pukul',
  'tahun',
  'thn',
  'umur',
  'usia',
  'nomor',
  'nomer',
  'no',
  'nmr',
  'kamar',
  'lantai',
  'tanggal',
  'rt',
  'rw',
  'kode',
  'pin',
  'otp',
  'ke',
  'blok',
  'gang',
  'gg',
  'jalan',
  'jl',
  'kelas',
  'ruang',
  'ruangan',
  'telp',
  'telepon',
  'wa',
  'angka',
  'level',
  'lvl',
  'bab',
  'halaman',
  'hal',
  'episode',
  'eps',
  'season',
  'pasal',
  'nik',
  'nim',
  'nip',
  'ktp',
  'rekening',
  'rek',
  'norek',
  'resi',
  'id',
  'versi',
  'seri',
  'tipe',
  'ukuran',
  'size',
  'menit',
  'detik',
  'gate',
  'peron',
  'kursi',
  'meja',
  'antrian',
  'antre',
  'urutan',
  'ranking',
  'juara',
  'skor',
  'nilai',
  'iphone',
  'galaxy',
]);

/** Words after a bare number that make it a count or a measure. */
const VETO_AFTER = new Set([
  'tahun',
  'thn',
  'th',
  'hari',
  'bulan',
  'minggu',
  'jam',
  'menit',
  'detik',
  'orang',
  'org',
  'foto',
  'gambar',
  'video',
  'pesan',
  'buah',
  'pcs',
  'biji',
  'kali',
  'x',
  'kg',
  'kilo',
  'gram',
  'gr',
  'ons',
  'km',
  'meter',
  'm',
  'cm',
  'mm',
  'liter',
  'lt',
  'l',
  'ml',
  'porsi',
  'bungkus',
  'bks',
  'gelas',
  'botol',
  'lembar',
  'unit',
  'item',
  'lusin',
  'persen',
  'kamar',
  'lantai',
  'sks',
  'mb',
  'gb',
  'kb',
  'tb',
  'mbps',
  'ghz',
  'mah',
  'watt',
  'inch',
  'inci',
  'halaman',
  'derajat',
  'anak',
  'ekor',
  'pasang',
  'set',
  'box',
  'dus',
  'karung',
  'rim',
  'batang',
  'potong',
  'tusuk',
  'mangkok',
  'piring',
  'cup',
  'pack',
  'sachet',
  'tablet',
  'kapsul',
  'strip',
  'lembar',
  'kotak',
  'tiket',
  'kursi',
  'malam',
  'pagi',
  'siang',
  'sore',
  'lagi',
  'menitan',
  'jaman',
  'an',
  'ke',
  'tahunan',
  'bulanan',
  'harian',
  'mingguan',
]);

/** Symbols right after a number that make it a time, ratio or date ("10:30", "5/10", "50%"). */
const VETO_SYMBOL_AFTER = new Set([':', '/', '%']);

/** More digits than any amount up to MAX_AMOUNT can have; longer strings are never converted. */
const MAX_DIGITS = MAX_AMOUNT.toString().length;

type NumberReading = { value: Fraction; grouped: boolean; decimal: boolean; digits: string };

/**
 * Reads one number token's digits and separators. `.` followed by exactly three digits groups
 * thousands ("50.000"); otherwise a single `.` or `,` is a decimal point ("1.5jt", "1,5jt"). A
 * single `,ddd` groups thousands only without a scale word ("50,000" but "1,250 jt" = 1,25 juta).
 * Mixed separators are grouping then decimal ("28.000,00", "1,000.50"). Returns null when the
 * pattern is not a number anyone writes ("1.2.3").
 */
function readNumber(text: string, beforeScale: boolean): NumberReading | null {
  const parts = text.split(/[.,]/);
  const seps = text.replace(/[0-9]/g, '');
  if (parts.length === 1) return wholeNumber(text, false);
  const first = parts[0] ?? '';
  const groupsOk = (groups: readonly string[]): boolean =>
    first.length >= 1 && first.length <= 3 && groups.every((group) => group.length === 3);
  const allSame = seps.split('').every((sep) => sep === seps[0]);
  if (allSame) {
    const rest = parts.slice(1);
    const dotGrouping = seps[0] === '.' && groupsOk(rest);
    const commaGrouping = seps[0] === ',' && groupsOk(rest) && (rest.length > 1 || !beforeScale);
    if (dotGrouping || commaGrouping) return wholeNumber(parts.join(''), true);
    if (parts.length === 2) return decimalNumber(first, parts[1] ?? '', false);
    return null;
  }
  // Mixed: every separator but the last must be the same and group thousands.
  const last = seps[seps.length - 1];
  const groupSep = seps[0];
  if (
    seps
      .slice(0, -1)
      .split('')
      .some((sep) => sep !== groupSep) ||
    last === groupSep
  )
    return null;
  const integerGroups = parts.slice(1, -1);
  if (!groupsOk(integerGroups)) return null;
  return decimalNumber(parts.slice(0, -1).join(''), parts[parts.length - 1] ?? '', true);
}

function wholeNumber(digits: string, grouped: boolean): NumberReading | null {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  if (trimmed.length > MAX_DIGITS + 1)
    return { value: { num: -1n, den: 1n }, grouped, decimal: false, digits };
  return { value: { num: BigInt(trimmed), den: 1n }, grouped, decimal: false, digits };
}

function decimalNumber(whole: string, fraction: string, grouped: boolean): NumberReading | null {
  const trimmed = whole.replace(/^0+(?=\d)/, '');
  if (trimmed.length > MAX_DIGITS + 1)
    return { value: { num: -1n, den: 1n }, grouped, decimal: true, digits: whole };
  // Nine fraction digits are more than any rupiah amount needs; the rest cannot change the result.
  const kept = fraction.slice(0, 9);
  const den = 10n ** BigInt(kept.length);
  return { value: { num: BigInt(trimmed) * den + BigInt(kept), den }, grouped, decimal: true, digits: whole };
}

/** Rounds a non-negative fraction half up to a whole number. */
function roundHalfUp(value: Fraction): bigint {
  return (2n * value.num + value.den) / (2n * value.den);
}

function add(a: Fraction, b: Fraction): Fraction {
  if (a.den === b.den) return { num: a.num + b.num, den: a.den };
  return { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}

function scale(a: Fraction, by: bigint): Fraction {
  return { num: a.num * by, den: a.den };
}

const whole = (n: number | bigint): Fraction => ({ num: BigInt(n), den: 1n });

/** Token access that never leaves the array. */
type Reader = { tokens: readonly Token[]; blocked: ReadonlySet<number> };

function wordAt(reader: Reader, index: number): string | null {
  const token = reader.tokens[index];
  if (token === undefined || token.kind !== 'word' || reader.blocked.has(index)) return null;
  return token.norm;
}

function numberAt(reader: Reader, index: number): Token | null {
  const token = reader.tokens[index];
  if (token === undefined || token.kind !== 'number' || reader.blocked.has(index)) return null;
  return token;
}

function digitWordAt(reader: Reader, index: number): number | null {
  const word = wordAt(reader, index);
  return word === null ? null : (DIGIT_WORDS.get(word) ?? null);
}

/**
 * Number words below a thousand: "seratus", "dua ratus lima puluh tiga", "sebelas", "dua belas",
 * "tujuh". Returns the value and the next token index.
 */
function readSmallWords(reader: Reader, index: number): { value: number; next: number } | null {
  let value = 0;
  let at = index;
  let any = false;
  const hundreds = digitWordAt(reader, at);
  if (wordAt(reader, at) === 'seratus') {
    value = 100;
    at += 1;
    any = true;
  } else if (hundreds !== null && hundreds > 0 && wordAt(reader, at + 1) === 'ratus') {
    value = hundreds * 100;
    at += 2;
    any = true;
  }
  const word = wordAt(reader, at);
  const digit = digitWordAt(reader, at);
  if (word === 'sepuluh') {
    value += 10;
    at += 1;
    any = true;
  } else if (word === 'sebelas') {
    value += 11;
    at += 1;
    any = true;
  } else if (digit !== null && digit > 0 && wordAt(reader, at + 1) === 'belas') {
    value += 10 + digit;
    at += 2;
    any = true;
  } else if (digit !== null && digit > 1 && wordAt(reader, at + 1) === 'puluh') {
    value += digit * 10;
    at += 2;
    any = true;
    const ones = digitWordAt(reader, at);
    if (ones !== null && ones > 0) {
      value += ones;
      at += 1;
    }
  } else if (digit !== null) {
    value += digit;
    at += 1;
    any = true;
  }
  return any ? { value, next: at } : null;
}

type Value = {
  value: Fraction;
  next: number;
  /** How it was written, for the colloquial tails and the money kind. */
  form: 'digits' | 'words';
  grouped: boolean;
  decimal: boolean;
  /** Digit count of a plain integer token ("200" → 3), for "1jt 200". */
  plainDigits: number;
  /** A scale built into the word ("seribu", "sejuta"). */
  builtInScale: bigint | null;
  tooLarge: boolean;
};

/** One number before its scale: digits, number words, "setengah", "satu setengah", "satu koma lima". */
function readValue(reader: Reader, index: number): Value | null {
  const seScale = SE_SCALES.get(wordAt(reader, index) ?? '');
  if (seScale !== undefined) {
    return {
      value: whole(1),
      next: index + 1,
      form: 'words',
      grouped: false,
      decimal: false,
      plainDigits: 0,
      builtInScale: seScale,
      tooLarge: false,
    };
  }
  const word = wordAt(reader, index);
  if (word === 'setengah' || word === 'seperempat') {
    return {
      value: { num: 1n, den: word === 'setengah' ? 2n : 4n },
      next: index + 1,
      form: 'words',
      grouped: false,
      decimal: true,
      plainDigits: 0,
      builtInScale: null,
      tooLarge: false,
    };
  }
  const numberToken = numberAt(reader, index);
  let base: Value | null = null;
  if (numberToken !== null) {
    const nextWord = wordAt(reader, index + 1) ?? '';
    const beforeScale = SCALES.has(nextWord) || nextWord === 'ratus';
    const reading = readNumber(numberToken.norm, beforeScale);
    if (reading === null) return null;
    base = {
      value: reading.value,
      next: index + 1,
      form: 'digits',
      grouped: reading.grouped,
      decimal: reading.decimal,
      plainDigits: reading.grouped || reading.decimal ? 0 : reading.digits.length,
      builtInScale: null,
      tooLarge: reading.value.num < 0n,
    };
  } else {
    const small = readSmallWords(reader, index);
    if (small === null) return null;
    base = {
      value: whole(small.value),
      next: small.next,
      form: 'words',
      grouped: false,
      decimal: false,
      plainDigits: 0,
      builtInScale: null,
      tooLarge: false,
    };
  }
  if (base.tooLarge) return base;
  // "5 ratus" / "15 ratus ribu": hundreds after digits (words already took their own "ratus").
  if (
    base.form === 'digits' &&
    !base.decimal &&
    wordAt(reader, base.next) === 'ratus' &&
    base.value.num < 100n
  ) {
    base.value = scale(base.value, 100n);
    base.next += 1;
    base.plainDigits = 0;
  }
  // "satu setengah juta", "dua setengah juta".
  if (wordAt(reader, base.next) === 'setengah' && !base.decimal) {
    base.value = add(base.value, { num: 1n, den: 2n });
    base.next += 1;
    base.decimal = true;
  } else if (base.form === 'words' && wordAt(reader, base.next) === 'koma') {
    // "satu koma lima juta": spoken decimals, one digit word at a time.
    let at = base.next + 1;
    let fraction = '';
    for (
      let digit = digitWordAt(reader, at);
      digit !== null && fraction.length < 9;
      digit = digitWordAt(reader, at)
    ) {
      fraction += String(digit);
      at += 1;
    }
    if (fraction !== '') {
      const den = 10n ** BigInt(fraction.length);
      base.value = add(base.value, { num: BigInt(fraction), den });
      base.next = at;
      base.decimal = true;
    }
  }
  return base;
}

type Phrase = {
  value: Fraction;
  kind: AmountKind;
  next: number;
  tooLarge: boolean;
  decimalWithoutScale: boolean;
};

/**
 * Reads one amount phrase starting at `index`: an optional "Rp", then value/scale segments with
 * falling scales ("1jt 200rb", "dua puluh lima ribu lima ratus"), then an optional "rupiah".
 */
function readPhrase(reader: Reader, index: number): Phrase | null {
  let at = index;
  let currency = false;
  if (CURRENCY_PREFIX.has(wordAt(reader, at) ?? '')) {
    currency = true;
    at += 1;
  }
  // Slang with an optional small multiplier: "goceng", "2 ceban", "dua goban".
  const slangAt = (position: number): bigint | undefined => SLANG_AMOUNTS.get(wordAt(reader, position) ?? '');
  const direct = slangAt(at);
  if (direct !== undefined)
    return {
      value: whole(direct),
      kind: 'explicit',
      next: at + 1,
      tooLarge: false,
      decimalWithoutScale: false,
    };

  let total: Fraction = whole(0);
  let lastScale: bigint | null = null;
  let kind: AmountKind = currency ? 'explicit' : 'bare';
  let decimalWithoutScale = false;
  let segments = 0;
  // A handful of segments covers "satu triliun dua miliar tiga juta empat ribu lima ratus".
  while (segments < 8) {
    const value = readValue(reader, at);
    if (value === null) break;
    if (value.tooLarge)
      return { value: whole(0), kind, next: value.next, tooLarge: true, decimalWithoutScale: false };
    const slang = slangAt(value.next);
    if (segments === 0 && slang !== undefined && !value.decimal && value.value.num <= 99n) {
      return {
        value: scale(value.value, slang),
        kind: 'explicit',
        next: value.next + 1,
        tooLarge: false,
        decimalWithoutScale: false,
      };
    }
    const scaleWord = wordAt(reader, value.next) ?? '';
    const unit = value.builtInScale ?? SCALES.get(scaleWord) ?? null;
    const unitEnd = value.builtInScale !== null ? value.next : value.next + 1;
    if (unit !== null) {
      if (lastScale !== null && unit >= lastScale) break;
      total = add(total, scale(value.value, unit));
      lastScale = unit;
      kind = 'explicit';
      at = unitEnd;
      segments += 1;
      continue;
    }
    if (segments === 0) {
      total = value.value;
      if (value.grouped && kind === 'bare') kind = 'grouped';
      decimalWithoutScale = value.decimal && !value.grouped;
      at = value.next;
      segments += 1;
      break;
    }
    // A tail without a scale after a scaled segment: "1jt 200" (ribu implied), "12rb 500",
    // "dua puluh lima ribu lima ratus". Anything else is a separate number.
    if (value.decimal || lastScale === null) break;
    if (value.form === 'digits' && value.plainDigits === 3 && lastScale === 1_000_000n) {
      total = add(total, scale(value.value, 1_000n));
    } else if (value.form === 'digits' && value.plainDigits === 3 && lastScale === 1_000n) {
      total = add(total, value.value);
    } else if (value.form === 'words' && value.value.num < lastScale) {
      total = add(total, value.value);
    } else {
      break;
    }
    at = value.next;
    segments += 1;
    break;
  }
  if (segments === 0) return null;
  if (CURRENCY_SUFFIX.has(wordAt(reader, at) ?? '')) {
    kind = 'explicit';
    at += 1;
  }
  if (kind === 'explicit') decimalWithoutScale = false;
  return { value: total, kind, next: at, tooLarge: false, decimalWithoutScale };
}

function isPhoneOrId(token: Token): boolean {
  const digits = token.norm;
  if (!/^[0-9]+$/.test(digits)) return false;
  if (digits.length >= 2 && digits.startsWith('0')) return true;
  if (digits.length >= 10 && digits.startsWith('62')) return true;
  // Thirteen or more plain digits: an account, card or ID number, not a trillion rupiah.
  return digits.length >= 13;
}

function previousWord(reader: Reader, index: number): string | null {
  for (let at = index - 1; at >= 0 && at >= index - 2; at -= 1) {
    const token = reader.tokens[at];
    if (token === undefined) return null;
    if (token.kind === 'word') return token.norm;
    if (token.kind === 'number') return null;
  }
  return null;
}

function isVetoed(reader: Reader, first: number, last: number): boolean {
  const before = reader.tokens[first - 1];
  if (
    before?.kind === 'symbol' &&
    (before.raw === ':' || before.raw === '/') &&
    before.end === reader.tokens[first]?.start
  ) {
    return true;
  }
  const prev = previousWord(reader, first);
  if (prev !== null && VETO_BEFORE.has(prev)) return true;
  const after = reader.tokens[last];
  if (after === undefined) return false;
  if (after.kind === 'symbol') return VETO_SYMBOL_AFTER.has(after.raw);
  return after.kind === 'word' && VETO_AFTER.has(after.norm);
}

/** A "-" glued to the number and not itself glued to a word or number before it ("-50k", not "20-30rb"). */
function hasMinus(reader: Reader, first: number): boolean {
  const minus = reader.tokens[first - 1];
  const token = reader.tokens[first];
  if (minus === undefined || token === undefined || minus.raw !== '-' || minus.end !== token.start)
    return false;
  const beforeMinus = reader.tokens[first - 2];
  return beforeMinus === undefined || beforeMinus.end < minus.start;
}

/**
 * Scans tokens for every amount. Tokens in `blocked` (a date the date reader took, "tanggal 5",
 * "5/10") are never read as amounts.
 */
export function scanTokens(tokens: readonly Token[], blocked: ReadonlySet<number> = new Set()): AmountScan {
  const reader: Reader = { tokens, blocked };
  const amounts: AmountMatch[] = [];
  let tooLarge = false;
  let index = 0;
  while (index < tokens.length) {
    const token = tokens[index];
    if (token === undefined) break;
    if (token.kind === 'symbol' || blocked.has(index)) {
      index += 1;
      continue;
    }
    const phrase = readPhrase(reader, index);
    if (phrase === null || phrase.next <= index) {
      index += 1;
      continue;
    }
    const first = index;
    const last = phrase.next;
    index = last;
    if (phrase.tooLarge) {
      tooLarge = true;
      continue;
    }
    const firstToken = tokens[first];
    const lastToken = tokens[last - 1];
    if (firstToken === undefined || lastToken === undefined || phrase.decimalWithoutScale) continue;
    const value = roundHalfUp(phrase.value);
    if (value > MAX_AMOUNT) {
      tooLarge = true;
      continue;
    }
    if (value <= 0n) continue;
    const vetoed =
      phrase.kind === 'bare' &&
      ((firstToken.kind === 'number' && isPhoneOrId(firstToken)) || isVetoed(reader, first, last));
    amounts.push({
      value,
      kind: phrase.kind,
      negative: hasMinus(reader, first),
      vetoed,
      firstToken: first,
      lastToken: last,
      start: firstToken.start,
      end: lastToken.end,
    });
  }
  return { amounts, tooLarge };
}

/** Whether a found amount counts as money on its own (see the module comment). */
export function isMoney(match: AmountMatch): boolean {
  if (match.kind !== 'bare') return true;
  return !match.vetoed && match.value >= BARE_MONEY_MIN;
}

/** Whether a found amount counts as money once the message names a spend or category ("parkir 500"). */
export function isWeakMoney(match: AmountMatch): boolean {
  return match.kind === 'bare' && !match.vetoed && match.value >= BARE_WEAK_MONEY_MIN;
}

/**
 * Every amount written in `text`, money or not, in order (see {@link isMoney}). Never throws;
 * values are always 1..MAX_AMOUNT.
 */
export function findAmounts(text: string): AmountMatch[] {
  return scanTokens(tokenize(text)).amounts;
}

/**
 * The first amount in `text` that counts as money on its own: "50k" → 50000n, "Rp 28.000,00" →
 * 28000n, "1jt 200rb" → 1200000n, "goceng" → 5000n, "50000" → 50000n; "jam 3", "3", "-" → null.
 * A minus sign is ignored (amounts are never negative). Never throws.
 */
export function parseAmount(text: string): bigint | null {
  const money = findAmounts(text).find(isMoney);
  return money === undefined ? null : money.value;
}
