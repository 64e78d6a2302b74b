/**
 * Household books (issue 15) through the queues — inbound.fifo → ingest → PostgreSQL →
 * outbound.fifo — against a real SQS server and PostgreSQL: two and then three members in one
 * family group booking, a report with a line per person, a viewer refused, the same group message
 * delivered twice booking once, a member who left the group refused, a group never activated
 * staying silent, and personal books kept apart from the household's both ways.
 */
import { sql } from '@kantong/shared/db';
import type { InboundEnvelope, OutboundMessage } from '@kantong/shared/queue';
import { deliverJob } from '@kantong/shared/schedules/deliver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startWorkers, type Workers } from '../local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';

let pipe: TestPipeline;
let workers: Workers | undefined;

beforeAll(async () => {
  pipe = await createTestPipeline();
  workers = await startWorkers(pipe.deps, {
    retryDelaySeconds: 0,
    waitTimeSeconds: 1,
    relay: false,
    scheduler: false,
  });
});
afterEach(async () => {
  // Nothing a test did may still be on its way when the next one counts replies.
  expect(await pipe.collectReplies(1, 1500)).toEqual([]);
});
afterAll(async () => {
  await workers?.stop();
  await pipe.close();
});

const GROUP = '120363111111111111@g.us';
const QUIET_GROUP = '120363999999999999@g.us';
const BUDI = '6281915000001';
const ANI = '6281915000002';
const CICI = '6281915000003';
const NAMES: Record<string, string> = { [BUDI]: 'Budi', [ANI]: 'Ani', [CICI]: 'Cici' };

let sequence = 0;
function groupEnvelope(
  from: string,
  text: string,
  options: { jid?: string; event?: NonNullable<InboundEnvelope['group']>['event'] } = {},
): InboundEnvelope {
  sequence += 1;
  return {
    version: 1,
    message_id: `GRP${process.pid}X${sequence}`,
    from_number: from,
    bot_number: null,
    type: 'text',
    text: options.event ? null : text,
    media: null,
    timestamp: Math.floor(Date.now() / 1000),
    group: {
      jid: options.jid ?? GROUP,
      name: 'Keluarga Santoso',
      sender_lid: null,
      sender_name: NAMES[from] ?? null,
      event: options.event ?? null,
    },
  };
}

/** Sends envelopes in order and waits for `replies` replies, returned in the order sent. */
async function exchange(
  envelopes: InboundEnvelope[],
  replies = envelopes.length,
): Promise<OutboundMessage[]> {
  for (const envelope of envelopes) await pipe.sendInbound(envelope);
  const out = await pipe.collectReplies(replies, 30_000);
  const order = new Map(envelopes.map((envelope, index) => [envelope.message_id, index]));
  return out.sort((a, b) => (order.get(a.in_reply_to ?? '') ?? 99) - (order.get(b.in_reply_to ?? '') ?? 99));
}

async function register(phone: string) {
  const replies = await exchange([textEnvelope(phone, 'halo')]);
  expect(replies[0]?.to).toBe(phone);
  await exchange([textEnvelope(phone, 'ya')]);
}

const RowSchema = z.object({ book: z.string(), amount: z.bigint(), author: z.string().nullable() });
const rows = () =>
  pipe.db.pool.any(sql.type(RowSchema)`
    SELECT COALESCE(u.phone, u.name) AS book, t.amount, m.display_name AS author
    FROM transactions t JOIN users u ON u.id = t.user_id
    LEFT JOIN household_members m ON m.id = t.author_member_id
    WHERE t.deleted_at IS NULL ORDER BY t.id`);

