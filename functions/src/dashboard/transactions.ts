/**
 * `/transactions`: the paginated table with filters, inline edit of category and amount (HTMX
 * swaps one row), confirm, soft delete, a form to add one, and the CSV export of exactly the
 * filtered rows (CSV or JSON, with who wrote each row in a household). Every query is scoped to
 * the open book (session.ts: the person's own, or a household they belong to); an id from other
 * books is "not found", and a viewer's book shows no form.
 */
import * as Categories from '@kantong/shared/categories';
import type { DatabaseTransactionConnection } from '@kantong/shared/db';
import * as Debts from '@kantong/shared/debts';
import { recordFromWeb } from '@kantong/shared/entry';
import { DomainError } from '@kantong/shared/errors';
import { exportJson, exportRows, toCsv } from '@kantong/shared/export';
import * as Households from '@kantong/shared/households';
import * as Ledger from '@kantong/shared/ledger';
import { groupThousands } from '@kantong/shared/money';
import { DirectionSchema } from '@kantong/shared/nlu';
import { formatDayId, localDate, localDateTime } from '@kantong/shared/time';
import * as Wallets from '@kantong/shared/wallets';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { ApiDeps } from '../api/deps.ts';
import { BOOK_PARAM, canWrite, inBook, type OpenBook } from './book.ts';
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
import { type DashboardEnv, nowOf, pageOrApi, requireUser, writeInBook } from './session.ts';
import {
  alert,
  DIRECTION_LABEL,
  type Html,
  hiddenCsrf,
  money,
  options,
  page,
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
  /** The export's file: CSV (default) or JSON, both with the author of each row. */
  format: z.enum(['csv', 'json']).catch('csv'),
});
type Filter = z.infer<typeof FilterSchema>;

const FILTER_KEYS = ['from', 'to', 'category', 'direction', 'source', 'status', 'q'] as const;

function filterOf(c: Context): Filter {
  return FilterSchema.parse(c.req.query());
}

function ledgerFilter(filter: Filter, book: OpenBook): Ledger.TransactionFilter {
  return {
    userId: book.id,
    timezone: book.timezone,
    ...(filter.from ? { from: filter.from } : {}),
    ...(filter.to ? { to: filter.to } : {}),
    ...(filter.category ? { category: filter.category } : {}),
    ...(filter.direction ? { direction: filter.direction } : {}),
    ...(filter.source ? { source: filter.source } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.q ? { search: filter.q } : {}),
  };
}

