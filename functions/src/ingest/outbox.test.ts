/**
 * A reply is never lost and never sent twice: the crash between a commit and its send leaves the
 * reply in the outbox, and either the redelivered message or the relay sends it — once.
 */
import { handleIncoming } from '@kantong/shared/conversation';
import { sql } from '@kantong/shared/db';
import * as Outbox from '@kantong/shared/outbox';
import { type QueueKey, toIncoming } from '@kantong/shared/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startWorkers } from '../local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';

let pipe: TestPipeline;
beforeAll(async () => {
  pipe = await createTestPipeline();
});
afterAll(async () => {
  await pipe.close();
});

/** Commits a message's effects and reply without sending it: a crash right after the commit. */
async function commitWithoutSending(from: string, text: string) {
  const envelope = textEnvelope(from, text);
  const result = await handleIncoming({ pool: pipe.db.pool, delivery: 'outbox' }, toIncoming(envelope));
  expect(result.outbox_ids).toHaveLength(1);
  return envelope;
}

const pending = () =>
  pipe.db.pool.oneFirst(
    sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`,
  );

describe('outbox', () => {
  it('sends a committed reply once when the message is delivered again after a crash', async () => {
    const envelope = await commitWithoutSending('6281500000001', 'beli pulsa 50k');
    expect(await pending()).toBe(1);

    await pipe.sendInbound(envelope);
    await pipe.sendInbound(envelope, `${envelope.message_id}-again`);
    const workers = await startWorkers(pipe.deps, {
      retryDelaySeconds: 0,
      waitTimeSeconds: 1,
      relay: false,
      scheduler: false,
    });
    try {
      const replies = await pipe.collectReplies(3, 5000);
      expect(replies.map((reply) => reply.in_reply_to)).toEqual([envelope.message_id]);
    } finally {
      await workers.stop();
    }
    expect(await pending()).toBe(0);
    const transactions = await pipe.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM transactions`);
    expect(transactions).toBe(1);
  });

  it('relays a reply left pending when no redelivery comes, and only once', async () => {
    await commitWithoutSending('6281500000002', 'gaji 5jt');
    await pipe.db.pool.query(
      sql.unsafe`UPDATE outbox SET created_at = now() - interval '1 minute' WHERE status = 'pending'`,
    );
    const target = { client: pipe.sqs, queue: async (key: QueueKey) => pipe.urls[key] };
    const [first, second] = await Promise.all([
      Outbox.relayStale(pipe.db.pool, target, { olderThanSeconds: 30 }),
      Outbox.relayStale(pipe.db.pool, target, { olderThanSeconds: 30 }),
    ]);
    expect((first ?? 0) + (second ?? 0)).toBe(1);
    const replies = await pipe.collectReplies(2, 3000);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain('Catat pemasukan Rp5.000.000 kategori Gaji');
    expect(await pending()).toBe(0);
  });

  it('enqueues a keyed message (the media "⏳") only once, however often the work is retried', async () => {
    const key = 'ack:6281500000003:WAMSG1';
    const message = {
      userId: null,
      to: '6281500000003',
      body: '⏳ sebentar, aku dengerin dulu ya',
      dedupKey: key,
    };
    const first = await Outbox.enqueueOnce(pipe.db.pool, message);
    const second = await Outbox.enqueueOnce(pipe.db.pool, message);
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    const rows = await pipe.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM outbox WHERE dedup_key = ${key}`);
    expect(rows).toBe(1);
  });
});
