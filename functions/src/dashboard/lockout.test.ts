/**
 * Issue 14 items 1 and 10: the login lockout holds under parallel requests and counts one
 * account once, whichever of its names was typed; logout ends the session on the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../api/testing.ts';
import { type Browser, browser, linkToken, signedInBrowser } from './testing.ts';

const clock = new Date('2026-11-25T03:00:00Z');
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ now: () => clock, maximumPoolSize: 20 });
});
afterAll(async () => {
  await api.db.drop();
});

const logIn = (client: Browser, identifier: string, password: string) =>
  client.post('/login', { _csrf: client.csrf, identifier, password });

/** `count` fresh browsers, each with its own form token, ready to post the login form. */
async function browsers(count: number): Promise<Browser[]> {
  const clients = Array.from({ length: count }, () => browser(api));
  for (const client of clients) await client.get('/login');
  return clients;
}

describe('lockout under parallel logins', () => {
  it('checks at most 5 passwords when 40 wrong logins arrive at once', async () => {
    await signedInBrowser(api, '6281700000001', 'rahasia-123');
    const clients = await browsers(40);
    const replies = await Promise.all(clients.map((client) => logIn(client, '081700000001', 'salah-salah')));
    const checked = replies.filter((reply) => reply.status === 401).length;
    const locked = replies.filter((reply) => reply.status === 429).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(checked + locked).toBe(40);
  });

  it('a right password among 60 parallel tries after the limit does not sign in', async () => {
    await signedInBrowser(api, '6281700000002', 'rahasia-123');
    const clients = await browsers(60);
    const replies = await Promise.all(
      clients.map((client, index) =>
        logIn(client, '6281700000002', index === 40 ? 'rahasia-123' : `salah-${index}`),
      ),
    );
    expect(replies.filter((reply) => reply.status === 303)).toHaveLength(0);
    expect(replies.filter((reply) => reply.status === 401).length).toBeLessThanOrEqual(5);
  });

  it('phone and email share one counter', async () => {
    const token = linkToken((await api.say('6281700000003', 'link dashboard')).reply);
    const client = browser(api);
    await client.get(`/onboarding/${token}`);
    const done = await client.post(`/onboarding/${token}`, {
      _csrf: client.csrf,
      password: 'rahasia-123',
      confirmation: 'rahasia-123',
      email: 'tiga@contoh.id',
    });
    expect(done.status).toBe(303);
    const [guesser] = await browsers(1);
    if (!guesser) throw new Error('no browser');
    for (const identifier of [
      '081700000003',
      'tiga@contoh.id',
      '+62 817-0000-0003',
      'TIGA@contoh.id',
      '6281700000003',
    ])
      expect((await logIn(guesser, identifier, 'salah-salah')).status).toBe(401);
    expect((await logIn(guesser, 'tiga@contoh.id', 'rahasia-123')).status).toBe(429);
    expect((await logIn(guesser, '081700000003', 'rahasia-123')).status).toBe(429);
  });
});

describe('logout', () => {
  it('ends the session on the server: the old cookie no longer works', async () => {
    const client = await signedInBrowser(api, '6281700000004', 'rahasia-123');
    const stolen = new Map(client.cookies);
    expect((await client.get('/dashboard')).status).toBe(200);
    expect((await client.post('/logout', { _csrf: client.csrf })).status).toBe(303);
    const replay = browser(api);
    for (const [name, value] of stolen) replay.cookies.set(name, value);
    const page = await replay.get('/dashboard');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login');
  });
});
