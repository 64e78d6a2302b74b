/**
 * Registration policies: open (pending until "ya"), allowlist and closed, and blocked users —
 * a refused number gets a polite answer and leaves nothing but the message log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resetConfig } from '../config.ts';
import { handleIncoming } from '../conversation/index.ts';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { isActivation, REFUSED } from './registration.ts';

let db: TestDatabase;
let sequence = 0;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(() => {
  delete process.env.REGISTRATION_POLICY;
  delete process.env.ALLOWED_NUMBERS;
  resetConfig();
});
afterAll(async () => {
  await db.drop();
});

function withPolicy(policy: string, allowed = '') {
  process.env.REGISTRATION_POLICY = policy;
  process.env.ALLOWED_NUMBERS = allowed;
  resetConfig();
}

async function say(from: string, text: string) {
  sequence += 1;
  return handleIncoming(
    { pool: db.pool },
    { from_number: from, message_type: 'text', text, message_id: `reg-${sequence}` },
  );
}

const stored = (phone: string) =>
  db.pool.one(sql.type(
    z.object({ users: z.number(), transactions: z.number(), logged: z.number(), unowned: z.number() }),
  )`
    SELECT (SELECT count(*) FROM users WHERE phone = ${phone}) AS users,
           (SELECT count(*) FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = ${phone}) AS transactions,
           (SELECT count(*) FROM wa_messages WHERE wa_from = ${phone}) AS logged,
           (SELECT count(*) FROM wa_messages WHERE wa_from = ${phone} AND user_id IS NULL) AS unowned`);

describe('registration policies', () => {
  it('closed: refuses a new number politely and stores only the message log', async () => {
    withPolicy('closed');
    const result = await say('6281900000001', 'gaji 5jt');
    expect(result.reply).toBe(REFUSED);
    expect(result.intent).toBe('refused');
    expect(await stored('6281900000001')).toEqual({ users: 0, transactions: 0, logged: 2, unowned: 2 });
  });

  it('allowlist: lets in listed numbers as active users and refuses the rest', async () => {
    withPolicy('allowlist', '6281900000002');
    await db.pool.query(sql.unsafe`INSERT INTO allowed_numbers (phone) VALUES ('6281900000003')`);
    const listedByEnv = await say('6281900000002', 'beli kopi 20k');
    const listedInTable = await say('6281900000003', 'beli kopi 20k');
    const stranger = await say('6281900000004', 'beli kopi 20k');
    expect(listedByEnv.reply).toContain('✅ Catat pengeluaran Rp20.000 kategori Makan');
    expect(listedByEnv.reply).not.toContain('pending');
    expect(listedInTable.intent).toBe('create_transaction');
    expect(stranger.reply).toBe(REFUSED);
    expect(await stored('6281900000004')).toEqual({ users: 0, transactions: 0, logged: 2, unowned: 2 });
    const status = await db.pool.oneFirst(sql.type(z.object({ status: z.string() }))`
      SELECT status FROM users WHERE phone = '6281900000002'`);
    expect(status).toBe('active');
  });

  it('existing users keep working when the policy closes', async () => {
    withPolicy('allowlist', '6281900000005');
    await say('6281900000005', 'halo');
    withPolicy('closed');
    expect((await say('6281900000005', 'beli kopi 20k')).intent).toBe('create_transaction');
  });

  it('a blocked user is answered politely and nothing is recorded', async () => {
    withPolicy('open');
    await say('6281900000006', 'halo');
    await db.pool.query(sql.unsafe`UPDATE users SET status = 'blocked' WHERE phone = '6281900000006'`);
    const result = await say('6281900000006', 'beli kopi 20k');
    expect(result.intent).toBe('blocked');
    expect((await stored('6281900000006')).transactions).toBe(0);
  });
});

describe('activation words', () => {
  it.each(['ya', 'Iya', 'YA!', 'ya dong', 'setuju', 'daftar'])('"%s" activates', (text) => {
    expect(isActivation(text)).toBe(true);
  });
  it.each(['ok', 'ya beli kopi 20k', 'gaji 5jt', '', 'tidak'])('"%s" does not', (text) => {
    expect(isActivation(text)).toBe(false);
  });
});
