/**
 * Issue 12 through the queues (inbound.fifo → ingest → PostgreSQL → outbound.fifo) against a real
 * SQS server and PostgreSQL: several items in one message, a loan lent and paid back, a top-up
 * between two wallets, and an envelope delivered twice — rows once, one reply per message.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startWorkers, type Workers } from '../local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';

let pipe: TestPipeline;
let workers: Workers | undefined;

beforeAll(async () => {
  pipe = await createTestPipeline();
});
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
});
afterAll(async () => {
  await pipe.close();
});

async function runWorkers() {
  workers = await startWorkers(pipe.deps, {
    retryDelaySeconds: 0,
    waitTimeSeconds: 1,
    relay: false,
    scheduler: false,
  });
}

const RowSchema = z.object({
  direction: z.string(),
  amount: z.bigint(),
  category: z.string().nullable(),
  kind: z.string(),
  wallet: z.string().nullable(),
  to_wallet: z.string().nullable(),
  counterparty: z.string().nullable(),
});

const rowsOf = (phone: string) =>
  pipe.db.pool.any(sql.type(RowSchema)`
    SELECT t.direction, t.amount, c.name AS category, t.kind, w.name AS wallet, tw.name AS to_wallet,
           t.counterparty
    FROM transactions t JOIN users u ON u.id = t.user_id LEFT JOIN categories c ON c.id = t.category_id
    LEFT JOIN wallets w ON w.id = t.wallet_id LEFT JOIN wallets tw ON tw.id = t.to_wallet_id
    WHERE u.phone = ${phone} AND t.deleted_at IS NULL ORDER BY t.id`);

describe('issue 12 through inbound.fifo → ingest → outbound.fifo', () => {
  it('books several items, a loan and a top-up once each, with one reply per message', async () => {
    const phone = '6281912100001';
    const texts = [
      'halo',
      'ya',
      'makan bakso 25rb, parkir 2rb, beli bensin 30rb',
      'minjemin andi 100rb',
      'andi bayar utang 40rb',
      'andi balikin duit 60rb',
      'saldo bca sekarang 1jt',
      'laporan hari ini',
      'top up gopay 100rb dari bca',
      'laporan hari ini',
      'saldo gopay berapa',
    ];
    const envelopes = texts.map((text) => textEnvelope(phone, text));
    for (const envelope of envelopes) await pipe.sendInbound(envelope);
    // The three-item message again, as a WhatsApp replay after the FIFO's deduplication window.
    const threeItems = envelopes[2];
    if (!threeItems) throw new Error('no envelope');
    await pipe.sendInbound(threeItems, `${threeItems.message_id}-replay`);
    await runWorkers();

    const replies = await pipe.collectReplies(texts.length, 30_000);
    // The replay changes nothing and sends nothing more.
    expect(await pipe.collectReplies(1, 4000)).toEqual([]);
    expect(replies.map((reply) => reply.in_reply_to)).toEqual(
      envelopes.map((envelope) => envelope.message_id),
    );
    const text = (index: number) => replies[index]?.text;
    expect(text(2)).toBe(
      [
        '✅ Catat 3 transaksi:',
        '1. Makan Rp25.000 (makan bakso)',
        '2. Transport Rp2.000 (parkir)',
        '3. Transport Rp30.000 (beli bensin)',
        'Total pengeluaran Rp57.000. Balas: ganti <kategori> buat ubah yang terakhir.',
      ].join('\n'),
    );
    expect(text(3)).toBe(
      '✅ Catat piutang: Andi pinjam Rp100.000. Total Andi ngutang ke kamu sekarang Rp100.000.',
    );
    expect(text(4)).toBe('✅ Catat Andi bayar utang Rp40.000. Sisa utang Andi ke kamu Rp60.000.');
    expect(text(5)).toBe('✅ Catat Andi bayar utang Rp60.000. Utang Andi ke kamu udah lunas 🎉');
    expect(text(8)).toBe(
      '✅ Catat transfer Rp100.000 dari BCA ke GoPay. Saldo BCA Rp900.000, GoPay Rp100.000. Transfer antar dompet sendiri nggak dihitung sebagai pengeluaran.',
    );
    // The report before and after the top-up: the same (loans, adjustments and transfers left out).
    expect(text(9)).toBe(text(7));
    expect(text(7)).toMatch(/\nIncome: Rp0\nExpense: Rp57\.000\n/);
    expect(text(10)).toBe('💳 Saldo GoPay: Rp100.000.');

    expect((await rowsOf(phone)).map((row) => [row.kind, row.direction, row.amount])).toEqual([
      ['regular', 'expense', 25000n],
      ['regular', 'expense', 2000n],
      ['regular', 'expense', 30000n],
      ['receivable', 'expense', 100000n],
      ['receivable', 'income', 40000n],
      ['receivable', 'income', 60000n],
      ['adjustment', 'income', 1_000_000n],
      ['regular', 'transfer', 100000n],
    ]);
  }, 90_000);
});