describe('a family group through inbound.fifo → ingest → outbound.fifo', () => {
  it('stays silent in a group never activated: no rows at all', async () => {
    const counts = () =>
      pipe.db.pool.one(sql.type(z.object({ users: z.number(), messages: z.number(), outbox: z.number() }))`
        SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM wa_messages) AS messages,
               (SELECT count(*)::int FROM outbox) AS outbox`);
    const before = await counts();
    for (const text of ['beli beras 65rb', 'laporan bulan ini', 'halo kantong']) {
      await pipe.sendInbound(groupEnvelope(BUDI, text, { jid: QUIET_GROUP }));
    }
    expect(await pipe.collectReplies(1, 5000)).toEqual([]);
    expect(await counts()).toEqual(before);
  }, 30_000);

  it('two members book into one household, each named, with a per-person report', async () => {
    await register(BUDI);
    await exchange([textEnvelope(BUDI, 'beli kopi 20rb')]);

    const [activated] = await exchange([groupEnvelope(BUDI, 'aktifkan kantong')]);
    expect(activated?.to).toBe(GROUP);
    expect(activated?.text).toContain('Kantong aktif di grup ini');

    const booking = groupEnvelope(BUDI, 'beli beras 65rb');
    const messages = [booking, groupEnvelope(ANI, 'bayar listrik 300rb'), groupEnvelope(BUDI, 'bensin 50rb')];
    const replies = await exchange(messages);
    // The same group message again, as WhatsApp replays it after the FIFO's deduplication window.
    await pipe.sendInbound(booking, `${booking.message_id}-replay`);
    expect(await pipe.collectReplies(1, 4000)).toEqual([]);
    expect(replies.map((reply) => reply.to)).toEqual([GROUP, GROUP, GROUP]);
    expect(replies[0]?.text).toMatch(/^✅ Dicatat buat Budi: pengeluaran Rp65\.000/);
    expect(replies[1]?.text).toMatch(/^✅ Dicatat buat Ani: pengeluaran Rp300\.000/);
    expect(replies[2]?.text).toMatch(/^✅ Dicatat buat Budi: pengeluaran Rp50\.000/);

    const [report] = await exchange([groupEnvelope(ANI, 'laporan bulan ini')]);
    expect(report?.to).toBe(GROUP);
    expect(report?.text).toContain('Expense: Rp415.000');
    expect(report?.text).toContain('Per orang:\n• Ani: keluar Rp300.000\n• Budi: keluar Rp115.000');

    expect(await rows()).toEqual([
      { book: BUDI, amount: 20000n, author: null },
      { book: 'Keluarga Santoso', amount: 65000n, author: 'Budi' },
      { book: 'Keluarga Santoso', amount: 300000n, author: 'Ani' },
      { book: 'Keluarga Santoso', amount: 50000n, author: 'Budi' },
    ]);

    // Personal books stay personal, both ways: Budi's own report has only his coffee, and a
    // personal booking after the group's leaves the household's report as it was.
    const [personal] = await exchange([textEnvelope(BUDI, 'laporan bulan ini')]);
    expect(personal?.to).toBe(BUDI);
    expect(personal?.text).toContain('Expense: Rp20.000');
    expect(personal?.text).not.toContain('Per orang');
    await exchange([textEnvelope(ANI, 'beli pulsa 100rb')]);
    const [again] = await exchange([groupEnvelope(BUDI, 'laporan bulan ini')]);
    expect(again?.text).toContain('Expense: Rp415.000');

    // The household's scheduled report goes to its group.
    const bookId = await pipe.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      SELECT book_id AS id FROM households WHERE group_jid = ${GROUP}`);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(new Date());
    const job = {
      user_id: bookId,
      kind: 'daily' as const,
      period_key: day,
      planned_for: new Date().toISOString(),
    };
    const outboxId = await deliverJob(pipe.db.pool, job, { remindWhenEmpty: true });
    const scheduled = await pipe.db.pool.one(sql.type(z.object({ to_number: z.string(), body: z.string() }))`
      SELECT to_number, body FROM outbox WHERE id = ${outboxId ?? 0}`);
    expect(scheduled.to_number).toBe(GROUP);
    expect(scheduled.body).toContain('Per orang:');
  }, 120_000);

  it('three members: a viewer is refused, a member who left is refused, reads still answer', async () => {
    const [cici] = await exchange([groupEnvelope(CICI, 'beli sayur 25rb')]);
    expect(cici?.text).toMatch(/^✅ Dicatat buat Cici: pengeluaran Rp25\.000/);

    const [role] = await exchange([groupEnvelope(BUDI, 'jadikan 0819-1500-0003 viewer')]);
    expect(role?.text).toContain('Cici sekarang *viewer*');
    const [notOwner] = await exchange([groupEnvelope(ANI, `jadikan ${BUDI} viewer`)]);
    expect(notOwner?.text).toContain('cuma owner');

    const [refused] = await exchange([groupEnvelope(CICI, 'beli telur 30rb')]);
    expect(refused?.to).toBe(GROUP);
    expect(refused?.text).toContain('kamu *viewer*');
    const [viewerReads] = await exchange([groupEnvelope(CICI, 'laporan bulan ini')]);
    expect(viewerReads?.text).toContain('• Cici: keluar Rp25.000');

    // Ani leaves the group (the host's event): no reply, then her bookings are refused.
    await pipe.sendInbound(
      groupEnvelope(BUDI, '', { event: { kind: 'left', members: [{ phone: ANI, lid: null }] } }),
    );
    expect(await pipe.collectReplies(1, 4000)).toEqual([]);
    const [left] = await exchange([groupEnvelope(ANI, 'beli gas 25rb')]);
    expect(left?.text).toContain('udah nggak tercatat di grup ini');

    const live = (await rows()).filter((row) => row.book === 'Keluarga Santoso');
    expect(live.map((row) => [row.author, row.amount])).toEqual([
      ['Budi', 65000n],
      ['Ani', 300000n],
      ['Budi', 50000n],
      ['Cici', 25000n],
    ]);

    // An owner stops it: the group goes silent and its books stay.
    const [off] = await exchange([groupEnvelope(BUDI, 'matikan kantong')]);
    expect(off?.text).toContain('Kantong berhenti di grup ini');
    await pipe.sendInbound(groupEnvelope(BUDI, 'beli beras 65rb'));
    expect(await pipe.collectReplies(1, 4000)).toEqual([]);
    expect((await rows()).filter((row) => row.book === 'Keluarga Santoso')).toHaveLength(4);
    // …and hears no scheduled report either.
    const bookId = await pipe.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      SELECT book_id AS id FROM households WHERE group_jid = ${GROUP}`);
    const job = {
      user_id: bookId,
      kind: 'monthly' as const,
      period_key: '2026-10',
      planned_for: new Date().toISOString(),
    };
    expect(await deliverJob(pipe.db.pool, job, { remindWhenEmpty: true })).toBeNull();
  }, 120_000);
});
