/**
 * Issue 14 item 5: every amount and date path is bounded, so nothing answers 500 — sums past
 * JavaScript's safe integers, months and days outside what the database and calendar code
 * handle, and a negative amount typed on the dashboard form.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signedInBrowser } from '../dashboard/testing.ts';
import { createTestApi, type TestApi } from './testing.ts';

const clock = new Date('2026-11-25T03:00:00Z');
let api: TestApi;
const phone = '6282300000001';

beforeAll(async () => {
  api = await createTestApi({ now: () => clock });
});
afterAll(async () => {
  await api.db.drop();
});

describe('sums past Number.MAX_SAFE_INTEGER', () => {
  it('ten expenses of 10^15 show on /dashboard and /reports/monthly, the total exact as a string', async () => {
    const client = await signedInBrowser(api, phone);
    for (let index = 0; index < 10; index += 1) {
      const created = await api.post('/transactions', {
        phone,
        direction: 'expense',
        amount: 1_000_000_000_000_000,
        category: 'Makanan',
        datetime: '2026-11-20T05:00:00Z',
      });
      expect(created.status).toBe(201);
    }
    const page = await client.get('/dashboard?month=2026-11');
    expect(page.status).toBe(200);
    expect(page.text).toContain('10.000.000.000.000.000');
    const report = await api.get(`/reports/monthly?phone=${phone}&month=2026-11`);
    expect(report.status).toBe(200);
    expect(report.body.total_expense).toBe('10000000000000000');
    expect(report.body.total_income).toBe(0);
    const download = await client.get('/reports/download?month=2026-11');
    expect(download.status).toBe(200);
  });
});

describe('dates outside the supported range', () => {
  it('answers 400 with a clear message for months 0000-01 and 9999-12 and from=0000-01-01', async () => {
    await api.say(phone, 'halo');
    for (const month of ['0000-01', '9999-12']) {
      const reply = await api.get(`/reports/monthly?phone=${phone}&month=${month}`);
      expect(reply.status).toBe(400);
      expect(JSON.stringify(reply.body)).toMatch(/1900-01-01/);
    }
    for (const query of ['from=0000-01-01', 'to=9999-12-31', 'from=0001-01-01&to=0001-12-31']) {
      const reply = await api.get(`/transactions?phone=${phone}&${query}`);
      expect(reply.status).toBe(400);
      expect(JSON.stringify(reply.body)).toMatch(/1900-01-01/);
    }
    for (const datetime of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const created = await api.post('/transactions', {
        phone,
        direction: 'expense',
        amount: 5000,
        datetime,
      });
      expect(created.status).toBe(400);
    }
    const goal = await api.post('/savings/accounts', {
      phone,
      name: 'Jauh',
      target_amount: 1000,
      target_date: '0000-01-01',
    });
    expect(goal.status).toBe(400);
    expect((await api.get(`/reports/daily?phone=${phone}&date=0000-01-01`)).status).toBe(400);
    expect((await api.get(`/reports/weekly?phone=${phone}&date=9999-12-31`)).status).toBe(400);
  });

  it('a dashboard page with such a month never answers 500', async () => {
    const client = await signedInBrowser(api, '6282300000002');
    for (const month of ['0000-01', '9999-12'])
      for (const path of ['/dashboard', '/reports/download', '/transactions'])
        expect((await client.get(`${path}?month=${month}`)).status).toBeLessThan(500);
    for (const query of ['from=0000-01-01', 'to=9999-12-31', 'from=0001-01-01&to=0001-12-31'])
      for (const path of ['/transactions', '/transactions/export'])
        expect((await client.get(`${path}?${query}`)).status).toBeLessThan(500);
  });
});

describe('negative amounts on the dashboard form', () => {
  it('refuses "-50000" with a message and stores nothing', async () => {
    const owner = '6282300000003';
    const client = await signedInBrowser(api, owner);
    await client.get('/transactions');
    for (const amount of ['-50000', '-50.000', '−50rb', '- 50rb']) {
      const reply = await client.post('/transactions/new', {
        _csrf: client.csrf,
        direction: 'expense',
        amount,
        date: '2026-11-25',
      });
      expect(reply.status).toBe(400);
      expect(reply.text).toContain('minus');
    }
    const stored = await api.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = ${owner}`);
    expect(stored).toBe(0);
  });
});
