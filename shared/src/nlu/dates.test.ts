import { describe, expect, it } from 'vitest';
import {
  findDate,
  formatZonedIso,
  offsetMinutes,
  resolveTimeZone,
  wallTimeToDate,
  zonedWallTime,
} from './dates.ts';
import { tokenize } from './text.ts';

/** Wednesday 1 May 2024: 08:30 in Jakarta, 09:30 in Makassar, 10:30 in Jayapura. */
const NOW = new Date('2024-05-01T01:30:00Z');

function when(text: string, zone: string, now: Date = NOW): string {
  return formatZonedIso(findDate(tokenize(text), now, zone)?.date ?? now, zone);
}

describe('formatZonedIso writes ISO 8601 with the user offset', () => {
  it.each<[string, string]>([
    ['Asia/Jakarta', '2024-05-01T08:30:00+07:00'],
    ['Asia/Makassar', '2024-05-01T09:30:00+08:00'],
    ['Asia/Jayapura', '2024-05-01T10:30:00+09:00'],
    ['UTC', '2024-05-01T01:30:00+00:00'],
    ['America/New_York', '2024-04-30T21:30:00-04:00'],
    ['Asia/Kolkata', '2024-05-01T07:00:00+05:30'],
    ['Not/AZone', '2024-05-01T08:30:00+07:00'],
  ])('%s → %s', (zone, expected) => {
    expect(formatZonedIso(NOW, zone)).toBe(expected);
  });

  it('drops milliseconds rather than rounding into the next second', () => {
    expect(formatZonedIso(new Date('2024-05-01T01:30:59.999Z'), 'Asia/Jakarta')).toBe(
      '2024-05-01T08:30:59+07:00',
    );
  });

  it.each<[string, number]>([
    ['Asia/Jakarta', 420],
    ['Asia/Makassar', 480],
    ['Asia/Jayapura', 540],
  ])('offsetMinutes(%s) = %d', (zone, minutes) => {
    expect(offsetMinutes(NOW, zone)).toBe(minutes);
  });

  it('falls back to Asia/Jakarta for a zone Intl does not know', () => {
    expect(resolveTimeZone('Mars/Olympus')).toBe('Asia/Jakarta');
    expect(resolveTimeZone('')).toBe('Asia/Jakarta');
    expect(resolveTimeZone('Asia/Makassar')).toBe('Asia/Makassar');
  });

  it('turns a wall clock back into the same instant', () => {
    const wall = zonedWallTime(NOW, 'Asia/Jayapura');
    expect(wall).toEqual({ year: 2024, month: 5, day: 1, hour: 10, minute: 30, second: 0 });
    expect(wallTimeToDate(wall, 'Asia/Jayapura').toISOString()).toBe('2024-05-01T01:30:00.000Z');
  });
});

describe('relative dates count from now in the user zone', () => {
  it.each<[string, string, string]>([
    ['beli kopi', 'Asia/Jakarta', '2024-05-01T08:30:00+07:00'],
    ['beli kopi', 'Asia/Makassar', '2024-05-01T09:30:00+08:00'],
    ['beli kopi', 'Asia/Jayapura', '2024-05-01T10:30:00+09:00'],
    ['tadi', 'Asia/Jakarta', '2024-05-01T08:30:00+07:00'],
    ['barusan', 'Asia/Makassar', '2024-05-01T09:30:00+08:00'],
    ['hari ini', 'Asia/Jayapura', '2024-05-01T10:30:00+09:00'],
    ['tadi pagi', 'Asia/Jakarta', '2024-05-01T07:00:00+07:00'],
    ['tadi pagi', 'Asia/Makassar', '2024-05-01T07:00:00+08:00'],
    ['tadi pagi', 'Asia/Jayapura', '2024-05-01T07:00:00+09:00'],
    ['pagi ini', 'Asia/Jakarta', '2024-05-01T07:00:00+07:00'],
    ['tdi pgi', 'Asia/Jakarta', '2024-05-01T07:00:00+07:00'],
    ['tadi siang', 'Asia/Jakarta', '2024-04-30T12:00:00+07:00'],
    ['tadi malam', 'Asia/Jakarta', '2024-04-30T19:00:00+07:00'],
    ['semalam', 'Asia/Makassar', '2024-04-30T19:00:00+08:00'],
    ['kemarin malam', 'Asia/Jayapura', '2024-04-30T19:00:00+09:00'],
    ['kemarin', 'Asia/Jakarta', '2024-04-30T08:30:00+07:00'],
    ['kemarin', 'Asia/Makassar', '2024-04-30T09:30:00+08:00'],
    ['kemarin', 'Asia/Jayapura', '2024-04-30T10:30:00+09:00'],
    ['kmrn', 'Asia/Jakarta', '2024-04-30T08:30:00+07:00'],
    ['kemaren sore', 'Asia/Jakarta', '2024-04-30T16:00:00+07:00'],
    ['kemarin pagi', 'Asia/Jayapura', '2024-04-30T07:00:00+09:00'],
    ['kemarin lusa', 'Asia/Jakarta', '2024-04-29T08:30:00+07:00'],
    ['2 hari lalu', 'Asia/Jakarta', '2024-04-29T08:30:00+07:00'],
    ['dua hari yang lalu', 'Asia/Makassar', '2024-04-29T09:30:00+08:00'],
    ['3 hari yg lalu', 'Asia/Jayapura', '2024-04-28T10:30:00+09:00'],
    ['sehari lalu', 'Asia/Jakarta', '2024-04-30T08:30:00+07:00'],
    ['minggu lalu', 'Asia/Jakarta', '2024-04-24T08:30:00+07:00'],
    ['seminggu yang lalu', 'Asia/Jakarta', '2024-04-24T08:30:00+07:00'],
    ['2 minggu lalu', 'Asia/Jakarta', '2024-04-17T08:30:00+07:00'],
    ['bulan lalu', 'Asia/Jakarta', '2024-04-01T08:30:00+07:00'],
    ['kemarin jam 19:30', 'Asia/Jakarta', '2024-04-30T19:30:00+07:00'],
    ['jam 7 pagi', 'Asia/Makassar', '2024-05-01T07:00:00+08:00'],
    ['pukul 7.15', 'Asia/Jakarta', '2024-05-01T07:15:00+07:00'],
    ['kemarin jam 8 malam', 'Asia/Jayapura', '2024-04-30T20:00:00+09:00'],
  ])('"%s" in %s → %s', (text, zone, expected) => {
    expect(when(text, zone)).toBe(expected);
  });
});

