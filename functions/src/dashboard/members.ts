/**
 * `/anggota` ("Anggota"): who belongs to the open household's books — name, the end of their
 * number, role, and whether they left the group — and, for an owner, a form per member to change
 * the role (issue 15: "owners can change roles by chat and on the dashboard"). A household always
 * keeps at least one owner still in the group: the last one cannot be demoted, so the books never
 * end up with nobody able to manage them. Personal books have no members page.
 */
import { sql } from '@kantong/shared/db';
import { DomainError } from '@kantong/shared/errors';
import * as Households from '@kantong/shared/households';
import { formatDayId, localDate } from '@kantong/shared/time';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { ApiDeps } from '../api/deps.ts';
import { DOMAIN_STATUS } from '../api/http.ts';
import { inBook, type OpenBook, ROLE_LABEL } from './book.ts';
import { IdSchema, readForm } from './forms.ts';
import { type DashboardEnv, requireUser, writeInBook } from './session.ts';
import { alert, type Html, hiddenCsrf, options, page, render } from './views.ts';

const RoleFormSchema = z.object({
  role: z.enum(Households.RoleSchema.options, {
    error: 'Pilih peran: Pemilik, Anggota atau Cuma lihat.',
  }),
});

/** The end of a member's number, enough to tell two "Budi" apart without printing the number. */
export function numberEnd(entry: Pick<Households.RosterEntry, 'phone' | 'lid'>): string {
  if (entry.phone) return `…${entry.phone.slice(-4)}`;
  if (entry.lid) return `LID …${entry.lid.slice(-4)}`;
  return '-';
}

const ROLE_OPTIONS = Object.entries(ROLE_LABEL) as [Households.Role, string][];

function roleForm(entry: Households.RosterEntry, book: OpenBook, csrf: string): Html {
  const id = `peran-${entry.id}`;
  return html`<form method="post" action="${inBook(book, `/anggota/${entry.id}/peran`)}" class="inline-role">
    ${hiddenCsrf(csrf)}
    <label for="${id}" class="sr-only">Peran ${memberName(entry)}</label>
    <select id="${id}" name="role">${options(ROLE_OPTIONS, entry.role)}</select>
    <button type="submit" class="secondary">Simpan</button>
  </form>`;
}

function memberName(entry: Households.RosterEntry): string {
  return entry.name;
}

function membersTable(
  roster: readonly Households.RosterEntry[],
  book: OpenBook,
  csrf: string,
  userId: number,
): Html {
  const owner = book.role === 'owner';
  return html`<div class="table-wrap"><table id="tabel-anggota" class="member-table">
  <caption class="sr-only">Anggota buku ${book.name}</caption>
  <thead><tr><th scope="col">Nama</th><th scope="col">Nomor</th><th scope="col">Peran</th><th scope="col">Status</th></tr></thead>
  <tbody>${roster.map(
    (entry) => html`<tr id="anggota-${entry.id}">
    <td>${memberName(entry)}${entry.user_id === userId ? html` <span class="muted">(kamu)</span>` : ''}</td>
    <td class="muted">${numberEnd(entry)}</td>
    <td>${owner && entry.left_at === null ? roleForm(entry, book, csrf) : ROLE_LABEL[entry.role]}</td>
    <td>${
      entry.left_at === null
        ? html`<span class="badge">Di grup</span>`
        : html`<span class="badge pending">Keluar ${formatDayId(localDate(entry.left_at, book.timezone))}</span>`
    }</td>
  </tr>`,
  )}</tbody>
</table></div>`;
}

const DONE = { peran: 'Peran tersimpan.' } as const;

