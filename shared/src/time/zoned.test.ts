/**
 * Local wall-clock time → instant, the one conversion every web form and the reader share:
 * exact on the days a zone's offset changes, where correcting a guess once is an hour off.
 */
import { describe, expect, it } from 'vitest';
import { localDateTime, offsetMs, zonedInstant } from './index.ts';

const iso = (day: string, time: string, zone: string) => zonedInstant(day, time, zone).toISOString();

/** Today's dashboard conversion, kept to show what it got wrong: the offset corrected once. */
function correctedOnce(day: string, time: string, zone: string): Date {
  const guess = new Date(`${day}T${time}:00Z`);
  const shown = new Date(`${localDateTime(guess, zone).replace(' ', 'T')}:00Z`);
  return new Date(guess.getTime() - (shown.getTime() - guess.getTime()));
}

describe('offsetMs', () => {
  it('knows fixed and daylight-saving offsets', () => {
    expect(offsetMs(new Date('2026-11-25T03:00:00Z'), 'Asia/Jakarta')).toBe(7 * 3_600_000);
    expect(offsetMs(new Date('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(offsetMs(new Date('2026-01-01T00:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
    expect(offsetMs(new Date('2026-07-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3_600_000);
  });
});

describe('zonedInstant', () => {
  it('turns a local time in Indonesia into its instant', () => {
    expect(iso('2026-11-20', '12:00', 'Asia/Jakarta')).toBe('2026-11-20T05:00:00.000Z');
    expect(iso('2026-11-20', '00:30', 'Asia/Makassar')).toBe('2026-11-19T16:30:00.000Z');
    expect(iso('2026-11-20', '23:59', 'Asia/Jayapura')).toBe('2026-11-20T14:59:00.000Z');
  });

  it.each([
    // Berlin springs forward 29 Mar 2026 02:00 → 03:00 (01:00 UTC); falls back 25 Oct 03:00 → 02:00.
    ['Europe/Berlin', '2026-03-29', '01:30', '2026-03-29T00:30:00.000Z'],
    ['Europe/Berlin', '2026-03-29', '03:30', '2026-03-29T01:30:00.000Z'],
    ['Europe/Berlin', '2026-03-29', '23:00', '2026-03-29T21:00:00.000Z'],
    ['Europe/Berlin', '2026-10-25', '01:30', '2026-10-24T23:30:00.000Z'],
    ['Europe/Berlin', '2026-10-25', '03:30', '2026-10-25T02:30:00.000Z'],
    // New York springs forward 8 Mar 2026 02:00 → 03:00; falls back 1 Nov 02:00 → 01:00.
    ['America/New_York', '2026-03-08', '01:30', '2026-03-08T06:30:00.000Z'],
    ['America/New_York', '2026-03-08', '03:30', '2026-03-08T07:30:00.000Z'],
    ['America/New_York', '2026-11-01', '00:30', '2026-11-01T04:30:00.000Z'],
    ['America/New_York', '2026-11-01', '03:00', '2026-11-01T08:00:00.000Z'],
  ])('is exact in %s on %s at %s, the day the offset changes', (zone, day, time, expected) => {
    expect(iso(day, time, zone)).toBe(expected);
    expect(localDateTime(zonedInstant(day, time, zone), zone)).toBe(`${day} ${time}`);
  });

  it('is what correcting the offset once got wrong', () => {
    // The guess (01:30 UTC) is after Berlin's change, the answer (00:30 UTC) before it.
    expect(correctedOnce('2026-03-29', '01:30', 'Europe/Berlin').toISOString()).toBe(
      '2026-03-28T23:30:00.000Z',
    );
    expect(iso('2026-03-29', '01:30', 'Europe/Berlin')).toBe('2026-03-29T00:30:00.000Z');
  });

  it('moves a time in the spring-forward gap forward by the gap', () => {
    expect(localDateTime(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin'), 'Europe/Berlin')).toBe(
      '2026-03-29 03:30',
    );
    expect(localDateTime(zonedInstant('2026-03-08', '02:15', 'America/New_York'), 'America/New_York')).toBe(
      '2026-03-08 03:15',
    );
  });

  it('takes the earlier of a repeated hour', () => {
    expect(iso('2026-10-25', '02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z');
    expect(iso('2026-11-01', '01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
  });

  it('refuses what is no date or time', () => {
    expect(() => zonedInstant('2026-02-30', '12:00', 'Asia/Jakarta')).toThrow(RangeError);
    expect(() => zonedInstant('2026-02-01', '24:00', 'Asia/Jakarta')).toThrow(RangeError);
  });
});
