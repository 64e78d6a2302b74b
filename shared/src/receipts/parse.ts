/**
 * The receipt reader: OCR text in, total / date / merchant / items out, with a confidence that
 * says whether the reading double-checks itself. Deterministic rules, like the chat reader
 * (DESIGN.md decision 5): the LLM clean-up may fill gaps, never replace the total read here.
 *
 * The total is the amount on a TOTAL / GRAND TOTAL / TOTAL BELANJA / TOTAL BAYAR line, never on
 * TUNAI, KEMBALI, SUBTOTAL, PPN, DPP, HEMAT or TOTAL ITEM lines. It is trusted (confirmed) only
 * when the receipt's own arithmetic agrees: cash − change, a card/e-wallet payment, the items'
 * sum, or the subtotal with its discount or tax.
 */

export type ReceiptItem = { name: string; price: bigint };

export type ReceiptReading = {
  total: bigint | null;
  /** YYYY-MM-DD as printed (the shop's local date). */
  date: string | null;
  merchant: string | null;
  items: ReceiptItem[];
  raw_text: string;
  /** 0–1: label found, arithmetic agrees, date and merchant found, OCR sure of its words. */
  confidence: number;
  /** Which cross-check confirmed the total, if any (for the audit trail and tests). */
  checks: string[];
};

/** At or above this a receipt is recorded as confirmed; below it, pending until the user says so. */
export const RECEIPT_CONFIDENT = 0.75;

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  peb: 2,
  mar: 3,
  apr: 4,
  mei: 5,
  may: 5,
  jun: 6,
  jul: 7,
  agu: 8,
  agt: 8,
  ags: 8,
  aug: 8,
  sep: 9,
  okt: 10,
  oct: 10,
  nov: 11,
  nop: 11,
  des: 12,
  dec: 12,
};

/** Chains and brands whose names OCR may garble a little; display spelling on the right. */
const KNOWN_MERCHANTS: readonly [string, string][] = [
  ['INDOMARET', 'Indomaret'],
  ['ALFAMART', 'Alfamart'],
  ['ALFAMIDI', 'Alfamidi'],
  ['LAWSON', 'Lawson'],
  ['FAMILYMART', 'FamilyMart'],
  ['CIRCLEK', 'Circle K'],
  ['SUPERINDO', 'Superindo'],
  ['HYPERMART', 'Hypermart'],
  ['TRANSMART', 'Transmart'],
  ['CARREFOUR', 'Carrefour'],
  ['LOTTEMART', 'Lotte Mart'],
  ['GIANT', 'Giant'],
  ['GUARDIAN', 'Guardian'],
  ['WATSONS', 'Watsons'],
  ['CENTURY', 'Century'],
  ['KIMIAFARMA', 'Kimia Farma'],
  ['PERTAMINA', 'Pertamina'],
  ['SHELL', 'Shell'],
  ['KOPIKENANGAN', 'Kopi Kenangan'],
  ['JANJIJIWA', 'Janji Jiwa'],
  ['STARBUCKS', 'Starbucks'],
  ['MCDONALDS', "McDonald's"],
  ['BURGERKING', 'Burger King'],
  ['HOKBEN', 'HokBen'],
  ['SOLARIA', 'Solaria'],
  ['GRAMEDIA', 'Gramedia'],
  ['INFORMA', 'Informa'],
  ['MATAHARI', 'Matahari'],
  ['RAMAYANA', 'Ramayana'],
  ['MINISO', 'Miniso'],
];

type Line = { text: string; lower: string; amounts: bigint[] };

/** OCR's usual slips inside numbers: O for 0, l/I for 1, spaces around separators. */
function cleanNumbers(text: string): string {
  return text
    .replace(/(?<=[\d.,])[Oo](?=[\d.,]|\b)|(?<=\b)[Oo](?=[\d.,]\d)/g, '0')
    .replace(/(?<=\d[.,]?)[Il|](?=[\d.,])|(?<=[.,])[Il|](?=\d)/g, '1')
    .replace(/(\d)\s*([.,])\s+(\d{3})(?!\d)/g, '$1$2$3')
    .replace(/(\d)\s+([.,])(\d{3})(?!\d)/g, '$1$2$3');
}

const MONEY =
  /(?<![\d.,])-?(?:rp\.?\s*)?(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{2})?|\d{3,9}(?:[.,]\d{2})?)(?![\d.,]*\d)(?!\s*(?:l\b|liter|kg|gr?\b|ml\b|%))/gi;

