/**
 * The reader for speech transcripts. Whisper mishears Indonesian number words in ways a typist
 * never would — "terapam" for delapan, "kempat" (the k of "apotek" glued on), "khusatu" for
 * "kos satu", "tiga pulu", "duaratus" — and a plain reading of what is left can be confidently
 * wrong: "…pulu dua ribu lima ratus" reads as Rp2.500 where Rp32.500 was said. So:
 *
 * 1. **Repair**, word by word, within closed vocabularies only (number words and the category
 *    keywords; never free text): re-spacing of joined number words ("duaratus", "puluhlima",
 *    "se ratus"), a keyword glued to a number ("kossatu" = kos satu), a consonant glued on from
 *    the word before ("klima" = lima), and misheard number words by edit distance ("velapan" →
 *    delapan, "limar" → lima, "pulu" → puluh, "ribuh" → ribu) where the neighbours say a number
 *    is being spoken. Category words are matched the same way ("benzin" → bensin, "apota" →
 *    apotek) when no category was heard exactly.
 * 2. **Doubt**: a number phrase that looks broken — a unit with no number before it ("… ribu
 *    lima ratus" after an unreadable word), an unknown word between number words, one run of
 *    number words read as two amounts, a number-like word left unrepaired next to one — or,
 *    after a guessed word, a raw reading that disagrees with the repaired one. (Two different
 *    amounts in one message already cost the rules' own confidence.)
 * 3. The rules parser reads the repaired text; its confidence is kept only when nothing was
 *    guessed and nothing doubted. Otherwise it drops below {@link SPOKEN_SURE} and the caller
 *    asks back ("Aku dengar: '…'. Rp32.500 buat Makan, bener?"). Re-spacing alone
 *    ("duaratus") is not a guess — every letter Whisper wrote is read as written — so it is
 *    booked; a category word matched by distance costs {@link CATEGORY_GUESS_PENALTY} only,
 *    since the amount was heard exactly and without the match the note would be booked under
 *    the fallback category anyway.
 *
 * Contract for the caller: a result whose `amount` is set and whose `confidence` is below
 * {@link SPOKEN_SURE} is asked back before booking; at or above it, it is booked.
 */
import { DIGIT_WORDS, scanTokens } from './amount.ts';
import { DEFAULT_CATEGORIES, FALLBACK_EXPENSE_CATEGORY, FALLBACK_INCOME_CATEGORY } from './lexicon.ts';
import { CONFIDENCE, parseMessage } from './rules.ts';
import type { CategoryOption, ParseContext, ParseResult } from './schema.ts';
import { keywordWords, type Token, tokenize } from './text.ts';

/** At or above this, an amount read from a voice note is booked without asking. */
export const SPOKEN_SURE = 0.8;

/** The confidence of a reading that needed a number correction or looks broken: asked back. */
export const SPOKEN_DOUBTFUL = 0.7;

/** What a category-word correction costs: the category is a guess, the amount is not. */
const CATEGORY_GUESS_PENALTY = 0.1;

const MULTIPLIERS = ['puluh', 'belas', 'ratus'] as const;
const SCALES = ['ribu', 'juta', 'miliar', 'triliun'] as const;
const SE_WORDS = ['sepuluh', 'sebelas', 'seratus', 'seribu', 'sejuta', 'setengah'] as const;

/** Every word a spoken amount is made of. */
const NUMBER_WORDS: ReadonlySet<string> = new Set([
  ...DIGIT_WORDS.keys(),
  ...MULTIPLIERS,
  ...SCALES,
  ...SE_WORDS,
]);

/** The words a misheard number word may become: digits, multipliers and scales (not "nol"). */
const FUZZY_NUMBER_TARGETS: readonly string[] = [...NUMBER_WORDS].filter((word) => word !== 'nol');

/** How people say it, not mishearings: mapped without doubt. */
const SPOKEN_ALIASES: ReadonlyMap<string, string> = new Map([
  ['rebu', 'ribu'],
  ['ribuan', 'ribu'],
  ['ratusan', 'ratus'],
  ['puluhan', 'puluh'],
]);

