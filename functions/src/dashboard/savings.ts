/**
 * `/savings`: each goal with its progress bar and its deposits and withdrawals, and forms to
 * create a goal, deposit and withdraw — the same domain calls (and the same words) as the bot.
 */
import { DomainError } from '@kantong/shared/errors';
import { formatRupiah, percent } from '@kantong/shared/money';
import * as Savings from '@kantong/shared/savings';
import { formatDayId, localDateTime } from '@kantong/shared/time';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { ApiDeps } from '../api/deps.ts';
import { DOMAIN_STATUS } from '../api/http.ts';
import { canWrite, inBook, type OpenBook } from './book.ts';
import { AmountFieldSchema, amountOf, DaySchema, IdSchema, optional, readForm } from './forms.ts';
import { type DashboardEnv, pageOrApi, requireUser, writeInBook } from './session.ts';
import { alert, type Html, hiddenCsrf, page, render } from './views.ts';

type Goal = {
  account: Savings.SavingsAccount;
  history: readonly z.infer<typeof Savings.SavingsMovementSchema>[];
};

/** A goal's card; a viewer's has no deposit or withdrawal form. */
function goalCard(goal: Goal, csrf: string, book: OpenBook): Html {
  const { account } = goal;
  const timezone = book.timezone;
  const done = percent(account.current_amount, account.target_amount);
  const movementForm = (
    kind: 'deposit' | 'withdraw',
    label: string,
  ) => html`<form method="post" action="${inBook(book, `/savings/${account.id}/${kind}`)}" class="filters">
    ${hiddenCsrf(csrf)}
    <div><label for="${kind}-${account.id}">${label} (Rp)</label><input id="${kind}-${account.id}" name="amount" inputmode="numeric" required></div>
    <div><label for="${kind}-note-${account.id}">Catatan</label><input id="${kind}-note-${account.id}" name="note" maxlength="500"></div>
    <div><button type="submit"${kind === 'withdraw' ? html` class="secondary"` : ''}>${label}</button></div>
  </form>`;
  return html`<section class="card" aria-labelledby="goal-${account.id}" id="tabungan-${account.id}">
  <h2 id="goal-${account.id}">${account.name}</h2>
  <p><strong>${formatRupiah(account.current_amount)}</strong> dari ${formatRupiah(account.target_amount)} (${done}%)
  ${account.target_date ? html`<span class="muted"> · target ${formatDayId(account.target_date)}</span>` : ''}</p>
  <progress max="100" value="${Math.min(done, 100)}" aria-label="Progress tabungan ${account.name} ${done}%">${done}%</progress>
  ${canWrite(book) ? html`<div class="grid two">${movementForm('deposit', 'Setor')}${movementForm('withdraw', 'Tarik')}</div>` : ''}
  <details><summary>Riwayat (${goal.history.length})</summary>
  ${
    goal.history.length === 0
      ? html`<p class="muted">Belum ada setoran.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Waktu</th><th scope="col">Jenis</th><th scope="col">Catatan</th><th scope="col" class="num">Jumlah</th></tr></thead><tbody>
    ${goal.history.map(
      (move) => html`<tr><td>${localDateTime(move.created_at, timezone)}</td>
      <td>${move.direction === 'deposit' ? 'Setor' : 'Tarik'}</td><td>${move.note ?? '-'}</td>
      <td class="num ${move.direction === 'deposit' ? 'income' : 'expense'}">${move.direction === 'deposit' ? '+' : '−'}${formatRupiah(move.amount)}</td></tr>`,
    )}</tbody></table></div>`
  }
  </details>
</section>`;
}

async function savingsPage(
  c: Context<DashboardEnv>,
  deps: ApiDeps,
  messages: { ok?: string | undefined; error?: DomainError } = {},
) {
  const book = c.get('book');
  const csrf = c.get('session').csrf;
  const pool = await deps.pool();
  const accounts = await Savings.listForUser(pool, book.id);
  const goals: Goal[] = [];
  for (const account of accounts)
    goals.push({ account, history: await Savings.history(pool, book.id, account.id) });
  const body = html`<h1>Tabungan</h1>
${alert('ok', messages.ok ?? DONE[c.req.query('ok') as keyof typeof DONE])}
${alert('error', messages.error?.message)}
${goals.length === 0 ? html`<p class="muted">Belum ada tabungan.${canWrite(book) ? ' Bikin yang pertama di bawah ini.' : ''}</p>` : ''}
${goals.map((goal) => goalCard(goal, csrf, book))}
${canWrite(book) ? newGoalForm(csrf, book) : ''}`;
  const status = messages.error ? DOMAIN_STATUS[messages.error.code] : 200;
  return render(c, page(c, { title: 'Tabungan', nav: 'savings', body }), status);
}