describe('calendar dates land at noon on a day not in the future', () => {
  it.each<[string, string, string]>([
    ['tanggal 5', 'Asia/Jakarta', '2024-04-05T12:00:00+07:00'],
    ['tgl 5', 'Asia/Makassar', '2024-04-05T12:00:00+08:00'],
    ['tgl5', 'Asia/Jayapura', '2024-04-05T12:00:00+09:00'],
    ['tgl 1', 'Asia/Jakarta', '2024-05-01T12:00:00+07:00'],
    ['tanggal 31', 'Asia/Jakarta', '2024-03-31T12:00:00+07:00'],
    ['5/4', 'Asia/Jakarta', '2024-04-05T12:00:00+07:00'],
    ['5/10', 'Asia/Jakarta', '2023-10-05T12:00:00+07:00'],
    ['5/10/2023', 'Asia/Jayapura', '2023-10-05T12:00:00+09:00'],
    ['05-04-2024', 'Asia/Jakarta', '2024-04-05T12:00:00+07:00'],
    ['5/4/24', 'Asia/Jakarta', '2024-04-05T12:00:00+07:00'],
    ['20 april', 'Asia/Makassar', '2024-04-20T12:00:00+08:00'],
    ['tgl 17 agustus 2023', 'Asia/Jakarta', '2023-08-17T12:00:00+07:00'],
    ['tanggal 25 des', 'Asia/Jakarta', '2023-12-25T12:00:00+07:00'],
  ])('"%s" in %s → %s', (text, zone, expected) => {
    expect(when(text, zone)).toBe(expected);
  });

  it.each<[string]>([['31/2'], ['tanggal 32'], ['30/2/2024'], ['20-30'], ['tanggal'], ['5/13']])(
    '"%s" is not a date, so the time stays now',
    (text) => {
      expect(findDate(tokenize(text), NOW, 'Asia/Jakarta')).toBeNull();
    },
  );
});

describe('dates near midnight use the user calendar day, not UTC', () => {
  /** Saturday 1 June 2024 00:30 in Jakarta, 01:30 in Makassar, 02:30 in Jayapura (still 31 May in UTC). */
  const AFTER_MIDNIGHT = new Date('2024-05-31T17:30:00Z');

  it.each<[string, string, string]>([
    ['kemarin', 'Asia/Jakarta', '2024-05-31T00:30:00+07:00'],
    ['kemarin', 'Asia/Makassar', '2024-05-31T01:30:00+08:00'],
    ['kemarin', 'Asia/Jayapura', '2024-05-31T02:30:00+09:00'],
    ['tadi malam', 'Asia/Jakarta', '2024-05-31T19:00:00+07:00'],
    ['tanggal 5', 'Asia/Jayapura', '2024-05-05T12:00:00+09:00'],
    ['bulan lalu', 'Asia/Makassar', '2024-05-01T01:30:00+08:00'],
    ['beli kopi', 'Asia/Jakarta', '2024-06-01T00:30:00+07:00'],
  ])('"%s" in %s → %s', (text, zone, expected) => {
    expect(when(text, zone, AFTER_MIDNIGHT)).toBe(expected);
  });

  it('reads "tadi pagi" early in the morning as now, not yesterday morning', () => {
    const early = new Date('2024-04-30T23:10:00Z'); // 06:10 in Jakarta
    expect(when('tadi pagi', 'Asia/Jakarta', early)).toBe('2024-05-01T06:10:00+07:00');
  });

  it('clamps "bulan lalu" to the length of the previous month', () => {
    const march31 = new Date('2024-03-31T03:00:00Z'); // 10:00 in Jakarta
    expect(when('bulan lalu', 'Asia/Jakarta', march31)).toBe('2024-02-29T10:00:00+07:00');
  });
});

describe('the date reader reports the tokens it used', () => {
  it('names the date words so they stay out of amounts and descriptions', () => {
    const tokens = tokenize('2 hari lalu makan 20k');
    expect(findDate(tokens, NOW, 'Asia/Jakarta')?.tokens).toEqual([0, 1, 2]);
  });

  it('reads 100 KB of date-like words without throwing', () => {
    const tokens = tokenize('tanggal 5/ kemarin jam '.repeat(5000));
    expect(() => findDate(tokens, NOW, 'Asia/Jakarta')).not.toThrow();
  });
});
