/**
 * NUL and other control characters at the HTTP boundary (issue 14 item 3): JSON bodies, forms,
 * query strings and path parameters are read clean by every route, so a NUL byte never reaches
 * PostgreSQL (which cannot store one) and never turns into a 500.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { browser, signedInBrowser } from '../dashboard/testing.ts';
import { createTestApi, type TestApi } from './testing.ts';

let api: TestApi;

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.db.drop();
});

describe('control characters in requests', () => {
  it('records a WhatsApp text with a NUL byte from POST /wa/incoming, without it', async () => {
    const result = await api.post('/wa/incoming', {
      from_number: '6281300000301',
      message_type: 'text',
      text: 'beli a\u0000b\u0007 5k',
      media_url: null,
      timestamp: Math.floor(Date.now() / 1000),
      message_id: 'clean-1',
    });
    expect(result.status).toBe(200);
    expect(String(result.body.reply)).toContain('Rp5.000');
    const stored = await api.db.pool.oneFirst(sql.type(z.object({ wa_body: z.string() }))`
      SELECT wa_body FROM wa_messages WHERE wa_message_id = 'clean-1'`);
    expect(stored).toBe('beli ab 5k');
  });

  it('answers the login form and a link path holding a NUL without a 500', async () => {
    const client = browser(api);
    await client.get('/login');
    const login = await client.post('/login', {
      _csrf: client.csrf,
      identifier: '62813\u00000000302',
      password: 'rahasia\u0000-123',
    });
    expect(login.status).toBeLessThan(500);
    const link = await client.get(`/onboarding/${'a'.repeat(20)}%00${'b'.repeat(22)}`);
    expect(link.status).toBeLessThan(500);
    const report = await api.get('/reports/monthly?phone=62813%000000302&month=2026-11');
    expect(report.status).toBeLessThan(500);
  });

  it('keeps the dashboard’s forms and filters working with control characters typed in', async () => {
    const client = await signedInBrowser(api, '6281300000303');
    const search = await client.get('/transactions?q=kopi%00susu');
    expect(search.status).toBe(200);
    const added = await client.post('/transactions/new', {
      _csrf: client.csrf,
      direction: 'expense',
      amount: '12.000',
      description: 'kopi\u0000susu\u001b[31m\tpagi',
      date: '2026-11-20',
    });
    expect(added.status).toBe(303);
    const description = await api.db.pool.oneFirst(sql.type(z.object({ description: z.string() }))`
      SELECT description FROM transactions WHERE amount = 12000`);
    expect(description).toBe('kopisusu[31m\tpagi');
  });
});
