/**
 * `/reports/download?month=YYYY-MM`: the monthly report as one self-contained HTML file (styles
 * inside, no script) that opens offline on a phone or laptop and prints to PDF from any browser
 * — totals, categories, budgets, top merchants and every transaction of the month.
 */
import * as Households from '@kantong/shared/households';
import * as Ledger from '@kantong/shared/ledger';
import { formatRupiah, percent } from '@kantong/shared/money';
import * as Reports from '@kantong/shared/reports';
import { addDays, formatMonthId, localDateTime } from '@kantong/shared/time';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ApiDeps } from '../api/deps.ts';
import { validate } from '../api/http.ts';
import type { OpenBook } from './book.ts';
import { MonthQuerySchema, monthStart } from './month.ts';
import { type DashboardEnv, nowOf, requireUser } from './session.ts';
import { DIRECTION_LABEL, type Html } from './views.ts';

const REPORT_STYLE = `body{font-family:system-ui,sans-serif;color:#1b1f24;max-width:900px;margin:1rem auto;padding:0 1rem}
table{width:100%;border-collapse:collapse;margin-bottom:1.5rem}th,td{border-bottom:1px solid #d5dae0;padding:.35rem;text-align:left}
td.num,th.num{text-align:right;white-space:nowrap}td{overflow-wrap:anywhere}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}
@media (max-width:600px){table.semua thead{display:none}table.semua tr{display:grid;grid-template-columns:minmax(0,1fr) auto;border-bottom:1px solid #d5dae0;padding:.35rem 0}
table.semua td{border:0;padding:.1rem .35rem}table.semua td.num{grid-column:2;grid-row:1;font-weight:700}}`;
// On a phone the file's list of every transaction reads as cards (date and amount on one line),
// as the dashboard's does: five columns do not fit 412 px.

function amountTable(title: string, rows: readonly Reports.CategoryAmount[]): Html {
  return html`<h2>${title}</h2>${
    rows.length === 0
      ? html`<p>-</p>`
      : html`<table><tbody>${rows.map((row) => html`<tr><td>${row.category}</td><td class="num">${formatRupiah(row.amount)}</td></tr>`)}</tbody></table>`
  }`;
}

export function reportDocument(
  book: Pick<OpenBook, 'name' | 'timezone'>,
  who: string,
  overview: Reports.MonthOverview,
  transactions: readonly Ledger.Transaction[],
  /** Who wrote each row, in a household's books. */
  authors?: ReadonlyMap<number, string>,
): Html {
  const { summary, range } = overview;
  return html`<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Laporan Kantong ${formatMonthId(range.from)}</title><style>${REPORT_STYLE}</style></head>
<body>
<h1>Laporan keuangan ${formatMonthId(range.from)}</h1>
<p>${who} · ${range.from} s.d. ${addDays(range.to, -1)}</p>
<table><tbody>
<tr><th scope="row">Pemasukan</th><td class="num">${formatRupiah(summary.total_income)}</td></tr>
<tr><th scope="row">Pengeluaran</th><td class="num">${formatRupiah(summary.total_expense)}</td></tr>
<tr><th scope="row">Saldo</th><td class="num">${formatRupiah(summary.month_balance)}</td></tr>
<tr><th scope="row">Jumlah transaksi</th><td class="num">${summary.transaction_count}</td></tr>
</tbody></table>
${amountTable('Pengeluaran per kategori', summary.category_breakdown)}
${amountTable('Pemasukan per kategori', summary.income_breakdown)}
<h2>Budget vs realisasi</h2>
${
  overview.budgets.length === 0
    ? html`<p>-</p>`
    : html`<table><thead><tr><th>Kategori</th><th class="num">Budget</th><th class="num">Terpakai</th><th class="num">%</th></tr></thead><tbody>
${overview.budgets.map(
  (budget) =>
    html`<tr><td>${budget.category}</td><td class="num">${formatRupiah(budget.amount)}</td><td class="num">${formatRupiah(budget.spent)}</td><td class="num">${percent(budget.spent, budget.amount)}%</td></tr>`,
)}</tbody></table>`
}
<h2>Tempat belanja teratas</h2>
${
  overview.merchants.length === 0
    ? html`<p>-</p>`
    : html`<table><tbody>${overview.merchants.map((row) => html`<tr><td>${row.merchant}</td><td class="num">${row.count}×</td><td class="num">${formatRupiah(row.amount)}</td></tr>`)}</tbody></table>`
}
<h2>Semua transaksi</h2>
<table class="semua"><thead><tr><th>Tanggal</th><th>Jenis</th><th>Kategori</th><th>Deskripsi</th>${authors ? html`<th>Penulis</th>` : ''}<th class="num">Jumlah</th></tr></thead><tbody>
${transactions.map(
  (row) =>
    html`<tr><td>${localDateTime(row.tx_datetime, book.timezone)}</td><td>${DIRECTION_LABEL[row.direction]}</td><td>${row.category ?? '-'}</td><td>${row.description ?? '-'}</td>${authors ? html`<td>${authors.get(row.id) ?? '-'}</td>` : ''}<td class="num">${formatRupiah(row.amount)}</td></tr>`,
)}
</tbody></table>
</body></html>`;
}

export function reportRoutes(deps: ApiDeps) {
  return new Hono<DashboardEnv>().get(
    '/reports/download',
    requireUser(deps),
    validate('query', MonthQuerySchema),
    async (c) => {
      const book = c.get('book');
      const month = monthStart(c.req.valid('query').month, nowOf(deps), book.timezone);
      const pool = await deps.pool();
      const overview = await Reports.monthOverview(pool, { userId: book.id, timezone: book.timezone, month });
      const { rows } = await Ledger.list(pool, {
        userId: book.id,
        timezone: book.timezone,
        from: overview.range.from,
        to: addDays(overview.range.to, -1),
        limit: 10_000,
      });
      const name = `kantong-laporan-${month.slice(0, 7)}.html`;
      // A household's report names the household; a personal one, the person.
      const who = book.kind === 'household' ? book.name : c.get('user').name;
      const authors =
        book.kind === 'household'
          ? await Households.authorsOf(
              pool,
              book.id,
              rows.map((row) => row.id),
            )
          : undefined;
      return c.html(await reportDocument(book, who, overview, rows, authors), 200, {
        'Content-Disposition': `attachment; filename="${name}"`,
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
    },
  );
}
