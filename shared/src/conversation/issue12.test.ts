/**
 * Issue 12's conversation, driven with readings in the parse contract's shape (so these tests do
 * not depend on the reader's rules): several items in one message, debts, wallets and transfers,
 * and the day said in replies — each against a real PostgreSQL, checking replies and rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as Budgets from '../budgets/index.ts';
import * as Categories from '../categories/index.ts';
import { type DatabaseTransactionConnection, sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import * as Debts from '../debts/index.ts';
import * as Messages from '../messages/index.ts';
import { blankReading, type ParsedItem, type ParseResult } from '../nlu/schema.ts';
import type { ReceiptReading } from '../receipts/parse.ts';
import * as Reports from '../reports/index.ts';
import { periodRange } from '../time/index.ts';
import * as Users from '../users/index.ts';
import * as Wallets from '../wallets/index.ts';
import { act } from './intents.ts';
import { askSpoken, recordReceipt, spokenUnsure } from './media.ts';
import * as Replies from './replies.ts';
import * as State from './state.ts';

// Sunday 29 November 2026, 10:00 in Jakarta.
const NOW = new Date('2026-11-29T03:00:00Z');
const YESTERDAY = '2026-11-28T12:00:00+07:00';
const TZ = 'Asia/Jakarta';

let db: TestDatabase;
let phoneCounter = 0;
let messageCounter = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function reading(fields: Partial<ParseResult>): ParseResult {
  return {
    ...blankReading('create_transaction', 0.95),
    transactions: null,
    counterparty: null,
    wallet: null,
    to_wallet: null,
    ...fields,
  };
}

function item(fields: Partial<ParsedItem> & { amount: bigint }): ParsedItem {
  return {
    direction: 'expense',
    description: null,
    category_suggestion: null,
    datetime: null,
    wallet: null,
    ...fields,
  };
}

async function newUser(status: 'active' | 'pending' = 'active'): Promise<Users.User> {
  phoneCounter += 1;
  const phone = `62819${String(phoneCounter).padStart(8, '0')}`;
  return db.pool.transaction(
    async (tx) => (await Users.findOrCreateByPhone(tx, phone, { timezone: TZ, status })).user,
  );
}

/**
 * One message as conversation/index.ts handles it after reading: the inbound row, an open
 * question's answer (State), then the intent — in one transaction.
 */
async function send(user: Users.User, parsed: ParseResult, text = 'pesan', at = NOW): Promise<string> {
  return db.pool.transaction(async (tx) => {
    const inboundId = await logMessage(tx, user, text);
    const completed = await State.completePending(tx, user.id, parsed, at, text);
    const action = await act(tx, { user, parsed: completed ?? parsed, rawText: text, inboundId, at });
    return action.reply;
  });
}

async function logMessage(
  tx: DatabaseTransactionConnection,
  user: Users.User,
  text: string,
): Promise<number> {
  messageCounter += 1;
  const inboundId = await Messages.logInbound(tx, {
    userId: user.id,
    from: user.phone ?? '',
    messageId: `issue12-${messageCounter}`,
    type: 'text',
    body: text,
  });
  if (inboundId === null) throw new Error('duplicate message id');
  return inboundId;
}

const RowSchema = z.object({
  direction: z.string(),
  amount: z.bigint(),
  category: z.string().nullable(),
  description: z.string().nullable(),
  day: z.string(),
  status: z.string(),
  kind: z.string(),
  wallet: z.string().nullable(),
  to_wallet: z.string().nullable(),
  counterparty: z.string().nullable(),
  message: z.number().nullable(),
  deleted: z.boolean(),
});

async function rowsOf(user: Users.User) {
  return db.pool.any(sql.type(RowSchema)`
    SELECT t.direction, t.amount, c.name AS category, t.description,
           to_char(t.tx_datetime AT TIME ZONE ${TZ}, 'YYYY-MM-DD') AS day, t.status, t.kind,
           w.name AS wallet, tw.name AS to_wallet, t.counterparty, t.wa_message_row_id AS message,
           t.deleted_at IS NOT NULL AS deleted
    FROM transactions t LEFT JOIN categories c ON c.id = t.category_id
    LEFT JOIN wallets w ON w.id = t.wallet_id LEFT JOIN wallets tw ON tw.id = t.to_wallet_id
    WHERE t.user_id = ${user.id} ORDER BY t.id`);
}

