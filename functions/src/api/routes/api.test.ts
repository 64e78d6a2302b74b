/**
 * SPEC.md's JSON endpoints: reports, savings, transactions and the CSV export, against a real
 * PostgreSQL, with a fixed clock (Wednesday 25 November 2026, 10:00 in Jakarta).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, signFor, type TestApi } from '../testing.ts';

const NOW = new Date('2026-11-25T03:00:00Z');
const phone = '6281255550001';
const other = '6281255550002';
let api: TestApi;
let userId: number;

beforeAll(async () => {
  api = await createTestApi({ now: () => NOW });
  const first = await api.say(phone, 'gaji 3,5jt');
  userId = Number(first.user_id);
  await api.say(phone, 'makan siang 150rb');
  await api.say(phone, 'naik ojek 100rb');
  await api.say(phone, 'ya'); // activates the account: the rows above become confirmed
  await api.post('/transactions', {
    phone,
    direction: 'expense',
    amount: 40000,
    category: 'Makan',
    description: 'kopi "susu", gula aren',
    datetime: '2026-11-24T12:00:00+07:00',
  });
  await api.post('/transactions', {
    phone,
    direction: 'expense',
    amount: 70000,
    category: 'Hiburan',
    description: '=HYPERLINK("http://evil")',
    datetime: '2026-10-31T20:00:00+07:00',
  });
  await api.say(other, 'beli pulsa 99k');
});
afterAll(async () => {
  await api.db.drop();
});

describe('GET /reports/*', () => {
  it('daily: SPEC.md fields for one local day', async () => {
    const result = await api.get(`/reports/daily?user_id=${userId}&date=2026-11-25`);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      date: '2026-11-25',
      total_income: 3500000,
      total_expense: 250000,
      category_breakdown: [
        { category: 'Makan', amount: 150000 },
        { category: 'Transport', amount: 100000 },
      ],
      month_balance: 3500000 - 250000 - 40000,
    });
  });

  it('daily defaults to the user’s today', async () => {
    const result = await api.get(`/reports/daily?phone=${phone}`);
    expect(result.body.date).toBe('2026-11-25');
  });

  it('weekly: Monday to Sunday of the week holding the date', async () => {
    const result = await api.get(`/reports/weekly?user_id=${userId}&date=2026-11-25`);
    expect(result.body).toMatchObject({ from: '2026-11-23', to: '2026-11-29', total_expense: 290000 });
  });

  it('monthly: the whole calendar month', async () => {
    const october = await api.get(`/reports/monthly?user_id=${userId}&month=2026-10`);
    expect(october.body).toMatchObject({
      month: '2026-10',
      from: '2026-10-01',
      to: '2026-10-31',
      total_expense: 70000,
      total_income: 0,
    });
  });
});

describe('savings endpoints', () => {
  it('creates an account in SPEC.md shape', async () => {
    const result = await api.post('/savings/accounts', { phone, name: 'laptop', target_amount: 15000000 });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      name: 'laptop',
      target_amount: 15000000,
      current_amount: 0,
      currency: 'IDR',
    });
    expect(typeof result.body.id).toBe('number');
  });

  it('refuses a second account with the same name with 409', async () => {
    const result = await api.post('/savings/accounts', { phone, name: 'Laptop', target_amount: 1000000 });
    expect(result.status).toBe(409);
  });

  it('deposits with SPEC.md’s message', async () => {
    const result = await api.post('/savings/deposit', { phone, saving_name: 'laptop', amount: 500000 });
    expect(result.status).toBe(200);
    expect(result.body.message).toBe(
      '✅ Setoran Rp500.000 ke tabungan laptop. Progress 500.000/15.000.000 (3%).',
    );
  });

  it('refuses to overdraw with 422 and keeps the balance', async () => {
    const result = await api.post('/savings/withdraw', { phone, saving_name: 'laptop', amount: 600000 });
    expect(result.status).toBe(422);
    const list = await api.get(`/savings?phone=${phone}`);
    expect((list.body.items as { current_amount: number }[])[0]?.current_amount).toBe(500000);
  });

  it('answers 404 for a goal that does not exist', async () => {
    const result = await api.post('/savings/deposit', { phone, saving_name: 'kapal', amount: 1000 });
    expect(result.status).toBe(404);
  });
});

describe('transactions endpoints', () => {
  it('lists only the user’s own rows, filtered by category and dates', async () => {
    const result = await api.get(
      `/transactions?user_id=${userId}&category=makan&from=2026-11-01&to=2026-11-30`,
    );
    expect(result.status).toBe(200);
    expect(result.body.total).toBe(2);
    const items = result.body.items as { amount: number; category: string }[];
    expect(items.map((item) => item.amount)).toEqual([150000, 40000]);
    expect(items.every((item) => item.category === 'Makan')).toBe(true);
  });

  it('never shows another user’s transactions', async () => {
    const result = await api.get(`/transactions?user_id=${userId}&limit=500`);
    const amounts = (result.body.items as { amount: number }[]).map((item) => item.amount);
    expect(amounts).not.toContain(99000);
  });

  it('creates a web transaction with 201', async () => {
    const result = await api.post('/transactions', {
      user_id: userId,
      direction: 'income',
      amount: 250000,
      category: 'Bonus',
    });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      direction: 'income',
      amount: 250000,
      category: 'Bonus',
      source: 'web',
    });
  });

  it('refuses an income in an expense category', async () => {
    const result = await api.post('/transactions', {
      user_id: userId,
      direction: 'income',
      amount: 1000,
      category: 'Makan',
    });
    expect(result.status).toBe(400);
  });

  it('exports exactly the filtered rows as CSV that spreadsheets read safely', async () => {
    const path = `/transactions/export?user_id=${userId}&category=Makan`;
    const response = await api.app.request(path, { headers: signFor('GET', path, '', NOW) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder()
      .decode(bytes)
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'tanggal,arah,kategori,deskripsi,jumlah,mata_uang,sumber,status,merchant,id,dompet,ke_dompet,jenis,pihak,penulis',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      /^2026-11-25 10:00,expense,Makan,makan siang,150000,IDR,whatsapp,confirmed,,\d+,Tunai,,regular,,$/,
    );
    expect(lines[2]).toMatch(
      /^2026-11-24 12:00,expense,Makan,"kopi ""susu"", gula aren",40000,IDR,web,confirmed,,\d+,Tunai,,regular,,$/,
    );
  });

  it('neutralises formulas and can use semicolons for Indonesian Excel', async () => {
    const path = `/transactions/export?user_id=${userId}&category=Hiburan&delimiter=semicolon`;
    const response = await api.app.request(path, { headers: signFor('GET', path, '', NOW) });
    const text = (await response.text()).replace(/^\uFEFF/, '');
    const row = text.split('\r\n')[1] ?? '';
    expect(row).toContain(`;"'=HYPERLINK(""http://evil"")";`);
    expect(row.split(';')[4]).toBe('70000');
  });
});

describe('wallets in the JSON API (issue 12)', () => {
  const walletUser = '6281255550003';
  let walletUserId: number;

  beforeAll(async () => {
    walletUserId = Number((await api.say(walletUser, 'halo')).user_id);
  });

  it('records a spend from a named wallet and a transfer between two, by the same rules as the dashboard', async () => {
    const spent = await api.post('/transactions', {
      user_id: walletUserId,
      direction: 'expense',
      amount: 25000,
      description: 'kopi',
      wallet: 'gopay',
      datetime: '2026-11-25T08:00:00+07:00',
    });
    expect(spent.status).toBe(201);
    expect(spent.body).toMatchObject({
      wallet: 'GoPay',
      to_wallet: null,
      kind: 'regular',
      counterparty: null,
      category: 'Lainnya',
    });
    const moved = await api.post('/transactions', {
      user_id: walletUserId,
      direction: 'transfer',
      amount: 100000,
      wallet: 'BCA',
      to_wallet: 'GoPay',
    });
    expect(moved.status).toBe(201);
    expect(moved.body).toMatchObject({
      direction: 'transfer',
      wallet: 'BCA',
      to_wallet: 'GoPay',
      category: null,
    });
    const same = await api.post('/transactions', {
      user_id: walletUserId,
      direction: 'transfer',
      amount: 1000,
      wallet: 'bca',
      to_wallet: 'BCA',
    });
    expect(same.status).toBe(400);
    const categorised = await api.post('/transactions', {
      user_id: walletUserId,
      direction: 'transfer',
      amount: 1000,
      category: 'Makan',
      wallet: 'BCA',
    });
    expect(categorised.status).toBe(400);
    const destinationOnSpend = await api.post('/transactions', {
      user_id: walletUserId,
      direction: 'expense',
      amount: 1000,
      to_wallet: 'BCA',
    });
    expect(destinationOnSpend.status).toBe(400);
  });

  it('lists every row (newest first) with its wallet, destination, kind and person', async () => {
    const result = await api.get(`/transactions?user_id=${walletUserId}`);
    const items = result.body.items as Record<string, unknown>[];
    expect(
      items.map((item) => [item.direction, item.wallet, item.to_wallet, item.kind, item.counterparty]),
    ).toEqual([
      ['transfer', 'BCA', 'GoPay', 'regular', null],
      ['expense', 'GoPay', null, 'regular', null],
    ]);
  });
});

describe('GET /healthz', () => {
  it('reports the database as reachable', async () => {
    const result = await api.get('/healthz');
    expect(result).toEqual({ status: 200, body: { status: 'ok', database: 'ok' } });
  });
});

describe('a household’s books through the JSON API (issue 15)', () => {
  it('names who wrote each row, in GET /transactions and in the CSV export; personal rows have none', async () => {
    const writer = '6281255550003';
    await api.say(writer, 'halo');
    await api.say(writer, 'ya');
    const group = {
      jid: '120363555555555555@g.us',
      name: 'Keluarga API',
      sender_lid: null,
      sender_name: 'Budi',
    };
    const say = (text: string, id: string) =>
      api.post('/wa/incoming', { from_number: writer, message_type: 'text', text, group, message_id: id });
    expect((await say('aktifkan kantong', 'api-group-1')).status).toBe(200);
    const booked = await say('beli beras 65rb', 'api-group-2');
    const bookId = Number(booked.body.user_id);
    expect(bookId).not.toBe(userId);

    const list = await api.get(`/transactions?user_id=${bookId}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([expect.objectContaining({ amount: 65000, author: 'Budi' })]);
    const personal = await api.get(`/transactions?user_id=${userId}`);
    const items = personal.body.items as { author: unknown }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item.author === null)).toBe(true);

    const path = `/transactions/export?user_id=${bookId}`;
    const response = await api.app.request(path, { headers: signFor('GET', path, '', NOW) });
    const lines = (await response.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/,Budi$/);
  });
});
