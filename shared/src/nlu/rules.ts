/**
 * The deterministic reader ("rules first"): informal Indonesian chat → {@link ParseResult}.
 * Synchronous, pure (given `ctx`), microseconds per message, and it never throws.
 *
 * Order of decisions, each on the normalised words of the message:
 *  1. help, delete_last (they win over everything that may look like money);
 *  2. savings (create / deposit / withdraw / get) — before transactions, so "setor laptop 500k"
 *     is a deposit; cash moves ("tarik tunai", "setor tunai") are transfers instead;
 *  3. budgets;
 *  4. without money: edit_category, get_report, "Berapa nominalnya?", smalltalk;
 *  5. with money: transfer, income or expense, else clarification.
 *
 * Confidence: 0.95 when every part is read from explicit words; lowered when something is
 * guessed (fallback category −0.1, plain-digit amount −0.05, several amounts or a minus sign
 * capped at 0.7). Anything the rules cannot place at all comes back below
 * {@link RULES_CONFIDENT}, for the caller to ask the LLM.
 */
import { type AmountMatch, type AmountScan, isMoney, isWeakMoney, scanTokens } from './amount.ts';
import { bestCategory, type CategoryMatch, matchCategories, resolveCategory } from './categories.ts';
import { type DateFinding, findDate, formatZonedIso, resolveTimeZone } from './dates.ts';
import { FALLBACK_EXPENSE_CATEGORY, FALLBACK_INCOME_CATEGORY } from './lexicon.ts';
import type { Direction, ParseContext, ParseResult, Period } from './schema.ts';
import { MAX_PARSE_CHARS, type Token, titleCase, tokenize } from './text.ts';

/** The caller asks the LLM when the rules' confidence is below this. */
export const RULES_CONFIDENT = 0.6;

/** Asked when a message has an amount but neither a category nor a direction (SPEC test 10). */
export const QUESTION_WHICH_CATEGORY = 'Ini pengeluaran kategori apa?';
/** Asked when a message names a spend or category but no amount. */
export const QUESTION_HOW_MUCH = 'Berapa nominalnya?';
export const QUESTION_TOO_LARGE = 'Nominalnya terlalu besar. Berapa nominal yang benar?';
export const QUESTION_EDIT_WHICH = 'Mau ganti ke kategori apa? Contoh: ganti makan';

const DESCRIPTION_MAX = 200;

type Word = { norm: string; raw: string; token: number };

type Analysis = {
  source: string;
  tokens: readonly Token[];
  ctx: ParseContext;
  zone: string;
  now: Date;
  date: DateFinding | null;
  scan: AmountScan;
  /** Amounts that are money on their own, in order. */
  money: AmountMatch[];
  /** Bare 100–999 amounts: money only when the message names a spend. */
  weak: AmountMatch[];
  /** Word tokens that are neither part of a date nor of an amount, in order. */
  words: Word[];
  norms: string[];
  set: ReadonlySet<string>;
  categories: CategoryMatch[];
  /** Any symbol "?" in the message. */
  question: boolean;
};

// ---------------------------------------------------------------------------------------------
// Word lists. Words are normalised (see text.ts): "bli" is already "beli", "kmrn" "kemarin".

/** Words that carry no meaning for any intent. */
const FILLERS = new Set([
  'ya',
  'yah',
  'dong',
  'deh',
  'sih',
  'nih',
  'kok',
  'loh',
  'lah',
  'kan',
  'tuh',
  'aja',
  'juga',
  'yang',
  'itu',
  'ini',
  'tolong',
  'kak',
  'min',
  'bang',
  'mas',
  'mbak',
  'bro',
  'sis',
  'gan',
  'aku',
  'saya',
  'ku',
  'di',
  'ke',
  'dari',
  'buat',
  'untuk',
  'sama',
  'dan',
  'terus',
  'lagi',
  'udah',
  'sudah',
  'barusan',
  'tadi',
  'rp',
  'idr',
  'rupiah',
  'pake',
  'pakai',
  'pakek',
  'total',
  'sebesar',
  'senilai',
  'seharga',
  'harga',
  'cuma',
  'cuman',
  'hanya',
  'kira',
  'kurang',
  'lebih',
  'sekitar',
  'an',
  'nya',
]);

const HELP_WORDS = new Set([
  'help',
  'bantuan',
  'menu',
  'panduan',
  'tutorial',
  'fitur',
  'perintah',
  'command',
  'commands',
  'start',
  'petunjuk',
]);
const HELP_PHRASES = [
  ['cara', 'pakai'],
  ['cara', 'pake'],
  ['cara', 'pakainya'],
  ['cara', 'pakenya'],
  ['cara', 'menggunakan'],
  ['cara', 'penggunaan'],
  ['cara', 'kerja'],
  ['bisa', 'apa'],
  ['gimana', 'cara'],
  ['gimana', 'pakainya'],
  ['gimana', 'pakenya'],
];