/**
 * Everyday words a single edit away from a number word ("juga" ~ juta, "lama" ~ lima, "tiba" ~
 * tiga): never read as numbers, wherever they stand.
 */
const COMMON_WORDS: ReadonlySet<string> = new Set([
  'juga',
  'lama',
  'tiba',
  'sama',
  'saja',
  'aja',
  'lagi',
  'tadi',
  'buat',
  'bayar',
  'beli',
  'jadi',
  'sudah',
  'udah',
  'habis',
  'abis',
  'kira',
  'lebih',
  'kurang',
  'dapat',
  'tapi',
  'nanti',
  'harga',
  'total',
  'satuan',
  'ribut',
  'ratu',
  'empati',
  'tempat',
]);

/** Units that need a number before them. */
const UNITS: ReadonlySet<string> = new Set([...MULTIPLIERS, ...SCALES]);

/** One change made to a transcript word, for the ask-back text and the logs. */
export type SpokenCorrection = { heard: string; read: string; kind: 'spacing' | 'number' | 'category' };

export type SpokenReading = {
  result: ParseResult;
  /** The transcript as read after the repairs (what "Aku dengar: '…'" may quote). */
  text: string;
  corrections: SpokenCorrection[];
  /** Why the amount is not sure, in words for logs ("unit without a number: ribu"). */
  doubts: string[];
};

// ---------------------------------------------------------------------------------------------
// Edit distance

/**
 * Letters a recogniser confuses in Indonesian speech (voiced/voiceless pairs, l/r, e/i, o/u):
 * swapping one for the other costs half an edit, so "terapan" is one edit from "delapan".
 */
const SIMILAR: ReadonlySet<string> = new Set(
  ['dt', 'bp', 'gk', 'lr', 'fv', 'fp', 'vb', 'ei', 'ou', 'ae', 'jc', 'sz', 'mn'].flatMap((pair) => [
    pair,
    `${pair[1]}${pair[0]}`,
  ]),
);

function substitution(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  return SIMILAR.has(`${a}${b}`) ? 0.5 : 1;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent swaps, similar-sounding letters
 * at half cost), capped at `limit + 1`.
 */
export function editDistance(a: string, b: string, limit = 3): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j += 1) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = substitution(a[i - 1], b[j - 1]);
      const previous = rows[i - 1] ?? [];
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return Math.min(rows[a.length]?.[b.length] ?? limit + 1, limit + 1);
}

/** How far a heard word may be from a vocabulary word: one edit, two for long words. */
function allowedEdits(word: string): number {
  if (word.length < 4) return 0;
  return word.length >= 7 ? 2 : 1;
}

/** The one closest word of `vocabulary` within `limit` edits; null when none or when two tie. */
function nearest(word: string, vocabulary: Iterable<string>, limit: number): string | null {
  let best: string | null = null;
  let bestDistance = limit + 1;
  let tied = false;
  for (const candidate of vocabulary) {
    const distance = editDistance(word, candidate, limit);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tied = false;
    } else if (distance === bestDistance && candidate !== best) {
      tied = true;
    }
  }
  return bestDistance <= limit && !tied ? best : null;
}

// ---------------------------------------------------------------------------------------------
// Vocabularies

type Vocabulary = {
  /** Single words of category names and keywords ("bensin", "apotek", "kos"). */
  keywords: ReadonlySet<string>;
};

const vocabularies = new WeakMap<readonly CategoryOption[], Vocabulary>();

function vocabularyOf(categories: readonly CategoryOption[]): Vocabulary {
  let vocabulary = vocabularies.get(categories);
  if (vocabulary === undefined) {
    const keywords = new Set<string>();
    for (const category of categories) {
      for (const text of [category.name, ...category.keywords])
        for (const word of keywordWords(text)) if (/^\p{L}+$/u.test(word)) keywords.add(word);
    }
    vocabulary = { keywords };
    vocabularies.set(categories, vocabulary);
  }
  return vocabulary;
}

