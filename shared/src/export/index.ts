/**
 * CSV export of transactions that opens cleanly in Excel and LibreOffice:
 * - UTF-8 with a byte-order mark, so Excel shows "Pulsa & Data" and emoji correctly;
 * - amounts as plain whole numbers (50000): no thousands dots and no decimal comma, so an
 *   Indonesian-locale spreadsheet (decimal comma) and an English one (decimal point) read the same value;
 * - comma-separated by default (RFC 4180); `;` on request, for Excel set to Indonesian regional
 *   settings, whose list separator is the semicolon;
 * - a cell holding EITHER separator, a quote or a line break is quoted, whichever separator the
 *   file uses: Excel set to Indonesian opens a comma file splitting at `;`, so "beli kopi;=1+1;x"
 *   left bare would become three cells, the middle one a live formula (issue 14);
 * - cells that start with = + - @ (or a tab / CR), even behind invisible characters (zero-width
 *   spaces, bidi marks, a BOM, other Unicode format characters, whitespace) that a spreadsheet may
 *   skip, are prefixed with ' so a description can never run as a formula (OWASP CSV injection);
 * - the original columns keep their positions; wallet, destination wallet, kind and person come
 *   after `id`, so an import template made for the older file still reads the same columns;
 *   `penulis` (who wrote the row in a household's books, issue 15) comes last, empty in personal
 *   books, and goes through the same formula guard: a member's WhatsApp name is their own text.
 */

import type { CommonQueryMethods } from '../db/pool.ts';
import { DomainError } from '../errors/index.ts';
import * as Households from '../households/index.ts';
import type { Transaction } from '../ledger/index.ts';
import * as Ledger from '../ledger/index.ts';
import { toJsonAmount } from '../money/index.ts';
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
  /** Paid from / received into; a transfer's source. "Tunai" for the default wallet. */
  'dompet',
  /** A transfer's destination; empty for every other row. */
  'ke_dompet',
  /** regular | debt | receivable | adjustment: only 'regular' income and expense count as earning and spending. */
  'jenis',
  /** The person of a loan (debt / receivable); empty otherwise. */
  'pihak',
  /** Who wrote the row in a household's books; empty in personal books (the owner wrote all). */
  'penulis',
];

/**
 * What may precede a formula character unseen: whitespace and separators (\p{Z}, \s), control
 * characters (\p{Cc}) and format characters (\p{Cf}: zero-width space/joiner, LRM/RLM, bidi
 * embeddings, overrides and isolates, BOM, word joiner, soft hyphen).
 */
const FORMULA = /^[\s\p{Z}\p{Cc}\p{Cf}]*[=+\-@]|^[\s\p{Z}\p{Cc}\p{Cf}]*[\t\r]/u;
/** Quoted whatever the file's own separator: both separators, quotes and line breaks. */
const NEEDS_QUOTES = /[,;"\r\n]/;

export function csvCell(value: string): string {
  const safe = FORMULA.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Who wrote each row by transaction id (Households.authorsOf); absent in personal books. */
export type Authors = ReadonlyMap<number, string>;

export function toCsv(
  rows: readonly Transaction[],
  options: { timezone: string; delimiter?: Delimiter; authors?: Authors },
): string {
  const delimiter = options.delimiter ?? ',';
  const line = (values: string[]) => values.map(csvCell).join(delimiter);
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
      row.wallet,
      row.to_wallet ?? '',
      row.kind,
      row.counterparty ?? '',
      options.authors?.get(row.id) ?? '',
    ]),
  );
  return `\uFEFF${[line(CSV_HEADER), ...body].join('\r\n')}\r\n`;
}

/** Largest export in one file. */
export const EXPORT_LIMIT = 10_000;

/**
 * The rows of one export, or a refusal when there are more than {@link EXPORT_LIMIT}: a file is
 * never cut short silently (the JSON API's export used to stop at 10 000 rows without a word while
 * the dashboard refused). The refusal is a DomainError 'invalid' (400 on the API, the dashboard's
 * error page) saying how many rows matched and to narrow the dates.
 */
export async function exportRows(
  db: CommonQueryMethods,
  filter: Omit<Ledger.TransactionFilter, 'limit' | 'offset'>,
): Promise<readonly Transaction[]> {
  const { rows, total } = await Ledger.list(db, { ...filter, limit: EXPORT_LIMIT });
  if (total > EXPORT_LIMIT)
    throw new DomainError(
      'invalid',
      `Ada ${total} transaksi, lebih dari ${EXPORT_LIMIT} baris per file. Persempit rentang tanggalnya ya.`,
    );
  return rows;
}

/** Who wrote a row in a household's books; null in personal books (and for rows not written by a member). */
export function authorOf(row: Pick<Transaction, 'id'>, authors: Authors | undefined): string | null {
  return authors?.get(row.id) ?? null;
}

/** Who wrote each of `rows` when `book` is a household's books; none for a person's own. */
export async function authorsFor(
  db: CommonQueryMethods,
  book: { id: number; kind: 'person' | 'household' },
  rows: readonly Pick<Transaction, 'id'>[],
): Promise<Authors | undefined> {
  if (book.kind !== 'household') return undefined;
  return Households.authorsOf(
    db,
    book.id,
    rows.map((row) => row.id),
  );
}

/** One transaction as the JSON API answers it (SPEC.md's field names, amount as a JSON number). */
export function transactionJson(row: Transaction) {
  return {
    id: row.id,
    direction: row.direction,
    amount: toJsonAmount(row.amount),
    currency: row.currency,
    category: row.category,
    description: row.description,
    datetime: row.tx_datetime.toISOString(),
    source: row.source,
    status: row.status,
    merchant: row.merchant,
    /** regular | debt | receivable | adjustment: only 'regular' counts in reports and budgets. */
    kind: row.kind,
    wallet: row.wallet,
    /** A transfer's destination; null otherwise. */
    to_wallet: row.to_wallet,
    /** A loan's person (lower case); null otherwise. */
    counterparty: row.counterparty,
  };
}

/**
 * The same rows as JSON (the dashboard's "JSON" export): the JSON API's field names (SPEC.md),
 * amounts as numbers, instants in ISO 8601, plus `author` — who wrote the row in a household's
 * books, null in personal books — and `book` ('personal' | 'household') so a file says whose it is.
 */
export function exportJson(
  rows: readonly Transaction[],
  options: { book: 'personal' | 'household'; authors?: Authors },
) {
  return {
    book: options.book,
    items: rows.map((row) => ({ ...transactionJson(row), author: authorOf(row, options.authors) })),
    total: rows.length,
  };
}
