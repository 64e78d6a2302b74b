/**
 * The CSV a spreadsheet opens: a cell must never split at either list separator (Excel set to
 * Indonesian splits a comma file at `;`) and must never start a formula, however it is disguised.
 */
import { describe, expect, it } from 'vitest';
import type { Transaction } from '../ledger/index.ts';
import { CSV_HEADER, csvCell, exportJson, toCsv } from './index.ts';

function row(overrides: Partial<Transaction>): Transaction {
  return {
    id: 7,
    user_id: 1,
    direction: 'expense',
    amount: 25_000n,
    currency: 'IDR',
    category_id: 3,
    category: 'Makan',
    description: 'kopi',
    tx_datetime: new Date('2026-11-25T03:00:00Z'),
    source: 'whatsapp',
    status: 'confirmed',
    merchant: null,
    created_at: new Date('2026-11-25T03:00:00Z'),
    kind: 'regular',
    wallet_id: null,
    wallet: 'Tunai',
    to_wallet_id: null,
    to_wallet: null,
    counterparty: null,
    wa_message_row_id: null,
    ...overrides,
  };
}

/** Splits one CSV line the way a spreadsheet does with `delimiter` as its list separator. */
function spreadsheetCells(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        current += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      cells.push(current);
      current = '';
    } else current += char;
  }
  cells.push(current);
  return cells;
}

describe('csvCell', () => {
  it.each(['beli kopi;=1+1;x', 'beli kopi,=1+1,x', 'a,b', 'a;b'])(
    'quotes a cell holding either separator, whichever the file uses: %s',
    (value) => {
      const cell = csvCell(value);
      expect(cell).toBe(`"${value}"`);
      // Read with either separator, the cell stays one cell.
      for (const separator of [',', ';']) expect(spreadsheetCells(cell, separator)).toEqual([value]);
    },
  );

  it('quotes quotes and line breaks, doubling the quotes', () => {
    expect(csvCell('kopi "susu"')).toBe('"kopi ""susu"""');
    expect(csvCell('a\nb')).toBe('"a\nb"');
    expect(csvCell('a\rb')).toBe('"a\rb"');
  });

  it('leaves plain text and whole numbers unquoted', () => {
    expect(csvCell('makan siang')).toBe('makan siang');
    expect(csvCell('50000')).toBe('50000');
    expect(csvCell('')).toBe('');
  });

  it.each([
    '=1+1',
    '+62812',
    '-5+5',
    '@SUM(A1)',
    '\t=1',
    '\r=1',
    '\u200B=HYPERLINK("http://evil")', // zero-width space
    '\u200E=1+1', // left-to-right mark
    '\u200F=1+1', // right-to-left mark
    '\u202E=1+1', // right-to-left override
    '\u2066@SUM(A1)', // left-to-right isolate
    '\uFEFF=1+1', // byte-order mark
    '\u2060+1', // word joiner
    '\u00AD-1', // soft hyphen
    ' =1+1', // space
    '\u00A0=1+1', // no-break space
    '\u3000=1', // ideographic space
    '\u200B\u200F \t@x', // several, mixed
    '\u200B\tx', // an invisible prefix before a tab
  ])('neutralises a formula however it is prefixed: %j', (value) => {
    const cell = csvCell(value);
    const text = spreadsheetCells(cell, ',')[0] ?? '';
    expect(text.startsWith("'")).toBe(true);
    expect(text.slice(1)).toBe(value);
  });

  it('does not touch text that merely contains an operator later on', () => {
    expect(csvCell('kopi=enak')).toBe('kopi=enak');
    expect(csvCell('\u200Bkopi')).toBe('\u200Bkopi');
  });
});

describe('toCsv', () => {
  it('starts with a byte-order mark, ends lines with CRLF and keeps the old columns in place', () => {
    const csv = toCsv([row({})], { timezone: 'Asia/Jakarta' });
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header, line, end] = csv.slice(1).split('\r\n');
    expect(header).toBe(CSV_HEADER.join(','));
    expect(CSV_HEADER.slice(0, 10)).toEqual([
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
    ]);
    expect(line).toBe('2026-11-25 10:00,expense,Makan,kopi,25000,IDR,whatsapp,confirmed,,7,Tunai,,regular,,');
    expect(end).toBe('');
  });

  it('tells a spend, a transfer and a loan apart by wallet, kind and person', () => {
    const csv = toCsv(
      [
        row({ id: 1, wallet_id: 4, wallet: 'GoPay', description: 'kopi' }),
        row({
          id: 2,
          direction: 'transfer',
          category_id: null,
          category: null,
          description: 'top up gopay',
          wallet_id: 3,
          wallet: 'BCA',
          to_wallet_id: 4,
          to_wallet: 'GoPay',
        }),
        row({
          id: 3,
          direction: 'expense',
          kind: 'receivable',
          category_id: null,
          category: null,
          description: 'minjemin andi',
          counterparty: 'andi',
        }),
      ],
      { timezone: 'Asia/Jakarta', delimiter: ';' },
    );
    const lines = csv.slice(1).trimEnd().split('\r\n');
    const header = spreadsheetCells(lines[0] ?? '', ';');
    const records = lines.slice(1).map((line) => {
      const cells = spreadsheetCells(line, ';');
      return Object.fromEntries(header.map((name, i) => [name, cells[i]]));
    });
    expect(records.map((r) => [r.id, r.arah, r.jenis, r.dompet, r.ke_dompet, r.pihak])).toEqual([
      ['1', 'expense', 'regular', 'GoPay', '', ''],
      ['2', 'transfer', 'regular', 'BCA', 'GoPay', ''],
      ['3', 'expense', 'receivable', 'Tunai', '', 'andi'],
    ]);
  });

  it("names each row's author in a household's books, behind the formula guard", () => {
    const authors = new Map([
      [1, 'Budi'],
      [2, '=HYPERLINK("x")'],
    ]);
    const csv = toCsv([row({ id: 1 }), row({ id: 2 }), row({ id: 3 })], {
      timezone: 'Asia/Jakarta',
      authors,
    });
    const lines = csv.slice(1).trimEnd().split('\r\n');
    const header = spreadsheetCells(lines[0] ?? '', ',');
    expect(header.at(-1)).toBe('penulis');
    const authorOf = (line: string) => spreadsheetCells(line, ',').at(-1);
    expect(lines.slice(1).map(authorOf)).toEqual(['Budi', `'=HYPERLINK("x")`, '']);
  });
});

describe('exportJson', () => {
  it('carries the author, null where none is known and in personal books', () => {
    const household = exportJson([row({ id: 1 }), row({ id: 2 })], {
      book: 'household',
      authors: new Map([[1, 'Siti']]),
    });
    expect(household.book).toBe('household');
    expect(household.items.map((item) => [item.id, item.author, item.amount])).toEqual([
      [1, 'Siti', 25000],
      [2, null, 25000],
    ]);
    expect(exportJson([row({ id: 1 })], { book: 'personal' }).items[0]?.author).toBeNull();
  });
});
