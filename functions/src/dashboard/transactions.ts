/**
 * `/transactions`: the paginated table with filters, inline edit of category and amount (HTMX
 * swaps one row), confirm, soft delete, a form to add one, and the CSV export of exactly the
 * filtered rows. Every query is scoped to the session's user; another user's id is "not found".
 */
import * as Categories from '@kantong/shared/categories';
import type { DatabaseTransactionConnection } from '@kantong/shared/db';
import * as Debts from '@kantong/shared/debts';
import { recordFromWeb } from '@kantong/shared/entry';
import { DomainError } from '@kantong/shared/errors';
import { exportRows, toCsv } from '@kantong/shared/export';
import * as Ledger from '@kantong/shared/ledger';
import { groupThousands } from '@kantong/shared/money';
import { DirectionSchema } from '@kantong/shared/nlu';
import { formatDayId, localDate, localDateTime } from '@kantong/shared/time';
import type * as Users from '@kantong/shared/users';
import * as Wallets from '@kantong/shared/wallets';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { ApiDeps } from '../api/deps.ts';
import {
  AmountFieldSchema,
  amountOf,
  backTo,
  DaySchema,
  IdSchema,
  instantOf,
  optional,
  readForm,
  TimeSchema,
} from './forms.ts';
import { type DashboardEnv, nowOf, pageOrApi, requireUser } from './session.ts';
import {
  alert,
  DIRECTION_LABEL,
  type Html,
  hiddenCsrf,
  layout,
  money,
  options,
  render,
  SOURCE_LABEL,
  STATUS_LABEL,
} from './views.ts';

export const PAGE_SIZE = 25;

const FilterSchema = z.object({
  from: optional(DaySchema).catch(undefined),
  to: optional(DaySchema).catch(undefined),
  category: optional(z.string().max(80)).catch(undefined),
  direction: optional(DirectionSchema).catch(undefined),
  source: optional(Ledger.SourceSchema).catch(undefined),
  status: optional(Ledger.TxStatusSchema).catch(undefined),
  q: optional(z.string().trim().max(200)).catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  delimiter: z.enum(['comma', 'semicolon']).catch('comma'),
});
type Filter = z.infer<typeof FilterSchema>;

const FILTER_KEYS = ['from', 'to', 'category', 'direction', 'source', 'status', 'q'] as const;

function filterOf(c: Context): Filter {
  return FilterSchema.parse(c.req.query());
}

function ledgerFilter(filter: Filter, user: Users.User): Ledger.TransactionFilter {
  return {
    userId: user.id,
    timezone: user.timezone,
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
    ...(filter.category ? { category: filter.category } : {}),
    ...(filter.direction ? { direction: filter.direction } : {}),
    ...(filter.source ? { source: filter.source } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.q ? { search: filter.q } : {}),
  };
}

