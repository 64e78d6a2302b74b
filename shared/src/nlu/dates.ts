/**
 * Relative and calendar dates in the user's IANA timezone, without a date library: wall-clock
 * arithmetic happens on UTC fields and Intl.DateTimeFormat gives each zone's offset.
 *
 * Decisions (all in the user's zone, counting from `ctx.now`):
 * - No date word, "tadi", "barusan", "hari ini", "sekarang": now.
 * - "tadi pagi|siang|sore|malam", "pagi ini": the part of day's anchor (07:00, 12:00, 16:00,
 *   19:00) on its most recent day not after now; when today's anchor is still ahead but we are
 *   inside that part of the day ("tadi pagi" at 06:10), now.
 * - "semalam", "kemarin malam": yesterday 19:00. "kemarin pagi|siang|sore": yesterday's anchor.
 * - "kemarin": yesterday at now's time of day; "kemarin lusa", "2 hari lalu": two days back, same
 *   time; "minggu lalu"/"seminggu lalu": seven days back; "bulan lalu": same day last month
 *   (clamped to its length).
 * - A calendar date without a time ("tanggal 5", "tgl 5 mei", "5/10", "5/10/2024"): 12:00 that
 *   day, so the date survives any later timezone conversion. A day later than today in the current
 *   month means the previous month; a date later than today without a year means last year.
 * - "jam 8", "jam 19:30", "jam 7 malam" set the time of day on whatever day was found.
 */
import { offsetMs, wallClockInstant } from '../time/index.ts';
import { DIGIT_WORDS } from './amount.ts';
import type { Token } from './text.ts';

export const DEFAULT_TIMEZONE = 'Asia/Jakarta';

/** A wall-clock moment in some zone; month is 1-12. */
export type WallTime = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

/** Formatters per zone; bounded so hostile zone strings cannot grow memory without limit. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat | null = null;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    formatter = null;
  }
  if (formatters.size > 64) formatters.clear();
  formatters.set(timeZone, formatter);
  return formatter;
}

/** The zone itself when Intl knows it, otherwise {@link DEFAULT_TIMEZONE}. */
export function resolveTimeZone(timeZone: string | undefined): string {
  if (timeZone === undefined || timeZone === '' || timeZone.length > 64) return DEFAULT_TIMEZONE;
  return formatterFor(timeZone) === null ? DEFAULT_TIMEZONE : timeZone;
}

function wallAsUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** Minutes `timeZone` is ahead of UTC at `date` (+420 for Asia/Jakarta): shared/src/time's offset. */
export function offsetMinutes(date: Date, timeZone: string): number {
  return Math.round(offsetMs(date, timeZone) / 60_000);
}