async function monthReport(user: Users.User) {
  return Reports.summarize(db.pool, {
    userId: user.id,
    timezone: TZ,
    range: periodRange('this_month', '2026-11-29'),
  });
}

const baksoParkir = reading({
  amount: 27000n,
  direction: 'expense',
  description: 'bakso',
  category_suggestion: 'Makan',
  datetime: YESTERDAY,
  transactions: [
    item({ amount: 25000n, description: 'bakso', category_suggestion: 'Makan', datetime: YESTERDAY }),
    item({ amount: 2000n, description: 'parkir', category_suggestion: 'Transport', datetime: YESTERDAY }),
  ],
});

describe('the day in replies', () => {
  it('says nothing for today, "kemarin" for yesterday, the date otherwise (the year only when another)', () => {
    expect(Replies.dayNote(new Date('2026-11-29T16:00:00Z'), NOW, TZ)).toBe('');
    expect(Replies.dayNote(new Date('2026-11-28T05:00:00Z'), NOW, TZ)).toBe(' (kemarin, 28 Nov)');
    expect(Replies.dayNote(new Date('2026-11-30T05:00:00Z'), NOW, TZ)).toBe(' (besok, 30 Nov)');
    expect(Replies.dayNote(new Date('2026-11-20T05:00:00Z'), NOW, TZ)).toBe(' (20 Nov)');
    expect(Replies.dayNote(new Date('2025-12-31T05:00:00Z'), NOW, TZ)).toBe(' (31 Des 2025)');
  });

  it('keeps SPEC.md reply word for word for today and adds the day for yesterday', async () => {
    const user = await newUser();
    const today = await send(
      user,
      reading({ amount: 20000n, direction: 'expense', category_suggestion: 'Makan', description: 'makan' }),
    );
    expect(today).toBe(
      '✅ Catat pengeluaran Rp20.000 kategori Makan. Balas: ganti <kategori> kalau mau ubah.',
    );
    const yesterday = await send(
      user,
      reading({
        amount: 20000n,
        direction: 'expense',
        category_suggestion: 'Makan',
        description: 'makan',
        datetime: YESTERDAY,
      }),
    );
    expect(yesterday).toBe(
      '✅ Catat pengeluaran Rp20.000 kategori Makan (kemarin, 28 Nov). Balas: ganti <kategori> kalau mau ubah.',
    );
  });

  it('books a spend on the wallet it names and says so', async () => {
    const user = await newUser();
    const reply = await send(
      user,
      reading({
        amount: 25000n,
        direction: 'expense',
        category_suggestion: 'Makan',
        description: 'kopi',
        wallet: 'GoPay',
      }),
    );
    expect(reply).toBe(
      '✅ Catat pengeluaran Rp25.000 kategori Makan dari GoPay. Balas: ganti <kategori> kalau mau ubah.',
    );
    const income = await send(
      user,
      reading({ amount: 8_000_000n, direction: 'income', category_suggestion: 'Gaji', wallet: 'BCA' }),
    );
    expect(income).toBe(
      '✅ Catat pemasukan Rp8.000.000 kategori Gaji ke BCA. Balas: ganti <kategori> kalau mau ubah.',
    );
    expect((await rowsOf(user)).map((row) => row.wallet)).toEqual(['GoPay', 'BCA']);
    const balances = await Wallets.balances(db.pool, user.id);
    expect(balances.map((wallet) => [wallet.name, wallet.balance])).toEqual([
      ['Tunai', 0n],
      ['BCA', 8_000_000n],
      ['GoPay', -25000n],
    ]);
  });
});