function newGoalForm(csrf: string, book: OpenBook): Html {
  return html`<section class="card" aria-labelledby="judul-baru">
  <h2 id="judul-baru">Buat tabungan baru</h2>
  <form method="post" action="${inBook(book, '/savings/new')}" class="filters">
    ${hiddenCsrf(csrf)}
    <div><label for="s-name">Nama tabungan</label><input id="s-name" name="name" maxlength="100" required placeholder="laptop"></div>
    <div><label for="s-target">Target (Rp)</label><input id="s-target" name="target_amount" inputmode="numeric" required placeholder="15.000.000"></div>
    <div><label for="s-date">Target tanggal (opsional)</label><input id="s-date" type="date" name="target_date"></div>
    <div><button type="submit">Buat tabungan</button></div>
  </form>
</section>`;
}

const NewGoalSchema = z.object({
  name: z.string().trim().min(1, 'Nama tabungan wajib diisi.').max(100, 'Nama tabungan maksimal 100 huruf.'),
  target_amount: AmountFieldSchema,
  target_date: optional(DaySchema),
});
const MovementSchema = z.object({
  amount: AmountFieldSchema,
  note: optional(z.string().trim().max(500, 'Catatan maksimal 500 karakter.')),
});

/** What the page says after a form worked; fixed words, so a crafted link cannot put text on the page. */
const DONE = {
  baru: 'Tabungan baru tersimpan.',
  setor: 'Setoran tersimpan.',
  tarik: 'Penarikan tersimpan.',
} as const;

/** Runs a form action; a refusal the person can fix (bad amount, too little balance) re-renders the page with it. */
async function formAction(c: Context<DashboardEnv>, deps: ApiDeps, act: () => Promise<keyof typeof DONE>) {
  try {
    const done = await act();
    return c.redirect(inBook(c.get('book'), `/savings?ok=${done}`), 303);
  } catch (error) {
    if (error instanceof DomainError && error.code !== 'not_found') return savingsPage(c, deps, { error });
    throw error;
  }
}

export function savingsPageRoutes(deps: ApiDeps) {
  const signedIn = requireUser(deps);
  const move = (kind: 'deposit' | 'withdraw') => async (c: Context<DashboardEnv>) => {
    const book = c.get('book');
    const id = IdSchema.safeParse(c.req.param('id'));
    const pool = await deps.pool();
    const account = id.success ? await Savings.findForUser(pool, book.id, id.data) : null;
    if (!account) throw new DomainError('not_found', 'Tabungan tidak ditemukan.');
    return formAction(c, deps, async () => {
      const form = await readForm(c, MovementSchema);
      const movement = {
        userId: book.id,
        name: account.name,
        amount: amountOf(form.amount),
        source: 'web' as const,
        note: form.note ?? null,
      };
      // In a household the movement names who made it (savings_transactions.author_member_id).
      await writeInBook(deps, book, (tx) =>
        kind === 'deposit' ? Savings.deposit(tx, movement) : Savings.withdraw(tx, movement),
      );
      return kind === 'deposit' ? 'setor' : 'tarik';
    });
  };
  return new Hono<DashboardEnv>()
    .get(
      '/savings',
      pageOrApi(deps, (c) => savingsPage(c, deps)),
    )
    .post('/savings/new', signedIn, (c) =>
      formAction(c, deps, async () => {
        const form = await readForm(c, NewGoalSchema);
        await writeInBook(deps, c.get('book'), (tx) =>
          Savings.create(tx, {
            userId: c.get('book').id,
            name: form.name,
            targetAmount: amountOf(form.target_amount),
            targetDate: form.target_date ?? null,
          }),
        );
        return 'baru';
      }),
    )
    .post('/savings/:id/deposit', signedIn, move('deposit'))
    .post('/savings/:id/withdraw', signedIn, move('withdraw'));
}
