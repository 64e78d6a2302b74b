import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import * as Users from '../users/index.ts';
import * as Auth from './index.ts';

let db: TestDatabase;
let userId: number;
const t0 = new Date('2026-11-25T03:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

beforeAll(async () => {
  db = await createTestDatabase();
  userId = (
    await db.pool.transaction((tx) =>
      Users.findOrCreateByPhone(tx, '6281600000001', { timezone: 'Asia/Jakarta' }),
    )
  ).user.id;
});
afterAll(async () => {
  await db.drop();
});

describe('passwords', () => {
  it('hashes with argon2id and verifies only the same password', async () => {
    const hash = await Auth.hashPassword('rahasia-123');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await Auth.verifyPassword(hash, 'rahasia-123')).toBe(true);
    expect(await Auth.verifyPassword(hash, 'rahasia-124')).toBe(false);
    expect(await Auth.verifyPassword('not-a-hash', 'rahasia-123')).toBe(false);
  });

  it('asks for at least 8 characters and a matching confirmation', () => {
    expect(() => Auth.checkNewPassword('pendek', 'pendek')).toThrow('Password minimal 8 karakter ya.');
    expect(() => Auth.checkNewPassword('rahasia-123', 'rahasia-12')).toThrow('Konfirmasi password-nya beda.');
    expect(() => Auth.checkNewPassword('rahasia-123', 'rahasia-123')).not.toThrow();
  });
});

describe('sessions', () => {
  it('round-trips a signed session and refuses a tampered, expired or foreign one', async () => {
    const { token, session } = await Auth.signSession({ userId, sessionVersion: 123 }, t0);
    expect(await Auth.verifySession(token, at(60))).toEqual(session);
    expect(await Auth.verifySession(`${token.slice(0, -2)}xx`, at(60))).toBeNull();
    expect(await Auth.verifySession(token, at(7 * 24 * 60 + 1))).toBeNull();
    const [header] = token.split('.');
    const unsigned = `${header}.${Buffer.from(JSON.stringify({ sub: '1', csrf: 'x'.repeat(43), sv: 0 })).toString('base64url')}.`;
    expect(await Auth.verifySession(unsigned, at(1))).toBeNull();
  });

  it('compares CSRF tokens exactly and allows only listed origins', () => {
    expect(Auth.sameToken('abc', 'abc')).toBe(true);
    expect(Auth.sameToken('abc', 'abd')).toBe(false);
    expect(Auth.sameToken('abc', undefined)).toBe(false);
    expect(Auth.sameToken(undefined, undefined)).toBe(false);
    expect(Auth.originAllowed('https://kantong.example', ['https://kantong.example'])).toBe(true);
    expect(Auth.originAllowed('null', ['https://kantong.example'])).toBe(false);
    expect(Auth.originAllowed(undefined, ['https://kantong.example'])).toBe(true);
  });
});

describe('one-time links', () => {
  it('works once, until it expires, and only the newest one works', async () => {
    const first = await db.pool.transaction((tx) => Auth.issueLink(tx, userId, t0));
    expect(first.url).toBe(`http://localhost:8000/onboarding/${first.token}`);
    expect(await Auth.userOfLink(db.pool, first.token, at(1))).toBe(userId);
    const second = await db.pool.transaction((tx) => Auth.issueLink(tx, userId, at(1)));
    expect(await Auth.userOfLink(db.pool, first.token, at(2))).toBeNull();
    expect(await Auth.userOfLink(db.pool, second.token, at(24 * 60 + 2))).toBeNull();
    expect(await db.pool.transaction((tx) => Auth.consumeLink(tx, second.token, at(2)))).toBe(userId);
    expect(await db.pool.transaction((tx) => Auth.consumeLink(tx, second.token, at(3)))).toBeNull();
    expect(await Auth.userOfLink(db.pool, 'short', at(2))).toBeNull();
  });

  it('recognises exactly the link commands', () => {
    for (const text of ['dashboard', 'Link  Dashboard', 'PASSWORD', 'lupa password!'])
      expect(Auth.isLinkCommand(text)).toBe(true);
    for (const text of ['dashboard 50k', 'password wifi 20rb', 'lupa'])
      expect(Auth.isLinkCommand(text)).toBe(false);
  });
});

describe('login and lockout', () => {
  beforeAll(async () => {
    const link = await db.pool.transaction((tx) => Auth.issueLink(tx, userId, t0));
    await Auth.setPasswordWithLink(db.pool, {
      token: link.token,
      password: 'rahasia-123',
      confirmation: 'rahasia-123',
      email: 'Siti@Contoh.id',
      now: t0,
    });
  });

  it('logs in by phone in any written form or by email, any case', async () => {
    for (const identifier of ['0816 0000 0001', '+62 816-0000-0001', 'SITI@contoh.id']) {
      const result = await Auth.login(db.pool, { identifier, password: 'rahasia-123', now: at(1) });
      expect(result).toEqual({ ok: true, userId, sessionVersion: 1 });
    }
  });

  it('locks after 5 failures in 15 minutes, counting from the oldest, and a success resets the count', async () => {
    const identifier = '6281600000001';
    for (let i = 0; i < 4; i += 1) {
      expect(await Auth.login(db.pool, { identifier, password: 'salah', now: at(10 + i) })).toEqual({
        ok: false,
        reason: 'invalid',
      });
    }
    expect((await Auth.login(db.pool, { identifier, password: 'rahasia-123', now: at(14) })).ok).toBe(true);
    for (let i = 0; i < 5; i += 1)
      await Auth.login(db.pool, { identifier, password: 'salah', now: at(20 + i) });
    expect(await Auth.login(db.pool, { identifier, password: 'rahasia-123', now: at(30) })).toEqual({
      ok: false,
      reason: 'locked',
      retryAfterMs: 5 * 60_000,
    });
    expect((await Auth.login(db.pool, { identifier, password: 'rahasia-123', now: at(35) })).ok).toBe(true);
    const attempts = await db.pool.oneFirst(
      sql.unsafe`SELECT count(*) FROM login_attempts WHERE identifier = ${identifier}`,
    );
    expect(Number(attempts)).toBeGreaterThan(0);
  });

  it('a session ends when the password is set again', async () => {
    const session = { userId, sessionVersion: 1 };
    expect((await Auth.sessionUser(db.pool, session))?.id).toBe(userId);
    const link = await db.pool.transaction((tx) => Auth.issueLink(tx, userId, at(40)));
    await Auth.setPasswordWithLink(db.pool, {
      token: link.token,
      password: 'baru-lagi-123',
      confirmation: 'baru-lagi-123',
      now: at(41),
    });
    expect(await Auth.sessionUser(db.pool, session)).toBeNull();
  });
});