function contextVocabulary(ctx: ParseContext): Vocabulary {
  const base = vocabularyOf(DEFAULT_CATEGORIES);
  if (ctx.categories === undefined) return base;
  const user = vocabularyOf(ctx.categories);
  return { keywords: new Set([...base.keywords, ...user.keywords]) };
}

const isNumberWord = (word: string | undefined): boolean => word !== undefined && NUMBER_WORDS.has(word);
const isDigitWord = (word: string | undefined): boolean => word !== undefined && DIGIT_WORDS.has(word);

// ---------------------------------------------------------------------------------------------
// Repairs

type Piece = { word: string; kind: 'exact' | 'fuzzy' | 'keyword' | 'junk' };

/**
 * Splits a word Whisper wrote as one into number words: "duaratus" → dua ratus, "puluhlima" →
 * puluh lima, "tigapulu" → tiga puluh (fuzzy piece), "kossatu" → kos satu (a keyword first),
 * "klima" → lima (one or two letters glued on from the word before). Returns the cheapest
 * split, or null when the word is not made of number words.
 */
function splitNumberWord(word: string, keywords: ReadonlySet<string>): Piece[] | null {
  type Best = { cost: number; pieces: Piece[] };
  // best[i]: the cheapest split of word.slice(i) into number pieces.
  const best: (Best | null)[] = new Array(word.length + 1).fill(null);
  best[word.length] = { cost: 0, pieces: [] };
  for (let start = word.length - 1; start >= 0; start -= 1) {
    let found: Best | null = null;
    for (let end = start + 3; end <= word.length; end += 1) {
      const rest = best[end];
      if (rest === null || rest === undefined) continue;
      const piece = word.slice(start, end);
      let candidate: Best | null = null;
      if (NUMBER_WORDS.has(piece))
        candidate = { cost: rest.cost, pieces: [{ word: piece, kind: 'exact' }, ...rest.pieces] };
      else {
        const near = nearest(piece, FUZZY_NUMBER_TARGETS, allowedEdits(piece));
        if (near !== null)
          candidate = { cost: rest.cost + 2, pieces: [{ word: near, kind: 'fuzzy' }, ...rest.pieces] };
      }
      if (candidate !== null && (found === null || candidate.cost < found.cost)) found = candidate;
    }
    best[start] = found;
  }
  const whole = best[0];
  if (whole !== null && whole !== undefined && whole.pieces.length >= 2) return whole.pieces;
  // A keyword or a glued consonant or two before the number words.
  for (let cut = 1; cut <= word.length - 3; cut += 1) {
    const rest = best[cut];
    if (rest === null || rest === undefined || rest.pieces.length === 0) continue;
    const head = word.slice(0, cut);
    if (keywords.has(head)) return [{ word: head, kind: 'keyword' }, ...rest.pieces];
    if (cut <= 2 && rest.pieces.every((piece) => piece.kind === 'exact'))
      return [{ word: head, kind: 'junk' }, ...rest.pieces];
  }
  return null;
}

type Working = { token: Token; words: string[]; kind: SpokenCorrection['kind'] | null };

/** Whether the working word at `index` is (now) a number word or digits. */
function numberAt(work: readonly Working[], index: number): boolean {
  const item = work[index];
  if (item === undefined) return false;
  if (item.token.kind === 'number') return true;
  return item.token.kind === 'word' && isNumberWord(item.words[0]);
}

function firstWord(work: readonly Working[], index: number): string | undefined {
  return work[index]?.words[0];
}

function lastWord(work: readonly Working[], index: number): string | undefined {
  const words = work[index]?.words;
  return words?.[words.length - 1];
}

/**
 * A single misheard number word, only where its neighbours say a number is spoken: a digit word
 * before a multiplier or scale ("velapan puluh", "limar ribu"), a unit after a digit ("tiga
 * pulu", "lima ribuh"), or the ones after "puluh" ("dua puluh limar").
 */
