/** What every dashboard form shares: reading fields, amounts as people type them, local dates. */
import { DomainError } from '@kantong/shared/errors';
import { MAX_AMOUNT } from '@kantong/shared/money';
import { parseAmount } from '@kantong/shared/nlu/amount';
import { DAY_RANGE_TEXT, isIsoDate, isLocalTime, localDate, zonedInstant } from '@kantong/shared/time';
import type { Context } from 'hono';
import { z } from 'zod';

/** An empty form field counts as not filled in. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const IdSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const DaySchema = z.string().refine(isIsoDate, `Tanggal harus YYYY-MM-DD, ${DAY_RANGE_TEXT}.`);

/** Parses a form body with `schema`; a bad form is a DomainError with the first problem's message. */
export async function readForm<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const parsed = schema.safeParse(await c.req.parseBody());
  if (!parsed.success)
    throw new DomainError('invalid', parsed.error.issues[0]?.message ?? 'Data belum benar.');
  return parsed.data;
}

/**
 * Rupiah as typed into a form: "50000", "50.000", "Rp 50.000", or the way the bot reads them
 * ("50rb", "1,5jt").
 */
export function amountOf(input: string): bigint {
  const text = input.trim();
  // A minus typed here was read past and stored positive (issue 14 item 5); the direction says
  // whether money goes out, so a negative amount is refused, not flipped.
  if (/^[-−–—]/.test(text))
    throw new DomainError(
      'invalid',
      'Nominalnya nggak boleh minus. Pilih jenisnya (pengeluaran/pemasukan) saja.',
    );
  const plain = /^(?:rp\.?\s*)?(\d{1,3}(?:\.\d{3})+|\d+)$/i.exec(text);
  const amount = plain?.[1] ? BigInt(plain[1].replaceAll('.', '')) : parseAmount(text);
  if (amount === null || amount <= 0n)
    throw new DomainError('invalid', 'Nominalnya belum benar. Contoh: 50000, 50.000 atau 50rb.');
  if (amount > MAX_AMOUNT) throw new DomainError('invalid', 'Nominalnya kegedean.');
  return amount;
}

export const AmountFieldSchema = z.string().trim().min(1, 'Nominal wajib diisi.').max(40);

/**
 * The instant of a transaction typed for local `day` and, optionally, `time` ('HH:mm'): with no
 * time, now when the day is today, otherwise noon of that day (noon sorts inside the day). The
 * conversion is shared/src/time's `zonedInstant`, the one place local time becomes an instant:
 * exact on the days a zone's offset changes, where correcting the offset once is an hour off.
 */
export function instantOf(day: string, timezone: string, now: Date, time?: string): Date {
  if (time !== undefined) return zonedInstant(day, time, timezone);
  if (day === localDate(now, timezone)) return now;
  return zonedInstant(day, '12:00', timezone);
}

export const TimeSchema = z.string().refine(isLocalTime, 'Jam harus JJ:MM, contoh 08:30.');

/** A path to go back to after a plain (non-HTMX) form post: only one of the dashboard's own. */
export function backTo(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/(transactions|savings|dashboard)(\?[^\s]*)?$/.test(value)
    ? value
    : fallback;
}