const DELETE_VERBS = new Set([
  'hapus',
  'hapusin',
  'apus',
  'apusin',
  'hps',
  'batal',
  'batalin',
  'batalkan',
  'undo',
  'cancel',
  'delete',
  'dihapus',
  'hapuskan',
]);
/** Words that may accompany a delete without making it about something else. */
const DELETE_FILLERS = new Set([
  'transaksi',
  'terakhir',
  'catatan',
  'input',
  'inputan',
  'data',
  'last',
  'yang',
  'tadi',
  'barusan',
  'sebelumnya',
  'salah',
  'aja',
  'deh',
  'dong',
  'ya',
  'itu',
  'tolong',
  'pengeluaran',
  'pemasukan',
  'catat',
  'dicatat',
  'pencatatan',
]);

const EDIT_VERBS = new Set([
  'ganti',
  'gantiin',
  'ubah',
  'ubahin',
  'rubah',
  'pindah',
  'pindahin',
  'pindahkan',
  'koreksi',
  'masukin',
  'masukkan',
  'kategorikan',
  'jadiin',
]);
/** Words around the new category name in an edit ("ubah kategori jadi belanja"). */
const EDIT_FILLERS = new Set([
  ...EDIT_VERBS,
  ...FILLERS,
  'jadi',
  'kategori',
  'category',
  'harusnya',
  'bukan',
  'tapi',
  'salah',
  'masuk',
  'transaksi',
  'terakhir',
  'mau',
  'dalam',
  'dimasukin',
  'dimasukkan',
  'seharusnya',
  'banget',
  'mending',
  'aja',
]);

const SAVING_WORD = 'tabungan';
const CREATE_VERBS = new Set(['buat', 'bikin', 'buka', 'tambah', 'tambahin', 'create', 'new', 'mulai']);
const DEPOSIT_VERBS = new Set(['setor', 'nabung', 'tabung']);
const WITHDRAW_VERBS = new Set(['tarik', 'ambil']);
/** "tarik tunai", "tarik atm", "setor tunai": moving cash, not a savings goal. */
const CASH_WORDS = new Set(['tunai', 'atm', 'cash', 'uang', 'duit']);
/** "tabung gas 3kg": a gas cylinder, not saving. */
const CYLINDER_WORDS = new Set(['gas', 'elpiji', 'lpg', 'oksigen']);
/** Words never part of a saving's name. */
const SAVING_FILLERS = new Set([
  ...FILLERS,
  ...CREATE_VERBS,
  ...DEPOSIT_VERBS,
  ...WITHDRAW_VERBS,
  SAVING_WORD,
  'baru',
  'target',
  'targetnya',
  'nama',
  'namanya',
  'dengan',
  'mau',
  'pengen',
  'isi',
  'masukin',
  'masukkan',
  'progress',
  'progres',
  'perkembangan',
  'cek',
  'lihat',
  'liat',
  'saldo',
  'berapa',
  'sekarang',
  'sampai',
  'mana',
  'list',
  'daftar',
  'semua',
  'status',
  'info',
  'ada',
  'apa',
  'my',
  'sebanyak',
  'tiap',
  'setiap',
  'per',
  'bulan',
  'dulu',
  'gimana',
  'punya',
  'kita',
]);
const SAVINGS_QUERY_WORDS = new Set(['progress', 'progres', 'perkembangan']);

const BUDGET_WORDS = new Set(['budget', 'anggaran', 'batas', 'limit', 'plafon']);
const BUDGET_FILLERS = new Set([
  ...FILLERS,
  ...BUDGET_WORDS,
  'set',
  'setel',
  'atur',
  'bikin',
  'pasang',
  'per',
  'bulan',
  'sebulan',
  'perbulan',
  'bulanan',
  'jadi',
  'pengeluaran',
  'max',
  'maks',
  'maksimal',
  'maximal',
  'ubah',
  'ganti',
  'naikin',
  'turunin',
  'kategori',
  'mau',
]);
const BUDGET_QUERY_WORDS = new Set(['cek', 'sisa', 'lihat', 'liat', 'berapa', 'gimana']);

const REPORT_WORDS = new Set([
  'laporan',
  'rekap',
  'ringkasan',
  'summary',
  'report',
  'statistik',
  'cashflow',
  'resume',
]);
const EXPENSE_QUERY_WORDS = new Set(['pengeluaran', 'keluar', 'habis', 'abis', 'spending', 'spend', 'boros']);
const INCOME_QUERY_WORDS = new Set(['pemasukan', 'pendapatan', 'penghasilan', 'income', 'masuk']);

