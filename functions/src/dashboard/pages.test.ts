import * as Budgets from '@kantong/shared/budgets';
import * as Categories from '@kantong/shared/categories';
import { sql } from '@kantong/shared/db';
import * as Debts from '@kantong/shared/debts';
import * as Ledger from '@kantong/shared/ledger';
import * as Users from '@kantong/shared/users';
import * as Wallets from '@kantong/shared/wallets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../api/testing.ts';
import { type Browser, browser, signedInBrowser } from './testing.ts';

// 25 Nov 2026, 10:00 in Jakarta.
const now = new Date('2026-11-25T03:00:00Z');
let api: TestApi;
let alice: Browser;
let bob: Browser;
const ALICE = '6281400000001';
const BOB = '6281400000002';
let aliceId: number;
let bobId: number;
let bobTx: number;
let bobGoal: number;

const userId = async (phone: string) => (await Users.findByPhone(api.db.pool, phone))?.id ?? 0;
const liveRows = (id: number) =>
  api.db.pool.any(sql.type(
    z.object({ id: z.number(), amount: z.bigint(), category: z.string().nullable(), status: z.string() }),
  )`
    SELECT t.id, t.amount, c.name AS category, t.status FROM transactions t LEFT JOIN categories c ON c.id = t.category_id
    WHERE t.user_id = ${id} AND t.deleted_at IS NULL ORDER BY t.id`);

beforeAll(async () => {
  api = await createTestApi({ now: () => now });
  await api.say(ALICE, 'halo');
  await api.say(ALICE, 'ya');
  await api.say(BOB, 'halo');
  await api.say(BOB, 'ya');
  await api.say(ALICE, 'beli pulsa 50k');
  await api.say(ALICE, 'gaji 3,5jt dari kantor');
  await api.say(ALICE, 'makan siang 25rb');
  await api.say(ALICE, 'set budget makan 100rb');
  await api.say(BOB, 'belanja rahasiabob 777rb');
  await api.say(BOB, 'buat tabungan motorbob 20jt');
  await api.say(BOB, 'setor motorbob 1jt');
  aliceId = await userId(ALICE);
  bobId = await userId(BOB);
  bobTx = (await liveRows(bobId))[0]?.id ?? 0;
  bobGoal = await api.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    SELECT id FROM savings_accounts WHERE user_id = ${bobId}`);
  alice = await signedInBrowser(api, ALICE);
  bob = await signedInBrowser(api, BOB);
});
afterAll(async () => {
  await api.db.drop();
});

describe('signed-out visitors', () => {
  it.each([
    '/dashboard',
    '/transactions',
    '/transactions/export',
    '/wallets',
    '/savings',
    '/reports/download',
    '/anggota',
    '/',
  ])('GET %s sends a browser to the login', async (path) => {
    const page = await browser(api).get(path);
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login');
  });

  it.each([
    '/transactions/new',
    '/transactions/1/update',
    '/transactions/1/confirm',
    '/transactions/1/delete',
    '/savings/new',
    '/savings/1/deposit',
    '/savings/1/withdraw',
    '/anggota/1/peran',
    '/logout',
  ])('POST %s answers 401 and changes nothing', async (path) => {
    const before = await liveRows(bobId);
    const reply = await browser(api).post(path, { amount: '1', name: 'x', target_amount: '1000' });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('hx-redirect')).toBe('/login');
    expect(await liveRows(bobId)).toEqual(before);
  });
});

describe('/dashboard', () => {
  it("shows this month's totals, both charts, the budget and the top merchants of the session's user only", async () => {
    const page = await alice.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain('Ringkasan November 2026');
    expect(page.text).toMatch(/id="total-pemasukan"><span class="income">Rp3\.500\.000</);
    expect(page.text).toMatch(/id="total-pengeluaran"><span class="expense">Rp75\.000</);
    expect(page.text).toMatch(/id="saldo"><span class="">Rp3\.425\.000</);
    expect(page.text).toContain('id="chart-kategori"');
    expect(page.text).toContain('id="chart-cashflow"');
    expect(page.text).toContain('Rp25.000 / Rp100.000 (25%)');
    expect(page.text).toMatch(/<td>beli pulsa<\/td><td class="num">1<\/td><td class="num">Rp50\.000/);
    expect(page.text).not.toContain('rahasiabob');
    expect(page.text).not.toContain('777');
  });

  it('shows another month when asked and ignores a user_id in the query', async () => {
    const page = await alice.get(`/dashboard?month=2026-10&user_id=${bobId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Ringkasan Oktober 2026');
    expect(page.text).toMatch(/id="total-pengeluaran"><span class="expense">Rp0</);
  });
});

