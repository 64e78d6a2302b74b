/**
 * End to end in a real browser: Debian's chromium driven by playwright-core against the app on
 * a real socket and a real PostgreSQL. Screenshots land in .test-artifacts/dashboard-e2e/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { sql } from '@kantong/shared/db';
import * as Debts from '@kantong/shared/debts';
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
const ARTIFACTS = join(import.meta.dirname, '../../../.test-artifacts/dashboard-e2e');
const PHONE = '6281500000001';
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
    await api.say('6281500000002', 'belanja rahasia orang lain 999rb');
    token = linkToken((await api.say(PHONE, 'link dashboard')).reply);
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
      viewport: { width: 390, height: 844 },
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
      'tanggal,arah,kategori,deskripsi,jumlah,mata_uang,sumber,status,merchant,id,dompet,ke_dompet,jenis,pihak',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2},expense,Hiburan,beli pulsa,50000,IDR,whatsapp,confirmed,,${id},Tunai,,regular,$`,
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
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('09-wallets-mobile');
  }, 30_000);

  it('ran without a script error or a CSP violation', () => {
    expect(consoleErrors).toEqual([]);
  });
});