/** Verbs that make money leave: an expense. */
const EXPENSE_VERBS = new Set([
  'beli',
  'bayar',
  'jajan',
  'belanja',
  'keluar',
  'pengeluaran',
  'habis',
  'abis',
  'spend',
  'traktir',
  'sewa',
  'servis',
  'service',
  'cicil',
  'nyicil',
  'langganan',
  'donasi',
  'sedekah',
  'sumbang',
  'nyumbang',
  'kasih',
  'ngasih',
  'pesan',
  'order',
  'checkout',
  'ongkos',
  'biaya',
  'tip',
  'nonton',
  'isi',
  'patungan',
  'booking',
]);
/** Verbs and nouns that make money arrive: income. "masuk" only counts without an expense keyword ("masuk tol"). */
const INCOME_VERBS = new Set([
  'dapat',
  'terima',
  'dibayar',
  'cair',
  'pencairan',
  'jual',
  'jualan',
  'terjual',
  'laku',
  'gajian',
  'dikasih',
  'dikirim',
  'dikirimin',
  'ditransfer',
  'transferan',
  'pemasukan',
  'income',
  'pendapatan',
  'penghasilan',
  'untung',
  'menang',
  'refund',
  'cashback',
]);

const WALLETS = new Set([
  'gopay',
  'ovo',
  'dana',
  'shopeepay',
  'linkaja',
  'jenius',
  'flip',
  'ewallet',
  'dompet',
  'saldo',
  'doku',
  'sakuku',
  'isaku',
  'astrapay',
  'jago',
]);
const WALLETS_EXCEPT_SALDO = new Set([...WALLETS].filter((wallet) => wallet !== 'saldo'));
const OWN_ACCOUNT_WORDS = new Set(['sendiri', 'antar', 'pribadi']);

const SMALLTALK_WORDS = new Set([
  'makasih',
  'terima',
  'kasih',
  'halo',
  'hai',
  'pagi',
  'siang',
  'sore',
  'malam',
  'selamat',
  'oke',
  'okelah',
  'sip',
  'siap',
  'mantap',
  'keren',
  'good',
  'nice',
  'iya',
  'yoi',
  'yes',
  'no',
  'tidak',
  'assalamualaikum',
  'asalamualaikum',
  'waalaikumsalam',
  'salam',
  'permisi',
  'test',
  'tes',
  'testing',
  'ping',
  'bot',
  'admin',
  'lol',
  'baik',
  'btw',
  'noted',
  'done',
  'gpp',
  'apa',
  'kabar',
  'gimana',
  'hari',
  'semangat',
  'bagus',
  'mantul',
  'thanks',
  'banyak',
  'banget',
  'maaf',
  'sori',
  'sorry',
  'wah',
  'wow',
  'hmm',
  'kamu',
  'kabarnya',
  'sehat',
  'selalu',
  'juga',
  'sama',
  'sip',
]);
const LAUGHTER_RE = /^(?:wk)+w?$|^(?:ha|he|hi|hu|xi)+h?$|^a?wkwk\w*$/;
/** Words that turn a category word into a question or plan rather than a spend ("udah makan belum?"). */
const NOT_A_SPEND_WORDS = new Set([
  'apa',
  'siapa',
  'kapan',
  'mana',
  'dimana',
  'kenapa',
  'gimana',
  'belum',
  'yuk',
  'ayo',
  'mau',
  'pengen',
  'pingin',
  'ingin',
  'enak',
  'suka',
  'lagi',
  'besok',
  'nanti',
  'jangan',
  'tidak',
]);

// ---------------------------------------------------------------------------------------------

function blank(intent: ParseResult['intent'], confidence: number): ParseResult {
  return {
    intent,
    direction: null,
    amount: null,
    currency: 'IDR',
    description: null,
    category_suggestion: null,
    datetime: null,
    saving_name: null,
    target_amount: null,
    period: null,
    category_filter: null,
    question: null,
    confidence,
  };
}

