/**
 * CSV export of transactions that opens cleanly in Excel and LibreOffice:
 * - UTF-8 with a byte-order mark, so Excel shows "Pulsa & Data" and emoji correctly;
 * - amounts as plain whole numbers (50000): no thousands dots and no decimal comma, so an
 *   Indonesian-locale spreadsheet (decimal comma) and an English one (decimal point) read the same value;
 * - comma-separated by default (RFC 4180); `;` on request, for Excel set to Indonesian regional
 *   settings, whose list separator is the semicolon;
 * - cells that start with = + - @ are prefixed with ' so a description can never run as a formula.
 */

import type { Transaction } from '../ledger/index.ts';
import { localDateTime } from '../time/index.ts';

export type Delimiter = ',' | ';';

export const CSV_HEADER = [
  'tanggal',
  'arah',
  'kategori',
  'deskripsi',
  'jumlah',
  'mata_uang',
  'sumber',
  'status',
  'merchant',
  'id',
];

function cell(value: string, delimiter: Delimiter): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return safe.includes(delimiter) || /["\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(
  rows: readonly Transaction[],
  options: { timezone: string; delimiter?: Delimiter },
): string {
  const delimiter = options.delimiter ?? ',';
  const line = (values: string[]) => values.map((value) => cell(value, delimiter)).join(delimiter);
  const body = rows.map((row) =>
    line([
      localDateTime(row.tx_datetime, options.timezone),
      row.direction,
      row.category ?? '',
      row.description ?? '',
      row.amount.toString(),
      row.currency,
      row.source,
      row.status,
      row.merchant ?? '',
      String(row.id),
    ]),
  );
  return `\uFEFF${[line(CSV_HEADER), ...body].join('\r\n')}\r\n`;
}
