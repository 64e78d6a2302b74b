import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../api/testing.ts';
import { type Browser, browser, linkToken, signedInBrowser } from './testing.ts';

let clock = new Date('2026-11-25T03:00:00Z');
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ now: () => clock });
});
afterAll(async () => {
  await api.db.drop();
});

/** Posts the login form the way the page does. */
const logIn = (client: Browser, identifier: string, password: string) =>
  client.post('/login', { _csrf: client.csrf, identifier, password });

const advance = (minutes: number) => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};

describe('one-time links from the bot', () => {
  it('the exact commands "dashboard", "link dashboard", "password" and "lupa password" reply with a fresh link and record nothing', async () => {
    await api.say('6281300000001', 'halo');
    for (const command of ['dashboard', 'Link Dashboard', 'password', 'lupa password']) {
      const result = await api.say('6281300000001', command);
      const token = linkToken(result.reply);
      expect(result.reply).toBe(
        `Buat password dashboard kamu di http://localhost:8000/onboarding/${token} (berlaku 24 jam, sekali pakai).`,
      );
      expect(result.intent).toBe('dashboard_link');
    }
    const count = await api.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = '6281300000001'`);
    expect(count).toBe(0);
  });

  it('stores only the SHA-256 of a token, and a newer link retires the older one', async () => {
    const first = linkToken((await api.say('6281300000002', 'dashboard')).reply);
    const second = linkToken((await api.say('6281300000002', 'dashboard')).reply);
    const stored = await api.db.pool.anyFirst(sql.type(z.object({ token_hash: z.string() }))`
      SELECT token_hash FROM dashboard_tokens`);
    expect(stored.join()).not.toContain(first);
    expect(stored.join()).not.toContain(second);
    const client = browser(api);
    expect((await client.get(`/onboarding/${first}`)).status).toBe(410);
    expect((await client.get(`/onboarding/${second}`)).status).toBe(200);
  });

  it('sets the password once: the link signs the person in and then no longer works', async () => {
    const token = linkToken((await api.say('6281300000003', 'dashboard')).reply);
    const client = browser(api);
    const page = await client.get(`/onboarding/${token}`);
    expect(page.text).toContain('Buat password dashboard');
    const done = await client.post(`/onboarding/${token}`, {
      _csrf: client.csrf,
      password: 'rahasia-123',
      confirmation: 'rahasia-123',
      email: 'Budi@Contoh.id',
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/dashboard?selamat=1');
    expect(done.headers.getSetCookie().join()).toMatch(/kantong_session=.+HttpOnly.*SameSite=Lax/);
    expect((await client.get('/dashboard')).status).toBe(200);

    const reuse = await browser(api).get(`/onboarding/${token}`);
    expect(reuse.status).toBe(410);
    const other = browser(api);
    await other.get('/login');
    const again = await other.post(`/onboarding/${token}`, {
      _csrf: other.csrf,
      password: 'lain-lain-123',
      confirmation: 'lain-lain-123',
    });
    expect(again.status).toBe(410);
    const hash = await api.db.pool.oneFirst(sql.type(z.object({ password_hash: z.string() }))`
      SELECT password_hash FROM users WHERE phone = '6281300000003'`);
    expect(hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses an expired link after 24 hours', async () => {
    const token = linkToken((await api.say('6281300000004', 'dashboard')).reply);
    advance(24 * 60 + 1);
    expect((await browser(api).get(`/onboarding/${token}`)).status).toBe(410);
  });

  it('keeps the link usable when the password is too short or the confirmation differs', async () => {
    const token = linkToken((await api.say('6281300000005', 'dashboard')).reply);
    const client = browser(api);
    await client.get(`/onboarding/${token}`);
    const short = await client.post(`/onboarding/${token}`, {
      _csrf: client.csrf,
      password: 'pendek',
      confirmation: 'pendek',
    });
    expect(short.status).toBe(400);
    expect(short.text).toContain('Password minimal 8 karakter');
    const differ = await client.post(`/onboarding/${token}`, {
      _csrf: client.csrf,
      password: 'rahasia-123',
      confirmation: 'rahasia-124',
    });
    expect(differ.status).toBe(400);
    expect((await client.get(`/onboarding/${token}`)).status).toBe(200);
  });

  it('refuses an onboarding post without the form cookie, with a wrong token, or from another origin, and the link survives', async () => {
    const token = linkToken((await api.say('6281300000006', 'dashboard')).reply);
    const form = { password: 'rahasia-123', confirmation: 'rahasia-123' };
    const noCookie = browser(api);
    expect((await noCookie.post(`/onboarding/${token}`, { ...form, _csrf: 'x'.repeat(43) })).status).toBe(
      403,
    );
    const client = browser(api);
    await client.get(`/onboarding/${token}`);
    expect((await client.post(`/onboarding/${token}`, { ...form, _csrf: 'y'.repeat(43) })).status).toBe(403);
    const crossSite = await client.post(
      `/onboarding/${token}`,
      { ...form, _csrf: client.csrf },
      { Origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect((await client.get(`/onboarding/${token}`)).status).toBe(200);
  });

  it('a new number gets the welcome with a working link', async () => {
    const result = await api.say('6281300000007', 'beli kopi 20k');
    expect(String(result.reply)).toMatch(/^Halo! Aku bot keuanganmu\./);
    const token = linkToken(result.reply);
    expect((await browser(api).get(`/onboarding/${token}`)).status).toBe(200);
  });
});

describe('login, logout and lockout', () => {
  beforeAll(async () => {
    await signedInBrowser(api, '6281300000010', 'rahasia-123');
  });

  it('logs in with the phone in local form and with the email set at onboarding', async () => {
    const byPhone = browser(api);
    await byPhone.get('/login');
    const ok = await logIn(byPhone, '0813 0000 0010', 'rahasia-123');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/dashboard');
    expect((await byPhone.get('/dashboard')).status).toBe(200);

    const byEmail = browser(api);
    await byEmail.get('/login');
    const viaEmail = await logIn(byEmail, 'budi@contoh.id', 'rahasia-123');
    expect(viaEmail.status).toBe(303);
  });

  it('refuses a wrong password, an unknown number, and a login without the CSRF cookie', async () => {
    const client = browser(api);
    await client.get('/login');
    const wrong = await logIn(client, '6281300000010', 'salah-salah');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Nomor/email atau password salah.');
    const unknown = await logIn(client, '6289999999999', 'rahasia-123');
    expect(unknown.status).toBe(401);
    const noCsrf = await browser(api).post('/login', {
      identifier: '6281300000010',
      password: 'rahasia-123',
    });
    expect(noCsrf.status).toBe(403);
  });

  it('locks an account for 15 minutes after 5 failures, even for the right password, then lets it in', async () => {
    await signedInBrowser(api, '6281300000011', 'rahasia-123');
    const client = browser(api);
    await client.get('/login');
    for (let i = 0; i < 5; i += 1) {
      const failed = await logIn(client, '6281300000011', `salah-${i}`);
      expect(failed.status).toBe(401);
    }
    const locked = await logIn(client, '6281300000011', 'rahasia-123');
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit.');
    expect(locked.headers.get('retry-after')).toBe('900');
    advance(16);
    const after = await logIn(client, '6281300000011', 'rahasia-123');
    expect(after.status).toBe(303);
  });

  it('logout needs the session CSRF token and then ends the session', async () => {
    const client = await signedInBrowser(api, '6281300000012');
    expect((await client.post('/logout', {})).status).toBe(403);
    const out = await client.post('/logout', { _csrf: client.csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    const after = await client.get('/dashboard');
    expect(after.status).toBe(302);
  });

  it('a new password from "lupa password" ends the sessions that knew the old one', async () => {
    const old = await signedInBrowser(api, '6281300000013', 'rahasia-lama');
    advance(1);
    await signedInBrowser(api, '6281300000013', 'rahasia-baru');
    const page = await old.get('/dashboard');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login');
  });

  it('a tampered or forged session cookie is a signed-out visitor', async () => {
    const client = await signedInBrowser(api, '6281300000014');
    const token = client.cookies.get('kantong_session') ?? '';
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    client.cookies.set('kantong_session', `${header}.${forged}.${signature}`);
    expect((await client.get('/dashboard')).status).toBe(302);
    client.cookies.set('kantong_session', 'not-a-jwt');
    expect((await client.get('/transactions')).status).toBe(302);
  });
});