/** The query string of a filter (without the page) in the open book, for links that keep it. */
function queryOf(filter: Filter, book: OpenBook, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (book.kind === 'household') params.set(BOOK_PARAM, String(book.id));
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

/**
 * One table row; HTMX replaces it after an edit or a confirmation. On a phone (app.css) the row
 * reads as a card: date and amount on top, the description and edit form below, no sideways scroll.
 * A viewer's row has no form: the category is text and the actions are gone.
 */
export function transactionRow(
  row: Ledger.Transaction,
  input: {
    categories: readonly Categories.Category[];
    csrf: string;
    book: OpenBook;
    back: string;
    /** Who wrote it, in a household's books; undefined in personal books. */
    author?: string | null;
    error?: string;
  },
): Html {
  const when = localDateTime(row.tx_datetime, input.book.timezone);
  const target = `/transactions/${row.id}`;
  const hx = (action: string) => {
    const url = inBook(input.book, `${target}/${action}`);
    return html`method="post" action="${url}" hx-post="${url}" hx-target="closest tr" hx-swap="outerHTML"`;
  };
  const writable = canWrite(input.book);
  return html`<tr id="tx-${row.id}">
  <td class="tx-when">${formatDayId(when.slice(0, 10))}<br><span class="muted">${when.slice(11)}</span></td>
  <td class="tx-what">${row.description ?? '-'}${row.merchant ? html`<br><span class="muted">${row.merchant}</span>` : ''}
    <br><span class="muted">${DIRECTION_LABEL[row.direction]} · ${SOURCE_LABEL[row.source]}</span>
    <br><span class="muted wallet">${whereLabel(row)}</span>
    ${input.author !== undefined ? html`<br><span class="muted author">Ditulis: ${input.author ?? '-'}</span>` : ''}
    ${input.error ? html`<div class="alert error" role="alert">${input.error}</div>` : ''}</td>
  <td class="tx-edit">
    ${
      !writable
        ? html`<span class="muted">${row.category ?? (row.direction === 'transfer' ? 'Transfer' : '-')}</span>`
        : row.kind !== 'regular'
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
  <td class="num tx-amount">${money(row.amount, row.direction)}</td>
  <td class="tx-status">${row.status === 'pending' ? html`<span class="badge pending">${STATUS_LABEL.pending}</span>` : html`<span class="badge">${STATUS_LABEL.confirmed}</span>`}</td>
  <td class="tx-actions">${
    writable
      ? html`<div class="actions">
    ${
      row.status === 'pending'
        ? html`<form ${hx('confirm')}>${hiddenCsrf(input.csrf)}<input type="hidden" name="back" value="${input.back}"><button type="submit" class="secondary">Konfirmasi</button></form>`
        : ''
    }
    <form ${hx('delete')} hx-confirm="Hapus transaksi ini?">${hiddenCsrf(input.csrf)}<input type="hidden" name="back" value="${input.back}"><button type="submit" class="danger" aria-label="Hapus transaksi ${row.id}">Hapus</button></form>
  </div>`
      : ''
  }</td>
</tr>`;
}

function filterForm(filter: Filter, categories: readonly Categories.Category[], book: OpenBook): Html {
  const names = [...new Set(categories.map((category) => category.name))].map(
    (name) => [name, name] as const,
  );
  return html`<form class="card filters" method="get" action="/transactions" role="search" aria-label="Filter transaksi">
  ${book.kind === 'household' ? html`<input type="hidden" name="${BOOK_PARAM}" value="${book.id}">` : ''}
  <div><label for="f-from">Dari tanggal</label><input id="f-from" type="date" name="from" value="${filter.from ?? ''}"></div>
  <div><label for="f-to">Sampai tanggal</label><input id="f-to" type="date" name="to" value="${filter.to ?? ''}"></div>
  <div><label for="f-category">Kategori</label><select id="f-category" name="category"><option value="">Semua</option>${options(names, filter.category)}</select></div>
  <div><label for="f-direction">Jenis</label><select id="f-direction" name="direction"><option value="">Semua</option>${options(Object.entries(DIRECTION_LABEL) as [string, string][], filter.direction)}</select></div>
  <div><label for="f-source">Sumber</label><select id="f-source" name="source"><option value="">Semua</option>${options(Object.entries(SOURCE_LABEL) as [string, string][], filter.source)}</select></div>
  <div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Semua</option>${options(Object.entries(STATUS_LABEL) as [string, string][], filter.status)}</select></div>
  <div><label for="f-q">Cari deskripsi</label><input id="f-q" type="search" name="q" value="${filter.q ?? ''}" placeholder="kopi, indomaret…"></div>
  <div class="actions"><button type="submit">Terapkan</button><a class="button secondary" href="${inBook(book, '/transactions')}">Reset</a></div>
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
  book: OpenBook,
): Html {
  return html`<details class="card"><summary>+ Tambah transaksi</summary>
<form method="post" action="${inBook(book, '/transactions/new')}" class="filters">
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

/** Who wrote each row, in a household's books; null in personal books (the person wrote them all). */
async function authorsIn(
  db: Parameters<typeof Households.authorsOf>[0],
  book: OpenBook,
  rows: readonly Ledger.Transaction[],
): Promise<ReadonlyMap<number, string> | null> {
  if (book.kind === 'personal') return null;
  return Households.authorsOf(
    db,
    book.id,
    rows.map((row) => row.id),
  );
}

async function listPage(
  c: Context<DashboardEnv>,
  deps: ApiDeps,
  messages: { ok?: string; error?: string } = {},
) {
  const book = c.get('book');
  const csrf = c.get('session').csrf;
  const filter = filterOf(c);
  const pool = await deps.pool();
  const categories = await Categories.listForUser(pool, book.id);
  const wallets = await Wallets.balances(pool, book.id);
  const { rows, total } = await Ledger.list(pool, {
    ...ledgerFilter(filter, book),
    limit: PAGE_SIZE,
    offset: (filter.page - 1) * PAGE_SIZE,
  });
  const authors = await authorsIn(pool, book, rows);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const back = `/transactions${queryOf(filter, book, filter.page > 1 ? { page: String(filter.page) } : {})}`;
  const body = html`<h1>Transaksi</h1>
${alert('ok', messages.ok ?? (c.req.query('ok') === 'tambah' ? 'Transaksi tersimpan.' : undefined))}
${alert('error', messages.error)}
${filterForm(filter, categories, book)}
${canWrite(book) ? addForm(categories, wallets, csrf, localDate(nowOf(deps), book.timezone), book) : ''}
<section class="card" aria-labelledby="judul-tabel">
  <div class="actions spread">
    <h2 id="judul-tabel">${total} transaksi</h2>
    <div class="actions">
      <a class="button secondary" id="export-csv" href="/transactions/export${queryOf(filter, book)}" download>Export CSV</a>
      <a class="button secondary" href="/transactions/export${queryOf(filter, book, { delimiter: 'semicolon' })}" download>CSV (Excel Indonesia, ;)</a>
      <a class="button secondary" id="export-json" href="/transactions/export${queryOf(filter, book, { format: 'json' })}" download>JSON</a>
    </div>
  </div>
  ${
    rows.length === 0
      ? html`<p class="muted">Tidak ada transaksi yang cocok.</p>`
      : html`<div class="table-wrap"><table class="tx-table">
    <caption class="sr-only">Daftar transaksi, terbaru di atas</caption>
    <thead><tr><th scope="col">Tanggal</th><th scope="col">Keterangan</th><th scope="col">Kategori &amp; jumlah</th><th scope="col" class="num">Jumlah</th><th scope="col">Status</th><th scope="col">Aksi</th></tr></thead>
    <tbody>${rows.map((row) =>
      transactionRow(row, {
        categories,
        csrf,
        book,
        back,
        ...(authors ? { author: authors.get(row.id) ?? null } : {}),
      }),
    )}</tbody>
  </table></div>`
  }
  <nav class="pager" aria-label="Halaman">
    ${filter.page > 1 ? html`<a href="/transactions${queryOf(filter, book, { page: String(filter.page - 1) })}" rel="prev">‹ Sebelumnya</a>` : html`<span></span>`}
    <span>Halaman ${Math.min(filter.page, pages)} dari ${pages}</span>
    ${filter.page < pages ? html`<a href="/transactions${queryOf(filter, book, { page: String(filter.page + 1) })}" rel="next">Berikutnya ›</a>` : html`<span></span>`}
  </nav>
</section>`;
  const status = messages.error ? 400 : 200;
  return render(c, page(c, { title: 'Transaksi', nav: 'transactions', body }), status);
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
    bookId: number,
    id: number,
    form: Record<string, unknown>,
  ) => Promise<Ledger.Transaction | null>,
  schema: z.ZodType<{ back?: string | undefined }>,
) {
  const book = c.get('book');
  const id = IdSchema.safeParse(c.req.param('id'));
  if (!id.success) throw new DomainError('not_found', 'Transaksi tidak ditemukan.');
  const pool = await deps.pool();
  const form = await readForm(c, schema);
  const back = backTo(form.back, inBook(book, '/transactions'));
  const rowInput = async (row: Ledger.Transaction, error?: string) => {
    const authors = await authorsIn(pool, book, [row]);
    return {
      categories: await Categories.listForUser(pool, book.id),
      csrf: c.get('session').csrf,
      book,
      back,
      ...(authors ? { author: authors.get(row.id) ?? null } : {}),
      ...(error ? { error } : {}),
    };
  };
  try {
    const row = await writeInBook(deps, book, (tx) => act(tx, book.id, id.data, form));
    if (!isHtmx(c)) return c.redirect(back, 303);
    if (!row) return c.body(null, 200);
    return render(c, transactionRow(row, await rowInput(row)));
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'invalid' || !isHtmx(c)) throw error;
    const current = await Ledger.findForUser(pool, book.id, id.data);
    if (!current) throw error;
    return render(c, transactionRow(current, await rowInput(current, error.message)), 422);
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
        const book = c.get('book');
        const filter = filterOf(c);
        const pool = await deps.pool();
        // More rows than one file holds: the error page (400), as the JSON API answers.
        const rows = await exportRows(pool, ledgerFilter(filter, book));
        const authors = (await authorsIn(pool, book, rows)) ?? undefined;
        const stem = `kantong-transaksi-${localDate(nowOf(deps), book.timezone)}`;
        const headers = {
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        };
        if (filter.format === 'json')
          return c.json(exportJson(rows, { book: book.kind, ...(authors ? { authors } : {}) }), 200, {
            ...headers,
            'Content-Disposition': `attachment; filename="${stem}.json"`,
          });
        const csv = toCsv(rows, {
          timezone: book.timezone,
          delimiter: filter.delimiter === 'semicolon' ? ';' : ',',
          ...(authors ? { authors } : {}),
        });
        const name = `${stem}.csv`;
        return c.body(csv, 200, {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${name}"`,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        });
      }),
    )
    .post('/transactions/new', signedIn, async (c) => {
      const book = c.get('book');
      let form: z.infer<typeof NewFormSchema>;
      try {
        form = await readForm(c, NewFormSchema);
        const amount = amountOf(form.amount);
        const pool = await deps.pool();
        const ref = (id: number | undefined) => (id === undefined ? null : { id });
        await pool.transaction((tx) =>
          recordFromWeb(tx, {
            userId: book.id,
            authorMemberId: book.memberId,
            direction: form.direction,
            amount,
            category: form.direction === 'transfer' ? null : ref(form.category_id),
            description: form.description ?? null,
            datetime: instantOf(form.date, book.timezone, nowOf(deps), form.time),
            wallet: ref(form.wallet_id),
            ...(form.direction === 'transfer' ? { toWallet: ref(form.to_wallet_id) } : {}),
          }),
        );
      } catch (error) {
        if (error instanceof DomainError && error.code !== 'not_found')
          return listPage(c, deps, { error: error.message });
        throw error;
      }
      return c.redirect(inBook(book, '/transactions?ok=tambah'), 303);
    })
    .post('/transactions/:id/update', signedIn, (c) =>
      rowAction(
        c,
        deps,
        async (tx, bookId, id, form) => {
          const edit = form as z.infer<typeof EditFormSchema>;
          return Ledger.editForUser(tx, {
            userId: bookId,
            id,
            ...(edit.amount ? { amount: amountOf(edit.amount) } : {}),
            ...(edit.category_id ? { categoryId: edit.category_id } : {}),
          });
        },
        EditFormSchema,
      ),
    )
    .post('/transactions/:id/confirm', signedIn, (c) =>
      rowAction(c, deps, (tx, bookId, id) => Ledger.confirmForUser(tx, bookId, id), ActionFormSchema),
    )
    .post('/transactions/:id/delete', signedIn, (c) =>
      rowAction(
        c,
        deps,
        async (tx, bookId, id) => {
          await Ledger.softDeleteForUser(tx, bookId, id);
          return null;
        },
        ActionFormSchema,
      ),
    );
}