/** The query string of a filter (without the page), for links that keep it. */
function queryOf(filter: Filter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function categorySelect(
  id: string,
  categories: readonly Categories.Category[],
  kind: 'income' | 'expense' | 'both',
  selected: number | null,
  label: string,
  labelHidden: boolean,
): Html {
  const group = (k: 'income' | 'expense') =>
    categories
      .filter((category) => category.kind === k)
      .map(
        (category) =>
          html`<option value="${category.id}"${category.id === selected ? html` selected` : ''}>${category.name}</option>`,
      );
  return html`<label for="${id}"${labelHidden ? html` class="sr-only"` : ''}>${label}</label>
<select id="${id}" name="category_id">
  ${
    kind === 'both'
      ? html`<option value="">Otomatis (Lainnya)</option><optgroup label="Pengeluaran">${group('expense')}</optgroup><optgroup label="Pemasukan">${group('income')}</optgroup>`
      : group(kind)
  }
</select>`;
}

/**
 * Where a row's money went, as the list shows it: the wallet ("GoPay"), a transfer as
 * "BCA → GoPay", a loan with its person ("Pinjam dari Budi · Tunai").
 */
export function whereLabel(row: Ledger.Transaction): string {
  if (row.direction === 'transfer') return `${row.wallet} → ${row.to_wallet ?? Wallets.DEFAULT_WALLET}`;
  const who = row.counterparty ? Debts.displayName(row.counterparty) : '?';
  const income = row.direction === 'income';
  switch (row.kind) {
    case 'debt':
      return `${income ? `Pinjam dari ${who}` : `Bayar utang ke ${who}`} · ${row.wallet}`;
    case 'receivable':
      return `${income ? `${who} bayar utang` : `Minjemin ${who}`} · ${row.wallet}`;
    case 'adjustment':
      return `Penyesuaian saldo · ${row.wallet}`;
    case 'regular':
      return row.wallet;
  }
}

/** One table row; HTMX replaces it after an edit or a confirmation. */
export function transactionRow(
  row: Ledger.Transaction,
  input: {
    categories: readonly Categories.Category[];
    csrf: string;
    timezone: string;
    back: string;
    error?: string;
  },
): Html {
  const when = localDateTime(row.tx_datetime, input.timezone);
  const target = `/transactions/${row.id}`;
  const hx = (action: string) =>
    html`method="post" action="${target}/${action}" hx-post="${target}/${action}" hx-target="closest tr" hx-swap="outerHTML"`;
  return html`<tr id="tx-${row.id}">
  <td>${formatDayId(when.slice(0, 10))}<br><span class="muted">${when.slice(11)}</span></td>
  <td>${row.description ?? '-'}${row.merchant ? html`<br><span class="muted">${row.merchant}</span>` : ''}
    <br><span class="muted">${DIRECTION_LABEL[row.direction]} · ${SOURCE_LABEL[row.source]}</span>
    <br><span class="muted wallet">${whereLabel(row)}</span>
    ${input.error ? html`<div class="alert error" role="alert">${input.error}</div>` : ''}</td>
  <td>
    ${
      row.kind !== 'regular'
        ? html`<span class="muted">${row.kind === 'adjustment' ? 'Penyesuaian saldo' : 'Pinjaman'}</span>`
        : html`<form class="inline-edit" ${hx('update')}>
      ${hiddenCsrf(input.csrf)}<input type="hidden" name="back" value="${input.back}">
      ${
        row.direction === 'transfer'
          ? html`<span class="muted">Transfer</span>`
          : categorySelect(
              `cat-${row.id}`,
              input.categories,
              row.direction,
              row.category_id,
              `Kategori transaksi ${row.id}`,
              true,
            )
      }
      <label for="amt-${row.id}" class="sr-only">Jumlah transaksi ${row.id} (Rp)</label>
      <input id="amt-${row.id}" name="amount" inputmode="numeric" value="${groupThousands(row.amount)}" required>
      <button type="submit" class="secondary">Simpan</button>
    </form>`
    }
  </td>
  <td class="num">${money(row.amount, row.direction)}</td>
  <td>${row.status === 'pending' ? html`<span class="badge pending">${STATUS_LABEL.pending}</span>` : html`<span class="badge">${STATUS_LABEL.confirmed}</span>`}</td>
  <td><div class="actions">
    ${
      row.status === 'pending'
        ? html`<form ${hx('confirm')}>${hiddenCsrf(input.csrf)}<input type="hidden" name="back" value="${input.back}"><button type="submit" class="secondary">Konfirmasi</button></form>`
        : ''
    }
    <form ${hx('delete')} hx-confirm="Hapus transaksi ini?">${hiddenCsrf(input.csrf)}<input type="hidden" name="back" value="${input.back}"><button type="submit" class="danger" aria-label="Hapus transaksi ${row.id}">Hapus</button></form>
  </div></td>
</tr>`;
}

function filterForm(filter: Filter, categories: readonly Categories.Category[]): Html {
  const names = [...new Set(categories.map((category) => category.name))].map(
    (name) => [name, name] as const,
  );
  return html`<form class="card filters" method="get" action="/transactions" role="search" aria-label="Filter transaksi">
  <div><label for="f-from">Dari tanggal</label><input id="f-from" type="date" name="from" value="${filter.from ?? ''}"></div>
  <div><label for="f-to">Sampai tanggal</label><input id="f-to" type="date" name="to" value="${filter.to ?? ''}"></div>
  <div><label for="f-category">Kategori</label><select id="f-category" name="category"><option value="">Semua</option>${options(names, filter.category)}</select></div>
  <div><label for="f-direction">Jenis</label><select id="f-direction" name="direction"><option value="">Semua</option>${options(Object.entries(DIRECTION_LABEL) as [string, string][], filter.direction)}</select></div>
  <div><label for="f-source">Sumber</label><select id="f-source" name="source"><option value="">Semua</option>${options(Object.entries(SOURCE_LABEL) as [string, string][], filter.source)}</select></div>
  <div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Semua</option>${options(Object.entries(STATUS_LABEL) as [string, string][], filter.status)}</select></div>
  <div><label for="f-q">Cari deskripsi</label><input id="f-q" type="search" name="q" value="${filter.q ?? ''}" placeholder="kopi, indomaret…"></div>
  <div class="actions"><button type="submit">Terapkan</button><a class="button secondary" href="/transactions">Reset</a></div>
</form>`;
}

function walletOptions(wallets: readonly Wallets.Wallet[]): Html[] {
  return wallets.map((wallet) => html`<option value="${wallet.id ?? ''}">${wallet.name}</option>`);
}

function addForm(
  categories: readonly Categories.Category[],
  wallets: readonly Wallets.Wallet[],
  csrf: string,
  today: string,
): Html {
  return html`<details class="card"><summary>+ Tambah transaksi</summary>
<form method="post" action="/transactions/new" class="filters">
  ${hiddenCsrf(csrf)}
  <div><label for="n-direction">Jenis</label><select id="n-direction" name="direction">${options(
    Object.entries(DIRECTION_LABEL) as [string, string][],
    'expense',
  )}</select></div>
  <div><label for="n-amount">Jumlah (Rp)</label><input id="n-amount" name="amount" inputmode="numeric" required placeholder="50.000"></div>
  <div>${categorySelect('n-category', categories, 'both', null, 'Kategori', false)}</div>
  <div><label for="n-description">Deskripsi</label><input id="n-description" name="description" maxlength="500" placeholder="beli pulsa"></div>
  <div><label for="n-wallet">Dompet</label><select id="n-wallet" name="wallet_id">${walletOptions(wallets)}</select></div>
  <div><label for="n-to-wallet">Ke dompet (khusus transfer)</label><select id="n-to-wallet" name="to_wallet_id"><option value="">-</option>${walletOptions(wallets)}</select></div>
  <div><label for="n-date">Tanggal</label><input id="n-date" type="date" name="date" value="${today}" required></div>
  <div><label for="n-time">Jam (opsional)</label><input id="n-time" type="time" name="time"></div>
  <div><button type="submit">Simpan transaksi</button></div>
</form></details>`;
}

async function listPage(
  c: Context<DashboardEnv>,
  deps: ApiDeps,
  messages: { ok?: string; error?: string } = {},
) {
  const user = c.get('user');
  const csrf = c.get('session').csrf;
  const filter = filterOf(c);
  const pool = await deps.pool();
  const categories = await Categories.listForUser(pool, user.id);
  const wallets = await Wallets.balances(pool, user.id);
  const { rows, total } = await Ledger.list(pool, {
    ...ledgerFilter(filter, user),
    limit: PAGE_SIZE,
    offset: (filter.page - 1) * PAGE_SIZE,
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const back = `/transactions${queryOf(filter, filter.page > 1 ? { page: String(filter.page) } : {})}`;
  const body = html`<h1>Transaksi</h1>
${alert('ok', messages.ok ?? (c.req.query('ok') === 'tambah' ? 'Transaksi tersimpan.' : undefined))}
${alert('error', messages.error)}
${filterForm(filter, categories)}
${addForm(categories, wallets, csrf, localDate(nowOf(deps), user.timezone))}
<section class="card" aria-labelledby="judul-tabel">
  <div class="actions spread">
    <h2 id="judul-tabel">${total} transaksi</h2>
    <div class="actions">
      <a class="button secondary" id="export-csv" href="/transactions/export${queryOf(filter)}" download>Export CSV</a>
      <a class="button secondary" href="/transactions/export${queryOf(filter, { delimiter: 'semicolon' })}" download>CSV (Excel Indonesia, ;)</a>
    </div>
  </div>
  ${
    rows.length === 0
      ? html`<p class="muted">Tidak ada transaksi yang cocok.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="sr-only">Daftar transaksi, terbaru di atas</caption>
    <thead><tr><th scope="col">Tanggal</th><th scope="col">Keterangan</th><th scope="col">Kategori &amp; jumlah</th><th scope="col" class="num">Jumlah</th><th scope="col">Status</th><th scope="col">Aksi</th></tr></thead>
    <tbody>${rows.map((row) => transactionRow(row, { categories, csrf, timezone: user.timezone, back }))}</tbody>
  </table></div>`
  }
  <nav class="pager" aria-label="Halaman">
    ${filter.page > 1 ? html`<a href="/transactions${queryOf(filter, { page: String(filter.page - 1) })}" rel="prev">‹ Sebelumnya</a>` : html`<span></span>`}
    <span>Halaman ${Math.min(filter.page, pages)} dari ${pages}</span>
    ${filter.page < pages ? html`<a href="/transactions${queryOf(filter, { page: String(filter.page + 1) })}" rel="next">Berikutnya ›</a>` : html`<span></span>`}
  </nav>
</section>`;
  const status = messages.error ? 400 : 200;
  return render(c, layout({ title: 'Transaksi', user, csrf, nav: 'transactions', body }), status);
}

const NewFormSchema = z.object({
  direction: DirectionSchema,
  amount: AmountFieldSchema,
  category_id: optional(IdSchema),
  description: optional(z.string().trim().max(500, 'Deskripsi maksimal 500 karakter.')),
  date: DaySchema,
  time: optional(TimeSchema),
  /** Empty: Tunai. */
  wallet_id: optional(IdSchema),
  /** A transfer's destination; empty: Tunai. Ignored for income and expense. */
  to_wallet_id: optional(IdSchema),
});

const EditFormSchema = z.object({
  amount: optional(AmountFieldSchema),
  category_id: optional(IdSchema),
  back: z.string().optional(),
});

const ActionFormSchema = z.object({ back: z.string().optional() });

function isHtmx(c: Context): boolean {
  return c.req.header('hx-request') === 'true';
}

/** Runs one row action; HTMX gets the new row (or 422 with the error in it), a plain form a redirect. */
async function rowAction(
  c: Context<DashboardEnv>,
  deps: ApiDeps,
  act: (
    tx: DatabaseTransactionConnection,
    userId: number,
    id: number,
    form: Record<string, unknown>,
  ) => Promise<Ledger.Transaction | null>,
  schema: z.ZodType<{ back?: string | undefined }>,
) {
  const user = c.get('user');
  const id = IdSchema.safeParse(c.req.param('id'));
  if (!id.success) throw new DomainError('not_found', 'Transaksi tidak ditemukan.');
  const pool = await deps.pool();
  const form = await readForm(c, schema);
  const back = backTo(form.back, '/transactions');
  const rowInput = async (error?: string) => ({
    categories: await Categories.listForUser(pool, user.id),
    csrf: c.get('session').csrf,
    timezone: user.timezone,
    back,
    ...(error ? { error } : {}),
  });
  try {
    const row = await pool.transaction((tx) => act(tx, user.id, id.data, form));
    if (!isHtmx(c)) return c.redirect(back, 303);
    if (!row) return c.body(null, 200);
    return render(c, transactionRow(row, await rowInput()));
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'invalid' || !isHtmx(c)) throw error;
    const current = await Ledger.findForUser(pool, user.id, id.data);
    if (!current) throw error;
    return render(c, transactionRow(current, await rowInput(error.message)), 422);
  }
}

export function transactionPageRoutes(deps: ApiDeps) {
  const signedIn = requireUser(deps);
  return new Hono<DashboardEnv>()
    .get(
      '/transactions',
      pageOrApi(deps, (c) => listPage(c, deps)),
    )
    .get(
      '/transactions/export',
      pageOrApi(deps, async (c) => {
        const user = c.get('user');
        const filter = filterOf(c);
        // More rows than one file holds: the error page (400), as the JSON API answers.
        const rows = await exportRows(await deps.pool(), ledgerFilter(filter, user));
        const csv = toCsv(rows, {
          timezone: user.timezone,
          delimiter: filter.delimiter === 'semicolon' ? ';' : ',',
        });
        const name = `kantong-transaksi-${localDate(nowOf(deps), user.timezone)}.csv`;
        return c.body(csv, 200, {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${name}"`,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        });
      }),
    )
    .post('/transactions/new', signedIn, async (c) => {
      const user = c.get('user');
      let form: z.infer<typeof NewFormSchema>;
      try {
        form = await readForm(c, NewFormSchema);
        const amount = amountOf(form.amount);
        const pool = await deps.pool();
        const ref = (id: number | undefined) => (id === undefined ? null : { id });
        await pool.transaction((tx) =>
          recordFromWeb(tx, {
            userId: user.id,
            direction: form.direction,
            amount,
            category: form.direction === 'transfer' ? null : ref(form.category_id),
            description: form.description ?? null,
            datetime: instantOf(form.date, user.timezone, nowOf(deps), form.time),
            wallet: ref(form.wallet_id),
            ...(form.direction === 'transfer' ? { toWallet: ref(form.to_wallet_id) } : {}),
          }),
        );
      } catch (error) {
        if (error instanceof DomainError && error.code !== 'not_found')
          return listPage(c, deps, { error: error.message });
        throw error;
      }
      return c.redirect('/transactions?ok=tambah', 303);
    })
    .post('/transactions/:id/update', signedIn, (c) =>
      rowAction(
        c,
        deps,
        async (tx, userId, id, form) => {
          const edit = form as z.infer<typeof EditFormSchema>;
          return Ledger.editForUser(tx, {
            userId,
            id,
            ...(edit.amount ? { amount: amountOf(edit.amount) } : {}),
            ...(edit.category_id ? { categoryId: edit.category_id } : {}),
          });
        },
        EditFormSchema,
      ),
    )
    .post('/transactions/:id/confirm', signedIn, (c) =>
      rowAction(c, deps, (tx, userId, id) => Ledger.confirmForUser(tx, userId, id), ActionFormSchema),
    )
    .post('/transactions/:id/delete', signedIn, (c) =>
      rowAction(
        c,
        deps,
        async (tx, userId, id) => {
          await Ledger.softDeleteForUser(tx, userId, id);
          return null;
        },
        ActionFormSchema,
      ),
    );
}
