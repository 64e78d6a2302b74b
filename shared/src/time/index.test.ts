import { describe, expect, it } from 'vitest';
import { addMonths, formatDayId, isIsoDate, localDate, periodRange, startOfWeek } from './index.ts';

describe('local calendar', () => {
  it('puts an evening UTC instant on the next local day in Jakarta, Makassar and Jayapura', () => {
    const instant = new Date('2024-05-01T17:30:00Z');
    expect(localDate(instant, 'Asia/Jakarta')).toBe('2024-05-02');
    expect(localDate(instant, 'Asia/Makassar')).toBe('2024-05-02');
    expect(localDate(new Date('2024-05-01T16:30:00Z'), 'Asia/Jakarta')).toBe('2024-05-01');
    expect(localDate(new Date('2024-05-01T14:59:00Z'), 'Asia/Jayapura')).toBe('2024-05-01');
    expect(localDate(new Date('2024-05-01T15:00:00Z'), 'Asia/Jayapura')).toBe('2024-05-02');
  });

  it('starts weeks on Monday', () => {
    expect(startOfWeek('2026-11-25')).toBe('2026-11-23');
    expect(startOfWeek('2026-11-23')).toBe('2026-11-23');
    expect(startOfWeek('2026-11-29')).toBe('2026-11-23');
  });

  it('computes each report period as local days, end exclusive', () => {
    const today = '2026-03-04';
    expect(periodRange('today', today)).toEqual({ from: '2026-03-04', to: '2026-03-05' });
    expect(periodRange('yesterday', today)).toEqual({ from: '2026-03-03', to: '2026-03-04' });
    expect(periodRange('this_week', today)).toEqual({ from: '2026-03-02', to: '2026-03-05' });
    expect(periodRange('last_week', today)).toEqual({ from: '2026-02-23', to: '2026-03-02' });
    expect(periodRange('this_month', today)).toEqual({ from: '2026-03-01', to: '2026-03-05' });
    expect(periodRange('last_month', today)).toEqual({ from: '2026-02-01', to: '2026-03-01' });
  });

  it('crosses year ends', () => {
    expect(addMonths('2026-01-15', -1)).toBe('2025-12-01');
    expect(periodRange('last_month', '2026-01-01')).toEqual({ from: '2025-12-01', to: '2026-01-01' });
  });

  it('prints dates the Indonesian way', () => {
    expect(formatDayId('2025-01-21')).toBe('21 Jan 2025');
    expect(formatDayId('2025-08-05')).toBe('5 Agu 2025');
  });

  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-13-01')).toBe(false);
    expect(isIsoDate("2024-01-01'; DROP TABLE users;--")).toBe(false);
  });
});
