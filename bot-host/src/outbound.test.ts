/**
 * Replies from outbound.fifo (real ElasticMQ) to the stand-in for WhatsApp's servers: paced per
 * recipient and capped per number on a virtual clock, sent once per outbox id, dead-lettered
 * after repeated failures.
 */
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import { type OutboundMessage, queueName } from '@kantong/shared/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { type Clock, consumeOnce, createSender, Pacer } from './outbound.ts';
import { createTestHostEnv, StandInSocket, type TestHostEnv, virtualClock } from './testing.ts';

const USER = '6281234567890';

describe('Pacer', () => {
  it('spaces messages to one person by the interval', () => {
    const pacer = new Pacer({ intervalMs: 3000, maxPerMinute: 100 });

    const slots = [0, 0, 0, 10_000, 10_000].map((now) => pacer.reserve('main', USER, now));

    expect(slots).toEqual([0, 3000, 6000, 10_000, 13_000]);
  });

  it('lets different people be answered together, until the cap per number', () => {
    const pacer = new Pacer({ intervalMs: 3000, maxPerMinute: 5 });

    const slots = Array.from({ length: 7 }, (_, index) => pacer.reserve('main', `62811000000${index}`, 0));
    const otherNumber = pacer.reserve('second', '628110000000', 0);

    expect(slots).toEqual([0, 0, 0, 0, 0, 60_000, 60_000]);
    expect(otherNumber).toBe(0);
  });
});

describe('sending replies', () => {
  let env: TestHostEnv;
  let clock: Clock & { sleeps: number[] };
  let socket: StandInSocket;
  let sender: ReturnType<typeof createSender>;

  beforeAll(async () => {
    env = await createTestHostEnv();
    clock = virtualClock();
    socket = new StandInSocket(clock.now);
    sender = createSender({
      pool: env.db.pool,
      clock,
      pacer: new Pacer({ intervalMs: 3000, maxPerMinute: 20 }),
      pickSession: async () => ({ id: 'main', socket }),
      metrics: createMetrics(),
      log: logger,
    });
  });

  afterAll(async () => {
    await env.close();
  });

  const consumer = (overrides: { retryDelayS?: number } = {}) => ({
    sqs: env.sqs,
    queueUrl: env.urls.outbound,
    sender,
    ready: () => true,
    log: logger,
    retryDelayS: overrides.retryDelayS ?? 0,
    waitTimeSeconds: 1,
  });

  async function putReply(reply: OutboundMessage, dedup = `outbox-${reply.outbox_id}`) {
    await env.sqs.send(
      new SendMessageCommand({
        QueueUrl: env.urls.outbound,
        MessageBody: JSON.stringify(reply),
        MessageGroupId: reply.to,
        MessageDeduplicationId: dedup,
      }),
    );
  }

  it('holds the pace for a burst of 20 replies to one person, in order', async () => {
    // Prepare: 20 replies queued at once for the same person.
    for (let index = 1; index <= 20; index += 1) {
      await putReply({
        version: 1,
        outbox_id: 100 + index,
        to: USER,
        text: `balasan ${index}`,
        in_reply_to: null,
      });
    }
    const start = clock.now();

    // Act
    let received = 0;
    while (socket.sent.length < 20 && received < 40) received += await consumeOnce(consumer());

    // Assess: one every 3 s, in the order they were queued, nothing left behind.
    expect(socket.sent.map((sent) => sent.text)).toEqual(
      Array.from({ length: 20 }, (_, index) => `balasan ${index + 1}`),
    );
    expect(socket.sent.map((sent) => sent.at - start)).toEqual(
      Array.from({ length: 20 }, (_, index) => index * 3000),
    );
    expect(socket.sent.every((sent) => sent.jid === `${USER}@s.whatsapp.net`)).toBe(true);
    expect(await env.drain(env.urls.outbound, 0)).toEqual([]);
  });

  it('sends a reply once, even when the queue delivers its outbox id again', async () => {
    const before = socket.sent.length;
    const reply: OutboundMessage = {
      version: 1,
      outbox_id: 500,
      to: '6289876543210',
      text: 'sekali saja',
      in_reply_to: null,
    };
    await putReply(reply);
    await consumeOnce(consumer());

    // A second copy past the queue's 5-minute deduplication (another deduplication id).
    await putReply(reply, 'outbox-500-again');
    await consumeOnce(consumer());
    const direct = await sender.send({ to: reply.to, text: reply.text, outboxId: reply.outbox_id });

    expect(socket.sent.slice(before).map((sent) => sent.text)).toEqual(['sekali saja']);
    expect(direct).toEqual({ status: 'duplicate' });
    expect(await env.drain(env.urls.outbound, 0)).toEqual([]);
  });

  it('retries a reply that fails to send, then dead-letters it instead of dropping it', async () => {
    // Prepare
    socket.failSends = new Error('socket closed');
    const reply: OutboundMessage = {
      version: 1,
      outbox_id: 900,
      to: '6281111111111',
      text: 'gagal terus',
      in_reply_to: null,
    };
    await putReply(reply);
    const dlq = await env.sqs.send(
      new GetQueueUrlCommand({ QueueName: queueName('outbound-dlq.fifo', env.prefix) }),
    );

    // Act: five receives, each failing (maxReceiveCount 5), then the redrive.
    try {
      for (let attempt = 0; attempt < 6; attempt += 1) await consumeOnce(consumer());
    } finally {
      socket.failSends = null;
    }

    // Assess
    const dead = await env.drain(dlq.QueueUrl ?? '', 1);
    expect(dead.map((message) => JSON.parse(message.Body ?? ''))).toEqual([reply]);
    const claims = await env.db.pool.anyFirst(
      sql.unsafe`SELECT outbox_id FROM wa_sent_outbox WHERE outbox_id = 900`,
    );
    expect(claims).toEqual([]);
  });

  it('dead-letters a message that is not a reply, never deleting it unread', async () => {
    await env.sqs.send(
      new SendMessageCommand({
        QueueUrl: env.urls.outbound,
        MessageBody: '{"not":"a reply"}',
        MessageGroupId: 'x',
        MessageDeduplicationId: 'garbage-1',
      }),
    );
    const dlq = await env.sqs.send(
      new GetQueueUrlCommand({ QueueName: queueName('outbound-dlq.fifo', env.prefix) }),
    );

    for (let attempt = 0; attempt < 6; attempt += 1) await consumeOnce(consumer());

    const dead = await env.drain(dlq.QueueUrl ?? '', 1);
    expect(dead.map((message) => message.Body)).toEqual(['{"not":"a reply"}']);
  });
});
