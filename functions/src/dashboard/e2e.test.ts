/**
 * End to end in a real browser: Debian's chromium driven by playwright-core against the app on
 * a real socket and a real PostgreSQL, at a phone's width (412 px, as most people open it; one
 * desktop shot too). Screenshots land in os.tmpdir()/kantong-screens (printed; not committed).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { sql } from '@kantong/shared/db';
import * as Debts from '@kantong/shared/debts';
import * as Households from '@kantong/shared/households';
import * as Ledger from '@kantong/shared/ledger';
import { needsProgram } from '@kantong/shared/testing';
import * as Wallets from '@kantong/shared/wallets';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../api/testing.ts';
import { linkToken } from './testing.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = needsProgram(
  `Chromium (${CHROMIUM}) for the dashboard e2e`,
  existsSync(CHROMIUM),
  'apt-get install chromium (.ci/run installs it)',
);
const ARTIFACTS = join(tmpdir(), 'kantong-screens');
const PHONE = '6281500000001';
const PARTNER = '6281500000002';
/** A phone's CSS width (Pixel 7 / Galaxy S2x class): the width the issue measured the overflow at. */
const PHONE_VIEWPORT = { width: 412, height: 915 };
const PASSWORD = 'rahasia-e2e-123';

describe.skipIf(!hasChromium)('dashboard in a real browser', () => {
  let api: TestApi;
  let base: string;
  let close: () => Promise<void>;
  let browser: BrowserContext;
  let profile: string;
  let page: Page;
  let token: string;
  const consoleErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    api = await createTestApi();
    await api.say(PHONE, 'halo');
    await api.say(PHONE, 'ya');
    await api.say(PHONE, 'beli pulsa 50k');
    await api.say(PHONE, 'makan siang 25rb');
    await api.say(PHONE, 'gaji 5jt');
    await api.say(PARTNER, 'halo');
    await api.say(PARTNER, 'ya');
    await api.say(PARTNER, 'belanja rahasia orang lain 999rb');
    token = linkToken((await api.say(PHONE, 'link dashboard')).reply);
    // A household of the two, made as the group's "aktifkan kantong" makes it; the partner books
    // one row in it (as a group message does: actAs, then the ledger).
    const idOf = (phone: string) =>
      api.db.pool.oneFirst(
        sql.type(z.object({ id: z.number() }))`SELECT id FROM users WHERE phone = ${phone}`,
      );
    const [me, partner] = [await idOf(PHONE), await idOf(PARTNER)];
    await api.db.pool.query(sql.unsafe`UPDATE users SET name = 'Sari' WHERE id = ${partner}`);
    await api.db.pool.transaction(async (tx) => {
      const { household } = await Households.activate(tx, {
        groupJid: '120363000000000042@g.us',
        name: 'Keluarga Santoso',
        owner: { id: me, timezone: 'Asia/Jakarta' },
      });
      const member = await Households.addMember(tx, {
        bookId: household.book_id,
        userId: partner,
        lid: null,
        displayName: null,
      });
      await Households.actAs(tx, member.id);
      await Ledger.record(tx, {
        userId: household.book_id,
        direction: 'expense',
        amount: 185_000n,
        categoryId: null,
        description: 'belanja bulanan keluarga di pasar induk',
        datetime: new Date(),
        source: 'whatsapp',
      });
    });
    await new Promise<void>((ready) => {
      const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        close = () => new Promise((done) => server.close(() => done()));
        ready();
      });
    });
    // A fresh profile per run: nothing cached or remembered from an earlier one.
    profile = mkdtempSync(join(tmpdir(), 'kantong-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: PHONE_VIEWPORT,
      acceptDownloads: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      // HTTP statuses are asserted where they matter (the reused link's 410); the rest are script errors and CSP violations.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    console.log(`dashboard screenshots: ${ARTIFACTS}`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await close?.();
    await api?.db.drop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('sets a password from the one-time link, lands on the dashboard and cannot use the link again', async () => {
    await page.goto(`${base}/onboarding/${token}`);
    await expect(page.getByRole('heading', { name: 'Buat password dashboard' }).isVisible()).resolves.toBe(
      true,
    );
    await page.getByLabel('Password baru').fill(PASSWORD);
    await page.getByLabel('Ulangi password').fill(PASSWORD);
    await shot('01-onboarding');
    await Promise.all([
      page.waitForURL(`${base}/dashboard?selamat=1`),
      page.getByRole('button', { name: 'Simpan password' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Password tersimpan');

    const reuse = await page.goto(`${base}/onboarding/${token}`);
    expect(reuse?.status()).toBe(410);
    expect(await page.textContent('main')).toContain('Link ini sudah dipakai atau sudah kedaluwarsa');
    await shot('02-link-reused');
  }, 30_000);

  it('logs in with phone and password and draws both charts', async () => {
    await page.goto(`${base}/dashboard`);
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.waitForURL(`${base}/login`);
    await page.getByLabel('Nomor WhatsApp atau email').fill('0815 0000 0001');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([
      page.waitForURL(`${base}/dashboard`),
      page.getByRole('button', { name: 'Masuk' }).click(),
    ]);
    await page.waitForSelector('#chart-kategori[data-rendered="true"]');
    await page.waitForSelector('#chart-cashflow[data-rendered="true"]');
    // Something was actually painted on each canvas.
    // A string, evaluated in the page: this file is typed without the DOM library.
    const painted = await page.evaluate<number[]>(`[...document.querySelectorAll('canvas')].map((canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked += 1;
      return inked;
    })`);
    expect(painted).toHaveLength(2);
    for (const pixels of painted) expect(pixels).toBeGreaterThan(500);
    expect(await page.textContent('#total-pengeluaran')).toBe('Rp75.000');
    expect(await page.textContent('main')).not.toContain('rahasia orang lain');
    await shot('03-dashboard-mobile');
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot('04-dashboard-desktop');
  }, 30_000);

  it('filters the table, edits a category inline and exports the filtered rows as CSV', async () => {
    await page.goto(`${base}/transactions`);
    await page.locator('#f-direction').selectOption('expense');
    await Promise.all([
      page.waitForURL(/direction=expense/),
      page.getByRole('button', { name: 'Terapkan' }).click(),
    ]);
    expect(await page.locator('tbody tr').count()).toBe(2);

    const pulsaRow = page.locator('tr', { hasText: 'beli pulsa' });
    const id = (await pulsaRow.getAttribute('id'))?.replace('tx-', '') ?? '';
    await page.getByLabel(`Kategori transaksi ${id}`).selectOption({ label: 'Hiburan' });
    await Promise.all([
      page.waitForResponse(
        (response) => response.url().endsWith(`/transactions/${id}/update`) && response.status() === 200,
      ),
      pulsaRow.getByRole('button', { name: 'Simpan' }).click(),
    ]);
    // The row HTMX swapped in comes from the server: its `selected` attribute names the stored category.
    await page.locator(`#cat-${id} option[selected]`, { hasText: 'Hiburan' }).waitFor({ state: 'attached' });
    const stored = await api.db.pool.oneFirst(sql.type(z.object({ name: z.string() }))`
      SELECT c.name FROM transactions t JOIN categories c ON c.id = t.category_id WHERE t.id = ${Number(id)}`);
    expect(stored).toBe('Hiburan');
    await shot('05-transactions-edited');

    await page.locator('#f-category').selectOption('Hiburan');
    await Promise.all([
      page.waitForURL(/category=Hiburan/),
      page.getByRole('button', { name: 'Terapkan' }).click(),
    ]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#export-csv').click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'tanggal,arah,kategori,deskripsi,jumlah,mata_uang,sumber,status,merchant,id,dompet,ke_dompet,jenis,pihak,penulis',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2},expense,Hiburan,beli pulsa,50000,IDR,whatsapp,confirmed,,${id},Tunai,,regular,,$`,
      ),
    );
    await shot('06-transactions-filtered');
  }, 30_000);

  it('adds a spend paid from a chosen wallet and shows wallet balances and debts per person', async () => {
    // A wallet and a loan as the chat would leave them (the parser's forms are tested on their own).
    const userId = await api.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      SELECT id FROM users WHERE phone = ${PHONE}`);
    await api.db.pool.transaction(async (tx) => {
      const bca = await Wallets.resolve(tx, userId, 'bca');
      const gopay = await Wallets.resolve(tx, userId, 'gopay');
      const at = new Date();
      await Ledger.record(tx, {
        userId,
        direction: 'transfer',
        amount: 150_000n,
        categoryId: null,
        description: 'top up gopay',
        datetime: at,
        source: 'whatsapp',
        walletId: bca.id,
        toWalletId: gopay.id,
      });
      await Debts.open(tx, {
        userId,
        kind: 'debt',
        counterparty: 'budi',
        amount: 100_000n,
        datetime: at,
        source: 'whatsapp',
      });
      await Debts.repay(tx, {
        userId,
        kind: 'debt',
        counterparty: 'budi',
        amount: 40_000n,
        datetime: at,
        source: 'whatsapp',
      });
    });

    await page.goto(`${base}/transactions`);
    await page.getByText('+ Tambah transaksi').click();
    await page.getByLabel('Jumlah (Rp)', { exact: true }).fill('20rb');
    await page.getByLabel('Deskripsi', { exact: true }).fill('kopi pake gopay');
    await page.getByLabel('Dompet', { exact: true }).selectOption({ label: 'GoPay' });
    await Promise.all([
      page.waitForURL(/ok=tambah/),
      page.getByRole('button', { name: 'Simpan transaksi' }).click(),
    ]);
    await page.locator('tr', { hasText: 'kopi pake gopay' }).getByText('GoPay', { exact: true }).waitFor();
    expect(await page.locator('tr', { hasText: 'top up gopay' }).locator('.wallet').textContent()).toBe(
      'BCA → GoPay',
    );
    await shot('07-transactions-wallets');

    await page.getByRole('link', { name: 'Dompet & Utang' }).click();
    await page.waitForURL(`${base}/wallets`);
    const balance = (name: string) =>
      page.locator('#tabel-dompet tr', { hasText: name }).locator('td.num').textContent();
    expect(await balance('GoPay')).toBe('Rp130.000');
    expect(await balance('BCA')).toBe('-Rp150.000');
    expect(
      await page.locator('#tabel-utang tr', { hasText: 'Budi' }).locator('td.num').allTextContents(),
    ).toEqual(['Rp60.000', 'Rp100.000', 'Rp40.000']);
    expect(await page.textContent('main')).not.toContain('rahasia');
    await shot('08-wallets-desktop');
    await page.setViewportSize(PHONE_VIEWPORT);
    await shot('09-wallets-mobile');
  }, 30_000);

  it('switches to the household book and shows the row another member booked, with their name', async () => {
    await page.goto(`${base}/transactions`);
    expect(await page.locator('#buku-aktif strong').textContent()).toBe('Pribadi');
    // dashboard.js opens the chosen book on change; no button press needed.
    await Promise.all([
      page.waitForURL(/buku=\d+/),
      page.getByLabel('Pilih buku').selectOption({ label: 'Keluarga Santoso (Pemilik)' }),
    ]);
    expect(new URL(page.url()).pathname).toBe('/transactions');
    expect(await page.locator('#buku-aktif strong').textContent()).toBe('Keluarga Santoso');
    const row = page.locator('tr', { hasText: 'belanja bulanan keluarga' });
    expect(await row.locator('.author').textContent()).toBe('Ditulis: Sari');
    expect(await row.locator('.tx-amount').textContent()).toBe('Rp185.000');
    const main = await page.textContent('main');
    expect(main).not.toContain('rahasia orang lain');
    expect(main).not.toContain('beli pulsa');
    // The nav stays in the household; the members page lists both.
    await page.getByRole('link', { name: 'Anggota' }).click();
    await page.waitForURL(/\/anggota\?buku=\d+/);
    expect(await page.locator('#tabel-anggota tbody tr').count()).toBe(2);
    expect(await page.locator('#tabel-anggota').textContent()).toContain('Sari');
  }, 30_000);

  it('fits a 412 px phone: no page scrolls sideways, every amount is on screen, transactions read as cards', async () => {
    await page.setViewportSize(PHONE_VIEWPORT);
    const household = new URL(page.url()).searchParams.get('buku');
    expect(household).toMatch(/^\d+$/);
    const fits = async (label: string) => {
      const width = await page.evaluate<{ scroll: number; client: number }>(
        '({ scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth })',
      );
      expect(width.scroll, label).toBeLessThanOrEqual(width.client);
      expect(width.client, label).toBe(PHONE_VIEWPORT.width);
    };
    const pages = [
      ['overview', '/dashboard'],
      ['transactions', '/transactions'],
      ['wallets', '/wallets'],
      ['savings', '/savings'],
      ['members', '/anggota'],
    ];
    for (const [book, suffix] of [
      ['pribadi', ''],
      ['keluarga', `buku=${household}`],
    ]) {
      for (const [name, path] of pages) {
        await page.goto(`${base}${path}${suffix ? `?${suffix}` : ''}`);
        await fits(`${book} ${name}`);
        await shot(`phone-${book}-${name}`);
      }
      // Every amount of every transaction inside the screen, right edge included.
      await page.goto(`${base}/transactions${suffix ? `?${suffix}` : ''}`);
      const outside = await page.evaluate<
        string[]
      >(`[...document.querySelectorAll('tbody tr')].flatMap((row) => {
        const box = row.querySelector('.tx-amount').getBoundingClientRect();
        return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth ? [] : [row.id + ' ' + box.left + '-' + box.right];
      })`);
      expect(outside, book).toEqual([]);
      expect(await page.locator('tbody tr').count(), book).toBeGreaterThan(0);
      // The report file as opened from the phone's downloads: its own page (about:blank, so the
      // file's inline style applies as it would offline, not under the dashboard's CSP).
      const report = await page.request.get(`${base}/reports/download${suffix ? `?${suffix}` : ''}`);
      expect(report.status()).toBe(200);
      const file = await browser.newPage();
      await file.setViewportSize(PHONE_VIEWPORT);
      await file.setContent(await report.text());
      const width = await file.evaluate<{ scroll: number; client: number }>(
        '({ scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth })',
      );
      expect(width.scroll, `${book} report`).toBeLessThanOrEqual(width.client);
      await file.screenshot({ path: join(ARTIFACTS, `phone-${book}-report.png`), fullPage: true });
      await file.close();
    }
  }, 60_000);

  it('ran without a script error or a CSP violation', () => {
    expect(consoleErrors).toEqual([]);
  });
});