/** Money amounts on a line, in order: "Rp 132.500", "132.500,00", "132,500", "58000". */
export function amountsIn(text: string): bigint[] {
  const amounts: bigint[] = [];
  for (const match of text.matchAll(MONEY)) {
    const digits = match[1] ?? '';
    // "34.123.45" (a station number) is no money: cents never share the thousands separator.
    if (/^\d{1,3}([.,])\d{3}(?:\1\d{3})*\1\d{2}$/.test(digits)) continue;
    const whole = digits.replace(/[.,]\d{2}$/, (cents) =>
      /^\d{1,3}([.,]\d{3})+$/.test(digits) ? cents : '',
    );
    const value = BigInt(whole.replace(/[.,]/g, '') || '0');
    if (value >= 100n) amounts.push(value);
  }
  return amounts;
}

function toLines(text: string): Line[] {
  return text
    .split(/\r?\n/)
    .map((raw) => raw.replace(/\s+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const cleaned = cleanNumbers(line);
      const lower = cleaned.toLowerCase().replace(/(?<=[a-z])0(?=[a-z])/g, 'o');
      return { text: cleaned, lower, amounts: amountsIn(cleaned) };
    });
}

const TOTAL_WORD = 't[o0]ta[l1i]';
const EXCLUDED = new RegExp(
  [
    String.raw`sub\s*-?\s*${TOTAL_WORD}`,
    String.raw`${TOTAL_WORD}\s*(item|qty|jumlah item|barang|disc|diskon|hemat|potongan|ppn|pajak)`,
    'tunai',
    'kembali',
    'ppn',
    'dpp',
    'hemat',
    'pajak',
    'tax',
    'pb1',
    'change',
    'diskon',
    'discount',
    'harga\\s*/',
  ].join('|'),
);

/** How strongly a line's label says "this is what was paid", or 0. */
function totalPriority(lower: string): number {
  if (EXCLUDED.test(lower)) return 0;
  if (new RegExp(String.raw`grand\s*${TOTAL_WORD}`).test(lower)) return 4;
  if (new RegExp(String.raw`${TOTAL_WORD}\s*(belanja|bayar|harga|pembayaran|tagihan|penjualan)`).test(lower))
    return 3;
  if (new RegExp(String.raw`\b${TOTAL_WORD}\b`).test(lower)) return 2;
  if (/\bjumlah\s*(bayar|tagihan)\b/.test(lower)) return 2;
  if (/\bjumlah\b/.test(lower)) return 1;
  return 0;
}

const CASH = /\b(tunai|cash)\b/;
const CHANGE = /\bkembali(an)?\b|\bchange\b/;
const NON_CASH =
  /\b(debit|kredit|credit|kartu|card|gopay|ovo|dana|qris|shopee ?pay|linkaja|flazz|e-?money|edc|bca|mandiri|bri|bni)\b/;
const SUBTOTAL = new RegExp(String.raw`sub\s*-?\s*${TOTAL_WORD}|harga\s*jual|\bjumlah\b`);
const DISCOUNT = /\b(hemat|diskon|discount|potongan|promo|disc)\b/;
const TAX = /\b(ppn|pb1|pajak|tax|service|layanan)\b/;
const NOT_ITEM = new RegExp(
  [
    TOTAL_WORD,
    'tunai',
    'cash',
    'kembali',
    'change',
    'ppn',
    'dpp',
    'pb1',
    'pajak',
    'tax',
    'hemat',
    'diskon',
    'discount',
    'harga jual',
    'jumlah',
    'npwp',
    'telp',
    'debit',
    'kredit',
    'kartu',
    'gopay',
    'ovo',
    'qris',
    'volume',
    'harga/',
    'harga /',
    'waktu',
    'tanggal',
    'tgl',
    'kasir',
    'meja',
    'pompa',
  ].join('|'),
);

function lastAmount(line: Line | undefined): bigint | null {
  return line?.amounts.at(-1) ?? null;
}

