/**
 * Calendar arithmetic in a user's timezone without a date library. Local dates travel as
 * 'YYYY-MM-DD' strings; turning them into instants is left to PostgreSQL
 * (`date::timestamp AT TIME ZONE tz`), which knows every zone's rules.
 */
import type { Period } from '../nlu/schema.ts';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const FORMATS = {
  date: { year: 'numeric', month: '2-digit', day: '2-digit' },
  dateTime: {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * One formatter per format and zone, made once: making an Intl.DateTimeFormat costs far more than
 * using one (issue 16: 4% of the workers' CPU under load went to making them per call). An
 * unknown zone throws here as before, and is not kept.
 */
function formatterFor(format: keyof typeof FORMATS, timeZone: string): Intl.DateTimeFormat {
  const key = `${format}|${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, ...FORMATS[format] });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** The local calendar date of `instant` in `timeZone`: localDate(new Date('2024-05-01T20:00Z'), 'Asia/Jakarta') → '2024-05-02'. */
export function localDate(instant: Date, timeZone: string): string {
  return formatterFor('date', timeZone).format(instant);
}

/**
 * The days Kantong accepts anywhere (issue 14 item 5): year 0000 is no date to PostgreSQL and
 * 9999-12 has no next month in ISO form, so dates outside this range used to answer 500. Every
 * date that enters — API query, form, report month — goes through {@link isIsoDate}.
 */
export const MIN_DAY = '1900-01-01';
export const MAX_DAY = '2999-12-31';
/** How messages name the range. */
export const DAY_RANGE_TEXT = `${MIN_DAY}..${MAX_DAY}`;

/** True for a real calendar date in YYYY-MM-DD form, from {@link MIN_DAY} to {@link MAX_DAY}. */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match || value < MIN_DAY || value > MAX_DAY) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** True for an instant (ISO 8601 text) whose UTC day lies in {@link MIN_DAY}..{@link MAX_DAY}. */
export function isSupportedInstant(value: string): boolean {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return false;
  const day = instant.toISOString().slice(0, 10);
  return /^\d{4}-/.test(day) && day >= MIN_DAY && day <= MAX_DAY;
}

function toUtcDate(day: string): Date {
  if (!isIsoDate(day)) throw new RangeError(`not a date: ${day}`);
  return new Date(`${day}T00:00:00Z`);
}

export function addDays(day: string, days: number): string {
  const date = toUtcDate(day);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Monday of the week containing `day` (Indonesian weeks start on Monday, as the weekly report does). */
export function startOfWeek(day: string): string {
  const weekday = (toUtcDate(day).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

export function startOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

export function addMonths(day: string, months: number): string {
  const date = toUtcDate(startOfMonth(day));
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString().slice(0, 10);
}

/** A span of local days: `from` inclusive, `to` exclusive. */
export type DateRange = { from: string; to: string };

/** The local days a report period covers, counted from `today` (a local date). */
export function periodRange(period: Period, today: string): DateRange {
  switch (period) {
    case 'today':
      return { from: today, to: addDays(today, 1) };
    case 'yesterday':
      return { from: addDays(today, -1), to: today };
    case 'this_week':
      return { from: startOfWeek(today), to: addDays(today, 1) };
    case 'last_week': {
      const monday = startOfWeek(today);
      return { from: addDays(monday, -7), to: monday };
    }
    case 'this_month':
      return { from: startOfMonth(today), to: addDays(today, 1) };
    case 'last_month':
      return { from: addMonths(today, -1), to: startOfMonth(today) };
  }
}

const MONTHS_ID = ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'];
const MONTHS_ID_LONG = [
  'Januari',
  'Februari',
  'Maret',
  'April',
  'Mei',
  'Juni',
  'Juli',
  'Agustus',
  'September',
  'Oktober',
  'November',
  'Desember',
];

/** '2025-01-21' → '21 Jan 2025' (SPEC.md's daily report heading). */
export function formatDayId(day: string): string {
  const date = toUtcDate(day);
  return `${date.getUTCDate()} ${MONTHS_ID[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** '2025-01-21' → 'Januari 2025'. */
export function formatMonthId(day: string): string {
  const date = toUtcDate(day);
  return `${MONTHS_ID_LONG[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** '2025-10-16' → '16-10-2025', the way receipts and SPEC.md's OCR reply print dates. */
export function formatDayNumeric(day: string): string {
  const [year, month, date] = day.split('-');
  return `${date}-${month}-${year}`;
}

/** Is `timeZone` an IANA zone this runtime knows? */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** 'YYYY-MM-DD HH:mm' of `instant` in `timeZone` (spreadsheets read it as a date-time). */
export function localDateTime(instant: Date, timeZone: string): string {
  const parts = formatterFor('dateTime', timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True for a wall-clock time 'HH:mm' (00:00–23:59). */
export function isLocalTime(value: string): boolean {
  return HH_MM.test(value);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Offsets per zone and quarter hour of UTC: zone offsets change only on quarter-hour boundaries,
 * so one Intl call answers every instant of the same quarter hour (the parser asks for every
 * message). Cleared when it grows, which bounds its memory.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const offsetCache = new Map<string, number>();

/** Milliseconds `timeZone` is ahead of UTC at `instant` (+7 h for Asia/Jakarta), to the second. */
export function offsetMs(instant: Date, timeZone: string): number {
  const whole = instant.getTime() - (((instant.getTime() % 1000) + 1000) % 1000);
  const key = `${timeZone}|${Math.floor(whole / QUARTER_HOUR_MS)}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    offsetFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(whole));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const era = parts.find((part) => part.type === 'era')?.value;
  // Intl prints year 0 as "1 BC": turn the era year back into an astronomical one.
  const year = era === 'BC' || era === 'B' ? 1 - get('year') : get('year');
  const wall = new Date(0);
  wall.setUTCFullYear(year, get('month') - 1, get('day'));
  wall.setUTCHours(get('hour'), get('minute'), get('second'), 0);
  const offset = wall.getTime() - whole;
  if (offsetCache.size > 10_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/**
 * The instant a wall clock denotes in `timeZone`, the wall clock given as milliseconds read as if
 * it were UTC (`Date.UTC(y, m - 1, d, h, min, s)`). The one conversion of local time into an
 * instant (the dashboard's forms through {@link zonedInstant}, the parser's dates directly), exact
 * across offset changes: correcting a guess's offset once is an hour off whenever the change falls
 * between the guess and the answer. Where the clock has a gap (spring forward: 02:30 in Berlin on
 * 29 Mar 2026) the time moves forward by the gap (03:30); where it repeats (fall back) the earlier
 * of the two instants is taken — Temporal's 'compatible' choice, what a person means.
 */
export function wallClockInstant(wallAsUtc: number, timeZone: string): Date {
  const DAY = 86_400_000;
  // A zone's offset changes at most once in any 48 hours: the offsets a day before and a day after
  // are the only candidates.
  const before = offsetMs(new Date(wallAsUtc - DAY), timeZone);
  const after = offsetMs(new Date(wallAsUtc + DAY), timeZone);
  const candidates = [wallAsUtc - before, wallAsUtc - after].filter(
    (instant) => offsetMs(new Date(instant), timeZone) === wallAsUtc - instant,
  );
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  // In the gap: read the wall time with the offset in force before it, which lands after the gap.
  return new Date(wallAsUtc - before);
}

/**
 * The instant a local wall-clock time denotes in `timeZone`: zonedInstant('2026-11-20', '12:00',
 * 'Asia/Jakarta') → 2026-11-20T05:00Z. The one place local time becomes an instant, exact across
 * offset changes; correcting a guess's offset once is an hour off whenever the change falls between
 * the guess and the answer. Where the day's clock has a gap (spring forward: 02:30 in Berlin on
 * 29 Mar 2026) the time is moved forward by the gap (03:30), and where it repeats (fall back) the
 * earlier of the two instants is taken — Temporal's 'compatible' choice, what a person means.
 */
export function zonedInstant(day: string, time: string, timeZone: string): Date {
  if (!isIsoDate(day)) throw new RangeError(`not a date: ${day}`);
  if (!isLocalTime(time)) throw new RangeError(`not a time: ${time}`);
  return wallClockInstant(new Date(`${day}T${time}:00Z`).getTime(), timeZone);
}
