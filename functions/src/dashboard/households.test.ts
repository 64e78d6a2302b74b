/**
 * Household books on the dashboard (issue 15) against a real PostgreSQL: the book switcher, a
 * member's personal books invisible to the others on every page, partial and export, outsiders
 * and members who left refused, viewers read-only, roles changed by owners only, and the author
 * of every row. Households are made through the Households module, as the group's
 * "aktifkan kantong" makes them; no WhatsApp needed.
 */
import { sql } from '@kantong/shared/db';
import * as Households from '@kantong/shared/households';
import * as Ledger from '@kantong/shared/ledger';
import * as Savings from '@kantong/shared/savings';
import * as Users from '@kantong/shared/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../api/testing.ts';
import { type Browser, signedInBrowser } from './testing.ts';

// 25 Nov 2026, 10:00 in Jakarta.
const now = new Date('2026-11-25T03:00:00Z');
const ALICE = '6281600000001'; // owner
const BOB = '6281600000002'; // member
const CAROL = '6281600000003'; // viewer
const DAVE = '6281600000004'; // not in the household
const EVE = '6281600000005'; // left the group

let api: TestApi;
const people: Record<string, Browser> = {};
let book: number;
let members: Record<string, number>;
let householdTx: number;
let householdGoal: number;
const personalTx: Record<string, number> = {};
const ids: Record<string, number> = {};

/** Words only each person's own books hold: none may show up anywhere else. */
const SECRET: Record<string, string> = {
  [ALICE]: 'rahasiaalice',
  [BOB]: 'rahasiabob',
  [CAROL]: 'rahasiacarol',
  [DAVE]: 'rahasiadave',
  [EVE]: 'rahasiaeve',
};
const HOUSEHOLD_WORD = 'sayurkeluarga';

const liveRows = (bookId: number) =>
  api.db.pool.any(sql.type(
    z.object({ id: z.number(), amount: z.bigint(), author_member_id: z.number().nullable() }),
  )`
    SELECT id, amount, author_member_id FROM transactions WHERE user_id = ${bookId} AND deleted_at IS NULL ORDER BY id`);

const inBook = (path: string, id = book) => `${path}${path.includes('?') ? '&' : '?'}buku=${id}`;

/** Every GET a signed-in person can make on the dashboard, HTML or file. */
const PAGES = [
  '/dashboard',
  '/transactions',
  '/transactions?q=a',
  '/transactions/export',
  '/transactions/export?format=json',
  '/wallets',
  '/savings',
  '/anggota',
  '/reports/download?month=2026-11',
];

beforeAll(async () => {
  api = await createTestApi({ now: () => now });
  for (const phone of [ALICE, BOB, CAROL, DAVE, EVE]) {
    await api.say(phone, 'halo');
    await api.say(phone, 'ya');
    await api.say(phone, `belanja ${SECRET[phone]} 777rb`);
    const user = await Users.findByPhone(api.db.pool, phone);
    ids[phone] = user?.id ?? 0;
    personalTx[phone] = (await liveRows(ids[phone] ?? 0))[0]?.id ?? 0;
  }
  await api.db.pool.query(sql.unsafe`UPDATE users SET name = 'Bobby' WHERE phone = ${BOB}`);
  const made = await api.db.pool.transaction(async (tx) => {
    const { household, owner } = await Households.activate(tx, {
      groupJid: '120363000000000015@g.us',
      name: 'Keluarga Cemara',
      owner: { id: ids[ALICE] ?? 0, timezone: 'Asia/Jakarta' },
      ownerName: 'Alice',
    });
    const add = (phone: string, displayName: string) =>
      Households.addMember(tx, {
        bookId: household.book_id,
        userId: ids[phone] ?? 0,
        lid: null,
        displayName,
      });
    const bob = await add(BOB, 'Bob WA');
    const carol = await add(CAROL, 'Carol');
    await Households.setRole(tx, household.book_id, carol.id, 'viewer');
    const eve = await add(EVE, 'Eve');
    await Households.markLeft(tx, household.book_id, { userIds: [ids[EVE] ?? 0], lids: [] });
    return { bookId: household.book_id, owner: owner.id, bob: bob.id, carol: carol.id, eve: eve.id };
  });
  book = made.bookId;
  members = { [ALICE]: made.owner, [BOB]: made.bob, [CAROL]: made.carol, [EVE]: made.eve };
  // Bob books in the group (as the conversation does: actAs, then the ledger).
  householdTx = await api.db.pool.transaction(async (tx) => {
    await Households.actAs(tx, made.bob);
    const row = await Ledger.record(tx, {
      userId: book,
      direction: 'expense',
      amount: 40_000n,
      categoryId: null,
      description: `${HOUSEHOLD_WORD} pasar`,
      datetime: now,
      source: 'whatsapp',
    });
    return row.id;
  });
  householdGoal = await api.db.pool.transaction(
    async (tx) => (await Savings.create(tx, { userId: book, name: 'mudik', targetAmount: 5_000_000n })).id,
  );
  for (const phone of [ALICE, BOB, CAROL, DAVE, EVE]) people[phone] = await signedInBrowser(api, phone);
}, 120_000);