function findTotal(lines: readonly Line[]): { total: bigint; index: number; priority: number } | null {
  let best: { total: bigint; index: number; priority: number } | null = null;
  lines.forEach((line, index) => {
    const priority = totalPriority(line.lower);
    if (priority === 0) return;
    // The amount sits on the label's line, or (narrow printers) alone on the next one.
    const next = lines[index + 1];
    const amount =
      lastAmount(line) ?? (next && totalPriority(next.lower) === 0 ? (next.amounts[0] ?? null) : null);
    if (amount === null) return;
    if (!best || priority >= best.priority) best = { total: amount, index, priority };
  });
  return best;
}

function amountsWhere(lines: readonly Line[], pattern: RegExp, exclude?: RegExp): bigint[] {
  return lines
    .filter((line) => pattern.test(line.lower) && !(exclude?.test(line.lower) ?? false))
    .flatMap((line) => {
      const amount = lastAmount(line);
      return amount === null ? [] : [amount];
    });
}

/** Which of the receipt's own sums agree with `total`. */
function crossChecks(lines: readonly Line[], total: bigint, items: readonly ReceiptItem[]): string[] {
  const checks: string[] = [];
  const cash = amountsWhere(lines, CASH, CHANGE);
  const change = amountsWhere(lines, CHANGE);
  if (cash.some((paid) => change.some((back) => paid - back === total))) checks.push('cash-change');
  if (amountsWhere(lines, NON_CASH).includes(total)) checks.push('non-cash-payment');
  if (cash.includes(total) && change.length === 0) checks.push('exact-cash');
  const itemSum = items.reduce((sum, item) => sum + item.price, 0n);
  const subtotals = [...amountsWhere(lines, SUBTOTAL), ...(items.length > 1 ? [itemSum] : [])];
  const discounts = amountsWhere(lines, DISCOUNT);
  const taxes = amountsWhere(lines, TAX, /\bdpp\b/);
  if (items.length > 1 && itemSum === total) checks.push('items-sum');
  for (const subtotal of subtotals) {
    if (discounts.some((discount) => subtotal - discount === total)) checks.push('subtotal-discount');
    if (taxes.some((tax) => subtotal + tax === total)) checks.push('subtotal-tax');
  }
  return [...new Set(checks)];
}

function validDate(year: number, month: number, day: number, now: Date): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return null;
  // A receipt is from the past few years, never from beyond tomorrow.
  const age = now.getTime() - date.getTime();
  if (age < -2 * 86_400_000 || age > 6 * 365 * 86_400_000) return null;
  return date.toISOString().slice(0, 10);
}

const fullYear = (year: string) => (year.length === 2 ? 2000 + Number(year) : Number(year));

/** The first plausible date: 16/10/2025, 16-10-2025, 16.10.25, 2025-10-16, 16 Okt 2025, 16 Oktober 2025. */
export function findDate(text: string, now: Date): string | null {
  const patterns: [RegExp, (match: RegExpMatchArray) => string | null][] = [
    [
      /(?<![\d.])(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})(?![\d])/g,
      (match) => validDate(Number(match[1]), Number(match[2]), Number(match[3]), now),
    ],
    [
      /(?<![\d.,])(\d{1,2})\s?[/\-.]\s?(\d{1,2})\s?[/\-.]\s?(\d{4}|\d{2})(?![\d,]|\.\d)/g,
      (match) => validDate(fullYear(match[3] ?? ''), Number(match[2]), Number(match[1]), now),
    ],
    [
      /(?<!\d)(\d{1,2})[\s\-./]*([a-z]{3})[a-z]*[\s\-./,]*(\d{4}|\d{2})(?!\d)/gi,
      (match) => {
        const month = MONTHS[(match[2] ?? '').toLowerCase()];
        return month ? validDate(fullYear(match[3] ?? ''), month, Number(match[1]), now) : null;
      },
    ],
  ];
  const found: { index: number; date: string }[] = [];
  for (const [pattern, read] of patterns) {
    for (const match of text.matchAll(pattern)) {
      const date = read(match);
      if (date) found.push({ index: match.index ?? 0, date });
    }
  }
  found.sort((a, b) => a.index - b.index);
  return found[0]?.date ?? null;
}