describe('several items in one message', () => {
  it('books each item with its own category and the shared day, and answers once with the total', async () => {
    const user = await newUser();
    const reply = await send(user, baksoParkir, 'kemarin makan bakso 25rb, parkir 2rb');
    expect(reply).toBe(
      [
        '✅ Catat 2 transaksi (kemarin, 28 Nov):',
        '1. Makan Rp25.000 (bakso)',
        '2. Transport Rp2.000 (parkir)',
        'Total pengeluaran Rp27.000. Balas: ganti <kategori> buat ubah yang terakhir.',
      ].join('\n'),
    );
    const rows = await rowsOf(user);
    expect(rows.map((row) => [row.amount, row.category, row.description, row.day, row.status])).toEqual([
      [25000n, 'Makan', 'bakso', '2026-11-28', 'confirmed'],
      [2000n, 'Transport', 'parkir', '2026-11-28', 'confirmed'],
    ]);
    expect(new Set(rows.map((row) => row.message)).size).toBe(1);
  });

  it('lists a mix of income and spending with both totals, each item on its own wallet and day', async () => {
    const user = await newUser();
    const reply = await send(
      user,
      reading({
        amount: 5_020_000n,
        direction: 'income',
        category_suggestion: 'Gaji',
        transactions: [
          item({ amount: 5_000_000n, direction: 'income', category_suggestion: 'Gaji', wallet: 'BCA' }),
          item({ amount: 20000n, description: 'makan', category_suggestion: 'Makan', datetime: YESTERDAY }),
        ],
      }),
    );
    expect(reply).toBe(
      [
        '✅ Catat 2 transaksi:',
        '1. Gaji Rp5.000.000 ke BCA — pemasukan',
        '2. Makan Rp20.000 (kemarin, 28 Nov)',
        'Total pemasukan Rp5.000.000, pengeluaran Rp20.000. Balas: ganti <kategori> buat ubah yang terakhir.',
      ].join('\n'),
    );
    expect((await rowsOf(user)).map((row) => [row.direction, row.wallet, row.day])).toEqual([
      ['income', 'BCA', '2026-11-29'],
      ['expense', null, '2026-11-28'],
    ]);
  });

  it('sends a budget alert once per category, however many items it has', async () => {
    const user = await newUser();
    await db.pool.transaction(async (tx) => {
      const makan = await Categories.findOrCreate(tx, user.id, 'Makan', 'expense');
      await Budgets.set(tx, { userId: user.id, categoryId: makan.id, amount: 30000n });
    });
    const reply = await send(
      user,
      reading({
        amount: 37000n,
        direction: 'expense',
        category_suggestion: 'Makan',
        transactions: [
          item({ amount: 25000n, description: 'bakso', category_suggestion: 'Makan' }),
          item({ amount: 10000n, description: 'es teh', category_suggestion: 'Makan' }),
          item({ amount: 2000n, description: 'parkir', category_suggestion: 'Transport' }),
        ],
      }),
    );
    const alerts = reply.split('\n\n').slice(1);
    expect(alerts).toEqual(['🚨 Budget Makan bulan ini udah habis: Rp35.000 dari Rp30.000 (116%).']);
  });

  it('keeps a pending user’s items pending and says so once', async () => {
    const user = await newUser('pending');
    const reply = await send(user, baksoParkir);
    expect(
      reply.endsWith(`\n${'Transaksi ini masih pending sampai kamu balas *YA* buat aktifin akun.'}`),
    ).toBe(true);
    expect((await rowsOf(user)).map((row) => row.status)).toEqual(['pending', 'pending']);
  });

  it('"ganti" changes the last item and names it; "hapus transaksi terakhir" removes the whole message', async () => {
    const user = await newUser();
    await send(user, reading({ amount: 15000n, direction: 'expense', category_suggestion: 'Makan' }));
    await send(user, baksoParkir);
    const edited = await send(user, reading({ intent: 'edit_category', category_suggestion: 'Hiburan' }));
    expect(edited).toBe(
      '✅ Oke, pengeluaran Rp2.000 (parkir) (yang terakhir dari 2 transaksi tadi) sekarang kategori Hiburan.',
    );
    const deleted = await send(user, reading({ intent: 'delete_last' }));
    expect(deleted).toBe(
      [
        '🗑️ Oke, 2 transaksi dari pesan terakhir dihapus:',
        '1. pengeluaran Rp25.000 (bakso)',
        '2. pengeluaran Rp2.000 (parkir)',
      ].join('\n'),
    );
    expect((await rowsOf(user)).map((row) => [row.amount, row.category, row.deleted])).toEqual([
      [15000n, 'Makan', false],
      [25000n, 'Makan', true],
      [2000n, 'Hiburan', true],
    ]);
    // The next undo is the message before: one message, one undo.
    expect(await send(user, reading({ intent: 'delete_last' }))).toBe(
      '🗑️ Oke, dihapus: pengeluaran Rp15.000.',
    );
  });
});

