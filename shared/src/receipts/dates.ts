/**
 * The transaction date of a receipt. Receipts print it many ways (16/12/2025, 16.12.25-18:50/4.1.4/…
 * inside Indomaret's code line, 14 Des 2025, 10 May 19, Tgl. 18-12-2025, US-style 3/25/16) and
 * print other dates and date-like numbers beside it: software versions (V.2025.11.0, 2.0.35),
 * tax-registration dates in the header, coupon expiry. Every candidate is scored and the likeliest
 * transaction date wins.
 */

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

/** Month words as printed, full or short: "Des", "Desember", "December", "Sept". */
function monthOf(word: string): number | null {
  const lower = word.toLowerCase();
  const month = MONTHS[lower.slice(0, 3)];
  if (!month) return null;
  if (lower.length === 3) return month;
  const full = [
    'januari',
    'january',
    'februari',
    'pebruari',
    'february',
    'maret',
    'march',
    'april',
    'juni',
    'june',
    'juli',
    'july',
    'agustus',
    'august',
    'sept',
    'september',
    'oktober',
    'october',
    'november',
    'nopember',
    'desember',
    'december',
  ];
  return full.includes(lower) ? month : null;
}

/** A receipt is from the past dozen years (people photograph old ones too), never from beyond tomorrow. */
const OLDEST_DAYS = 12 * 366;

function validDate(year: number, month: number, day: number, now: Date): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return null;
  const age = now.getTime() - date.getTime();
  if (age < -2 * 86_400_000 || age > OLDEST_DAYS * 86_400_000) return null;
  return date.toISOString().slice(0, 10);
}

const fullYear = (year: string) => (year.length === 2 ? 2000 + Number(year) : Number(year));

type Candidate = { date: string; score: number; index: number };

/** Lines whose dates are not the sale's: tax registration, validity, expiry, birthdays. */
const OTHER_DATE =
  /pengukuhan|pkp|terdaftar|berlaku|expired?|exp\b|kadaluarsa|s\/d|valid|lahir|member sejak/i;
const DATE_LABEL = /\b(tgl|tg1|tanggal|date|waktu|time|jam)\b/i;
const TIME_NEAR = /^\s*[-(/]?\s*\d{1,2}\s?[:.]\s?\d{2}|^\d{1,2}\s?:\s?\d{2}/;
const VERSION_BEFORE = /(?:\b[vu]\s?\.?\s?|(?<![a-z])\d\.)$/i;

function candidatesOn(line: string, lineIndex: number, now: Date): Candidate[] {
  const found: Candidate[] = [];
  const add = (date: string | null, at: number, length: number, bonus = 0) => {
    if (!date) return;
    const before = line.slice(0, at);
    if (VERSION_BEFORE.test(before)) return;
    const after = line.slice(at + length);
    let score = bonus;
    if (DATE_LABEL.test(before)) score += 2;
    if (TIME_NEAR.test(after) || /\d{1,2}:\d{2}\s*$/.test(before)) score += 1;
    found.push({ date, score, index: lineIndex });
  };
  // 2025-12-16, also with the time glued on by OCR (2025-08-2117:05:33)
  for (const match of line.matchAll(
    /(?<![\d.])(\d{4})[/\-.](\d{1,2})[/\-.](\d{2}(?=\d{1,2}\s?:\s?\d{2})|\d{1,2}(?!\d))/g,
  ))
    add(validDate(Number(match[1]), Number(match[2]), Number(match[3]), now), match.index, match[0].length);
  // 16/12/2025, 16.12.25-18:50, 25-12-202509:49, 30/07/2515:20 or 3/25/166:23 PM (OCR glues the
  // time on: a year followed by H:MM is read as the year and the time, before "2515" as a year),
  // and US 3/25/16 when day-first cannot be.
  for (const match of line.matchAll(
    /(?<![\d,]|(?<![A-Za-z])\d\.)(\d{1,2})\s?([/\-.])\s?(\d{1,2})\s?[/\-.]\s?(\d{4}(?=\d{1,2}\s?:\s?\d{2})|\d{2}(?=\d{1,2}\s?:\s?\d{2})|\d{4}(?!\d)|\d{2}(?!\d))(?![,]|\.\d|[/-]\d{2,4}(?![:\d]))/g,
  )) {
    const year = fullYear(match[4] ?? '');
    const first = Number(match[1]);
    const second = Number(match[3]);
    const dayFirst = validDate(year, second, first, now);
    const monthFirst =
      match[2] === '/' && first <= 12 && second > 12 ? validDate(year, first, second, now) : null;
    add(dayFirst ?? monthFirst, match.index, match[0].length, dayFirst ? 0 : -0.5);
  }
  // 14 Des 2025, 10 May 19, 16 Oktober 2025
  // OCR reads the o of "Okt" as a zero, may see a colon in the gap ("12 0kt :2025") and glue the
  // day or the time on ("120kt 202512:41"). A zero-led month after a one-digit day ("20kt") is
  // left alone: it may as well be the day's own second digit.
  for (const match of line.matchAll(
    /(?<!\d)(\d{1,2})[\s\-./]*([a-z0]{3,9})[\s\-./,:]*(\d{4}(?=\d{1,2}\s?:\s?\d{2})|\d{4}(?!\d)|\d{2}(?!\d))/gi,
  )) {
    if (match[2]?.startsWith('0') && (match[1] ?? '').length < 2) continue;
    const month = monthOf((match[2] ?? '').replace(/0/g, 'o'));
    if (month)
      add(validDate(fullYear(match[3] ?? ''), month, Number(match[1]), now), match.index, match[0].length);
  }
  return found;
}

/**
 * The likeliest transaction date: labelled (Tgl, Tanggal, Date) or printed with a time beats a bare
 * one; registration and expiry dates and version strings are never taken; ties go to the first.
 */
export function findDate(text: string, now: Date): string | null {
  const candidates = text
    .split(/\r?\n/)
    .flatMap((line, index) => (OTHER_DATE.test(line) ? [] : candidatesOn(line, index, now)));
  const best = candidates.reduce<Candidate | null>(
    (winner, candidate) => (!winner || candidate.score > winner.score ? candidate : winner),
    null,
  );
  return best?.date ?? null;
}