function fuzzyNumber(work: readonly Working[], index: number, known: ReadonlySet<string>): string | null {
  const word = work[index]?.token.norm ?? '';
  if (known.has(word) || !/^\p{L}+$/u.test(word)) return null;
  const candidate = nearest(word, FUZZY_NUMBER_TARGETS, allowedEdits(word));
  if (candidate === null) return null;
  const before = lastWord(work, index - 1);
  const after = firstWord(work, index + 1);
  const afterIsUnit = after !== undefined && UNITS.has(after);
  const beforeIsNumber = numberAt(work, index - 1);
  // A multiplier right before a scale ("kuluh ribu") is one even when the digit before it was lost.
  const multiplierBeforeScale =
    (MULTIPLIERS as readonly string[]).includes(candidate) &&
    (SCALES as readonly string[]).includes(after ?? '');
  if (UNITS.has(candidate))
    return beforeIsNumber || (candidate === 'ribu' && before === 'ratus') || multiplierBeforeScale
      ? candidate
      : null;
  if (isDigitWord(candidate) || candidate.startsWith('se'))
    return afterIsUnit || before === 'puluh' || before === 'ratus' || before === 'juta' ? candidate : null;
  return null;
}

/** "se ratus" → seratus, and the like, when Whisper split the prefix off. */
function joinSe(work: Working[]): void {
  for (let index = 0; index + 1 < work.length; index += 1) {
    const item = work[index];
    const next = work[index + 1];
    if (item?.token.norm !== 'se' || next === undefined) continue;
    const joined = `se${next.words[0] ?? ''}`;
    if (next.words.length === 1 && NUMBER_WORDS.has(joined)) {
      item.words = [joined];
      item.kind = 'spacing';
      next.words = [];
      next.kind = 'spacing';
    }
  }
}

function repair(tokens: readonly Token[], vocabulary: Vocabulary): Working[] {
  const work: Working[] = tokens.map((token) => ({ token, words: [token.norm], kind: null }));
  const known = new Set([...vocabulary.keywords, ...NUMBER_WORDS, ...COMMON_WORDS]);
  for (const [index, item] of work.entries()) {
    if (item.token.kind !== 'word') continue;
    const alias = SPOKEN_ALIASES.get(item.token.norm);
    if (alias !== undefined) {
      item.words = [alias];
      continue;
    }
    if (known.has(item.token.norm) || item.token.norm.length < 4) continue;
    const pieces = splitNumberWord(item.token.norm, vocabulary.keywords);
    if (pieces === null) continue;
    const guessedStart = pieces[0]?.kind === 'junk' || pieces[0]?.kind === 'keyword';
    // A guessed word boundary ("kempat", "kossatu") only where a unit follows: "tempat lima
    // ribu" is a place, "kempat puluh" a number.
    if (
      guessedStart &&
      !pieces.some((piece) => UNITS.has(piece.word)) &&
      !UNITS.has(work[index + 1]?.token.norm ?? '')
    )
      continue;
    item.words = pieces.filter((piece) => piece.kind !== 'junk').map((piece) => piece.word);
    item.kind = guessedStart || pieces.some((piece) => piece.kind === 'fuzzy') ? 'number' : 'spacing';
  }
  joinSe(work);
  // Two passes: "velapan pulu" needs "pulu" repaired before "velapan" sees a unit after it.
  for (let pass = 0; pass < 2; pass += 1) {
    for (const [index, item] of work.entries()) {
      if (item.token.kind !== 'word' || item.kind !== null || item.words.length !== 1) continue;
      if (item.words[0] !== item.token.norm) continue;
      const read = fuzzyNumber(work, index, known);
      if (read !== null) {
        item.words = [read];
        item.kind = 'number';
      }
    }
  }
  return work;
}

