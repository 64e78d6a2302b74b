/**
 * `/wallets` ("Dompet & Utang"): the balance of every wallet (Tunai, banks, e-wallets) and, per
 * person, what the user owes and is owed — borrowed or lent in total, paid back, still
 * outstanding. Both are computed from the open book's ledger rows only (shared/src/wallets
 * and shared/src/debts), never stored, so the page cannot disagree with the chat's "cek saldo" /
 * "cek hutang".
 */
import * as Debts from '@kantong/shared/debts';
import { formatRupiah } from '@kantong/shared/money';
import * as Wallets from '@kantong/shared/wallets';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ApiDeps } from '../api/deps.ts';
import { type DashboardEnv, requireUser } from './session.ts';
import { type Html, money, page, render } from './views.ts';

export const WALLET_KIND_LABEL = {
  cash: 'Tunai',
  bank: 'Bank',
  ewallet: 'E-wallet',
  other: 'Lainnya',
} as const;

function walletTable(wallets: readonly Wallets.WalletBalance[]): Html {
  const total = wallets.reduce((sum, wallet) => sum + wallet.balance, 0n);
  return html`<div class="table-wrap"><table id="tabel-dompet">
  <caption class="sr-only">Saldo per dompet</caption>
  <thead><tr><th scope="col">Dompet</th><th scope="col">Jenis</th><th scope="col" class="num">Saldo</th></tr></thead>
  <tbody>${wallets.map(
    (wallet) =>
      html`<tr><td>${wallet.name}</td><td class="muted">${WALLET_KIND_LABEL[wallet.kind]}</td><td class="num">${money(wallet.balance, wallet.balance < 0n ? 'expense' : undefined)}</td></tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row" colspan="2">Total</th><td class="num" id="total-dompet"><strong>${formatRupiah(total)}</strong></td></tr></tfoot>
</table></div>`;
}

/** What is still owed comes first after the name: on a phone the table scrolls sideways and the rest may be off screen. */
function debtTable(id: string, caption: string, rows: readonly Debts.DebtBalance[], paidLabel: string): Html {
  const outstanding = rows.reduce((sum, row) => sum + row.outstanding, 0n);
  return html`<div class="table-wrap"><table id="${id}">
  <caption class="sr-only">${caption}</caption>
  <thead><tr><th scope="col">Nama</th><th scope="col" class="num">Sisa</th><th scope="col" class="num">Total</th><th scope="col" class="num">${paidLabel}</th></tr></thead>
  <tbody>${rows.map(
    (row) =>
      html`<tr><td>${Debts.displayName(row.counterparty)}${row.outstanding === 0n ? html` <span class="badge">Lunas</span>` : ''}</td><td class="num"><strong>${formatRupiah(row.outstanding)}</strong></td><td class="num">${formatRupiah(row.total)}</td><td class="num">${formatRupiah(row.paid)}</td></tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row">Sisa semuanya</th><td class="num"><strong>${formatRupiah(outstanding)}</strong></td><td colspan="2"></td></tr></tfoot>
</table></div>`;
}

export function walletsPage(
  wallets: readonly Wallets.WalletBalance[],
  debts: readonly Debts.DebtBalance[],
): Html {
  const owed = debts.filter((row) => row.kind === 'debt');
  const lent = debts.filter((row) => row.kind === 'receivable');
  return html`<h1>Dompet &amp; Utang</h1>
<section class="card" aria-labelledby="judul-dompet">
  <h2 id="judul-dompet">Saldo dompet</h2>
  ${walletTable(wallets)}
  <p class="muted">Dompet baru muncul saat disebut di chat, contoh: <strong>top up gopay 100rb dari bca</strong>. Samakan saldo: <strong>saldo bca sekarang 2,5jt</strong>.</p>
</section>
<div class="grid two">
  <section class="card" aria-labelledby="judul-utang">
    <h2 id="judul-utang">Utang kamu</h2>
    ${
      owed.length === 0
        ? html`<p class="muted">Belum ada utang. Catat lewat WhatsApp, contoh: <strong>hutang ke budi 100rb</strong>.</p>`
        : debtTable('tabel-utang', 'Utang kamu per orang', owed, 'Dibayar')
    }
  </section>
  <section class="card" aria-labelledby="judul-piutang">
    <h2 id="judul-piutang">Piutang (orang ngutang ke kamu)</h2>
    ${
      lent.length === 0
        ? html`<p class="muted">Belum ada piutang. Catat lewat WhatsApp, contoh: <strong>minjemin andi 50rb</strong>.</p>`
        : debtTable('tabel-piutang', 'Piutang per orang', lent, 'Sudah kembali')
    }
  </section>
</div>`;
}

export function walletPageRoutes(deps: ApiDeps) {
  return new Hono<DashboardEnv>().get('/wallets', requireUser(deps), async (c) => {
    const book = c.get('book');
    const pool = await deps.pool();
    const [wallets, debts] = await Promise.all([
      Wallets.balances(pool, book.id),
      Debts.balances(pool, book.id),
    ]);
    return render(
      c,
      page(c, {
        title: 'Dompet & Utang',
        nav: 'wallets',
        body: walletsPage(wallets, debts),
      }),
    );
  });
}