describe('/transactions', () => {
  it("lists only the session user's rows, whatever user_id the browser adds, and filters them", async () => {
    const page = await alice.get('/transactions');
    expect(page.status).toBe(200);
    expect(page.text).toContain('3 transaksi');
    expect(page.text).not.toContain('rahasiabob');
    const expenses = await alice.get('/transactions?direction=expense&category=Makan');
    expect(expenses.text).toContain('1 transaksi');
    expect(expenses.text).toContain('makan siang');
    const search = await alice.get(
      '/transactions?q=pulsa&from=2026-11-01&to=2026-11-30&source=whatsapp&status=confirmed',
    );
    expect(search.text).toContain('1 transaksi');
    const none = await alice.get('/transactions?from=2026-10-01&to=2026-10-31');
    expect(none.text).toContain('Tidak ada transaksi yang cocok.');
    const bobSearch = await alice.get('/transactions?q=rahasiabob');
    expect(bobSearch.text).toContain('0 transaksi');
  });

  it('pages 25 rows at a time', async () => {
    const carol = await signedInBrowser(api, '6281400000003');
    const carolId = await userId('6281400000003');
    await api.db.pool.transaction(async (tx) => {
      for (let i = 1; i <= 30; i += 1) {
        await Ledger.record(tx, {
          userId: carolId,
          direction: 'expense',
          amount: BigInt(1000 * i),
          categoryId: null,
          description: `item-${i}`,
          datetime: new Date(now.getTime() - i * 60_000),
          source: 'web',
        });
      }
    });
    const first = await carol.get('/transactions');
    expect(first.text).toContain('Halaman 1 dari 2');
    expect(first.text.match(/<tr id="tx-/g)).toHaveLength(25);
    const second = await carol.get('/transactions?page=2');
    expect(second.text.match(/<tr id="tx-/g)).toHaveLength(5);
    expect(second.text).toContain('item-30');
  });

  it('the JSON API keeps answering signed API calls on the same paths, and only those', async () => {
    const json = await api.get(`/transactions?user_id=${aliceId}`);
    expect(json.status).toBe(200);
    expect(json.body.total).toBe(3);
    // A session cookie is no key to the internal API: naming another user's id gets nothing.
    const withCookie = await alice.get(`/transactions?user_id=${bobId}`, { Accept: 'application/json' });
    expect(withCookie.status).toBe(401);
    const noUser = await api.get('/transactions');
    expect(noUser.status).toBe(400);
    const savings = await api.get(`/savings?user_id=${bobId}`);
    expect((savings.body.items as unknown[]).length).toBe(1);
  });

  it("adds a transaction from the form, in the user's own category", async () => {
    const transport = await Categories.findByName(api.db.pool, aliceId, 'Transport');
    const added = await alice.post('/transactions/new', {
      _csrf: alice.csrf,
      direction: 'expense',
      amount: '15.000',
      category_id: String(transport?.id),
      description: 'ojek ke kantor',
      date: '2026-11-20',
    });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe('/transactions?ok=tambah');
    const row = await api.db.pool.one(sql.type(
      z.object({ amount: z.bigint(), source: z.string(), day: z.string() }),
    )`
      SELECT amount, source, to_char(tx_datetime AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD HH24:MI') AS day
      FROM transactions WHERE description = 'ojek ke kantor'`);
    expect(row).toEqual({ amount: 15000n, source: 'web', day: '2026-11-20 12:00' });
  });

  it("refuses to file a new transaction under another user's category", async () => {
    const bobCategory = await Categories.findByName(api.db.pool, bobId, 'Makan');
    const before = await liveRows(aliceId);
    const refused = await alice.post('/transactions/new', {
      _csrf: alice.csrf,
      direction: 'expense',
      amount: '10000',
      category_id: String(bobCategory?.id),
      date: '2026-11-25',
    });
    expect(refused.status).toBe(404);
    expect(await liveRows(aliceId)).toEqual(before);
    const bad = await alice.post('/transactions/new', {
      _csrf: alice.csrf,
      direction: 'expense',
      amount: 'abc',
      date: '2026-11-25',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Nominalnya belum benar.');
  });

  it('edits category and amount inline over HTMX and answers with the new row', async () => {
    const pulsa = (await liveRows(aliceId)).find((row) => row.category === 'Pulsa & Data');
    const hiburan = await Categories.findByName(api.db.pool, aliceId, 'Hiburan');
    const reply = await alice.post(
      `/transactions/${pulsa?.id}/update`,
      { amount: '60rb', category_id: String(hiburan?.id) },
      { 'HX-Request': 'true', 'X-CSRF-Token': alice.csrf },
    );
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(new RegExp(`^<tr id="tx-${pulsa?.id}">`));
    expect(reply.text).toContain('Rp60.000');
    expect((await liveRows(aliceId)).find((row) => row.id === pulsa?.id)).toMatchObject({
      amount: 60000n,
      category: 'Hiburan',
    });

    const income = await Categories.findByName(api.db.pool, aliceId, 'Gaji');
    const wrongKind = await alice.post(
      `/transactions/${pulsa?.id}/update`,
      { category_id: String(income?.id) },
      { 'HX-Request': 'true', 'X-CSRF-Token': alice.csrf },
    );
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.text).toContain('Kategori Gaji bukan kategori pengeluaran.');
  });

  it("cannot edit, confirm or delete another user's transaction by id", async () => {
    const before = await liveRows(bobId);
    for (const action of ['update', 'confirm', 'delete']) {
      const reply = await alice.post(`/transactions/${bobTx}/${action}`, {
        _csrf: alice.csrf,
        amount: '1000',
      });
      expect(reply.status).toBe(404);
      expect(reply.text).not.toContain('rahasiabob');
    }
    expect(await liveRows(bobId)).toEqual(before);
  });

  it('refuses every transaction form without the session CSRF token, or from another origin', async () => {
    const own = (await liveRows(aliceId))[0]?.id;
    const before = await liveRows(aliceId);
    for (const path of [
      '/transactions/new',
      `/transactions/${own}/update`,
      `/transactions/${own}/confirm`,
      `/transactions/${own}/delete`,
    ]) {
      const form = { direction: 'expense', amount: '5000', date: '2026-11-25' };
      expect((await alice.post(path, form)).status).toBe(403);
      expect((await alice.post(path, { ...form, _csrf: bob.csrf })).status).toBe(403);
      expect(
        (await alice.post(path, { ...form, _csrf: alice.csrf }, { Origin: 'https://evil.example' })).status,
      ).toBe(403);
    }
    expect(await liveRows(aliceId)).toEqual(before);
  });

  it('confirms a pending transaction and soft-deletes one', async () => {
    const pending = await api.db.pool.transaction((tx) =>
      Ledger.record(tx, {
        userId: aliceId,
        direction: 'expense',
        amount: 132_500n,
        categoryId: null,
        description: 'struk indomaret',
        datetime: now,
        source: 'whatsapp',
        status: 'pending',
        merchant: 'Indomaret',
      }),
    );
    const listed = await alice.get('/transactions?status=pending');
    expect(listed.text).toContain('1 transaksi');
    const confirmed = await alice.post(`/transactions/${pending.id}/confirm`, {
      _csrf: alice.csrf,
      back: '/transactions?status=pending',
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('/transactions?status=pending');
    expect((await liveRows(aliceId)).find((row) => row.id === pending.id)?.status).toBe('confirmed');
    const deleted = await alice.post(
      `/transactions/${pending.id}/delete`,
      { back: 'https://evil.example' },
      {
        'HX-Request': 'true',
        'X-CSRF-Token': alice.csrf,
      },
    );
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    expect((await liveRows(aliceId)).some((row) => row.id === pending.id)).toBe(false);
    const stillThere = await api.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM transactions WHERE id = ${pending.id} AND deleted_at IS NOT NULL`);
    expect(stillThere).toBe(1);
  });
});

describe('/transactions/export', () => {
  it('returns exactly the filtered rows of the session user as CSV', async () => {
    const all = await alice.get('/transactions/export');
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(all.headers.get('content-disposition')).toBe(
      'attachment; filename="kantong-transaksi-2026-11-25.csv"',
    );
    const lines = all.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'tanggal,arah,kategori,deskripsi,jumlah,mata_uang,sumber,status,merchant,id,dompet,ke_dompet,jenis,pihak,penulis',
    );
    const live = await liveRows(aliceId);
    expect(
      lines
        .slice(1)
        .map((line) => Number(line.split(',')[9]))
        .sort(),
    ).toEqual(live.map((row) => row.id).sort());
    expect(all.text).not.toContain('rahasiabob');

    const filtered = await alice.get('/transactions/export?direction=income&delimiter=semicolon');
    const rows = filtered.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(
      /^2026-11-25 10:00;income;Gaji;gaji dari kantor;3500000;IDR;whatsapp;confirmed;;\d+;Tunai;;regular;;$/,
    );
  });

  it('without a session a browser is sent to the login, and an API call still needs user_id', async () => {
    expect((await browser(api).get('/transactions/export')).status).toBe(302);
    expect((await api.get('/transactions/export')).status).toBe(400);
  });
});

describe('/savings', () => {
  it("shows only the session user's goals with progress and history", async () => {
    const page = await bob.get('/savings');
    expect(page.status).toBe(200);
    expect(page.text).toContain('motorbob');
    expect(page.text).toContain('Rp1.000.000</strong> dari Rp20.000.000 (5%)');
    expect(page.text).toContain('<progress max="100" value="5"');
    expect(page.text).toContain('+Rp1.000.000');
    const other = await alice.get('/savings');
    expect(other.text).not.toContain('motorbob');
    expect(other.text).toContain('Belum ada tabungan.');
  });

  it('creates a goal, deposits and withdraws by form, and refuses an overdraw with 422', async () => {
    const created = await alice.post('/savings/new', {
      _csrf: alice.csrf,
      name: 'laptop',
      target_amount: '15jt',
      target_date: '2027-06-30',
    });
    expect(created.status).toBe(303);
    const goal = await api.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      SELECT id FROM savings_accounts WHERE user_id = ${aliceId} AND name = 'laptop'`);
    expect(
      (await alice.post(`/savings/${goal}/deposit`, { _csrf: alice.csrf, amount: '500.000', note: 'gajian' }))
        .status,
    ).toBe(303);
    expect(
      (await alice.post(`/savings/${goal}/withdraw`, { _csrf: alice.csrf, amount: '200000' })).status,
    ).toBe(303);
    const over = await alice.post(`/savings/${goal}/withdraw`, { _csrf: alice.csrf, amount: '1jt' });
    expect(over.status).toBe(422);
    expect(over.text).toContain('Saldo tabungan laptop cuma Rp300.000');
    const again = await alice.post('/savings/new', {
      _csrf: alice.csrf,
      name: 'Laptop',
      target_amount: '1jt',
    });
    expect(again.status).toBe(409);
    const page = await alice.get('/savings?ok=setor');
    expect(page.text).toContain('Setoran tersimpan.');
    expect(page.text).toContain('Rp300.000</strong> dari Rp15.000.000 (2%)');
  });

  it("cannot deposit to or withdraw from another user's goal by id, nor post without CSRF", async () => {
    const balance = () =>
      api.db.pool.oneFirst(sql.type(z.object({ current_amount: z.bigint() }))`
        SELECT current_amount FROM savings_accounts WHERE id = ${bobGoal}`);
    for (const kind of ['deposit', 'withdraw']) {
      expect(
        (await alice.post(`/savings/${bobGoal}/${kind}`, { _csrf: alice.csrf, amount: '1000' })).status,
      ).toBe(404);
      expect((await bob.post(`/savings/${bobGoal}/${kind}`, { amount: '1000' })).status).toBe(403);
    }
    expect((await bob.post('/savings/new', { name: 'x', target_amount: '1000' })).status).toBe(403);
    expect(await balance()).toBe(1_000_000n);
  });
});

describe('/reports/download', () => {
  it("downloads the month's report of the session user as a self-contained HTML file", async () => {
    await api.db.pool.transaction(async (tx) => {
      const makan = await Categories.findByName(tx, aliceId, 'Makan');
      if (makan) await Budgets.set(tx, { userId: aliceId, categoryId: makan.id, amount: 100_000n });
    });
    const report = await alice.get(`/reports/download?month=2026-11&user_id=${bobId}`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-disposition')).toBe(
      'attachment; filename="kantong-laporan-2026-11.html"',
    );
    expect(report.text).toContain('Laporan keuangan November 2026');
    expect(report.text).toContain('gaji dari kantor');
    expect(report.text).not.toContain('rahasiabob');
    expect(report.text).not.toContain('<script');
  });
});

describe('assets', () => {
  it('serves Chart.js, htmx and the stylesheet from this server, and nothing else', async () => {
    const page = await alice.get('/dashboard');
    for (const src of page.text.match(/\/assets\/[a-z.]+\?v=[0-9a-f]{12}/g) ?? []) {
      const asset = await api.app.request(src);
      expect(asset.status).toBe(200);
    }
    expect(page.text).toMatch(/\/assets\/chart\.js\?v=/);
    expect(page.text).not.toMatch(/https?:\/\/(?!localhost)[^"]*\.(js|css)/);
    const chart = await api.app.request('/assets/chart.js');
    expect(await chart.text()).toContain('Chart.js v4.6.1');
    expect((await api.app.request('/assets/..%2Fpackage.json')).status).toBe(404);
  });
});

describe('wallets and debts (issue 12)', () => {
  const DINA = '6281400000004';
  const EKO = '6281400000005';
  let dina: Browser;
  let eko: Browser;
  let dinaId: number;
  let ekoId: number;
  let bca: Wallets.Wallet;
  let gopay: Wallets.Wallet;
  let ekoWallet: Wallets.Wallet;
  const at = new Date('2026-11-24T03:00:00Z');

  beforeAll(async () => {
    dina = await signedInBrowser(api, DINA);
    eko = await signedInBrowser(api, EKO);
    dinaId = await userId(DINA);
    ekoId = await userId(EKO);
    await api.db.pool.transaction(async (tx) => {
      bca = await Wallets.resolve(tx, dinaId, 'bca');
      gopay = await Wallets.resolve(tx, dinaId, 'gopay');
      const base = { userId: dinaId, categoryId: null, datetime: at, source: 'whatsapp' as const };
      await Ledger.record(tx, {
        ...base,
        direction: 'income',
        amount: 1_000_000n,
        description: 'gaji',
        walletId: bca.id,
      });
      await Ledger.record(tx, {
        ...base,
        direction: 'transfer',
        amount: 100_000n,
        description: 'top up gopay',
        walletId: bca.id,
        toWalletId: gopay.id,
      });
      const loan = { userId: dinaId, datetime: at, source: 'whatsapp' as const };
      await Debts.open(tx, { ...loan, kind: 'debt', counterparty: 'budi', amount: 100_000n });
      await Debts.repay(tx, { ...loan, kind: 'debt', counterparty: 'budi', amount: 40_000n });
      await Debts.open(tx, { ...loan, kind: 'receivable', counterparty: 'andi', amount: 50_000n });
      ekoWallet = await Wallets.resolve(tx, ekoId, 'jenius');
      await Ledger.record(tx, {
        userId: ekoId,
        categoryId: null,
        datetime: at,
        source: 'whatsapp',
        direction: 'income',
        amount: 777_000n,
        description: 'rahasiaeko',
        walletId: ekoWallet.id,
      });
      await Debts.open(tx, {
        userId: ekoId,
        datetime: at,
        source: 'whatsapp',
        kind: 'receivable',
        counterparty: 'rahasiateman',
        amount: 333_000n,
      });
    });
  });

  const walletRows = (id: number) =>
    api.db.pool.any(sql.type(
      z.object({
        amount: z.bigint(),
        direction: z.string(),
        wallet_id: z.number().nullable(),
        to_wallet_id: z.number().nullable(),
        local: z.string(),
      }),
    )`
      SELECT amount, direction, wallet_id, to_wallet_id,
             to_char(tx_datetime AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD HH24:MI') AS local
      FROM transactions WHERE user_id = ${id} AND deleted_at IS NULL AND source = 'web' ORDER BY id`);

  it("shows each wallet's balance and each person's debt to their owner only, linked from the menu", async () => {
    const page = await dina.get('/wallets');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<a href="/wallets" aria-current="page">Dompet &amp; Utang</a>');
    const cells = (name: string) =>
      new RegExp(
        `<tr><td>${name}</td><td class="muted">[^<]+</td><td class="num"><span class="[a-z]*">([^<]+)</span>`,
      ).exec(page.text)?.[1];
    expect(cells('BCA')).toBe('Rp900.000');
    expect(cells('GoPay')).toBe('Rp100.000');
    // Tunai: +100.000 borrowed from Budi, −40.000 paid back, −50.000 lent to Andi.
    expect(cells('Tunai')).toBe('Rp10.000');
    expect(page.text).toMatch(/id="total-dompet"><strong>Rp1\.010\.000</);
    expect(page.text).toMatch(
      /<td>Budi<\/td><td class="num"><strong>Rp60\.000<\/strong><\/td><td class="num">Rp100\.000<\/td><td class="num">Rp40\.000</,
    );
    expect(page.text).toMatch(
      /<td>Andi<\/td><td class="num"><strong>Rp50\.000<\/strong><\/td><td class="num">Rp50\.000<\/td><td class="num">Rp0</,
    );
    for (const secret of ['Jenius', 'Rahasiateman', 'rahasiateman', '777', '333'])
      expect(page.text).not.toContain(secret);

    const other = await eko.get(`/wallets?user_id=${dinaId}`);
    expect(other.status).toBe(200);
    expect(other.text).toContain('Jenius');
    expect(other.text).toContain('Rahasiateman');
    for (const secret of ['BCA', 'GoPay', 'Budi', 'Andi', '1.010.000'])
      expect(other.text).not.toContain(secret);
  });

  it('lists the wallet of each row, a transfer as "BCA → GoPay" and a loan with its person', async () => {
    const page = await dina.get('/transactions');
    expect(page.text).toContain('<span class="muted wallet">BCA → GoPay</span>');
    expect(page.text).toContain('<span class="muted wallet">BCA</span>');
    expect(page.text).toContain('<span class="muted wallet">Pinjam dari Budi · Tunai</span>');
    expect(page.text).toContain('<span class="muted wallet">Bayar utang ke Budi · Tunai</span>');
    expect(page.text).toContain('<span class="muted wallet">Minjemin Andi · Tunai</span>');
    // The form offers the user's own wallets only.
    expect(page.text).toContain(`<option value="${gopay.id}">GoPay</option>`);
    expect(page.text).not.toContain('Jenius');
  });

  it('records a spend from a chosen wallet at a chosen time, and a transfer between two', async () => {
    const spent = await dina.post('/transactions/new', {
      _csrf: dina.csrf,
      direction: 'expense',
      amount: '25rb',
      description: 'kopi pake gopay',
      date: '2026-11-23',
      time: '08:30',
      wallet_id: String(gopay.id),
      to_wallet_id: String(bca.id), // ignored: not a transfer
    });
    expect(spent.status).toBe(303);
    const moved = await dina.post('/transactions/new', {
      _csrf: dina.csrf,
      direction: 'transfer',
      amount: '200.000',
      date: '2026-11-25',
      wallet_id: String(bca.id),
      to_wallet_id: '',
    });
    expect(moved.status).toBe(303);
    expect(await walletRows(dinaId)).toEqual([
      {
        amount: 25_000n,
        direction: 'expense',
        wallet_id: gopay.id,
        to_wallet_id: null,
        local: '2026-11-23 08:30',
      },
      {
        amount: 200_000n,
        direction: 'transfer',
        wallet_id: bca.id,
        to_wallet_id: null,
        local: '2026-11-25 10:00',
      },
    ]);
    const page = await dina.get('/wallets');
    expect(page.text).toMatch(
      /<tr><td>GoPay<\/td><td class="muted">E-wallet<\/td><td class="num"><span class="">Rp75\.000</,
    );
    expect(page.text).toMatch(
      /<tr><td>Tunai<\/td><td class="muted">Tunai<\/td><td class="num"><span class="">Rp210\.000</,
    );
  });

  it("refuses another user's wallet id as not found, and a transfer to the same wallet", async () => {
    const before = await walletRows(dinaId);
    const foreign = await dina.post('/transactions/new', {
      _csrf: dina.csrf,
      direction: 'expense',
      amount: '10000',
      date: '2026-11-25',
      wallet_id: String(ekoWallet.id),
    });
    expect(foreign.status).toBe(404);
    expect(foreign.text).toContain('Dompet tidak ditemukan.');
    expect(foreign.text).not.toContain('Jenius');
    const foreignTarget = await dina.post('/transactions/new', {
      _csrf: dina.csrf,
      direction: 'transfer',
      amount: '10000',
      date: '2026-11-25',
      to_wallet_id: String(ekoWallet.id),
    });
    expect(foreignTarget.status).toBe(404);
    const same = await dina.post('/transactions/new', {
      _csrf: dina.csrf,
      direction: 'transfer',
      amount: '10000',
      date: '2026-11-25',
      wallet_id: String(bca.id),
      to_wallet_id: String(bca.id),
    });
    expect(same.status).toBe(400);
    expect(same.text).toContain('Dompet asal dan tujuannya sama (BCA)');
    expect(await walletRows(dinaId)).toEqual(before);
  });

  it('does not edit a loan inline: its amount is part of what a person owes', async () => {
    const loanId = await api.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      SELECT id FROM transactions WHERE user_id = ${dinaId} AND kind = 'debt' ORDER BY id LIMIT 1`);
    const page = await dina.get('/transactions');
    expect(page.text).not.toContain(`id="amt-${loanId}"`);
    const refused = await dina.post(`/transactions/${loanId}/update`, { _csrf: dina.csrf, amount: '1jt' });
    expect(refused.status).toBe(400);
    expect(await Debts.outstanding(api.db.pool, dinaId, 'debt', 'budi')).toBe(60_000n);
  });

  it('exports the wallet, the destination, the kind and the person of every row', async () => {
    const csv = await dina.get('/transactions/export?delimiter=semicolon');
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    const header = (lines[0] ?? '').split(';');
    const records = lines.slice(1).map((line) => {
      const cells = line.split(';');
      return Object.fromEntries(header.map((name, i) => [name, cells[i]]));
    });
    const pick = (r: Record<string, string | undefined>) => [
      r.arah,
      r.jenis,
      r.dompet,
      r.ke_dompet,
      r.pihak,
      r.jumlah,
    ];
    expect(records.map(pick)).toEqual(
      expect.arrayContaining([
        ['income', 'regular', 'BCA', '', '', '1000000'],
        ['transfer', 'regular', 'BCA', 'GoPay', '', '100000'],
        ['income', 'debt', 'Tunai', '', 'budi', '100000'],
        ['expense', 'debt', 'Tunai', '', 'budi', '40000'],
        ['expense', 'receivable', 'Tunai', '', 'andi', '50000'],
        ['expense', 'regular', 'GoPay', '', '', '25000'],
      ]),
    );
    expect(csv.text).not.toContain('rahasia');
  });

  it('refuses an export of more rows than one file holds, as the JSON API does', async () => {
    await api.db.pool.query(sql.unsafe`
      INSERT INTO transactions (user_id, direction, amount, description, tx_datetime, source)
      SELECT ${ekoId}, 'expense', 1000, 'bulk', now() - make_interval(mins => g), 'import'
      FROM generate_series(1, 10000) AS g`);
    const page = await eko.get('/transactions/export');
    expect(page.status).toBe(400);
    expect(page.text).toContain('Ada 10002 transaksi, lebih dari 10000 baris per file.');
    const api400 = await api.get(`/transactions/export?user_id=${ekoId}`);
    expect(api400.status).toBe(400);
    const narrowed = await eko.get('/transactions/export?q=rahasiaeko');
    expect(narrowed.status).toBe(200);
  });
});
