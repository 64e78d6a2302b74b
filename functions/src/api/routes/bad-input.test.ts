/**
 * Bad input gets a clear error or a safe reply, and nothing partial is stored.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, signFor, type TestApi } from '../testing.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.db.drop();
});

async function counts() {
  return api.db.pool.one(sql.type(
    z.object({ users: z.number(), messages: z.number(), transactions: z.number() }),
  )`
    SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM wa_messages) AS messages,
           (SELECT count(*) FROM transactions) AS transactions`);
}

async function raw(body: string) {
  const response = await api.app.request('/wa/incoming', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...signFor('POST', '/wa/incoming', body) },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('POST /wa/incoming with bad input', () => {
  it('answers malformed JSON with 400 and stores nothing', async () => {
    const before = await counts();
    const result = await raw('{"from_number": "6281234567890", "text": ');
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ status: 'error', error: 'invalid_request' });
    expect(await counts()).toEqual(before);
  });

  it('names the missing fields in a 400 and stores nothing', async () => {
    const before = await counts();
    const result = await api.post('/wa/incoming', { text: 'beli pulsa 50k' });
    expect(result.status).toBe(400);
    const paths = (result.body.issues as { path: string }[]).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['from_number', 'message_type']));
    expect(await counts()).toEqual(before);
  });

  it('refuses an unknown message type with 400', async () => {
    const result = await api.post('/wa/incoming', {
      from_number: '6281234567890',
      message_type: 'sticker',
      text: 'x',
    });
    expect(result.status).toBe(400);
    expect(JSON.stringify(result.body.issues)).toContain('message_type');
  });

  it('refuses a phone number that is not digits', async () => {
    const result = await api.post('/wa/incoming', {
      from_number: "62812'; DROP TABLE users;--",
      message_type: 'text',
      text: 'x',
    });
    expect(result.status).toBe(400);
  });

  it('answers a 100 KB text politely without parsing it or recording money', async () => {
    const huge = `beli kopi 20k ${'a'.repeat(100 * 1024)}`;
    const result = await api.post('/wa/incoming', {
      from_number: '6281299990001',
      message_type: 'text',
      text: huge,
      message_id: 'huge-1',
    });
    expect(result.status).toBe(200);
    expect(result.body.intent).toBe('rejected_too_long');
    expect(result.body.reply).toContain('kepanjangan');
    const stored = await api.db.pool.one(sql.type(z.object({ tx: z.number(), body_length: z.number() }))`
      SELECT (SELECT count(*) FROM transactions) AS tx,
             (SELECT length(wa_body) FROM wa_messages WHERE wa_message_id = 'huge-1') AS body_length`);
    expect(stored.tx).toBe((await counts()).transactions);
    expect(stored.body_length).toBeLessThanOrEqual(4001);
  });

  it('refuses a body over 256 KB with 413 and stores nothing', async () => {
    const before = await counts();
    const result = await api.post('/wa/incoming', {
      from_number: '6281299990002',
      message_type: 'text',
      text: 'x'.repeat(300 * 1024),
    });
    expect(result.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it('stores SQL in a text as plain text and keeps every table', async () => {
    const text = "beli kopi 20k'); DROP TABLE transactions; --";
    const result = await api.post('/wa/incoming', {
      from_number: '6281299990003',
      message_type: 'text',
      text,
    });
    expect(result.status).toBe(200);
    const rows = await api.db.pool.any(sql.type(
      z.object({ raw_text: z.string().nullable(), amount: z.bigint() }),
    )`
      SELECT raw_text, amount FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = '6281299990003'`);
    expect(rows).toEqual([{ raw_text: text, amount: 20000n }]);
  });

  it('keeps HTML in a text as typed and never echoes it as markup', async () => {
    const text = '<script>alert(1)</script> beli pulsa 10k';
    const result = await api.post('/wa/incoming', {
      from_number: '6281299990004',
      message_type: 'text',
      text,
    });
    expect(result.status).toBe(200);
    expect(String(result.body.reply)).not.toContain('<script>');
    const body = await api.db.pool.oneFirst(sql.type(z.object({ wa_body: z.string() }))`
      SELECT wa_body FROM wa_messages WHERE wa_from = '6281299990004' AND direction = 'in'`);
    expect(body).toBe(text);
  });

  it('answers an empty text with a hint and records nothing', async () => {
    const result = await api.post('/wa/incoming', {
      from_number: '6281299990005',
      message_type: 'text',
      text: '   ',
    });
    expect(result.status).toBe(200);
    expect(result.body.intent).toBe('empty');
    const tx = await api.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = '6281299990005'`);
    expect(tx).toBe(0);
  });

  // Voice notes are transcribed in the queue pipeline (functions/transcribe, media.test.ts); the
  // synchronous webhook has no media access, and says so instead of pretending.
  it('answers a voice note sent to the synchronous webhook by asking for text', async () => {
    const result = await api.post('/wa/incoming', {
      from_number: '6281299990006',
      message_type: 'audio',
      media_url: 's3://wa-media/abc.ogg',
    });
    expect(result.status).toBe(200);
    expect(result.body.intent).toBe('unsupported_audio');
    expect(result.body.reply).toContain('Ketik aja ya');
  });
});

describe('other endpoints with bad input', () => {
  it('rejects a fractional, negative or huge amount on POST /transactions', async () => {
    await api.say('6281299990010', 'halo');
    for (const amount of [10.5, -5000, 0, 1e18, '50000']) {
      const result = await api.post('/transactions', {
        phone: '6281299990010',
        direction: 'expense',
        amount,
      });
      expect(result.status, `amount ${amount}`).toBe(400);
    }
  });

  it('answers an unknown user with 404', async () => {
    const result = await api.get('/reports/daily?user_id=999999');
    expect(result.status).toBe(404);
    expect(result.body.error).toBe('not_found');
  });

  it('rejects an impossible date with 400', async () => {
    const result = await api.get('/reports/daily?user_id=1&date=2026-02-30');
    expect(result.status).toBe(400);
  });

  it('answers an unknown path with a JSON 404', async () => {
    const result = await api.get('/nope');
    expect(result.status).toBe(404);
    expect(result.body.status).toBe('error');
  });
});
