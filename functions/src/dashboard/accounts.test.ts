/**
 * Issue 14 item 10: new passwords are checked against common and guessable ones with a rule the
 * form states, and the onboarding form does not tell whether an email belongs to another account.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../api/testing.ts';
import { browser, linkToken } from './testing.ts';

let api: TestApi;

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.db.drop();
});

/** Opens the bot's link for `phone` and posts the password form once. */
async function onboard(phone: string, form: { password: string; email?: string }) {
  const token = linkToken((await api.say(phone, 'link dashboard')).reply);
  const client = browser(api);
  const page = await client.get(`/onboarding/${token}`);
  const reply = await client.post(`/onboarding/${token}`, {
    _csrf: client.csrf,
    password: form.password,
    confirmation: form.password,
    ...(form.email ? { email: form.email } : {}),
  });
  return { page, reply, client };
}

const emailOf = (phone: string) =>
  api.db.pool.oneFirst(sql.type(z.object({ email: z.string().nullable() }))`
    SELECT email FROM users WHERE phone = ${phone}`);

describe('password rule', () => {
  it('states the rule on the form and refuses common or guessable passwords in Indonesian', async () => {
    for (const weak of ['12345678', 'password', 'qwertyuiop', 'aaaaaaaa']) {
      const { page, reply } = await onboard('6281900000001', { password: weak });
      expect(page.text).toContain('bukan password umum');
      expect(reply.status).toBe(400);
      expect(reply.text).toContain('gampang ditebak');
    }
    for (const own of ['6281900000001', '081900000001'])
      expect((await onboard('6281900000001', { password: own })).reply.status).toBe(400);
    const { reply } = await onboard('6281900000001', { password: 'kopi-susu-2025' });
    expect(reply.status).toBe(303);
  });
});

describe('onboarding does not reveal registered emails', () => {
  it('answers an email of another account exactly like a free one, and does not attach it', async () => {
    expect(
      (await onboard('6281900000002', { password: 'kopi-susu-2025', email: 'ani@contoh.id' })).reply.status,
    ).toBe(303);
    const taken = await onboard('6281900000003', { password: 'teh-manis-2026', email: 'ANI@contoh.id' });
    const free = await onboard('6281900000004', { password: 'teh-manis-2026', email: 'budi@contoh.id' });
    expect(taken.reply.status).toBe(free.reply.status);
    expect(taken.reply.headers.get('location')).toBe(free.reply.headers.get('location'));
    expect(taken.reply.text).toBe(free.reply.text);
    expect(await emailOf('6281900000002')).toBe('ani@contoh.id');
    expect(await emailOf('6281900000003')).toBeNull();
    expect(await emailOf('6281900000004')).toBe('budi@contoh.id');
  });
});
