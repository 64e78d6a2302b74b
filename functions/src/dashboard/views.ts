/**
 * The dashboard's HTML, written with hono/html tagged templates: every interpolated value is
 * escaped unless it is itself a template, so user text (descriptions, merchant names) can never
 * become markup. Pages are server-rendered; HTMX swaps single table rows.
 */
import type * as Households from '@kantong/shared/households';
import { formatRupiah } from '@kantong/shared/money';
import type * as Users from '@kantong/shared/users';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { assetUrl } from './assets.ts';
import { BOOK_PARAM, inBook, type OpenBook, ROLE_LABEL } from './book.ts';
import type { DashboardEnv } from './session.ts';

export type Html = ReturnType<typeof html>;

/** Only this origin's scripts and styles; no inline script, no framing, no referrer to other sites (links carry tokens). */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Headers every dashboard HTML answer carries. */
export function pageHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Security-Policy': CSP,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on form posts.
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
    ...extra,
  };
}

type Status = 200 | 400 | 401 | 403 | 404 | 409 | 410 | 422 | 429 | 500;

export async function render(
  c: Context,
  body: Html,
  status: Status = 200,
  extra: Record<string, string> = {},
) {
  return c.html(await body, status, pageHeaders(extra));
}

export type NavKey = 'dashboard' | 'transactions' | 'wallets' | 'savings' | 'members';

const NAV: { key: NavKey; href: string; label: string; household?: true }[] = [
  { key: 'dashboard', href: '/dashboard', label: 'Ringkasan' },
  { key: 'transactions', href: '/transactions', label: 'Transaksi' },
  { key: 'wallets', href: '/wallets', label: 'Dompet & Utang' },
  { key: 'savings', href: '/savings', label: 'Tabungan' },
  { key: 'members', href: '/anggota', label: 'Anggota', household: true },
];

/**
 * The book switcher and which book is open, on every page of a signed-in person. A plain GET
 * form (works without script; dashboard.js submits it on change) to the same page in the chosen
 * book; a household's page of a person who left answers 404 on the next request anyway. A
 * household switched off with "matikan kantong" still opens (its data stays; only the group is
 * ignored), marked "nonaktif".
 */
function bookBar(book: OpenBook, books: readonly Households.Book[], nav: NavKey | undefined): Html {
  const target = NAV.find((item) => item.key === nav && !item.household)?.href ?? '/dashboard';
  return html`<div class="book-bar" id="buku-aktif">
  <p>Buku: <strong>${book.kind === 'personal' ? 'Pribadi' : book.name}</strong>${
    book.kind === 'household' ? html` <span class="badge">${ROLE_LABEL[book.role]}</span>` : ''
  }</p>
  ${
    books.length === 0
      ? ''
      : html`<form method="get" action="${target}" class="book-switch">
    <label for="pilih-buku" class="sr-only">Pilih buku</label>
    <select id="pilih-buku" name="${BOOK_PARAM}" data-autosubmit>
      <option value="pribadi"${book.kind === 'personal' ? html` selected` : ''}>Pribadi</option>
      ${books.map(
        (entry) =>
          html`<option value="${entry.book_id}"${entry.book_id === book.id && book.kind === 'household' ? html` selected` : ''}>${entry.name} (${ROLE_LABEL[entry.role]}${entry.active ? '' : ', nonaktif'})</option>`,
      )}
    </select>
    <button type="submit" class="secondary">Buka</button>
  </form>`
  }
</div>`;
}

// htmx: no eval, no injected <style> (the CSP forbids both); 422 answers (a refused edit) are swapped in.
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  includeIndicatorStyles: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '422', swap: true },
    { code: '[45]..', swap: false, error: true },
  ],
});

export function layout(input: {
  title: string;
  body: Html;
  user?: Users.User;
  csrf?: string;
  nav?: NavKey;
  charts?: boolean;
  book?: OpenBook;
  books?: readonly Households.Book[];
}): Html {
  const { user, csrf, book } = input;
  const href = (path: string) => (book ? inBook(book, path) : path);
  return html`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${input.title} · Kantong</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
<script src="${assetUrl('htmx.js')}" defer></script>
${input.charts ? html`<script src="${assetUrl('chart.js')}" defer></script>` : ''}
<script src="${assetUrl('dashboard.js')}" defer></script>
</head>
<body${csrf ? html` hx-headers="${JSON.stringify({ 'x-csrf-token': csrf })}"` : ''}>
<a class="skip" href="#isi">Langsung ke isi</a>
<header class="top">
  <a class="brand" href="${user ? href('/dashboard') : '/login'}">Kantong</a>
  ${
    user
      ? html`<nav aria-label="Menu utama">
    ${NAV.filter((item) => !item.household || book?.kind === 'household').map(
      (item) =>
        html`<a href="${href(item.href)}"${item.key === input.nav ? html` aria-current="page"` : ''}>${item.label}</a>`,
    )}
  </nav>
  <form method="post" action="/logout">
    <input type="hidden" name="_csrf" value="${csrf ?? ''}">
    <button type="submit">Keluar</button>
  </form>`
      : ''
  }
</header>
<main id="isi">
${user && book ? bookBar(book, input.books ?? [], input.nav) : ''}
${input.body}
</main>
</body>
</html>`;
}

export function alert(kind: 'error' | 'ok', message: string | undefined): Html | '' {
  if (!message) return '';
  return html`<div class="alert ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</div>`;
}

export function money(amount: bigint, direction?: string): Html {
  const tone = direction === 'income' ? 'income' : direction === 'expense' ? 'expense' : '';
  return html`<span class="${tone}">${formatRupiah(amount)}</span>`;
}

export function hiddenCsrf(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export const DIRECTION_LABEL = { income: 'Pemasukan', expense: 'Pengeluaran', transfer: 'Transfer' } as const;
export const SOURCE_LABEL = { whatsapp: 'WhatsApp', web: 'Web', import: 'Impor' } as const;
export const STATUS_LABEL = { confirmed: 'Terkonfirmasi', pending: 'Menunggu konfirmasi' } as const;

export function options<T extends string>(
  entries: readonly (readonly [T, string])[],
  selected: string | undefined,
): Html[] {
  return entries.map(
    ([value, label]) =>
      html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`,
  );
}

/** A signed-in page in the open book: its nav, book switcher and CSRF token come from the request. */
export function page(
  c: Context<DashboardEnv>,
  input: { title: string; body: Html; nav?: NavKey; charts?: boolean },
): Html {
  return layout({
    ...input,
    user: c.get('user'),
    csrf: c.get('session').csrf,
    book: c.get('book'),
    books: c.get('books'),
  });
}

/** A page that says what went wrong, for errors outside a form. */
export function errorPage(
  title: string,
  message: string,
  user?: Users.User,
  csrf?: string,
  book?: OpenBook,
  books?: readonly Households.Book[],
): Html {
  return layout({
    title,
    ...(user ? { user } : {}),
    ...(csrf ? { csrf } : {}),
    ...(book ? { book } : {}),
    ...(books ? { books } : {}),
    body: html`<h1>${title}</h1>${alert('error', message)}<p><a href="${user ? (book ? inBook(book, '/dashboard') : '/dashboard') : '/login'}">Kembali</a></p>`,
  });
}