describe('debts and receivables', () => {
  const debt = (fields: Partial<ParseResult>) =>
    reading({ intent: 'create_debt', direction: 'income', ...fields });
  const pay = (fields: Partial<ParseResult>) =>
    reading({ intent: 'pay_debt', direction: 'expense', ...fields });

  it('borrows, repays in part, then settles with the balance in every reply; loans stay out of reports', async () => {
    const user = await newUser();
    expect(await send(user, debt({ counterparty: 'budi', amount: 100000n }))).toBe(
      '✅ Catat utang ke Budi Rp100.000. Total utang kamu ke Budi sekarang Rp100.000.',
    );
    expect(await send(user, pay({ counterparty: 'budi', amount: 40000n }))).toBe(
      '✅ Catat bayar utang ke Budi Rp40.000. Sisa utang kamu ke Budi Rp60.000.',
    );
    expect(await send(user, pay({ counterparty: 'budi', amount: 100000n }))).toBe(
      'Utang kamu ke Budi tinggal Rp60.000, jadi nggak bisa bayar Rp100.000. Kalau lebihnya buat hal lain, catat terpisah ya.',
    );
    // "lunasin utang budi": no amount settles the rest.
    expect(await send(user, pay({ counterparty: 'budi', amount: null }))).toBe(
      '✅ Catat bayar utang ke Budi Rp60.000. Utang kamu ke Budi udah lunas 🎉',
    );
    expect(await send(user, pay({ counterparty: 'budi', amount: 10000n }))).toContain(
      'Aku nggak punya catatan utang kamu ke Budi',
    );
    expect(await Debts.outstanding(db.pool, user.id, 'debt', 'budi')).toBe(0n);
    expect((await rowsOf(user)).map((row) => [row.kind, row.direction, row.amount])).toEqual([
      ['debt', 'income', 100000n],
      ['debt', 'expense', 40000n],
      ['debt', 'expense', 60000n],
    ]);
    const report = await monthReport(user);
    expect([report.total_income, report.total_expense, report.transaction_count]).toEqual([0n, 0n, 0]);
  });

  it('lends and is paid back, and lists both directions with their totals', async () => {
    const user = await newUser();
    expect(
      await send(
        user,
        reading({ intent: 'create_receivable', direction: 'expense', counterparty: 'andi', amount: 50000n }),
      ),
    ).toBe('✅ Catat piutang: Andi pinjam Rp50.000. Total Andi ngutang ke kamu sekarang Rp50.000.');
    expect(
      await send(
        user,
        reading({
          intent: 'receive_debt_payment',
          direction: 'income',
          counterparty: 'andi',
          amount: 20000n,
        }),
      ),
    ).toBe('✅ Catat Andi bayar utang Rp20.000. Sisa utang Andi ke kamu Rp30.000.');
    await send(user, debt({ counterparty: 'mama', amount: 500000n, datetime: YESTERDAY }));
    await send(user, debt({ counterparty: 'budi', amount: 100000n, wallet: 'BCA' }));
    expect(await send(user, reading({ intent: 'get_debts' }))).toBe(
      [
        '📒 Utang & piutang kamu:',
        'Kamu ngutang ke:',
        '• Mama Rp500.000',
        '• Budi Rp100.000',
        'Total utang: Rp600.000',
        'Yang ngutang ke kamu:',
        '• Andi Rp30.000',
        'Total piutang: Rp30.000',
      ].join('\n'),
    );
    expect(await send(user, reading({ intent: 'get_debts', counterparty: 'andi' }))).toBe(
      'Andi masih ngutang ke kamu Rp30.000 (dari Rp50.000).',
    );
    expect(await send(user, reading({ intent: 'get_debts', counterparty: 'rina' }))).toBe(
      'Sama Rina nggak ada utang atau piutang yang belum lunas 👍',
    );
    const rows = await rowsOf(user);
    expect(rows.at(-2)?.day).toBe('2026-11-28');
    expect(rows.at(-1)?.wallet).toBe('BCA');
  });

  it('says the day and the wallet of a loan when they are not today and Tunai', async () => {
    const user = await newUser();
    expect(
      await send(user, debt({ counterparty: 'mama', amount: 500000n, datetime: YESTERDAY, wallet: 'BCA' })),
    ).toBe(
      '✅ Catat utang ke Mama Rp500.000 (masuk BCA) (kemarin, 28 Nov). Total utang kamu ke Mama sekarang Rp500.000.',
    );
  });

  it('asks for a missing amount and completes the loan with the answer', async () => {
    const user = await newUser();
    expect(await send(user, debt({ counterparty: 'budi' }), 'hutang ke budi')).toBe('Utang ke Budi berapa?');
    const answer = reading({
      intent: 'clarification',
      amount: 75000n,
      question: 'Ini pengeluaran kategori apa?',
    });
    expect(await send(user, answer, '75rb')).toBe(
      '✅ Catat utang ke Budi Rp75.000. Total utang kamu ke Budi sekarang Rp75.000.',
    );
    expect(await Debts.outstanding(db.pool, user.id, 'debt', 'budi')).toBe(75000n);
  });

  it('asks who when no person is said, and takes a bare name as the answer', async () => {
    const user = await newUser();
    expect(await send(user, debt({ amount: 30000n }), 'ngutang 30rb')).toBe(
      "Utangnya ke siapa? Contoh: 'hutang ke budi 100rb'.",
    );
    expect(await send(user, reading({ intent: 'smalltalk' }), 'ke warung')).toBe(
      '✅ Catat utang ke Warung Rp30.000. Total utang kamu ke Warung sekarang Rp30.000.',
    );
  });

  it('repays the only open person when none is named, and asks which when there are several', async () => {
    const user = await newUser();
    expect(await send(user, pay({ amount: 10000n }))).toBe('Kamu nggak punya utang yang belum lunas 👍');
    await send(user, debt({ counterparty: 'budi', amount: 100000n }));
    expect(await send(user, pay({ amount: 10000n }))).toBe(
      '✅ Catat bayar utang ke Budi Rp10.000. Sisa utang kamu ke Budi Rp90.000.',
    );
    await send(user, debt({ counterparty: 'mama', amount: 50000n }));
    expect(await send(user, pay({ amount: 10000n }), 'bayar utang 10rb')).toBe(
      'Bayar utang ke siapa? Yang belum lunas: Budi Rp90.000, Mama Rp50.000.',
    );
    expect(await send(user, reading({ intent: 'smalltalk' }), 'mama')).toBe(
      '✅ Catat bayar utang ke Mama Rp10.000. Sisa utang kamu ke Mama Rp40.000.',
    );
  });

  it('keeps a pending user’s loan and transfer pending, saying so', async () => {
    const user = await newUser('pending');
    const note = 'Transaksi ini masih pending sampai kamu balas *YA* buat aktifin akun.';
    expect(await send(user, debt({ counterparty: 'budi', amount: 100000n }))).toBe(
      `✅ Catat utang ke Budi Rp100.000. Total utang kamu ke Budi sekarang Rp100.000.\n${note}`,
    );
    expect(
      await send(user, reading({ intent: 'transfer', amount: 50000n, wallet: 'BCA', to_wallet: 'GoPay' })),
    ).toContain(`\n${note}`);
    expect((await rowsOf(user)).map((row) => [row.kind, row.status])).toEqual([
      ['debt', 'pending'],
      ['regular', 'pending'],
    ]);
  });

  it('refuses "ganti" on a loan and undoes a loan with "hapus"', async () => {
    const user = await newUser();
    await send(user, debt({ counterparty: 'budi', amount: 100000n }));
    expect(await send(user, reading({ intent: 'edit_category', category_suggestion: 'Makan' }))).toBe(
      'Transaksi terakhir itu utang ke Budi Rp100.000, jadi nggak pakai kategori.',
    );
    expect(await send(user, reading({ intent: 'delete_last' }))).toBe(
      '🗑️ Oke, dihapus: utang ke Budi Rp100.000.',
    );
    expect(await Debts.outstanding(db.pool, user.id, 'debt', 'budi')).toBe(0n);
  });
});