/** The wall clock in `timeZone` at `date`, to the second (an invalid zone reads as Asia/Jakarta). */
export function zonedWallTime(date: Date, timeZone: string): WallTime {
  const wholeSeconds = Math.floor(date.getTime() / 1000) * 1000;
  const shifted = new Date(wholeSeconds + offsetMinutes(date, timeZone) * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

/** The instant a wall-clock time in `timeZone` denotes: local time is converted in shared/src/time alone. */
export function wallTimeToDate(wall: WallTime, timeZone: string): Date {
  return wallClockInstant(wallAsUtc(wall), timeZone);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** ISO 8601 with the zone's offset and whole seconds: "2024-05-01T08:30:00+07:00". */
export function formatZonedIso(date: Date, timeZone: string): string {
  const zone = resolveTimeZone(timeZone);
  const wall = zonedWallTime(date, zone);
  const offset = offsetMinutes(date, zone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Normalises overflowing fields (day 0, hour 25) through Date.UTC. */
function normalizeWall(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): WallTime {
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

function shiftDays(wall: WallTime, days: number): WallTime {
  return normalizeWall(wall.year, wall.month, wall.day + days, wall.hour, wall.minute, wall.second);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function shiftMonths(wall: WallTime, months: number): WallTime {
  const index = wall.year * 12 + (wall.month - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { ...wall, year, month, day: Math.min(wall.day, daysInMonth(year, month)) };
}

const atTime = (wall: WallTime, hour: number, minute = 0): WallTime => ({ ...wall, hour, minute, second: 0 });

const compareWall = (a: WallTime, b: WallTime): number => wallAsUtc(a) - wallAsUtc(b);

type DayPart = 'pagi' | 'siang' | 'sore' | 'malam';
/** Anchor hour and the [from, to) hours that count as that part of the day. */
const DAY_PARTS: Readonly<Record<DayPart, { anchor: number; from: number; to: number }>> = {
  pagi: { anchor: 7, from: 4, to: 11 },
  siang: { anchor: 12, from: 11, to: 15 },
  sore: { anchor: 16, from: 15, to: 18 },
  malam: { anchor: 19, from: 18, to: 24 },
};

function dayPartOf(word: string | undefined): DayPart | null {
  return word === 'pagi' || word === 'siang' || word === 'sore' || word === 'malam' ? word : null;
}

/** "tadi pagi" and friends: the most recent anchor of that part of the day, or now when we are in it. */
function recentPart(now: WallTime, part: DayPart): WallTime {
  const { anchor, from, to } = DAY_PARTS[part];
  const today = atTime(now, anchor);
  if (compareWall(today, now) <= 0) return today;
  if (now.hour >= from && now.hour < to) return now;
  return shiftDays(today, -1);
}

const MONTHS: ReadonlyMap<string, number> = new Map([
  ['januari', 1],
  ['jan', 1],
  ['februari', 2],
  ['pebruari', 2],
  ['feb', 2],
  ['peb', 2],
  ['maret', 3],
  ['mar', 3],
  ['april', 4],
  ['apr', 4],
  ['mei', 5],
  ['may', 5],
  ['juni', 6],
  ['jun', 6],
  ['juli', 7],
  ['jul', 7],
  ['agustus', 8],
  ['agu', 8],
  ['agt', 8],
  ['ags', 8],
  ['aug', 8],
  ['september', 9],
  ['sep', 9],
  ['sept', 9],
  ['oktober', 10],
  ['okt', 10],
  ['oct', 10],
  ['november', 11],
  ['nov', 11],
  ['nop', 11],
  ['desember', 12],
  ['des', 12],
  ['dec', 12],
]);

/** "dua hari lalu": the digit words of the amount reader, from one to ten. */
const COUNT_WORDS: ReadonlyMap<string, number> = new Map([
  ...[...DIGIT_WORDS].filter(([, value]) => value > 0),
  ['sepuluh', 10],
]);

/** "sehari", "seminggu", "sebulan", "setahun" carry their own count of one. */
const SE_UNITS: ReadonlyMap<string, string> = new Map([
  ['sehari', 'hari'],
  ['seminggu', 'minggu'],
  ['sebulan', 'bulan'],
  ['setahun', 'tahun'],
]);

const AGO = new Set(['lalu', 'kemarin', 'sebelumnya', 'silam']);

/** What the date reader found: the moment, and the tokens it used (never amounts, not in descriptions). */
export type DateFinding = { date: Date; tokens: number[] };

type Scan = { readonly tokens: readonly Token[]; readonly now: WallTime };

const normAt = (scan: Scan, index: number): string | undefined => scan.tokens[index]?.norm;

function intAt(scan: Scan, index: number, min: number, max: number): number | null {
  const token = scan.tokens[index];
  if (token === undefined || token.kind !== 'number' || !/^[0-9]{1,4}$/.test(token.norm)) return null;
  const value = Number(token.norm);
  return value >= min && value <= max ? value : null;
}

function glued(scan: Scan, left: number, right: number): boolean {
  const a = scan.tokens[left];
  const b = scan.tokens[right];
  return a !== undefined && b !== undefined && a.end === b.start;
}

type Match = { wall: WallTime; used: number[]; calendar: boolean };

/** A day with no year given: this year, or last year when that would be in the future. */
function pastDate(now: WallTime, day: number, month: number, year: number | null): WallTime | null {
  let y = year ?? now.year;
  if (year !== null && year < 100) y = 2000 + year;
  if (day > daysInMonth(y, month)) return null;
  const candidate: WallTime = { year: y, month, day, hour: 12, minute: 0, second: 0 };
  if (year === null && compareWall(atTime(candidate, 0), now) > 0) {
    if (day > daysInMonth(y - 1, month)) return null;
    return { ...candidate, year: y - 1 };
  }
  return candidate;
}

/** "tanggal 5": this month, or the last month that has that day when it is still ahead. */
function pastDayOfMonth(now: WallTime, day: number): WallTime | null {
  for (let back = 0; back < 3; back += 1) {
    const month = shiftMonths({ ...now, day: 1 }, back);
    if (day > daysInMonth(month.year, month.month)) continue;
    const candidate: WallTime = { ...month, day, hour: 12, minute: 0, second: 0 };
    if (compareWall(atTime(candidate, 0), now) <= 0) return candidate;
  }
  return null;
}

function readCount(scan: Scan, index: number): number | null {
  return intAt(scan, index, 1, 400) ?? COUNT_WORDS.get(normAt(scan, index) ?? '') ?? null;
}

/** "2 hari lalu", "dua minggu yang lalu", "seminggu lalu", "minggu lalu", "bulan kemarin". */
function readAgo(scan: Scan, index: number): Match | null {
  let count: number | null = null;
  let unitAt = index;
  const se = SE_UNITS.get(normAt(scan, index) ?? '');
  let unit: string | undefined;
  if (se !== undefined) {
    count = 1;
    unit = se;
  } else {
    count = readCount(scan, index);
    if (count !== null) unitAt = index + 1;
    else count = 1;
    unit = normAt(scan, unitAt);
  }
  if (unit !== 'hari' && unit !== 'minggu' && unit !== 'bulan' && unit !== 'tahun') return null;
  let at = unitAt + 1;
  if (normAt(scan, at) === 'yang') at += 1;
  if (!AGO.has(normAt(scan, at) ?? '')) return null;
  // "hari lalu" alone is not a phrase people use; "minggu lalu" and "bulan lalu" are.
  if (unit === 'hari' && unitAt === index && se === undefined) return null;
  const used: number[] = [];
  for (let i = index; i <= at; i += 1) used.push(i);
  let wall: WallTime;
  if (unit === 'hari') wall = shiftDays(scan.now, -count);
  else if (unit === 'minggu') wall = shiftDays(scan.now, -7 * count);
  else if (unit === 'bulan') wall = shiftMonths(scan.now, count);
  else wall = shiftMonths(scan.now, 12 * count);
  return { wall, used, calendar: false };
}

/** "tanggal 5", "tgl 5 mei 2024", "5 mei", "5/10", "5/10/2024", "05-10-2024". */
function readCalendar(scan: Scan, index: number): Match | null {
  const hasWord = normAt(scan, index) === 'tanggal';
  const dayAt = hasWord ? index + 1 : index;
  const day = intAt(scan, dayAt, 1, 31);
  if (day === null) return null;
  const month = MONTHS.get(normAt(scan, dayAt + 1) ?? '');
  if (month !== undefined) {
    const year = intAt(scan, dayAt + 2, 1900, 2999);
    const wall = pastDate(scan.now, day, month, year);
    if (wall === null) return null;
    const last = year === null ? dayAt + 1 : dayAt + 2;
    return { wall, used: range(index, last), calendar: true };
  }
  const sep = normAt(scan, dayAt + 1);
  if ((sep === '/' || sep === '-') && glued(scan, dayAt, dayAt + 1) && glued(scan, dayAt + 1, dayAt + 2)) {
    const monthNumber = intAt(scan, dayAt + 2, 1, 12);
    if (monthNumber === null) return null;
    let year: number | null = null;
    let last = dayAt + 2;
    if (normAt(scan, dayAt + 3) === sep && glued(scan, dayAt + 2, dayAt + 3)) {
      year = intAt(scan, dayAt + 4, 0, 2999);
      if (year === null || (year >= 100 && year < 1900)) return null;
      last = dayAt + 4;
    } else if (sep === '-') {
      // "20-30" is a range far more often than a date; a dashed date needs its year.
      return null;
    }
    const wall = pastDate(scan.now, day, monthNumber, year);
    return wall === null ? null : { wall, used: range(index, last), calendar: true };
  }
  if (!hasWord) return null;
  const wall = pastDayOfMonth(scan.now, day);
  return wall === null ? null : { wall, used: range(index, dayAt), calendar: true };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i += 1) out.push(i);
  return out;
}

/** Day words: kemarin, semalam, tadi, barusan, hari ini, pagi ini, N hari lalu, calendar dates. */
function readDay(scan: Scan, index: number): Match | null {
  const word = normAt(scan, index);
  const next = normAt(scan, index + 1);
  const now = scan.now;
  switch (word) {
    case 'kemarin': {
      if (next === 'lusa') return { wall: shiftDays(now, -2), used: [index, index + 1], calendar: false };
      const part = dayPartOf(next);
      if (part !== null) {
        return {
          wall: atTime(shiftDays(now, -1), DAY_PARTS[part].anchor),
          used: [index, index + 1],
          calendar: false,
        };
      }
      return { wall: shiftDays(now, -1), used: [index], calendar: false };
    }
    case 'lusa':
      return next === 'kemarin'
        ? { wall: shiftDays(now, -2), used: [index, index + 1], calendar: false }
        : null;
    case 'semalam':
      return { wall: atTime(shiftDays(now, -1), DAY_PARTS.malam.anchor), used: [index], calendar: false };
    case 'tadi': {
      const part = dayPartOf(next);
      if (part !== null) return { wall: recentPart(now, part), used: [index, index + 1], calendar: false };
      return { wall: now, used: [index], calendar: false };
    }
    case 'barusan':
    case 'sekarang':
      return { wall: now, used: [index], calendar: false };
    case 'hari':
      return next === 'ini' ? { wall: now, used: [index, index + 1], calendar: false } : null;
    default:
      break;
  }
  const part = dayPartOf(word);
  if (part !== null && next === 'ini')
    return { wall: recentPart(now, part), used: [index, index + 1], calendar: false };
  return readAgo(scan, index) ?? readCalendar(scan, index);
}

/** "jam 8", "jam 19:30", "pukul 7.15", "jam 7 malam" → [hour, minute] and the tokens used. */
function readClock(scan: Scan, index: number): { hour: number; minute: number; used: number[] } | null {
  const word = normAt(scan, index);
  if (word !== 'jam' && word !== 'pukul') return null;
  const token = scan.tokens[index + 1];
  if (token === undefined || token.kind !== 'number') return null;
  let hour: number;
  let minute = 0;
  let last = index + 1;
  const dotted = /^([0-9]{1,2})[.]([0-9]{2})$/.exec(token.norm);
  if (dotted !== null) {
    hour = Number(dotted[1]);
    minute = Number(dotted[2]);
  } else if (/^[0-9]{1,2}$/.test(token.norm)) {
    hour = Number(token.norm);
    const minutes = intAt(scan, index + 3, 0, 59);
    if (normAt(scan, index + 2) === ':' && minutes !== null && glued(scan, index + 1, index + 2)) {
      minute = minutes;
      last = index + 3;
    }
  } else {
    return null;
  }
  const part = dayPartOf(normAt(scan, last + 1));
  if (part !== null) {
    last += 1;
    if ((part === 'sore' || part === 'malam' || (part === 'siang' && hour < 11)) && hour < 12) hour += 12;
    if (part === 'malam' && hour === 24) hour = 0;
  }
  if (hour > 23 || minute > 59) return null;
  return { hour, minute, used: range(index, last) };
}

const DATE_STARTERS = new Set([
  'kemarin',
  'lusa',
  'semalam',
  'tadi',
  'barusan',
  'sekarang',
  'hari',
  'pagi',
  'siang',
  'sore',
  'malam',
  'tanggal',
  'jam',
  'pukul',
  'minggu',
  'bulan',
  'tahun',
  ...SE_UNITS.keys(),
  ...COUNT_WORDS.keys(),
]);

function mayStartDate(token: Token): boolean {
  return token.kind === 'number' || DATE_STARTERS.has(token.norm);
}

/**
 * Finds the first day expression and the first clock time in `tokens` and combines them into one
 * moment in the user's zone. Returns null when the message names no date or time.
 */
export function findDate(tokens: readonly Token[], now: Date, timeZone: string): DateFinding | null {
  // Most messages name no date: skip the Intl work unless a token could start one.
  if (!tokens.some(mayStartDate)) return null;
  const zone = resolveTimeZone(timeZone);
  const scan: Scan = { tokens, now: zonedWallTime(now, zone) };
  let day: Match | null = null;
  let clock: ReturnType<typeof readClock> = null;
  for (let index = 0; index < tokens.length && (day === null || clock === null); index += 1) {
    if (tokens[index]?.kind === 'symbol') continue;
    if (clock === null) {
      clock = readClock(scan, index);
      if (clock !== null) {
        index = clock.used[clock.used.length - 1] ?? index;
        continue;
      }
    }
    if (day === null) {
      day = readDay(scan, index);
      if (day !== null) index = day.used[day.used.length - 1] ?? index;
    }
  }
  if (day === null && clock === null) return null;
  let wall = day?.wall ?? scan.now;
  if (clock !== null) wall = atTime(wall, clock.hour, clock.minute);
  const used = [...(day?.used ?? []), ...(clock?.used ?? [])];
  return { date: wallTimeToDate(wall, zone), tokens: used };
}