/** Edit distance, for brand names OCR garbled by a letter or two. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function titleCase(text: string): string {
  return text
    .toLowerCase()
    .split(' ')
    .map((word) =>
      word.length <= 2 ? word.toUpperCase() : `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`,
    )
    .join(' ');
}

const NOT_MERCHANT =
  /\b(jl|jln|jalan|npwp|telp|tel|pt|cv|tbk|no|kasir|struk|receipt|tanggal|tgl|waktu)\b|\d{2}[/.:-]\d{2}/i;

/** A known chain (allowing a slip of OCR), else the first header line that reads like a name. */
export function findMerchant(lines: readonly string[]): { name: string; known: boolean } | null {
  const header = lines.slice(0, 6);
  for (const line of header) {
    const squeezed = line.toUpperCase().replace(/[^A-Z]/g, '');
    for (const [key, name] of KNOWN_MERCHANTS) {
      if (squeezed.includes(key)) return { name, known: true };
      const window = squeezed.slice(0, key.length + 1);
      if (key.length >= 6 && distance(window.slice(0, key.length), key) <= 1) return { name, known: true };
    }
  }
  for (const line of header) {
    const letters = line.replace(/[^A-Za-z ]/g, '').trim();
    if (letters.length < 3 || letters.length < line.replace(/\s/g, '').length * 0.7) continue;
    if (NOT_MERCHANT.test(line) || /^[-=*_ ]+$/.test(line)) continue;
    return { name: titleCase(letters.replace(/\s+/g, ' ')), known: false };
  }
  return null;
}

/** An item line ends with its price (maybe a tax flag after it) and holds no date or time. */
const ITEM_LINE = /(\d{1,3}(?:[.,]\d{3})+|\d{3,9})(?:[.,]\d{2})?\s*[*A-Za-z]?$/;
const DATE_OR_TIME = /\d{1,2}[/.:-]\d{2}(?![\d])|\d{1,2}:\d{2}/;

function itemName(line: Line): string | null {
  const name = line.text
    .replace(MONEY, ' ')
    .replace(/\b\d+\s*[xX@]\s*$/, '')
    .replace(/^\s*\d+\s*[xX]?\s+/, '')
    .replace(/\s+\d+\s*[xX@]?\s*$/, '')
    .replace(/[:=]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return /[A-Za-z]{2,}/.test(name) ? name : null;
}

/** Lines with a name and a price above the total block, that are not totals, taxes or payments. */
function findItems(lines: readonly Line[], totalIndex: number): ReceiptItem[] {
  const items: ReceiptItem[] = [];
  const end = lines.findIndex((line) => SUBTOTAL.test(line.lower) || totalPriority(line.lower) > 0);
  const stop = end === -1 ? totalIndex : Math.min(end, totalIndex);
  for (const line of lines.slice(0, Math.max(0, stop))) {
    const price = lastAmount(line);
    if (price === null || NOT_ITEM.test(line.lower) || !ITEM_LINE.test(line.text)) continue;
    if (DATE_OR_TIME.test(line.text.replace(MONEY, ' '))) continue;
    const name = itemName(line);
    if (name) items.push({ name, price });
  }
  return items;
}

/**
 * Reads OCR text. `ocrConfidence` is the engine's mean word confidence (0–100), when known.
 *
 * @example
 * parseReceiptText('INDOMARET\n16-10-2025\nTOTAL 132.500\nTUNAI 150.000\nKEMBALI 17.500', { now })
 * // → { total: 132500n, date: '2025-10-16', merchant: 'Indomaret', checks: ['cash-change'], … }
 */
export function parseReceiptText(
  rawText: string,
  options: { now: Date; ocrConfidence?: number | null },
): ReceiptReading {
  const lines = toLines(rawText);
  const found = findTotal(lines);
  const date = findDate(lines.map((line) => line.text).join('\n'), options.now);
  const merchant = findMerchant(lines.map((line) => line.text));
  const items = findItems(lines, found?.index ?? lines.length);
  const checks = found ? crossChecks(lines, found.total, items) : [];

  let score = 0;
  if (found) score += found.priority >= 2 ? 0.45 : 0.35;
  if (checks.length > 0) score += 0.25;
  if (date) score += 0.1;
  if (merchant) score += merchant.known ? 0.1 : 0.07;
  // Clear print reads at 85–95; a faded or blurred photo lower, and its digits are less sure.
  const ocr = options.ocrConfidence;
  const ocrFactor = ocr === null || ocr === undefined ? 1 : Math.max(0, Math.min(1, (ocr - 45) / 40));
  const confidence = found ? Math.round(score * ocrFactor * 100) / 100 : 0;
  return {
    total: found?.total ?? null,
    date,
    merchant: merchant?.name ?? null,
    items,
    raw_text: rawText,
    confidence,
    checks,
  };
}