/** Category words heard slightly wrong, repaired only when no category word was heard exactly. */
function repairCategoryWords(work: Working[], vocabulary: Vocabulary): void {
  for (const item of work) {
    if (item.token.kind !== 'word' || item.kind !== null) continue;
    const word = item.token.norm;
    if (word.length < 4 || vocabulary.keywords.has(word) || isNumberWord(word)) continue;
    const candidates = [...vocabulary.keywords].filter((keyword) => {
      const distance = editDistance(word, keyword, 2);
      if (distance <= 1) return keyword.length >= 4;
      // Two edits only for longer keywords that begin the same way ("apota" → apotek).
      return distance <= 2 && keyword.length >= 6 && commonPrefix(word, keyword) >= 3;
    });
    const read = nearest(word, candidates, 2);
    if (read !== null) {
      item.words = [read];
      item.kind = 'category';
    }
  }
}

function commonPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length += 1;
  return length;
}

/** Rebuilds the text with the repaired words in place of the heard ones; the rest as it was. */
function rebuild(source: string, work: readonly Working[]): string {
  let text = '';
  let at = 0;
  for (const item of work) {
    if (item.kind === null) continue;
    text += source.slice(at, item.token.start) + item.words.join(' ');
    at = item.token.end;
  }
  return (text + source.slice(at)).replace(/\s{2,}/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// Doubts

/** What makes a number phrase look broken in the repaired text (see the module comment). */
function numberDoubts(text: string, vocabulary: Vocabulary): string[] {
  const tokens = tokenize(text).filter((token) => token.kind !== 'symbol');
  const doubts: string[] = [];
  const isNumber = (index: number): boolean => {
    const token = tokens[index];
    return token !== undefined && (token.kind === 'number' || isNumberWord(token.norm));
  };
  for (const [index, token] of tokens.entries()) {
    const previous = tokens[index - 1];
    if (token.kind === 'word' && UNITS.has(token.norm)) {
      const ok =
        previous !== undefined &&
        (previous.kind === 'number' ||
          isDigitWord(previous.norm) ||
          (SCALES.includes(token.norm as (typeof SCALES)[number]) &&
            (MULTIPLIERS.includes(previous.norm as (typeof MULTIPLIERS)[number]) ||
              SE_WORDS.includes(previous.norm as (typeof SE_WORDS)[number]) ||
              previous.norm === 'seperempat')));
      if (!ok) doubts.push(`unit without a number: ${token.norm}`);
    }
    if (
      token.kind === 'word' &&
      !isNumberWord(token.norm) &&
      !vocabulary.keywords.has(token.norm) &&
      isNumber(index - 1) &&
      isNumber(index + 1) &&
      tokens[index - 1]?.kind === 'word'
    )
      doubts.push(`unknown word between number words: ${token.raw}`);
    if (
      token.kind === 'word' &&
      !isNumberWord(token.norm) &&
      !vocabulary.keywords.has(token.norm) &&
      !COMMON_WORDS.has(token.norm)
    ) {
      const like = numberLike(token.norm);
      const nextIsUnit = UNITS.has(tokens[index + 1]?.norm ?? '');
      if (
        (like === 'prefix' && (isNumber(index - 1) || isNumber(index + 1))) ||
        (like === 'near' && nextIsUnit)
      )
        doubts.push(`number-like word next to a number: ${token.raw}`);
    }
  }
  // One run of number words read as more than one amount: a part went missing in between.
  const scan = scanTokens(tokens);
  for (let index = 1; index < scan.amounts.length; index += 1) {
    const before = scan.amounts[index - 1];
    const amount = scan.amounts[index];
    if (before !== undefined && amount !== undefined && before.lastToken === amount.firstToken)
      doubts.push(`one number read as two: ${text.slice(before.start, amount.end)}`);
  }
  return doubts;
}

/**
 * Whether a word looks like a number word Whisper garbled beyond repair: it begins with one
 * ("tigapul") or is two edits from one ("ribar"). Only number words of four letters or more:
 * "dua" is inside too many words.
 */
function numberLike(word: string): 'prefix' | 'near' | null {
  if (word.length < 4 || !/^\p{L}+$/u.test(word)) return null;
  const targets = FUZZY_NUMBER_TARGETS.filter((target) => target.length >= 4);
  if (targets.some((target) => word.startsWith(target))) return 'prefix';
  if (targets.some((target) => editDistance(word, target, 2) <= 2)) return 'near';
  return null;
}

const FALLBACKS: ReadonlySet<string | null> = new Set([
  null,
  FALLBACK_EXPENSE_CATEGORY,
  FALLBACK_INCOME_CATEGORY,
]);

// ---------------------------------------------------------------------------------------------

/**
 * Reads a speech transcript: repairs, doubts and the rules' reading (see the module comment).
 * Never throws.
 *
 * @example
 * readSpoken('makan si antiga puluh, dua ribu, lima ratus', ctx)
 * // → text 'makan si tiga puluh dua ribu lima ratus', amount 32500n, confidence 0.7 (asked back)
 */
export function readSpoken(transcript: string, ctx: ParseContext): SpokenReading {
  try {
    return readInner(typeof transcript === 'string' ? transcript : '', ctx);
  } catch {
    const result = parseMessage(transcript, ctx);
    return {
      result: { ...result, confidence: Math.min(result.confidence, SPOKEN_DOUBTFUL) },
      text: transcript,
      corrections: [],
      doubts: ['reader failed'],
    };
  }
}

function readInner(transcript: string, ctx: ParseContext): SpokenReading {
  const vocabulary = contextVocabulary(ctx);
  // Whisper's commas ("tiga puluh, dua ribu") vanish in the tokenizer: pauses, not separators.
  const source = transcript;
  const work = repair(tokenize(source), vocabulary);
  let text = rebuild(source, work);
  let result = parseMessage(text, ctx);
  if (FALLBACKS.has(result.category_suggestion) && result.intent === 'create_transaction') {
    repairCategoryWords(work, vocabulary);
    const withCategories = rebuild(source, work);
    if (withCategories !== text) {
      const retry = parseMessage(withCategories, ctx);
      if (retry.amount === result.amount && !FALLBACKS.has(retry.category_suggestion)) {
        text = withCategories;
        result = retry;
      } else {
        for (const item of work) if (item.kind === 'category') item.kind = null;
      }
    }
  }
  const corrections: SpokenCorrection[] = work
    .filter((item): item is Working & { kind: SpokenCorrection['kind'] } => item.kind !== null)
    .filter((item) => item.words.length > 0 || item.kind !== 'spacing')
    .map((item) => ({ heard: item.token.raw, read: item.words.join(' '), kind: item.kind }));
  const doubts = numberDoubts(text, vocabulary);
  if (corrections.some((correction) => correction.kind === 'number'))
    doubts.push(
      `number words corrected: ${corrections
        .filter((correction) => correction.kind === 'number')
        .map((correction) => `${correction.heard}→${correction.read}`)
        .join(', ')}`,
    );
  // The transcript as Whisper wrote it is a second reading. When only spacing was repaired
  // ("delapanpuluh lima ribu"), a different raw amount is the raw reading's known defect (it
  // took "lima ribu"), not a doubt; after a guessed word it is one more reason to ask.
  const raw = parseMessage(source, ctx);
  const guessed = corrections.some((correction) => correction.kind === 'number');
  if (guessed && raw.amount !== null && result.amount !== null && raw.amount !== result.amount)
    doubts.push(`two readings disagree: ${raw.amount} or ${result.amount}`);
  let confidence = result.confidence;
  if (corrections.some((correction) => correction.kind === 'category'))
    confidence = Math.min(confidence, CONFIDENCE.explicit - CATEGORY_GUESS_PENALTY);
  if (doubts.length > 0 && result.amount !== null) confidence = Math.min(confidence, SPOKEN_DOUBTFUL);
  return { result: { ...result, confidence }, text, corrections, doubts };
}

/**
 * Reads a speech transcript into a {@link ParseResult} (never throws). An amount below
 * {@link SPOKEN_SURE} must be asked back before booking.
 */
export function parseSpokenMessage(text: string, context: ParseContext): ParseResult {
  return readSpoken(text, context).result;
}
