/**
 * Money is whole rupiah held in a `bigint` (DESIGN.md decision 1: never a float).
 *
 * The database keeps SPEC.md's `NUMERIC(18,2)` columns, constrained to whole values, and the
 * pool's numeric type parser turns them into `bigint` through {@link fromNumeric}. Rupiah has had
 * no sen in circulation for decades, so a "Rp 28.000,00" on a receipt is 28000n.
 */

/** Largest amount Kantong accepts: 1.000 triliun rupiah, far below NUMERIC(18,2)'s limit. */
export const MAX_AMOUNT = 1_000_000_000_000_000n;

/**
 * Largest value a NUMERIC(18,2) column holds in whole rupiah (16 integer digits). One amount is
 * at most MAX_AMOUNT, but a running balance (a savings goal) is checked against this before it
 * is written, so it is refused with a reply rather than overflowing.
 */
export const MAX_STORED_AMOUNT = 9_999_999_999_999_999n;

export class MoneyError extends Error {
  override name = 'MoneyError';
  readonly code = 'invalid_amount';
}

/** Parses a PostgreSQL numeric text ("50000.00", "-12.5") into whole rupiah, rounding half away from zero. */
export function fromNumeric(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new MoneyError(`not a numeric value: ${text}`);
  const [, sign, whole = '0', fraction = ''] = match;
  let value = BigInt(whole);
  if (fraction !== '' && Number(fraction[0]) >= 5) value += 1n;
  return sign === '-' ? -value : value;
}

/**
 * An amount as a JavaScript number, for charts and ratios: exact within ±2^53 (9 quadrillion
 * rupiah), the nearest double beyond. One amount is capped at {@link MAX_AMOUNT}, but a sum of
 * many is not (ten expenses of 10^15 already pass 2^53), so this never throws: a chart may be
 * off by a rupiah at that scale, a page must not fail (issue 14 item 5). JSON uses
 * {@link toJsonAmount}, which is exact.
 */
export function toNumber(amount: bigint): number {
  return Number(amount);
}

/**
 * An amount for JSON: a number while it is a safe integer (every single amount, every usual
 * sum), else its exact decimal digits as a string ("10000000000000000"), the way APIs that carry
 * 64-bit values keep them exact for JavaScript clients (issue 14 item 5).
 */
export function toJsonAmount(amount: bigint): number | string {
  const value = Number(amount);
  return Number.isSafeInteger(value) ? value : amount.toString();
}

/** Groups thousands with dots, the Indonesian way: 1500000n → "1.500.000". */
export function groupThousands(amount: bigint): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return negative ? `-${grouped}` : grouped;
}

/** Formats rupiah as WhatsApp replies print it: 50000n → "Rp50.000", -2500n → "-Rp2.500". */
export function formatRupiah(amount: bigint): string {
  return amount < 0n ? `-Rp${groupThousands(-amount)}` : `Rp${groupThousands(amount)}`;
}

/** Whole percentage of part/whole, rounded down, computed on integers: percent(500000n, 15000000n) → 3. */
export function percent(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0;
  return Number((part * 100n) / whole);
}
