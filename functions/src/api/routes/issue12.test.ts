/**
 * Issue 12 end to end through `POST /wa/incoming` against a real PostgreSQL, messages as people
 * type them (the real reader, no readings made up): several items in one message, a loan lent and
 * paid back, a top-up between two wallets, and a message delivered twice.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApi, type TestApi } from '../testing.ts';

// Sunday 29 November 2026, 10:00 in Jakarta: "kemarin" is Saturday 28 November.
const NOW = new Date('2026-11-29T03:00:00Z');
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({ now: () => NOW });
});
afterAll(async () => {
  await api.db.drop();
});

const RowSchema = z.object({
  direction: z.string(),
  amount: z.bigint(),
  category: z.string().nullable(),
  description: z.string().nullable(),
  day: z.string(),
  kind: z.string(),
  wallet: z.string().nullable(),
  to_wallet: z.string().nullable(),
  counterparty: z.string().nullable(),
  deleted: z.boolean(),
});

async function rowsOf(phone: string) {
  return api.db.pool.any(sql.type(RowSchema)`
    SELECT t.direction, t.amount, c.name AS category, t.description,
           to_char(t.tx_datetime AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD') AS day, t.kind,
           w.name AS wallet, tw.name AS to_wallet, t.counterparty, t.deleted_at IS NOT NULL AS deleted
    FROM transactions t JOIN users u ON u.id = t.user_id LEFT JOIN categories c ON c.id = t.category_id
    LEFT JOIN wallets w ON w.id = t.wallet_id LEFT JOIN wallets tw ON tw.id = t.to_wallet_id
    WHERE u.phone = ${phone} ORDER BY t.id`);
}

/** A new, active user: the welcome and the pending note are wa.test.ts's business. */
async function activeUser(phone: string): Promise<string> {
  await api.say(phone, 'halo');
  await api.say(phone, 'ya');
  return phone;
}