function analyse(text: string, ctx: ParseContext): Analysis {
  const source = text.length > MAX_PARSE_CHARS ? text.slice(0, MAX_PARSE_CHARS) : text;
  const tokens = tokenize(source);
  const zone = resolveTimeZone(ctx.timezone);
  // An impossible `now` (Invalid Date, or so far out that adding a day leaves Date's range)
  // must not break the parse; the epoch is obviously wrong in the output but harmless.
  const time = ctx.now instanceof Date ? ctx.now.getTime() : Number.NaN;
  const now = Number.isFinite(time) && Math.abs(time) < 8.6e15 ? ctx.now : new Date(0);
  const date = findDate(tokens, now, zone);
  const blocked = new Set(date?.tokens ?? []);
  const scan = scanTokens(tokens, blocked);
  const inAmount = new Set<number>();
  for (const amount of scan.amounts) {
    for (let index = amount.firstToken; index < amount.lastToken; index += 1) inAmount.add(index);
  }
  const words: Word[] = [];
  tokens.forEach((token, index) => {
    if (token.kind === 'word' && !blocked.has(index) && !inAmount.has(index)) {
      words.push({ norm: token.norm, raw: token.raw, token: index });
    }
  });
  const norms = words.map((word) => word.norm);
  return {
    source,
    tokens,
    ctx,
    zone,
    now,
    date,
    scan,
    money: scan.amounts.filter(isMoney),
    weak: scan.amounts.filter((amount) => !isMoney(amount) && isWeakMoney(amount)),
    words,
    norms,
    set: new Set(norms),
    categories: matchCategories(norms, ctx.categories),
    question: tokens.some((token) => token.raw === '?'),
  };
}

const hasAny = (a: Analysis, words: ReadonlySet<string>): boolean => a.norms.some((word) => words.has(word));

function indexOfAny(a: Analysis, words: ReadonlySet<string>): number {
  return a.norms.findIndex((word) => words.has(word));
}

function hasPhrase(a: Analysis, phrase: readonly string[]): boolean {
  outer: for (let start = 0; start + phrase.length <= a.norms.length; start += 1) {
    for (let offset = 0; offset < phrase.length; offset += 1) {
      if (a.norms[start + offset] !== phrase[offset]) continue outer;
    }
    return true;
  }
  return false;
}

/** Words that are not fillers (and not in `extra`), in order. */
function contentWords(a: Analysis, extra: ReadonlySet<string> = FILLERS): Word[] {
  return a.words.filter((word) => !FILLERS.has(word.norm) && !extra.has(word.norm));
}

function datetimeOf(a: Analysis): string {
  return formatZonedIso(a.date?.date ?? a.now, a.zone);
}

/** The message without its amounts and date words, as typed; null when nothing is left. */
function describe(a: Analysis, amounts: readonly AmountMatch[]): string | null {
  const cuts: Array<[number, number]> = [];
  for (const amount of amounts) cuts.push([amount.negative ? amount.start - 1 : amount.start, amount.end]);
  for (const index of a.date?.tokens ?? []) {
    const token = a.tokens[index];
    if (token !== undefined) cuts.push([token.start, token.end]);
  }
  cuts.sort((x, y) => x[0] - y[0]);
  let text = '';
  let at = 0;
  for (const [start, end] of cuts) {
    if (start > at) text += `${a.source.slice(at, start)} `;
    at = Math.max(at, end);
  }
  text += a.source.slice(at);
  const cleaned = text
    .replace(/\s+/g, ' ')
    .replace(/^[\s\-–—:,.;!?/+=]+|[\s\-–—:,.;!?/+=@]+$/gu, '')
    .replace(/\s+([,.;!?])/g, '$1')
    .trim();
  if (cleaned === '') return null;
  return cleaned.length > DESCRIPTION_MAX ? cleaned.slice(0, DESCRIPTION_MAX).trimEnd() : cleaned;
}

/** The amount a money intent uses: the first explicit or grouped one, else the first bare one. */
function primaryAmount(money: readonly AmountMatch[]): AmountMatch | null {
  return money.find((amount) => amount.kind !== 'bare') ?? money[0] ?? null;
}

