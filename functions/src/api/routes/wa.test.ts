/**
 * SPEC.md's text test cases through `POST /wa/incoming` against a real PostgreSQL: the reply text
 * and the rows it leaves behind.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../testing.ts';

// Wednesday 25 November 2026, 10:00 in Jakarta.
const NOW = new Date('2026-11-25T03:00:00Z');
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ now: () => NOW });
});
afterAll(async () => {
  await api.db.drop();
});

const TxRow = z.object({
  direction: z.string(),
  amount: z.bigint(),
  category: z.string().nullable(),
  source: z.string(),
  status: z.string(),
  deleted: z.boolean(),
});

async function transactionsOf(phone: string) {
  return api.db.pool.any(sql.type(TxRow)`
    SELECT t.direction, t.amount, c.name AS category, t.source, t.status, t.deleted_at IS NOT NULL AS deleted
    FROM transactions t JOIN users u ON u.id = t.user_id LEFT JOIN categories c ON c.id = t.category_id
    WHERE u.phone = ${phone} ORDER BY t.id`);
}

async function savingsOf(phone: string, name: string) {
  return api.db.pool.maybeOne(sql.type(
    z.object({ target: z.bigint(), current: z.bigint(), moves: z.number() }),
  )`
    SELECT s.target_amount AS target, s.current_amount AS current,
           (SELECT count(*) FROM savings_transactions st WHERE st.savings_account_id = s.id) AS moves
    FROM savings_accounts s JOIN users u ON u.id = s.user_id WHERE u.phone = ${phone} AND s.name = ${name}`);
}

describe('SPEC.md test cases over POST /wa/incoming', () => {
  const alice = '6281200000001';

  beforeAll(async () => {
    // A first message makes the (pending) user, "ya" activates it: later replies carry neither
    // the welcome text nor the pending note.
    await api.say(alice, 'halo');
    await api.say(alice, 'ya');
  });

  it('1: "beli pulsa 50k" records a Rp50.000 Pulsa & Data expense and says so in SPEC.md words', async () => {
    const result = await api.say(alice, 'beli pulsa 50k');
    expect(result.reply).toBe(
      '✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data. Balas: ganti <kategori> kalau mau ubah.',
    );
    expect(result.intent).toBe('create_transaction');
    expect(await transactionsOf(alice)).toEqual([
      {
        direction: 'expense',
        amount: 50000n,
        category: 'Pulsa & Data',
        source: 'whatsapp',
        status: 'confirmed',
        deleted: false,
      },
    ]);
  });

  it('2: "gaji 3,5jt dari kantor" records Rp3.500.000 income in Gaji', async () => {
    const result = await api.say(alice, 'gaji 3,5jt dari kantor');
    expect(result.reply).toBe(
      '✅ Catat pemasukan Rp3.500.000 kategori Gaji. Balas: ganti <kategori> kalau mau ubah.',
    );
    expect((await transactionsOf(alice)).at(-1)).toMatchObject({
      direction: 'income',
      amount: 3500000n,
      category: 'Gaji',
    });
  });

  it('7: "buat tabungan haji 25 juta" creates a goal with a Rp25.000.000 target', async () => {
    const result = await api.say(alice, 'buat tabungan haji 25 juta');
    expect(result.intent).toBe('create_saving');
    expect(result.reply).toContain('Tabungan haji dibuat, target Rp25.000.000');
    expect(await savingsOf(alice, 'haji')).toEqual({ target: 25000000n, current: 0n, moves: 0 });
  });

  it('3: "setor laptop 500k" deposits into the laptop goal with the progress line', async () => {
    await api.say(alice, 'buat tabungan laptop 15jt');
    const result = await api.say(alice, 'setor laptop 500k');
    expect(result.intent).toBe('deposit_saving');
    expect(result.reply).toBe('✅ Setoran Rp500.000 ke tabungan laptop. Progress 500.000/15.000.000 (3%).');
    expect(await savingsOf(alice, 'laptop')).toEqual({ target: 15000000n, current: 500000n, moves: 1 });
  });

  it('8: "tarik laptop 200k" withdraws Rp200.000 from the goal', async () => {
    const result = await api.say(alice, 'tarik laptop 200k');
    expect(result.intent).toBe('withdraw_saving');
    expect(result.reply).toBe('✅ Tarik Rp200.000 dari tabungan laptop. Progress 300.000/15.000.000 (2%).');
    expect(await savingsOf(alice, 'laptop')).toEqual({ target: 15000000n, current: 300000n, moves: 2 });
  });

  it('refuses a withdrawal larger than the balance and changes nothing', async () => {
    const result = await api.say(alice, 'tarik laptop 1jt');
    expect(result.reply).toBe('Saldo tabungan laptop cuma Rp300.000, nggak cukup buat tarik Rp1.000.000.');
    expect(await savingsOf(alice, 'laptop')).toEqual({ target: 15000000n, current: 300000n, moves: 2 });
  });

  it('4: "laporan hari ini" answers with the daily report layout', async () => {
    const result = await api.say(alice, 'laporan hari ini');
    expect(result.intent).toBe('get_report');
    expect(result.reply).toBe(
      'Ringkasan 25 Nov 2026\nIncome: Rp3.500.000\nExpense: Rp50.000\nTop kategori: Pulsa & Data Rp50.000\nSaldo bulan ini: Rp3.450.000.',
    );
  });

  it('9: "pengeluaran makan bulan ini berapa" reports the Makan total of this month', async () => {
    await api.say(alice, 'makan siang 25rb');
    await api.say(alice, 'ngopi 18k');
    const result = await api.say(alice, 'pengeluaran makan bulan ini berapa');
    expect(result.intent).toBe('get_report');
    expect(result.reply).toBe('Pengeluaran Makan bulan ini: Rp43.000 (2 transaksi).');
  });

  it('10: "tadi 50k" asks for the category, records nothing, and the answer completes it', async () => {
    const before = (await transactionsOf(alice)).length;
    const question = await api.say(alice, 'tadi 50k');
    expect(question.intent).toBe('clarification');
    expect(question.reply).toBe('Ini pengeluaran kategori apa?');
    expect(await transactionsOf(alice)).toHaveLength(before);

    const answer = await api.say(alice, 'transport');
    expect(answer.reply).toBe(
      '✅ Catat pengeluaran Rp50.000 kategori Transport. Balas: ganti <kategori> kalau mau ubah.',
    );
    expect((await transactionsOf(alice)).at(-1)).toMatchObject({ amount: 50000n, category: 'Transport' });
  });

  it('11: "makasih ya" gets a friendly answer and records nothing', async () => {
    const before = await transactionsOf(alice);
    const result = await api.say(alice, 'makasih ya');
    expect(result.intent).toBe('smalltalk');
    expect(result.reply).toBe('Sama-sama! 😊 Kalau ada pemasukan atau pengeluaran, tinggal ketik aja ya.');
    expect(await transactionsOf(alice)).toEqual(before);
  });

  it('12: a new number sending "gaji 5jt" becomes a user named after its last digits and gets the welcome', async () => {
    const newcomer = '6289876547890';
    const result = await api.say(newcomer, 'gaji 5jt');
    // The one-time dashboard link is random; the rest of the reply is exact.
    const token = /\/onboarding\/([A-Za-z0-9_-]{43}) /.exec(String(result.reply))?.[1];
    expect(result.reply).toBe(
      `Halo! Aku bot keuanganmu. Contoh: 'beli kopi 20k'.\nBalas *YA* buat aktifin akun kamu. Sampai itu, transaksi kamu dicatat sebagai pending.\n\n✅ Catat pemasukan Rp5.000.000 kategori Gaji. Balas: ganti <kategori> kalau mau ubah.\nTransaksi ini masih pending sampai kamu balas *YA* buat aktifin akun.\n\nBuat password dashboard kamu di http://localhost:8000/onboarding/${token} (berlaku 24 jam, sekali pakai).`,
    );
    const userOf = () =>
      api.db.pool.one(sql.type(
        z.object({ name: z.string(), timezone: z.string(), status: z.string(), categories: z.number() }),
      )`
        SELECT name, timezone, status, (SELECT count(*) FROM categories c WHERE c.user_id = u.id) AS categories
        FROM users u WHERE phone = ${newcomer}`);
    expect(await userOf()).toEqual({
      name: 'User 7890',
      timezone: 'Asia/Jakarta',
      status: 'pending',
      categories: 17,
    });
    const income = {
      direction: 'income',
      amount: 5000000n,
      category: 'Gaji',
      source: 'whatsapp',
      deleted: false,
    };
    expect(await transactionsOf(newcomer)).toEqual([{ ...income, status: 'pending' }]);

    // Replying "ya" activates the account and confirms what was recorded meanwhile.
    const activated = await api.say(newcomer, 'ya');
    expect(activated.reply).toBe(
      '✅ Akun kamu udah aktif! 1 transaksi yang tadi pending udah dikonfirmasi. Yuk catat terus 💪',
    );
    expect((await userOf()).status).toBe('active');
    expect(await transactionsOf(newcomer)).toEqual([{ ...income, status: 'confirmed' }]);
  });
});

describe('corrections', () => {
  const bob = '6281200000002';

  it('"ganti transport" moves the last transaction to Transport', async () => {
    await api.say(bob, 'beli bensin 30rb');
    await api.say(bob, 'beli pulsa 25k');
    const result = await api.say(bob, 'ganti transport');
    expect(result.intent).toBe('edit_category');
    expect(result.reply).toBe('✅ Oke, pengeluaran Rp25.000 (beli pulsa) sekarang kategori Transport.');
    expect((await transactionsOf(bob)).map((row) => row.category)).toEqual(['Transport', 'Transport']);
  });

  it('"hapus transaksi terakhir" soft-deletes only the last one and reports leave it out', async () => {
    const result = await api.say(bob, 'hapus transaksi terakhir');
    expect(result.intent).toBe('delete_last');
    expect(result.reply).toBe('🗑️ Oke, dihapus: pengeluaran Rp25.000 (beli pulsa).');
    expect((await transactionsOf(bob)).map((row) => row.deleted)).toEqual([false, true]);
    const report = await api.say(bob, 'laporan hari ini');
    expect(report.reply).toContain('Expense: Rp30.000');
  });

  it('"set budget makan 1,5jt" sets a monthly budget and shows what is used', async () => {
    await api.say(bob, 'makan bakso 15rb');
    const result = await api.say(bob, 'set budget makan 1,5jt');
    expect(result.intent).toBe('set_budget');
    expect(result.reply).toBe('✅ Budget Makan Rp1.500.000 per bulan. Bulan ini udah kepakai Rp15.000 (1%).');
    const again = await api.say(bob, 'set budget makan 2jt');
    expect(again.reply).toContain('Budget Makan Rp2.000.000 per bulan');
    const budgets = await api.db.pool.any(sql.type(z.object({ amount: z.bigint() }))`
      SELECT b.amount FROM budgets b JOIN users u ON u.id = b.user_id WHERE u.phone = ${bob}`);
    expect(budgets).toEqual([{ amount: 2000000n }]);
  });

  it('"cek tabungan" lists goals with their progress', async () => {
    await api.say(bob, 'buat tabungan motor 20jt');
    await api.say(bob, 'setor motor 2jt');
    const result = await api.say(bob, 'cek tabungan');
    expect(result.intent).toBe('get_savings');
    expect(result.reply).toBe('💰 Tabungan kamu:\n• motor: 2.000.000/20.000.000 (10%)');
  });

  it('a deposit into a goal that does not exist explains how to make it', async () => {
    const result = await api.say(bob, 'setor rumah 500k');
    expect(result.reply).toBe('Tabungan rumah belum ada. Bikin dulu, misalnya: buat tabungan rumah 10jt');
  });
});

describe('idempotency on the WhatsApp message id', () => {
  const carol = '6281200000003';

  it('the same message delivered twice gives one row and the same reply', async () => {
    const first = await api.say(carol, 'beli kopi 20k', 'WAID-ABC-1');
    const second = await api.say(carol, 'beli kopi 20k', 'WAID-ABC-1');
    // The same reply; a one-time link in it is minted afresh at each delivery (issue 14 item 2).
    const unlinked = (reply: unknown) => String(reply).replace(/\/onboarding\/[\w-]{43}/, '/onboarding/…');
    expect(unlinked(second.reply)).toBe(unlinked(first.reply));
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(await transactionsOf(carol)).toHaveLength(1);
    const logged = await api.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM wa_messages WHERE wa_from = ${carol}`);
    expect(logged).toBe(2); // one in, one out
  });

  it('a payload without message_id is recognised when it is sent again unchanged', async () => {
    const payload = { from_number: carol, message_type: 'text', text: 'parkir 5rb', timestamp: 1764039600 };
    const first = await api.post('/wa/incoming', payload);
    const second = await api.post('/wa/incoming', payload);
    expect(first.status).toBe(200);
    expect(second.body.duplicate).toBe(true);
    expect(second.body.reply).toBe(first.body.reply);
    expect(await transactionsOf(carol)).toHaveLength(2);
  });
});