describe('wallets and transfers', () => {
  const transfer = (fields: Partial<ParseResult>) =>
    reading({ intent: 'transfer', direction: 'transfer', ...fields });

  it('moves money between two wallets, leaving reports and budgets as they were', async () => {
    const user = await newUser();
    await db.pool.transaction(async (tx) => {
      const makan = await Categories.findOrCreate(tx, user.id, 'Makan', 'expense');
      await Budgets.set(tx, { userId: user.id, categoryId: makan.id, amount: 100000n });
    });
    await send(user, reading({ intent: 'set_balance', wallet: 'BCA', amount: 1_000_000n }));
    await send(user, reading({ amount: 20000n, direction: 'expense', category_suggestion: 'Makan' }));
    const reportBefore = await monthReport(user);
    const budgetBefore = await Budgets.statusForMonth(db.pool, {
      userId: user.id,
      timezone: TZ,
      day: '2026-11-29',
    });

    expect(await send(user, transfer({ amount: 100000n, wallet: 'BCA', to_wallet: 'GoPay' }))).toBe(
      '✅ Catat transfer Rp100.000 dari BCA ke GoPay. Saldo BCA Rp900.000, GoPay Rp100.000. Transfer antar dompet sendiri nggak dihitung sebagai pengeluaran.',
    );
    expect(await monthReport(user)).toEqual(reportBefore);
    expect(
      await Budgets.statusForMonth(db.pool, { userId: user.id, timezone: TZ, day: '2026-11-29' }),
    ).toEqual(budgetBefore);
    expect(reportBefore.total_expense).toBe(20000n);
    expect(await send(user, reading({ intent: 'get_balance', wallet: 'gopay' }))).toBe(
      '💳 Saldo GoPay: Rp100.000.',
    );
    expect(await send(user, reading({ intent: 'get_balance' }))).toBe(
      [
        '💳 Saldo dompet kamu:',
        '• Tunai -Rp20.000',
        '• BCA Rp900.000',
        '• GoPay Rp100.000',
        'Total Rp980.000',
        "Saldo minus artinya saldo awal Tunai belum dicatat. Atur: 'saldo tunai sekarang 500rb'.",
      ].join('\n'),
    );
  });

  it('tops up from Tunai when no source is named, and hints at setting a balance that went below zero', async () => {
    const user = await newUser();
    expect(await send(user, transfer({ amount: 50000n, to_wallet: 'OVO' }))).toBe(
      "✅ Catat transfer Rp50.000 dari Tunai ke OVO. Saldo Tunai -Rp50.000, OVO Rp50.000. Transfer antar dompet sendiri nggak dihitung sebagai pengeluaran. Kalau saldonya belum pas, atur: 'saldo tunai sekarang 1jt'.",
    );
  });

  it('takes cash out of the only bank, or out of "Bank" when there are none or several', async () => {
    const user = await newUser();
    await send(user, transfer({ amount: 100000n, to_wallet: 'Tunai' }), 'tarik tunai 100rb');
    await send(user, reading({ intent: 'set_balance', wallet: 'BRI', amount: 2_000_000n }));
    await send(user, transfer({ amount: 200000n, to_wallet: 'Tunai' }), 'tarik tunai 200rb');
    await send(user, reading({ intent: 'set_balance', wallet: 'Mandiri', amount: 1_000_000n }));
    await send(user, transfer({ amount: 300000n, wallet: 'Tunai' }), 'setor tunai 300rb');
    const transfers = (await rowsOf(user)).filter((row) => row.direction === 'transfer');
    expect(transfers.map((row) => [row.amount, row.wallet ?? 'Tunai', row.to_wallet ?? 'Tunai'])).toEqual([
      [100000n, 'Bank', 'Tunai'],
      [200000n, 'BRI', 'Tunai'],
      // Two real banks plus "Bank": no guess between BRI and Mandiri.
      [300000n, 'Tunai', 'Bank'],
    ]);
  });

  it('a top-up slip moves its amount from Tunai into the e-wallet it names', async () => {
    const user = await newUser();
    const slip = {
      total: 101500n,
      date: '2026-11-29',
      merchant: 'Alfamart',
      items: [],
      raw_text: 'TOP UP E-WALLET DANA 100.000 BIAYA ADMIN 1.500 TOTAL 101.500',
      confidence: 0.95,
      checks: ['items'],
      status: 'confirmed',
      kind: 'topup',
      topup: { wallet: 'DANA', amount: 100000n, fee: 1500n },
    } as unknown as ReceiptReading;
    await db.pool.transaction(async (tx) => {
      const inboundId = await logMessage(tx, user, '');
      return recordReceipt(tx, { user, reading: slip, caption: '', at: NOW, inboundId, mediaAssetId: null });
    });
    const balances = await Wallets.balances(db.pool, user.id);
    expect(balances.map((wallet) => [wallet.name, wallet.balance])).toEqual([
      ['Tunai', -101500n],
      ['DANA', 100000n],
    ]);
  });

  it('refuses a transfer to the same wallet, asks for missing parts', async () => {
    const user = await newUser();
    expect(await send(user, transfer({ amount: 1000n, wallet: 'BCA', to_wallet: 'bca' }))).toBe(
      Replies.TRANSFER_SAME_WALLET,
    );
    expect(await send(user, transfer({ to_wallet: 'GoPay' }))).toBe(Replies.TRANSFER_ASK_AMOUNT);
    expect(await send(user, transfer({ amount: 1000n }))).toBe(Replies.TRANSFER_ASK_WALLETS);
    expect(await rowsOf(user)).toEqual([]);
  });

  it('sets a balance as an adjustment and says the previous one; asks about an unknown wallet without making it', async () => {
    const user = await newUser();
    expect(await send(user, reading({ intent: 'get_balance', wallet: 'Jago' }))).toBe(
      "Dompet Jago belum pernah kamu catat. Atur saldonya dulu: 'saldo jago sekarang 1jt'.",
    );
    expect(await send(user, reading({ intent: 'set_balance', wallet: 'BCA', amount: 2_500_000n }))).toBe(
      '✅ Saldo BCA sekarang Rp2.500.000 (sebelumnya Rp0). Selisihnya dicatat sebagai penyesuaian saldo, bukan pemasukan atau pengeluaran.',
    );
    expect(await send(user, reading({ intent: 'set_balance', wallet: 'bca', amount: 2_000_000n }))).toBe(
      '✅ Saldo BCA sekarang Rp2.000.000 (sebelumnya Rp2.500.000). Selisihnya dicatat sebagai penyesuaian saldo, bukan pemasukan atau pengeluaran.',
    );
    expect(await send(user, reading({ intent: 'set_balance', wallet: 'bca', amount: 2_000_000n }))).toBe(
      'Saldo BCA memang udah Rp2.000.000, nggak ada yang diubah 👍',
    );
    expect((await rowsOf(user)).map((row) => [row.kind, row.direction, row.amount])).toEqual([
      ['adjustment', 'income', 2_500_000n],
      ['adjustment', 'expense', 500_000n],
    ]);
    const report = await monthReport(user);
    expect([report.total_income, report.total_expense]).toEqual([0n, 0n]);
    expect((await Wallets.balances(db.pool, user.id)).map((wallet) => wallet.name)).toEqual(['Tunai', 'BCA']);
  });
});