/** Confidence adjustments every money intent shares. */
function amountConfidence(base: number, amount: AmountMatch, all: readonly AmountMatch[]): number {
  let confidence = base;
  if (amount.kind === 'bare') confidence -= amount.value < 1000n ? 0.15 : 0.05;
  if (all.length > 1 || amount.negative) confidence = Math.min(confidence, 0.7);
  return round2(confidence);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

// ---------------------------------------------------------------------------------------------
// Intents

function readHelp(a: Analysis): ParseResult | null {
  if (a.money.length > 0) return null;
  const onlyQuestionMark = a.tokens.length > 0 && a.tokens.every((token) => token.raw === '?');
  if (onlyQuestionMark) return blank('help', 0.9);
  const phrase = HELP_PHRASES.some((words) => hasPhrase(a, words));
  if (!hasAny(a, HELP_WORDS) && !phrase) return null;
  // "menu makan siang apa ya" is about lunch, not the bot's menu.
  if (!phrase && a.categories.length > 0) return null;
  return blank('help', contentWords(a).length <= 5 ? 0.95 : 0.7);
}

function readDelete(a: Analysis): ParseResult | null {
  const at = indexOfAny(a, DELETE_VERBS);
  if (at < 0) return null;
  if (a.set.has(SAVING_WORD)) {
    const result = blank('clarification', 0.5);
    result.question =
      'Hapus tabungan belum bisa lewat chat. Maksudnya hapus transaksi terakhir? Balas: hapus';
    return result;
  }
  const rest = contentWords(a).filter(
    (word) => !DELETE_VERBS.has(word.norm) && !DELETE_FILLERS.has(word.norm),
  );
  // "hapus kopi tadi" probably means the last one, but deleting on a guess is worth a second opinion.
  return blank('delete_last', rest.length === 0 && a.money.length === 0 ? 0.95 : 0.55);
}

/** The saving's name: the words left once verbs, fillers, amounts and dates are gone ("dana darurat"). */
function savingName(a: Analysis): string | null {
  const words = a.words.filter((word) => !SAVING_FILLERS.has(word.norm)).slice(0, 4);
  if (words.length === 0) return null;
  const name = words.map((word) => word.raw.toLowerCase()).join(' ');
  return name.length > 100 ? name.slice(0, 100) : name;
}

function savingsResult(
  intent: 'create_saving' | 'deposit_saving' | 'withdraw_saving',
  a: Analysis,
  askName: string,
  askAmount: (name: string) => string,
): ParseResult {
  const name = savingName(a);
  const amount = primaryAmount(a.money);
  if (name !== null && amount !== null) {
    const result = blank(intent, amountConfidence(0.95, amount, a.money));
    result.saving_name = name;
    if (intent === 'create_saving') result.target_amount = amount.value;
    else result.amount = amount.value;
    return result;
  }
  const result = blank('clarification', 0.8);
  result.saving_name = name;
  if (amount !== null) {
    if (intent === 'create_saving') result.target_amount = amount.value;
    else result.amount = amount.value;
  }
  result.question = name === null ? askName : askAmount(name);
  if (name === null && amount === null) result.confidence = 0.6;
  if (a.scan.tooLarge && amount === null) result.question = QUESTION_TOO_LARGE;
  return result;
}

function isCashMove(a: Analysis, verbs: ReadonlySet<string>): boolean {
  const at = indexOfAny(a, verbs);
  if (at < 0) return false;
  const next = a.norms[at + 1];
  return (next !== undefined && CASH_WORDS.has(next)) || a.set.has('atm') || a.set.has('tunai');
}

function readSavings(a: Analysis): ParseResult | null {
  const saving = a.set.has(SAVING_WORD);
  const tabungIndex = a.norms.indexOf('tabung');
  const cylinder = tabungIndex >= 0 && CYLINDER_WORDS.has(a.norms[tabungIndex + 1] ?? '');
  const depositVerb =
    (hasAny(a, new Set(['setor', 'nabung'])) || (tabungIndex >= 0 && !cylinder)) &&
    !(isCashMove(a, new Set(['setor'])) && !saving);
  const withdrawVerb =
    (a.set.has('tarik') && !(isCashMove(a, WITHDRAW_VERBS) && !saving)) || (a.set.has('ambil') && saving);
  const createVerb = saving && (hasAny(a, CREATE_VERBS) || a.set.has('baru'));

  // "tambah tabungan laptop 500k" adds money; "tambah tabungan baru" makes one.
  if (createVerb && !depositVerb && !withdrawVerb) {
    const addingMoney =
      (a.set.has('tambah') || a.set.has('tambahin')) && !a.set.has('baru') && a.money.length > 0;
    if (!addingMoney) {
      return savingsResult(
        'create_saving',
        a,
        'Tabungannya untuk apa? Contoh: buat tabungan laptop 15jt',
        (name) => `Berapa target tabungan ${name}?`,
      );
    }
  }
  if (
    depositVerb ||
    (saving && (a.set.has('isi') || a.set.has('masukin') || a.set.has('tambah') || a.set.has('tambahin')))
  ) {
    return savingsResult(
      'deposit_saving',
      a,
      'Mau setor ke tabungan yang mana?',
      (name) => `Berapa yang mau disetor ke tabungan ${name}?`,
    );
  }
  if (withdrawVerb) {
    return savingsResult(
      'withdraw_saving',
      a,
      'Mau tarik dari tabungan yang mana?',
      (name) => `Berapa yang mau ditarik dari tabungan ${name}?`,
    );
  }
  if (saving && a.money.length === 0) {
    const result = blank('get_savings', 0.9);
    result.saving_name = savingName(a);
    return result;
  }
  if (saving) {
    // "tabungan laptop 500k": probably a deposit, but setor or tarik is a guess.
    const result = savingsResult(
      'deposit_saving',
      a,
      'Mau setor ke tabungan yang mana?',
      (name) => `Setor ke tabungan ${name}?`,
    );
    result.confidence = Math.min(result.confidence, 0.55);
    return result;
  }
  if (hasAny(a, SAVINGS_QUERY_WORDS) && a.money.length === 0) {
    const result = blank('get_savings', 0.7);
    result.saving_name = savingName(a);
    return result;
  }
  return null;
}

function readBudget(a: Analysis): ParseResult | null {
  if (!hasAny(a, BUDGET_WORDS)) return null;
  const targetWords = a.words.filter(
    (word) => !BUDGET_FILLERS.has(word.norm) && !BUDGET_QUERY_WORDS.has(word.norm),
  );
  const resolved = resolveCategory(
    targetWords.map((word) => word.norm),
    a.ctx.categories,
  );
  const newName =
    targetWords.length > 0 && targetWords.length <= 3
      ? titleCase(targetWords.map((w) => w.raw).join(' '))
      : null;
  const category = resolved?.name ?? newName;
  const amount = primaryAmount(a.money);
  if (amount === null && hasAny(a, BUDGET_QUERY_WORDS)) {
    const result = blank('get_report', 0.65);
    result.period = 'this_month';
    result.category_filter = resolved?.name ?? null;
    result.direction = 'expense';
    return result;
  }
  if (amount === null) {
    const result = blank('clarification', 0.75);
    result.category_suggestion = category;
    result.question = a.scan.tooLarge
      ? QUESTION_TOO_LARGE
      : category === null
        ? 'Budget untuk kategori apa, berapa sebulan? Contoh: budget makan 1,5jt'
        : `Berapa budget ${category} sebulan?`;
    return result;
  }
  if (category === null) {
    const result = blank('clarification', 0.8);
    result.amount = amount.value;
    result.question = 'Budget untuk kategori apa? Contoh: budget makan 1,5jt';
    return result;
  }
  const base = resolved === null ? 0.75 : resolved.exact ? 0.95 : 0.85;
  const result = blank('set_budget', amountConfidence(base, amount, a.money));
  result.amount = amount.value;
  result.category_suggestion = category;
  return result;
}

function readEdit(a: Analysis): ParseResult | null {
  const verbAt = a.norms.findIndex((word) => EDIT_VERBS.has(word));
  const shouldAt = a.norms.indexOf('harusnya');
  const butAt = a.set.has('bukan') ? a.norms.indexOf('tapi') : -1;
  const categoryWordFirst = a.norms[0] === 'kategori';
  const startsWithVerb =
    verbAt === 0 ||
    (verbAt > 0 && a.words.slice(0, verbAt).every((w) => FILLERS.has(w.norm) || w.norm === 'salah'));
  if (!startsWithVerb && shouldAt < 0 && butAt < 0 && !categoryWordFirst) {
    if (a.norms.length === 1 && a.norms[0] === 'salah') {
      const result = blank('clarification', 0.7);
      result.question = 'Yang salah apa? Balas: ganti <kategori> atau hapus';
      return result;
    }
    return null;
  }
  // "ganti oli", "ganti ban": a spend that starts with ganti, just without its amount.
  if (startsWithVerb) {
    const spend = bestCategory(a.categories.filter((match) => match.start === verbAt && match.length > 1));
    if (spend !== null) return null;
  }
  const from = Math.max(butAt, shouldAt, startsWithVerb ? verbAt : -1) + 1;
  const target = a.words.slice(from).filter((word) => !EDIT_FILLERS.has(word.norm));
  if (target.length === 0) {
    const result = blank('clarification', 0.8);
    result.question = QUESTION_EDIT_WHICH;
    return result;
  }
  const resolved = resolveCategory(
    target.map((word) => word.norm),
    a.ctx.categories,
  );
  const result = blank('edit_category', 0.95);
  if (resolved !== null) {
    result.category_suggestion = resolved.name;
    result.confidence = resolved.exact ? 0.95 : 0.65;
    return result;
  }
  result.category_suggestion = titleCase(
    target
      .slice(0, 3)
      .map((word) => word.raw)
      .join(' '),
  ).slice(0, 40);
  result.confidence = target.length <= 2 ? 0.8 : 0.45;
  return result;
}

const PERIOD_PHRASES: ReadonlyArray<[readonly string[], Period]> = [
  [['hari', 'ini'], 'today'],
  [['harian'], 'today'],
  [['today'], 'today'],
  [['minggu', 'ini'], 'this_week'],
  [['seminggu', 'ini'], 'this_week'],
  [['mingguan'], 'this_week'],
  [['minggu', 'lalu'], 'last_week'],
  [['minggu', 'kemarin'], 'last_week'],
  [['minggu', 'kemaren'], 'last_week'],
  [['bulan', 'ini'], 'this_month'],
  [['sebulan', 'ini'], 'this_month'],
  [['bulanan'], 'this_month'],
  [['bulan', 'lalu'], 'last_month'],
  [['bulan', 'kemarin'], 'last_month'],
  [['kemarin'], 'yesterday'],
];

/** Report periods read from all words, date words included ("laporan kemarin"). */
function findPeriod(a: Analysis): Period | null {
  const all = a.tokens.filter((token) => token.kind === 'word').map((token) => token.norm);
  for (const [phrase, period] of PERIOD_PHRASES) {
    outer: for (let start = 0; start + phrase.length <= all.length; start += 1) {
      for (let offset = 0; offset < phrase.length; offset += 1) {
        if (all[start + offset] !== phrase[offset]) continue outer;
      }
      return period;
    }
  }
  return null;
}

function readReport(a: Analysis): ParseResult | null {
  if (a.money.length > 0) return null;
  const period = findPeriod(a);
  const reportWord = hasAny(a, REPORT_WORDS);
  const expenseWord = hasAny(a, EXPENSE_QUERY_WORDS);
  const incomeWord = hasAny(a, INCOME_QUERY_WORDS) && !a.set.has('uang');
  const asks = a.set.has('berapa') || a.set.has('cek') || a.set.has('lihat') || a.set.has('liat');
  const reportCategories = a.categories.filter(
    (match) => !EXPENSE_QUERY_WORDS.has(a.norms[match.start] ?? ''),
  );
  const category = bestCategory(reportCategories);
  const balance = a.set.has('saldo') && !hasAny(a, WALLETS_EXCEPT_SALDO);
  const isReport =
    reportWord ||
    ((expenseWord || incomeWord) && (asks || period !== null)) ||
    (a.set.has('total') && (period !== null || category !== null)) ||
    (asks && category !== null && period !== null) ||
    (balance && contentWords(a).length <= 3);
  if (!isReport) return null;
  const result = blank('get_report', period === null ? 0.85 : 0.95);
  result.category_filter = category?.name ?? null;
  if (expenseWord && !incomeWord) result.direction = 'expense';
  else if (incomeWord && !expenseWord) result.direction = 'income';
  else if (category !== null) result.direction = category.kind;
  const plain = reportWord && category === null && result.direction === null;
  result.period = period ?? (plain ? 'today' : 'this_month');
  return result;
}

/** Whether the words name a spend, an income or neither; the earliest explicit verb wins. */
function directionOf(a: Analysis): { direction: Direction | null; verb: boolean } {
  const thanks = a.norms.findIndex((word, i) => word === 'terima' && a.norms[i + 1] === 'kasih');
  const incomeAt = a.norms.findIndex((word, i) => INCOME_VERBS.has(word) && i !== thanks);
  const expenseAt = a.norms.findIndex(
    (word, i) => EXPENSE_VERBS.has(word) && !(word === 'kasih' && i === thanks + 1),
  );
  if (incomeAt >= 0 && (expenseAt < 0 || incomeAt < expenseAt)) return { direction: 'income', verb: true };
  if (expenseAt >= 0) return { direction: 'expense', verb: true };
  const best = bestCategory(a.categories);
  if (best !== null) return { direction: best.kind, verb: false };
  if (a.set.has('masuk')) return { direction: 'income', verb: true };
  return { direction: null, verb: false };
}

function readTransfer(a: Analysis): boolean {
  const topUp = hasPhrase(a, ['top', 'up']) || a.set.has('topup');
  const wallet = hasAny(a, WALLETS);
  if (topUp) {
    const spendCategory = bestCategory(a.categories, 'expense');
    return spendCategory === null;
  }
  if (a.set.has('isi') && wallet) return true;
  if (isCashMove(a, new Set(['tarik', 'ambil', 'setor']))) return true;
  const moving =
    a.set.has('transfer') || a.set.has('pindah') || a.set.has('pindahin') || a.set.has('mindahin');
  return moving && hasAny(a, OWN_ACCOUNT_WORDS);
}

function readTransaction(a: Analysis): ParseResult {
  const { direction, verb } = directionOf(a);
  const candidates = a.money.length > 0 ? a.money : direction !== null ? a.weak : [];
  const amount = primaryAmount(candidates);
  const datetime = datetimeOf(a);
  const description = describe(a, candidates);

  if (amount !== null && readTransfer(a)) {
    const result = blank(
      'create_transaction',
      amountConfidence(
        hasAny(a, WALLETS) || hasAny(a, CASH_WORDS) || hasAny(a, OWN_ACCOUNT_WORDS) ? 0.9 : 0.7,
        amount,
        candidates,
      ),
    );
    result.direction = 'transfer';
    result.amount = amount.value;
    result.description = description;
    result.datetime = datetime;
    return result;
  }

  if (direction === null) {
    const meaningful = contentWords(a).filter((word) => !SMALLTALK_WORDS.has(word.norm));
    if (amount !== null) {
      // "tadi 50k": an amount and nothing else to go on (SPEC test 10).
      const result = blank('clarification', meaningful.length === 0 && amount.kind !== 'bare' ? 0.7 : 0.45);
      result.amount = amount.value;
      result.description = description;
      result.datetime = datetime;
      result.question = QUESTION_WHICH_CATEGORY;
      return result;
    }
    if (a.scan.tooLarge) {
      const result = blank('clarification', 0.5);
      result.question = QUESTION_TOO_LARGE;
      result.datetime = datetime;
      return result;
    }
    return readSmalltalk(a);
  }

  const category = bestCategory(a.categories, direction === 'income' ? 'income' : 'expense');
  const categoryName =
    category?.name ??
    (verb ? (direction === 'income' ? FALLBACK_INCOME_CATEGORY : FALLBACK_EXPENSE_CATEGORY) : null);

  if (amount === null) {
    if (a.question || hasAny(a, NOT_A_SPEND_WORDS) || contentWords(a).length > 6)
      return readSmalltalk(a, 0.4);
    // "kuota sisa 10 gb", "nomor hp 0812…": a category word beside a count, measure or phone
    // number, with no verb of spending, is talk about the thing rather than a purchase.
    const counts =
      a.scan.amounts.some((found) => found.vetoed) ||
      (a.date?.tokens ?? []).some((index) => a.tokens[index]?.kind === 'number');
    if (!verb && counts && !a.scan.tooLarge) return readSmalltalk(a, 0.4);
    // "makan 25": most likely 25 ribu, but that is a guess; ask, and let the LLM try first.
    const smallNumber = a.scan.amounts.length > 0;
    const result = blank('clarification', a.scan.tooLarge ? 0.8 : smallNumber && !verb ? 0.5 : 0.75);
    result.direction = direction;
    result.category_suggestion = categoryName;
    result.description = description;
    result.datetime = datetime;
    result.question = a.scan.tooLarge ? QUESTION_TOO_LARGE : QUESTION_HOW_MUCH;
    return result;
  }

  const base = category === null ? 0.85 : 0.95;
  const result = blank('create_transaction', amountConfidence(base, amount, candidates));
  result.direction = direction;
  result.amount = amount.value;
  result.category_suggestion = categoryName;
  result.description = description;
  result.datetime = datetime;
  return result;
}

function readSmalltalk(a: Analysis, unknownConfidence = 0.3): ParseResult {
  const words = contentWords(a, new Set());
  const chatty = words.filter((word) => SMALLTALK_WORDS.has(word.norm) || LAUGHTER_RE.test(word.norm));
  if (words.length === 0 && a.scan.amounts.length === 0) {
    // Emoji, punctuation or fillers only: a reaction, nothing to record.
    return blank('smalltalk', a.tokens.length === 0 && a.source.trim() !== '' ? 0.8 : 0.7);
  }
  if (chatty.length === words.length && a.scan.amounts.length === 0) return blank('smalltalk', 0.95);
  if (chatty.length > 0 && chatty.length * 2 >= words.length) return blank('smalltalk', 0.8);
  // Numbers that are counts, hours or ages ("jam 3", "25 tahun") and no word about money.
  if (a.money.length === 0 && a.tokens.some((token) => token.kind === 'number'))
    return blank('smalltalk', 0.7);
  return blank('smalltalk', unknownConfidence);
}

function parseInner(text: string, ctx: ParseContext): ParseResult {
  const a = analyse(text, ctx);
  return (
    readHelp(a) ??
    readDelete(a) ??
    readSavings(a) ??
    readBudget(a) ??
    (a.money.length === 0 ? (readEdit(a) ?? readReport(a)) : null) ??
    readTransaction(a)
  );
}

/**
 * Reads one chat message. Never throws: input the rules cannot read comes back as low-confidence
 * smalltalk (below {@link RULES_CONFIDENT}) so the caller can try the LLM.
 */
export function parseMessage(text: string, ctx: ParseContext): ParseResult {
  try {
    return parseInner(typeof text === 'string' ? text : '', ctx);
  } catch {
    // A bug here must not take the bot down with it; the LLM (or a clarification) takes over.
    return blank('smalltalk', 0.1);
  }
}