afterAll(async () => {
  await api.db.drop();
});

const others = (phone: string) => Object.entries(SECRET).filter(([owner]) => owner !== phone);

describe('the book switcher', () => {
  it('offers Pribadi and the households a person is still in, and says which book is open', async () => {
    const alice = people[ALICE] as Browser;
    const personal = await alice.get('/dashboard');
    expect(personal.text).toMatch(/Buku: <strong>Pribadi<\/strong>/);
    expect(personal.text).toContain(`<option value="${book}">Keluarga Cemara (Pemilik)</option>`);
    const household = await alice.get(inBook('/transactions'));
    expect(household.status).toBe(200);
    expect(household.text).toMatch(/Buku: <strong>Keluarga Cemara<\/strong>/);
    // Every link and form of the page stays in the household.
    expect(household.text).toContain(`href="/wallets?buku=${book}"`);
    expect(household.text).toContain(`action="/transactions/new?buku=${book}"`);
    expect(household.text).toContain(`name="buku" value="${book}"`);
    expect((await (people[EVE] as Browser).get('/dashboard')).text).not.toContain('Keluarga Cemara');
    expect((await (people[DAVE] as Browser).get('/dashboard')).text).not.toContain('Keluarga Cemara');
  });
});

describe('isolation on every page, partial and export', () => {
  it.each([ALICE, BOB, CAROL])(
    "%s sees the household's rows and nobody's personal books in it",
    async (phone) => {
      const client = people[phone] as Browser;
      for (const path of PAGES) {
        const page = await client.get(inBook(path));
        expect(page.status, path).toBe(200);
        for (const [, word] of Object.entries(SECRET))
          expect(page.text, `${path} ${word}`).not.toContain(word);
        if (path.startsWith('/transactions') && !path.includes('q=a') && !path.includes('format=json'))
          expect(page.text, path).toContain(HOUSEHOLD_WORD);
      }
      // Their own personal books still show their own rows and no one else's, nor the household's.
      for (const path of PAGES) {
        const page = await client.get(path);
        expect(page.status, path).toBe(200);
        for (const [, word] of others(phone)) expect(page.text, `${path} ${word}`).not.toContain(word);
        expect(page.text, path).not.toContain(HOUSEHOLD_WORD);
      }
    },
    60_000,
  );

  it.each([DAVE, EVE])(
    '%s (outside, or left the group) gets 404 on every page of the household',
    async (phone) => {
      const client = people[phone] as Browser;
      for (const path of PAGES) {
        const page = await client.get(inBook(path));
        expect(page.status, path).toBe(404);
        expect(page.text).toContain('Buku tidak ditemukan');
        expect(page.text).not.toContain(HOUSEHOLD_WORD);
        expect(page.text).not.toContain('Keluarga Cemara');
      }
    },
  );

  it("refuses another person's personal books and made-up book parameters as not found", async () => {
    const bob = people[BOB] as Browser;
    for (const guess of [String(ids[ALICE]), String(ids[BOB]), '999999999', 'abc', '-1', `${book} `]) {
      for (const path of ['/transactions', '/transactions/export', '/transactions/export?format=json']) {
        const page = await bob.get(
          `${path}${path.includes('?') ? '&' : '?'}buku=${encodeURIComponent(guess)}`,
        );
        expect(page.status, `${path} ${guess}`).toBe(404);
        expect(page.text).not.toContain(SECRET[ALICE]);
      }
    }
  });

  it('never reaches a row of other books by guessing its id, in either direction', async () => {
    const bob = people[BOB] as Browser;
    const htmx = { 'hx-request': 'true' };
    const aliceBefore = await liveRows(ids[ALICE] ?? 0);
    const householdBefore = await liveRows(book);
    // Alice's personal row through the household.
    for (const action of ['update', 'confirm', 'delete']) {
      const reply = await bob.post(
        inBook(`/transactions/${personalTx[ALICE]}/${action}`),
        { _csrf: bob.csrf, amount: '1' },
        htmx,
      );
      expect(reply.status, action).toBe(404);
    }
    // The household's row through Bob's personal books.
    for (const action of ['update', 'delete']) {
      const reply = await bob.post(
        `/transactions/${householdTx}/${action}`,
        { _csrf: bob.csrf, amount: '1' },
        htmx,
      );
      expect(reply.status, action).toBe(404);
    }
    // The household's savings goal through personal books, and a personal path for the group's goal.
    const deposit = await bob.post(`/savings/${householdGoal}/deposit`, { _csrf: bob.csrf, amount: '1000' });
    expect(deposit.status).toBe(404);
    expect(await liveRows(ids[ALICE] ?? 0)).toEqual(aliceBefore);
    expect(await liveRows(book)).toEqual(householdBefore);
    // An outsider posting into the household gets the same 404 and changes nothing.
    const dave = people[DAVE] as Browser;
    const outsider = await dave.post(inBook('/transactions/new'), {
      _csrf: dave.csrf,
      direction: 'expense',
      amount: '5000',
      date: '2026-11-25',
    });
    expect(outsider.status).toBe(404);
    expect(await liveRows(book)).toEqual(householdBefore);
  });
});