describe('several items in one message', () => {
  it('a three-item message makes three rows and one reply with the total', async () => {
    const phone = await activeUser('6281912000001');
    const result = await api.say(phone, 'kemarin makan bakso 25rb, parkir 2rb, beli bensin 30rb');
    expect(result.intent).toBe('create_transaction');
    expect(result.reply).toBe(
      [
        '✅ Catat 3 transaksi (kemarin, 28 Nov):',
        '1. Makan Rp25.000 (makan bakso)',
        '2. Transport Rp2.000 (parkir)',
        '3. Transport Rp30.000 (beli bensin)',
        'Total pengeluaran Rp57.000. Balas: ganti <kategori> buat ubah yang terakhir.',
      ].join('\n'),
    );
    expect((await rowsOf(phone)).map((row) => [row.amount, row.category, row.day])).toEqual([
      [25000n, 'Makan', '2026-11-28'],
      [2000n, 'Transport', '2026-11-28'],
      [30000n, 'Transport', '2026-11-28'],
    ]);
    const replies = await api.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM wa_messages WHERE direction = 'out' AND wa_from = ${phone}
        AND wa_body LIKE '✅ Catat 3 transaksi%'`);
    expect(replies).toBe(1);
  });

  it('"ganti" after it changes the last item; "hapus transaksi terakhir" removes all three', async () => {
    const phone = await activeUser('6281912000002');
    await api.say(phone, 'kemarin makan bakso 25rb, parkir 2rb, beli bensin 30rb');
    const edited = await api.say(phone, 'ganti hiburan');
    expect(edited.reply).toBe(
      '✅ Oke, pengeluaran Rp30.000 (beli bensin) (yang terakhir dari 3 transaksi tadi) sekarang kategori Hiburan.',
    );
    const deleted = await api.say(phone, 'hapus transaksi terakhir');
    expect(deleted.reply).toBe(
      [
        '🗑️ Oke, 3 transaksi dari pesan terakhir dihapus:',
        '1. pengeluaran Rp25.000 (makan bakso)',
        '2. pengeluaran Rp2.000 (parkir)',
        '3. pengeluaran Rp30.000 (beli bensin)',
      ].join('\n'),
    );
    expect((await rowsOf(phone)).map((row) => row.deleted)).toEqual([true, true, true]);
  });
});

describe('income and spending in one message', () => {
  it('books each with its own direction and gives both totals', async () => {
    const phone = await activeUser('6281912000009');
    expect((await api.say(phone, 'gaji 5jt, makan 20rb')).reply).toBe(
      [
        '✅ Catat 2 transaksi:',
        '1. Gaji Rp5.000.000 — pemasukan',
        '2. Makan Rp20.000',
        'Total pemasukan Rp5.000.000, pengeluaran Rp20.000. Balas: ganti <kategori> buat ubah yang terakhir.',
      ].join('\n'),
    );
    expect((await rowsOf(phone)).map((row) => [row.direction, row.amount, row.category])).toEqual([
      ['income', 5_000_000n, 'Gaji'],
      ['expense', 20000n, 'Makan'],
    ]);
  });
});

describe('a loan', () => {
  it('lent, partly repaid and fully repaid leaves the right balance each time', async () => {
    const phone = await activeUser('6281912000003');
    expect((await api.say(phone, 'minjemin andi 100rb')).reply).toBe(
      '✅ Catat piutang: Andi pinjam Rp100.000. Total Andi ngutang ke kamu sekarang Rp100.000.',
    );
    expect((await api.say(phone, 'andi bayar utang 40rb')).reply).toBe(
      '✅ Catat Andi bayar utang Rp40.000. Sisa utang Andi ke kamu Rp60.000.',
    );
    expect((await api.say(phone, 'cek hutang')).reply).toBe(
      [
        '📒 Utang & piutang kamu:',
        'Yang ngutang ke kamu:',
        '• Andi Rp60.000',
        'Total piutang: Rp60.000',
      ].join('\n'),
    );
    // More than is owed is refused and changes nothing.
    expect((await api.say(phone, 'andi balikin duit 70rb')).reply).toBe(
      'Andi tinggal ngutang Rp60.000 ke kamu, jadi nggak bisa bayar Rp70.000. Kalau lebihnya buat hal lain, catat terpisah ya.',
    );
    expect((await api.say(phone, 'andi balikin duit 60rb')).reply).toBe(
      '✅ Catat Andi bayar utang Rp60.000. Utang Andi ke kamu udah lunas 🎉',
    );
    expect((await api.say(phone, 'cek hutang')).reply).toContain(
      'Nggak ada utang atau piutang yang belum lunas',
    );
    expect(
      (await rowsOf(phone)).map((row) => [row.kind, row.direction, row.amount, row.counterparty]),
    ).toEqual([
      ['receivable', 'expense', 100000n, 'andi'],
      ['receivable', 'income', 40000n, 'andi'],
      ['receivable', 'income', 60000n, 'andi'],
    ]);
    // A loan is neither spending nor earning.
    expect((await api.say(phone, 'laporan hari ini')).reply).toBe(
      'Ringkasan 29 Nov 2026\nIncome: Rp0\nExpense: Rp0\nTop kategori: -\nSaldo bulan ini: Rp0.',
    );
  });

  it('asks how much when no amount is said, and books the answer', async () => {
    const phone = await activeUser('6281912000004');
    expect((await api.say(phone, 'hutang ke budi')).reply).toBe('Utang ke Budi berapa?');
    expect((await api.say(phone, '75rb')).reply).toBe(
      '✅ Catat utang ke Budi Rp75.000. Total utang kamu ke Budi sekarang Rp75.000.',
    );
    expect((await api.say(phone, 'bayar hutang ke budi 25rb')).reply).toBe(
      '✅ Catat bayar utang ke Budi Rp25.000. Sisa utang kamu ke Budi Rp50.000.',
    );
    expect((await api.say(phone, 'lunasin utang budi')).reply).toBe(
      '✅ Catat bayar utang ke Budi Rp50.000. Utang kamu ke Budi udah lunas 🎉',
    );
  });
});

describe('a loan with its person missing', () => {
  it('asks who, and a bare name answers', async () => {
    const phone = await activeUser('6281912000008');
    expect((await api.say(phone, 'hutang 50rb')).reply).toBe(
      "Utangnya ke siapa? Contoh: 'hutang ke budi 100rb'.",
    );
    expect((await api.say(phone, 'budi')).reply).toBe(
      '✅ Catat utang ke Budi Rp50.000. Total utang kamu ke Budi sekarang Rp50.000.',
    );
    // One person open: "bayar utang" needs no name.
    expect((await api.say(phone, 'bayar utang 20rb')).reply).toBe(
      '✅ Catat bayar utang ke Budi Rp20.000. Sisa utang kamu ke Budi Rp30.000.',
    );
  });
});

describe('wallets', () => {
  it('a top-up moves money between two wallets and leaves reports and budgets unchanged', async () => {
    const phone = await activeUser('6281912000005');
    await api.say(phone, 'set budget makan 100rb');
    await api.say(phone, 'makan bakso 20rb');
    expect((await api.say(phone, 'saldo bca sekarang 1jt')).reply).toBe(
      '✅ Saldo BCA sekarang Rp1.000.000 (sebelumnya Rp0). Selisihnya dicatat sebagai penyesuaian saldo, bukan pemasukan atau pengeluaran.',
    );
    const reportBefore = (await api.say(phone, 'laporan bulan ini')).reply;
    const budgetBefore = (await api.say(phone, 'set budget makan 100rb')).reply;

    expect((await api.say(phone, 'top up gopay 100rb dari bca')).reply).toBe(
      '✅ Catat transfer Rp100.000 dari BCA ke GoPay. Saldo BCA Rp900.000, GoPay Rp100.000. Transfer antar dompet sendiri nggak dihitung sebagai pengeluaran.',
    );
    expect((await api.say(phone, 'saldo gopay berapa')).reply).toBe('💳 Saldo GoPay: Rp100.000.');
    expect((await api.say(phone, 'laporan bulan ini')).reply).toBe(reportBefore);
    expect((await api.say(phone, 'set budget makan 100rb')).reply).toBe(budgetBefore);
    expect(budgetBefore).toContain('Bulan ini udah kepakai Rp20.000 (20%)');
    const transfers = (await rowsOf(phone)).filter((row) => row.direction === 'transfer');
    expect(transfers).toEqual([
      expect.objectContaining({ amount: 100000n, wallet: 'BCA', to_wallet: 'GoPay', category: null }),
    ]);
  });

  it('books a spend on the wallet it names', async () => {
    const phone = await activeUser('6281912000006');
    expect((await api.say(phone, 'beli kopi 25rb pake gopay')).reply).toBe(
      '✅ Catat pengeluaran Rp25.000 kategori Makan dari GoPay. Balas: ganti <kategori> kalau mau ubah.',
    );
    expect((await rowsOf(phone)).map((row) => row.wallet)).toEqual(['GoPay']);
  });
});

describe('the same message delivered twice', () => {
  it('makes one effect and gives the first reply again', async () => {
    const phone = await activeUser('6281912000007');
    const texts = ['kemarin makan bakso 25rb, parkir 2rb', 'minjemin andi 50rb', 'top up ovo 50rb dari bca'];
    for (const [index, text] of texts.entries()) {
      const first = await api.say(phone, text, `twice-${index}`);
      const again = await api.say(phone, text, `twice-${index}`);
      expect(again.duplicate).toBe(true);
      expect(again.reply).toBe(first.reply);
    }
    expect((await rowsOf(phone)).map((row) => [row.kind, row.direction, row.amount])).toEqual([
      ['regular', 'expense', 25000n],
      ['regular', 'expense', 2000n],
      ['receivable', 'expense', 50000n],
      ['regular', 'transfer', 50000n],
    ]);
  });
});
