/**
 * `/dashboard`: this month's income, expense and balance, expense per category (bar chart),
 * daily cashflow (line chart), budgets against actual and the top merchants.
 */
import { formatRupiah, percent, toNumber } from '@kantong/shared/money';
import * as Reports from '@kantong/shared/reports';
import { addMonths, formatMonthId } from '@kantong/shared/time';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ApiDeps } from '../api/deps.ts';
import { validate } from '../api/http.ts';
import { inBook, type OpenBook } from './book.ts';
import { MonthQuerySchema, monthStart } from './month.ts';
import { type DashboardEnv, nowOf, requireUser } from './session.ts';
import { alert, type Html, money, page, render } from './views.ts';

const EXPENSE_COLOR = '#b3261e';
const INCOME_COLOR = '#0b6e4f';

function chart(id: string, label: string, spec: unknown): Html {
  return html`<div class="chart-box"><canvas id="${id}" role="img" aria-label="${label}" data-chart="${JSON.stringify(spec)}"></canvas></div>`;
}

function budgetRows(overview: Reports.MonthOverview): Html {
  if (overview.budgets.length === 0)
    return html`<p class="muted">Belum ada budget. Atur lewat WhatsApp, contoh: <strong>set budget makan 1,5jt</strong>.</p>`;
  return html`<ul class="plain">
  ${overview.budgets.map((budget) => {
    const used = percent(budget.spent, budget.amount);
    return html`<li class="field">
      <div class="actions spread"><span>${budget.category}</span>
      <span>${formatRupiah(budget.spent)} / ${formatRupiah(budget.amount)} (${used}%)</span></div>
      <progress class="${used >= 100 ? 'over' : ''}" max="100" value="${Math.min(used, 100)}"
        aria-label="Budget ${budget.category} terpakai ${used}%">${used}%</progress>
    </li>`;
  })}
</ul>`;
}

export function overviewPage(
  overview: Reports.MonthOverview,
  welcome: boolean,
  book: Pick<OpenBook, 'id' | 'kind'>,
): Html {
  const { summary, range } = overview;
  const month = range.from.slice(0, 7);
  const categories = summary.category_breakdown;
  const barSpec = {
    type: 'bar',
    labels: categories.map((row) => row.category),
    datasets: [
      { label: 'Pengeluaran', color: EXPENSE_COLOR, data: categories.map((row) => toNumber(row.amount)) },
    ],
  };
  const lineSpec = {
    type: 'line',
    labels: overview.cashflow.map((day) => day.day.slice(8)),
    datasets: [
      { label: 'Pemasukan', color: INCOME_COLOR, data: overview.cashflow.map((day) => toNumber(day.income)) },
      {
        label: 'Pengeluaran',
        color: EXPENSE_COLOR,
        data: overview.cashflow.map((day) => toNumber(day.expense)),
      },
    ],
  };
  return html`${alert('ok', welcome ? 'Password tersimpan. Selamat datang di dashboard Kantong!' : undefined)}
<div class="actions spread">
  <h1>Ringkasan ${formatMonthId(range.from)}</h1>
  <nav class="actions" aria-label="Pilih bulan">
    <a class="button secondary" href="${inBook(book, `/dashboard?month=${addMonths(range.from, -1).slice(0, 7)}`)}">‹ Bulan lalu</a>
    <a class="button secondary" href="${inBook(book, `/dashboard?month=${addMonths(range.from, 1).slice(0, 7)}`)}">Bulan depan ›</a>
    <a class="button" href="${inBook(book, `/reports/download?month=${month}`)}">Unduh laporan</a>
  </nav>
</div>
<section class="grid three" aria-label="Total bulan ini">
  <div class="card stat"><div class="label">Pemasukan</div><div class="value" id="total-pemasukan">${money(summary.total_income, 'income')}</div></div>
  <div class="card stat"><div class="label">Pengeluaran</div><div class="value" id="total-pengeluaran">${money(summary.total_expense, 'expense')}</div></div>
  <div class="card stat"><div class="label">Saldo</div><div class="value" id="saldo">${money(summary.month_balance)}</div></div>
</section>
<div class="grid two">
  <section class="card" aria-labelledby="judul-kategori">
    <h2 id="judul-kategori">Pengeluaran per kategori</h2>
    ${
      categories.length === 0
        ? html`<p class="muted">Belum ada pengeluaran bulan ini.</p>`
        : html`${chart('chart-kategori', 'Grafik batang pengeluaran per kategori', barSpec)}
    <details><summary>Lihat angka</summary><table><tbody>
    ${categories.map((row) => html`<tr><td>${row.category}</td><td class="num">${formatRupiah(row.amount)}</td></tr>`)}
    </tbody></table></details>`
    }
  </section>
  <section class="card" aria-labelledby="judul-cashflow">
    <h2 id="judul-cashflow">Arus kas harian</h2>
    ${chart('chart-cashflow', 'Grafik garis pemasukan dan pengeluaran per hari', lineSpec)}
  </section>
  <section class="card" aria-labelledby="judul-budget">
    <h2 id="judul-budget">Budget vs realisasi</h2>
    ${budgetRows(overview)}
  </section>
  <section class="card" aria-labelledby="judul-merchant">
    <h2 id="judul-merchant">Tempat belanja teratas</h2>
    ${
      overview.merchants.length === 0
        ? html`<p class="muted">Belum ada pengeluaran bulan ini.</p>`
        : html`<table><thead><tr><th scope="col">Tempat</th><th scope="col" class="num">Transaksi</th><th scope="col" class="num">Jumlah</th></tr></thead><tbody>
    ${overview.merchants.map(
      (row) =>
        html`<tr><td>${row.merchant}</td><td class="num">${row.count}</td><td class="num">${formatRupiah(row.amount)}</td></tr>`,
    )}</tbody></table>`
    }
  </section>
</div>`;
}

export function overviewRoutes(deps: ApiDeps) {
  return new Hono<DashboardEnv>().get(
    '/dashboard',
    requireUser(deps),
    validate('query', MonthQuerySchema),
    async (c) => {
      const book = c.get('book');
      const month = monthStart(c.req.valid('query').month, nowOf(deps), book.timezone);
      const overview = await Reports.monthOverview(await deps.pool(), {
        userId: book.id,
        timezone: book.timezone,
        month,
      });
      return render(
        c,
        page(c, {
          title: 'Ringkasan',
          nav: 'dashboard',
          charts: true,
          body: overviewPage(overview, c.req.query('selamat') === '1', book),
        }),
      );
    },
  );
}