describe('help', () => {
  it('lists the new commands briefly', () => {
    expect(Replies.HELP).toContain("'hutang ke budi 100rb'");
    expect(Replies.HELP).toContain("'top up gopay 100rb dari bca'");
    expect(Replies.HELP).toContain("'kemarin bakso 25rb, parkir 2rb'");
  });
});

describe('answers and voice notes', () => {
  it('takes a short name as the answer to "ke siapa?", never thanks, a no or a sentence', () => {
    expect(State.personAnswer('budi')).toBe('budi');
    expect(State.personAnswer('ke Mama')).toBe('mama');
    expect(State.personAnswer('Pak Rahmat')).toBe('pak rahmat');
    expect(State.personAnswer('makasih')).toBeNull();
    expect(State.personAnswer('nggak jadi')).toBeNull();
    expect(State.personAnswer('nanti aja')).toBeNull();
    expect(State.personAnswer('budi 50rb')).toBeNull();
    expect(State.personAnswer('aku lupa namanya siapa ya')).toBeNull();
  });

  it('asks a voice note’s unsure amount back for loans, transfers and balances too', () => {
    for (const intent of ['create_debt', 'pay_debt', 'transfer', 'set_balance'] as const) {
      expect(spokenUnsure(reading({ intent, amount: 50000n, confidence: 0.5 }))).toBe(true);
    }
    expect(spokenUnsure(reading({ intent: 'get_debts', confidence: 0.5 }))).toBe(false);
  });

  it('asks an unsure voice note with several items to be typed, booking nothing', async () => {
    const user = await newUser();
    const transcript = 'makan siang 20 ribu sama 15 ribu';
    const heard = reading({
      ...baksoParkir,
      datetime: null,
      transactions: baksoParkir.transactions,
      confidence: 0.7,
    });
    const action = await db.pool.transaction((tx) =>
      askSpoken(tx, { user, parsed: heard, rawText: transcript, inboundId: 0, at: NOW, transcript }),
    );
    expect(action.intent).toBe('voice_unsure');
    expect(action.reply).toContain('Ketik aja ya biar nggak salah catat');
    expect(await rowsOf(user)).toEqual([]);
  });
});
