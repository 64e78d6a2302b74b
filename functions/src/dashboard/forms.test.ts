/**
 * A day typed into a dashboard form becomes noon of that day in the user's zone — also on the
 * day the zone's offset changes, where correcting the offset only once lands an hour off.
 */
import { localDateTime } from '@kantong/shared/time';
import { describe, expect, it } from 'vitest';
import { instantOf } from './forms.ts';

const NOW = new Date('2026-11-25T03:00:00Z');

describe('instantOf', () => {
  it('is now for today and local noon for another day in Jakarta', () => {
    expect(instantOf('2026-11-25', 'Asia/Jakarta', NOW)).toEqual(NOW);
    expect(instantOf('2026-11-20', 'Asia/Jakarta', NOW).toISOString()).toBe('2026-11-20T05:00:00.000Z');
  });

  it.each([
    // Auckland leaves daylight time at 03:00 on 5 Apr 2026 (14:00 UTC the day before): 12:00 UTC
    // that day is already after the change, local noon is before it.
    ['Pacific/Auckland', '2026-04-05'],
    ['Pacific/Auckland', '2026-09-27'],
    ['Australia/Lord_Howe', '2026-04-05'],
    ['America/New_York', '2026-03-08'],
    ['America/New_York', '2026-11-01'],
    ['Europe/Berlin', '2026-03-29'],
    ['Europe/Berlin', '2026-10-25'],
    ['America/Santiago', '2026-04-05'],
    ['Asia/Jayapura', '2026-04-05'],
  ])('is local noon in %s on %s, a day its offset may change', (zone, day) => {
    expect(localDateTime(instantOf(day, zone, NOW), zone)).toBe(`${day} 12:00`);
  });
});

describe('instantOf on a day whose noon does not exist', () => {
  it('moves forward by the gap, as every other gap time does (correcting once went back to 11:00)', () => {
    // Juba went from +02:00 to +03:00 at noon on 15 Jan 2000: the clock read 11:59, then 13:00.
    expect(localDateTime(instantOf('2000-01-15', 'Africa/Juba', NOW), 'Africa/Juba')).toBe(
      '2000-01-15 13:00',
    );
  });
});

describe('instantOf with a time of day', () => {
  it.each([
    ['Europe/Berlin', '2026-03-29', '01:30'],
    ['Europe/Berlin', '2026-10-25', '03:30'],
    ['America/New_York', '2026-03-08', '01:30'],
    ['America/New_York', '2026-11-01', '00:30'],
    ['Asia/Jakarta', '2026-11-25', '07:15'],
  ])('is that local time in %s on %s at %s, also today', (zone, day, time) => {
    expect(localDateTime(instantOf(day, zone, NOW, time), zone)).toBe(`${day} ${time}`);
  });
});