async function membersPage(c: Context<DashboardEnv>, deps: ApiDeps, error?: DomainError) {
  const book = c.get('book');
  const csrf = c.get('session').csrf;
  if (book.kind === 'personal') {
    const body = html`<h1>Anggota</h1>
<p class="muted">Buku pribadi cuma punya kamu. Anggota ada di buku keluarga: tambahkan bot Kantong ke grup WhatsApp keluarga lalu kirim <strong>aktifkan kantong</strong> di sana.</p>`;
    return render(c, page(c, { title: 'Anggota', nav: 'members', body }));
  }
  const roster = await Households.roster(await deps.pool(), book.id);
  const body = html`<h1>Anggota ${book.name}</h1>
${alert('ok', DONE[c.req.query('ok') as keyof typeof DONE])}
${alert('error', error?.message)}
<section class="card" aria-labelledby="judul-anggota">
  <h2 id="judul-anggota">${roster.filter((entry) => entry.left_at === null).length} orang di grup</h2>
  ${membersTable(roster, book, csrf, c.get('user').id)}
  <p class="muted">${
    book.role === 'owner'
      ? 'Pemilik bisa ubah peran. Anggota bisa mencatat; "Cuma lihat" hanya bisa lihat laporan dan dashboard. Minimal harus ada satu pemilik.'
      : 'Cuma pemilik yang bisa ubah peran.'
  }</p>
</section>`;
  return render(
    c,
    page(c, { title: 'Anggota', nav: 'members', body }),
    error ? DOMAIN_STATUS[error.code] : 200,
  );
}

/**
 * Sets a member's role, keeping one owner in the group. Every member row of the book is locked
 * first, so two owners demoting each other at once cannot both succeed and leave none.
 */
export async function changeRole(
  tx: Parameters<typeof Households.setRole>[0],
  bookId: number,
  memberId: number,
  role: Households.Role,
): Promise<Households.Member> {
  const all = await tx.any(sql.type(Households.MemberSchema)`
    SELECT id, book_id, user_id, lid, display_name, role, left_at FROM household_members
    WHERE book_id = ${bookId} ORDER BY id FOR UPDATE`);
  const target = all.find((member) => member.id === memberId);
  if (!target) throw new DomainError('not_found', 'Anggota tidak ditemukan.');
  if (target.left_at !== null)
    throw new DomainError('invalid', 'Anggota ini sudah keluar dari grup, perannya nggak bisa diubah.');
  const otherOwners = all.filter(
    (member) => member.id !== memberId && member.role === 'owner' && member.left_at === null,
  );
  if (target.role === 'owner' && role !== 'owner' && otherOwners.length === 0)
    throw new DomainError('conflict', 'Harus ada minimal satu pemilik. Jadikan orang lain pemilik dulu ya.');
  return Households.setRole(tx, bookId, memberId, role);
}

export function memberRoutes(deps: ApiDeps) {
  const signedIn = requireUser(deps);
  return new Hono<DashboardEnv>()
    .get('/anggota', signedIn, (c) => membersPage(c, deps))
    .post('/anggota/:id/peran', signedIn, async (c) => {
      const book = c.get('book');
      if (book.kind === 'personal') throw new DomainError('not_found', 'Anggota tidak ditemukan.');
      if (book.role !== 'owner')
        return render(
          c,
          page(c, {
            title: 'Cuma pemilik',
            nav: 'members',
            body: html`<h1>Cuma pemilik</h1>${alert('error', 'Cuma pemilik buku yang bisa ubah peran anggota.')}
<p><a href="${inBook(book, '/anggota')}">Kembali ke Anggota</a></p>`,
          }),
          403,
        );
      const id = IdSchema.safeParse(c.req.param('id'));
      if (!id.success) throw new DomainError('not_found', 'Anggota tidak ditemukan.');
      try {
        const form = await readForm(c, RoleFormSchema);
        await writeInBook(deps, book, (tx) => changeRole(tx, book.id, id.data, form.role));
      } catch (error) {
        if (error instanceof DomainError && error.code !== 'not_found') return membersPage(c, deps, error);
        throw error;
      }
      return c.redirect(inBook(book, '/anggota?ok=peran'), 303);
    });
}
