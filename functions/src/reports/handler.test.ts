/**
 * Scheduled reports on a fake clock, for users in Asia/Jakarta (UTC+7), Asia/Makassar (UTC+8)
 * and Asia/Jayapura (UTC+9), through the real reports queue, worker, outbox and outbound.fifo.
 */
import { handleIncoming } from '@kantong/shared/conversation';
import { sql } from '@kantong/shared/db';
import { dueAt } from '@kantong/shared/schedules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startPoller } from '../local/invoker.ts';
import type { PipelineDeps } from '../pipeline.ts';
import { createTestPipeline, type TestPipeline } from '../testing-pipeline.ts';
import { runScheduler } from './handler.ts';
import { createReportWorker } from './worker.ts';

const ZONES = {
  '6281700000001': 'Asia/Jakarta',
  '6281700000002': 'Asia/Makassar',
  '6281700000003': 'Asia/Jayapura',
  '6281700000004': 'Asia/Jakarta',
} as const;
const QUIET = '6281700000004';

let pipe: TestPipeline;

async function say(from: string, text: string, at: string, id: string) {
  return handleIncoming(
    { pool: pipe.db.pool, now: () => new Date(at) },
    {
      from_number: from,
      message_type: 'text',
      text,
      message_id: id,
      timestamp: Math.floor(Date.parse(at) / 1000),
    },
  );
}

beforeAll(async () => {
  pipe = await createTestPipeline();
  for (const [phone, zone] of Object.entries(ZONES)) {
    await say(phone, 'halo', '2026-11-25T01:00:00Z', `hello-${phone}`);
    await say(phone, 'ya', '2026-11-25T01:00:01Z', `activate-${phone}`);
    await pipe.db.pool.query(sql.unsafe`UPDATE users SET timezone = ${zone} WHERE phone = ${phone}`);
  }
  for (const phone of Object.keys(ZONES).filter((phone) => phone !== QUIET)) {
    await say(phone, 'makan siang 25rb', '2026-11-25T05:00:00Z', `lunch-${phone}`);
  }
});
afterAll(async () => {
  await pipe.close();
});

/** Runs the scheduler at `at`, then the report worker until `expected` reports are out. */
async function reportsAt(at: string, expected: number) {
  const planned = await runScheduler(pipe.deps, new Date(at));
  const worker = startPoller({
    client: pipe.sqs,
    queueUrl: pipe.urls.reports,
    name: 'reportWorker',
    waitTimeSeconds: 1,
    retryDelaySeconds: 0,
    handler: createReportWorker(pipe.deps, { remindWhenEmpty: true }),
  });
  try {
    const replies = await pipe.collectReplies(expected, expected === 0 ? 2500 : 15_000);
    return { jobs: planned.jobs, replies };
  } finally {
    await worker.stop();
  }
}

describe('when reports are due', () => {
  it('is 21:00 local for the daily report, Monday 08:00 for the weekly, the 1st 08:00 for the monthly', () => {
    expect(dueAt(new Date('2026-11-25T14:00:00Z'), 'Asia/Jakarta')).toEqual([
      { kind: 'daily', period_key: '2026-11-25' },
    ]);
    expect(dueAt(new Date('2026-11-25T13:00:00Z'), 'Asia/Makassar')).toEqual([
      { kind: 'daily', period_key: '2026-11-25' },
    ]);
    expect(dueAt(new Date('2026-11-25T12:00:00Z'), 'Asia/Jayapura')).toEqual([
      { kind: 'daily', period_key: '2026-11-25' },
    ]);
    expect(dueAt(new Date('2026-11-25T13:00:00Z'), 'Asia/Jakarta')).toEqual([]);
    // Monday 30 November 2026, 08:00 WIB.
    expect(dueAt(new Date('2026-11-30T01:00:00Z'), 'Asia/Jakarta')).toEqual([
      { kind: 'weekly', period_key: '2026-11-23' },
      { kind: 'savings_reminder', period_key: '2026-11-30' },
    ]);
    // Tuesday 1 December 2026, 08:00 WITA.
    expect(dueAt(new Date('2026-12-01T00:00:00Z'), 'Asia/Makassar')).toEqual([
      { kind: 'monthly', period_key: '2026-11' },
    ]);
  });
});