describe('viewers', () => {
  it('see the pages without a single form to add, edit or delete', async () => {
    const carol = people[CAROL] as Browser;
    const list = await carol.get(inBook('/transactions'));
    expect(list.text).toContain(HOUSEHOLD_WORD);
    expect(list.text).toContain('Cuma lihat');
    expect(list.text).not.toContain('Tambah transaksi');
    expect(list.text).not.toContain('/transactions/new');
    expect(list.text).not.toMatch(/method="post" action="\/transactions\//);
    expect(list.text).not.toContain('Hapus');
    const savings = await carol.get(inBook('/savings'));
    expect(savings.text).toContain('mudik');
    expect(savings.text).not.toContain('/deposit');
    expect(savings.text).not.toContain('Buat tabungan baru');
    const anggota = await carol.get(inBook('/anggota'));
    expect(anggota.text).not.toContain('name="role"');
  });

  it('get 403 with a friendly word for every post, and nothing changes', async () => {
    const carol = people[CAROL] as Browser;
    const before = await liveRows(book);
    const goalBefore = await Savings.findForUser(api.db.pool, book, householdGoal);
    const posts: [string, Record<string, string>][] = [
      ['/transactions/new', { direction: 'expense', amount: '5000', date: '2026-11-25' }],
      [`/transactions/${householdTx}/update`, { amount: '1' }],
      [`/transactions/${householdTx}/confirm`, {}],
      [`/transactions/${householdTx}/delete`, {}],
      ['/savings/new', { name: 'liburan', target_amount: '1000000' }],
      [`/savings/${householdGoal}/deposit`, { amount: '1000' }],
      [`/savings/${householdGoal}/withdraw`, { amount: '1000' }],
      [`/anggota/${members[CAROL]}/peran`, { role: 'owner' }],
    ];
    for (const [path, form] of posts) {
      for (const headers of [{}, { 'hx-request': 'true' }] as Record<string, string>[]) {
        const reply = await carol.post(inBook(path), { _csrf: carol.csrf, ...form }, headers);
        expect(reply.status, path).toBe(403);
        expect(reply.text).toContain('kamu cuma bisa lihat');
      }
    }
    expect(await liveRows(book)).toEqual(before);
    expect(await Savings.findForUser(api.db.pool, book, householdGoal)).toEqual(goalBefore);
    expect(await Savings.listForUser(api.db.pool, book)).toHaveLength(1);
    expect(await Households.roleOf(api.db.pool, book, ids[CAROL] ?? 0)).toBe('viewer');
    // In her own books she writes as ever.
    const own = await carol.post('/transactions/new', {
      _csrf: carol.csrf,
      direction: 'expense',
      amount: '5000',
      date: '2026-11-25',
    });
    expect(own.status).toBe(303);
  });
});

describe('authors', () => {
  it('tag a row added on the web with the member who added it, and show it in the list, CSV and JSON', async () => {
    const bob = people[BOB] as Browser;
    const added = await bob.post(inBook('/transactions/new'), {
      _csrf: bob.csrf,
      direction: 'expense',
      amount: '12.500',
      description: 'galon air',
      date: '2026-11-25',
    });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe(`/transactions?ok=tambah&buku=${book}`);
    const alice = people[ALICE] as Browser;
    const mine = await alice.post(inBook('/transactions/new'), {
      _csrf: alice.csrf,
      direction: 'expense',
      amount: '3000',
      description: 'parkir',
      date: '2026-11-25',
    });
    expect(mine.status).toBe(303);
    const rows = await liveRows(book);
    expect(rows.map((row) => row.author_member_id)).toEqual([members[BOB], members[BOB], members[ALICE]]);

    const list = await alice.get(inBook('/transactions'));
    expect(list.text).toMatch(/galon air[\s\S]*?Ditulis: Bobby/);
    expect(list.text).toMatch(/parkir[\s\S]*?Ditulis: Alice/);
    const csv = (await alice.get(inBook('/transactions/export'))).text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(csv[0]?.split(',').at(-1)).toBe('penulis');
    expect(
      csv
        .slice(1)
        .map((line) => `${line.split(',')[3]}:${line.split(',').at(-1)}`)
        .sort(),
    ).toEqual(['galon air:Bobby', 'parkir:Alice', `${HOUSEHOLD_WORD} pasar:Bobby`]);
    const json = JSON.parse((await alice.get(inBook('/transactions/export?format=json'))).text) as {
      book: string;
      items: { description: string; author: string | null }[];
    };
    expect(json.book).toBe('household');
    expect(json.items.map((item) => `${item.description}:${item.author}`).sort()).toEqual([
      'galon air:Bobby',
      'parkir:Alice',
      `${HOUSEHOLD_WORD} pasar:Bobby`,
    ]);
    // Personal books: the column is there and empty, the field null.
    const personal = (await alice.get('/transactions/export')).text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(personal[1]?.endsWith(',')).toBe(true);
    const personalJson = JSON.parse((await alice.get('/transactions/export?format=json')).text) as {
      items: { author: string | null }[];
    };
    expect(personalJson.items.every((item) => item.author === null)).toBe(true);
  });

  it('keeps the author on the row HTMX swaps in after an edit', async () => {
    const alice = people[ALICE] as Browser;
    const reply = await alice.post(
      inBook(`/transactions/${householdTx}/update`),
      { _csrf: alice.csrf, amount: '45.000' },
      { 'hx-request': 'true' },
    );
    expect(reply.status).toBe(200);
    expect(reply.text).toContain(`id="tx-${householdTx}"`);
    expect(reply.text).toContain('Ditulis: Bobby');
    expect(reply.text).toContain(`action="/transactions/${householdTx}/update?buku=${book}"`);
    const row = (await liveRows(book)).find((entry) => entry.id === householdTx);
    expect(row).toMatchObject({ amount: 45_000n, author_member_id: members[BOB] });
  });
});

describe('members and roles', () => {
  it('lists name, number end, role and who left', async () => {
    const page = await (people[BOB] as Browser).get(inBook('/anggota'));
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Bobby <span class="muted">\(kamu\)<\/span><\/td>\s*<td class="muted">…0002/);
    expect(page.text).toContain('…0003');
    expect(page.text).toMatch(/Eve<\/td>[\s\S]*?Keluar/);
    expect(page.text).toContain('3 orang di grup');
    expect(page.text).not.toContain('name="role"');
    expect(page.text).not.toContain(BOB);
  });

  it('lets only an owner change a role, and never removes the last owner', async () => {
    const bob = people[BOB] as Browser;
    const refused = await bob.post(inBook(`/anggota/${members[CAROL]}/peran`), {
      _csrf: bob.csrf,
      role: 'owner',
    });
    expect(refused.status).toBe(403);
    expect(await Households.roleOf(api.db.pool, book, ids[CAROL] ?? 0)).toBe('viewer');

    const alice = people[ALICE] as Browser;
    const page = await alice.get(inBook('/anggota'));
    expect(page.text).toContain(`action="/anggota/${members[CAROL]}/peran?buku=${book}"`);
    const withoutCsrf = await alice.post(inBook(`/anggota/${members[CAROL]}/peran`), { role: 'member' });
    expect(withoutCsrf.status).toBe(403);
    expect(await Households.roleOf(api.db.pool, book, ids[CAROL] ?? 0)).toBe('viewer');

    const last = await alice.post(inBook(`/anggota/${members[ALICE]}/peran`), {
      _csrf: alice.csrf,
      role: 'member',
    });
    expect(last.status).toBe(409);
    expect(last.text).toContain('Harus ada minimal satu pemilik');
    expect(await Households.roleOf(api.db.pool, book, ids[ALICE] ?? 0)).toBe('owner');

    const left = await alice.post(inBook(`/anggota/${members[EVE]}/peran`), {
      _csrf: alice.csrf,
      role: 'owner',
    });
    expect(left.status).toBe(400);
    const bad = await alice.post(inBook(`/anggota/${members[CAROL]}/peran`), {
      _csrf: alice.csrf,
      role: 'raja',
    });
    expect(bad.status).toBe(400);
    const stranger = await alice.post(inBook('/anggota/999999/peran'), { _csrf: alice.csrf, role: 'member' });
    expect(stranger.status).toBe(404);

    const carolMember = await alice.post(inBook(`/anggota/${members[CAROL]}/peran`), {
      _csrf: alice.csrf,
      role: 'member',
    });
    expect(carolMember.status).toBe(303);
    expect(await Households.roleOf(api.db.pool, book, ids[CAROL] ?? 0)).toBe('member');
    const bobOwner = await alice.post(inBook(`/anggota/${members[BOB]}/peran`), {
      _csrf: alice.csrf,
      role: 'owner',
    });
    expect(bobOwner.status).toBe(303);
    const stepDown = await alice.post(inBook(`/anggota/${members[ALICE]}/peran`), {
      _csrf: alice.csrf,
      role: 'member',
    });
    expect(stepDown.status).toBe(303);
    expect(await Households.roleOf(api.db.pool, book, ids[ALICE] ?? 0)).toBe('member');
    // Carol, a member now, can book; the page reads her new role on the next request.
    const carol = people[CAROL] as Browser;
    expect((await carol.get(inBook('/transactions'))).text).toContain('Tambah transaksi');
  });
});