describe('scheduled reports through the queues', () => {
  it('sends each zone its daily report at its own 21:00, once', async () => {
    const jayapura = await reportsAt('2026-11-25T12:00:00Z', 1);
    expect(jayapura.jobs).toBe(1);
    expect(jayapura.replies.map((reply) => reply.to)).toEqual(['6281700000003']);
    expect(jayapura.replies[0]?.text).toBe(
      'Ringkasan 25 Nov 2026\nIncome: Rp0\nExpense: Rp25.000\nTop kategori: Makan Rp25.000\nSaldo bulan ini: -Rp25.000.',
    );
    expect(jayapura.replies[0]?.in_reply_to).toBeNull();

    const makassar = await reportsAt('2026-11-25T13:00:00Z', 1);
    expect(makassar.replies.map((reply) => reply.to)).toEqual(['6281700000002']);

    const jakarta = await reportsAt('2026-11-25T14:00:00Z', 2);
    expect(jakarta.replies.map((reply) => reply.to).sort()).toEqual(['6281700000001', QUIET]);
    const quiet = jakarta.replies.find((reply) => reply.to === QUIET);
    expect(quiet?.text).toBe(
      "Hari ini belum ada catatan nih 😊 Ada pengeluaran yang kelewat? Ketik aja, contoh: 'makan siang 25rb'.",
    );

    const again = await reportsAt('2026-11-25T14:30:00Z', 0);
    expect(again).toEqual({ jobs: 0, replies: [] });
  });

  it('sends a redelivered job only once', async () => {
    const { deliverJob } = await import('@kantong/shared/schedules/deliver');
    const userId = await pipe.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      SELECT id FROM users WHERE phone = '6281700000001'`);
    const job = {
      user_id: userId,
      kind: 'monthly' as const,
      period_key: '2026-11',
      planned_for: '2026-12-01T01:00:00.000Z',
    };
    const first = await deliverJob(pipe.db.pool, job, { remindWhenEmpty: true });
    const second = await deliverJob(pipe.db.pool, job, { remindWhenEmpty: true });
    expect(first).not.toBeNull();
    expect(second).toBeNull();
  });

  it('sends the weekly report with budget status and a reminder for a goal behind its date', async () => {
    const phone = '6281700000001';
    await say(phone, 'set budget makan 100rb', '2026-11-26T05:00:00Z', 'budget-1');
    await say(phone, 'buat tabungan motor 12jt', '2026-11-26T05:01:00Z', 'goal-1');
    await pipe.db.pool.query(sql.unsafe`
      UPDATE savings_accounts SET target_date = '2027-05-30', created_at = '2026-05-30T00:00:00Z'
      WHERE name = 'motor'`);
    // Monday 30 November 2026, 08:00 WIB: weekly reports (23–29 Nov) for both Jakarta users, and
    // the savings reminder for the one whose goal is behind.
    const monday = await reportsAt('2026-11-30T01:00:00Z', 3);
    expect(monday.replies).toHaveLength(3);
    const mine = monday.replies.filter((reply) => reply.to === phone).map((reply) => reply.text);
    expect(mine).toHaveLength(2);
    expect(mine.find((text) => text.startsWith('Ringkasan minggu lalu (23–29 Nov 2026)'))).toContain(
      'Budget bulan ini:\n• Makan 25% (Rp25.000/Rp100.000)',
    );
    expect(mine.find((text) => text.startsWith('⏰'))).toBe(
      '⏰ Tabungan motor baru 0% (target 30 Mei 2027). Nabung Rp2.000.000/bulan biar kekejar.',
    );
  });
});

describe('budget alerts', () => {
  it('warns at 80% and at 100% of a monthly budget, each once', async () => {
    const phone = '6281700000009';
    const at = '2026-11-10T05:00:00Z';
    await say(phone, 'halo', at, 'b-hello');
    await say(phone, 'ya', at, 'b-activate');
    await say(phone, 'set budget transport 100rb', at, 'b-0');
    const replies = [];
    for (const [index, text] of ['ojek 50rb', 'ojek 30rb', 'ojek 10rb', 'ojek 20rb', 'ojek 5rb'].entries()) {
      replies.push(String((await say(phone, text, at, `b-${index + 1}`)).reply));
    }
    const alerts = replies.map((reply) => reply.split('\n\n')[1] ?? null);
    expect(alerts).toEqual([
      null,
      '⚠️ Budget Transport bulan ini udah kepakai 80% (Rp80.000 dari Rp100.000).',
      null,
      '🚨 Budget Transport bulan ini udah habis: Rp110.000 dari Rp100.000 (110%).',
      null,
    ]);
  });
});

/** Connections of the test database inside an open transaction, seen from another one. */
const openTransactions = () =>
  pipe.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);

describe('on several instances (issue 13)', () => {
  it('sends a report whose send failed after the commit when its job comes back', async () => {
    // Wednesday 2 December 2026, 21:00 in Jayapura: one daily report, for 6281700000003.
    let failed = false;
    const flaky: PipelineDeps = {
      ...pipe.deps,
      queue: async (key) => {
        if (key === 'outbound' && !failed) {
          failed = true;
          throw new Error('SQS unreachable right after the commit');
        }
        return pipe.deps.queue(key);
      },
    };
    await runScheduler(pipe.deps, new Date('2026-12-02T12:00:00Z'));
    const worker = startPoller({
      client: pipe.sqs,
      queueUrl: pipe.urls.reports,
      name: 'reportWorker',
      waitTimeSeconds: 1,
      retryDelaySeconds: 0,
      handler: createReportWorker(flaky, { remindWhenEmpty: true }),
    });
    try {
      const replies = await pipe.collectReplies(2, 8000);
      expect(failed).toBe(true);
      expect(replies.map((reply) => reply.to)).toEqual(['6281700000003']);
      // Nothing recorded that day: the daily reminder, sent once.
      expect(replies[0]?.text).toContain('Hari ini belum ada catatan');
    } finally {
      await worker.stop();
    }
  });

  it('enqueues the hour’s jobs after its commit, with no transaction open while it sends', async () => {
    const seen: number[] = [];
    const watching = {
      send: async (command: Parameters<typeof pipe.sqs.send>[0]) => {
        seen.push(await openTransactions());
        return pipe.sqs.send(command);
      },
    } as unknown as typeof pipe.sqs;
    // Thursday 3 December 2026, 21:00 WIB: the three Jakarta users.
    const planned = await runScheduler({ ...pipe.deps, sqs: watching }, new Date('2026-12-03T14:00:00Z'));
    expect(planned.jobs).toBe(3);
    expect(seen).toEqual([0]);
    const drained = await reportsAt('2026-12-03T14:30:00Z', 3);
    expect(drained.replies).toHaveLength(3);
  });
});
