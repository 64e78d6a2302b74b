/**
 * Where a reply goes is written with it: a reply to a console message travels on console.fifo,
 * a reply to a WhatsApp message on outbound.fifo — by the flush after the commit and by the relay
 * alike. A message Kantong starts (a scheduled report) follows the number's last reply.
 */
import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createSqsClient, ensureQueues } from '../queue/client.ts';
import { InboundEnvelopeSchema, OutboundMessageSchema } from '../queue/envelope.ts';
import type { QueueKey } from '../queue/topology.ts';
import * as Outbox from './index.ts';

let db: TestDatabase;
let sqs: ReturnType<typeof createSqsClient>;
let urls: Record<QueueKey, string>;
let target: Outbox.OutboundTarget;

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
  sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
  urls = await ensureQueues(sqs, `oc${randomBytes(4).toString('hex')}-`);
  target = { client: sqs, queue: async (key) => urls[key] };
});
afterAll(async () => {
  sqs.destroy();
  await db.drop();
});

/** Receives and deletes what is on a queue: the recipient and text of each reply. */
async function take(key: QueueKey, expected: number): Promise<string[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + 5000;
  while (messages.length < expected && Date.now() < deadline) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: urls[key], MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const received = out.Messages ?? [];
    messages.push(...received);
    if (received.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: urls[key],
          Entries: received.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }
  return messages.map((message) => {
    const reply = OutboundMessageSchema.parse(JSON.parse(message.Body ?? ''));
    return `${reply.to}: ${reply.text}`;
  });
}

const channelOf = async (id: number) =>
  db.pool.oneFirst(sql.type(z.object({ channel: z.string() }))`SELECT channel FROM outbox WHERE id = ${id}`);

describe('the channel of a reply', () => {
  it('sends console replies to console.fifo and WhatsApp replies to outbound.fifo', async () => {
    const ids = [
      await Outbox.enqueue(db.pool, {
        userId: null,
        to: '6281800000001',
        body: 'ke konsol',
        inReplyTo: null,
        channel: 'console',
      }),
      await Outbox.enqueue(db.pool, {
        userId: null,
        to: '6281800000002',
        body: 'ke WA',
        inReplyTo: null,
        channel: 'whatsapp',
      }),
    ];
    expect(await Outbox.flush(db.pool, target, ids)).toBe(2);

    expect(await take('console', 1)).toEqual(['6281800000001: ke konsol']);
    expect(await take('outbound', 1)).toEqual(['6281800000002: ke WA']);
  });

  it('sends rows the caller just wrote as they were handed over, and reads the others (issue 16)', async () => {
    const written = await Outbox.enqueue(db.pool, {
      userId: null,
      to: '6281800000005',
      body: 'dari transaksi',
      inReplyTo: null,
      channel: 'whatsapp',
    });
    const other = await Outbox.enqueue(db.pool, {
      userId: null,
      to: '6281800000006',
      body: 'dibaca ulang',
      inReplyTo: null,
      channel: 'whatsapp',
    });
    // The handed-over copy says otherwise than the table: what arrives shows which was sent.
    const known = new Map([
      [
        written,
        {
          id: written,
          to_number: '6281800000005',
          body: 'seperti diserahkan',
          wa_message_id: null,
          channel: 'whatsapp' as const,
        },
      ],
    ]);
    const outcome = await Outbox.flushMany(db.pool, target, [written, other], known);
    expect(outcome).toEqual({ queued: [written, other], unsent: [] });
    expect((await take('outbound', 2)).sort()).toEqual([
      '6281800000005: seperti diserahkan',
      '6281800000006: dibaca ulang',
    ]);
    const statuses = await db.pool.anyFirst(sql.type(z.object({ status: z.string() }))`
      SELECT status FROM outbox WHERE id = ANY(${sql.array([written, other], 'int8')})`);
    expect(statuses).toEqual(['queued', 'queued']);
  });

  it('sends a message Kantong starts where the number’s last reply went; WhatsApp for a number never answered', async () => {
    await Outbox.enqueue(db.pool, {
      userId: null,
      to: '6281800000003',
      body: 'halo',
      inReplyTo: null,
      channel: 'console',
    });
    const report = await Outbox.enqueue(db.pool, {
      userId: null,
      to: '6281800000003',
      body: 'Ringkasan',
      inReplyTo: null,
    });
    const stranger = await Outbox.enqueue(db.pool, {
      userId: null,
      to: '6281800000004',
      body: 'Ringkasan',
      inReplyTo: null,
    });
    const ack = await Outbox.enqueueOnce(db.pool, {
      userId: null,
      to: '6281800000003',
      body: '⏳',
      dedupKey: 'ack:x',
    });

    expect([await channelOf(report), await channelOf(stranger), await channelOf(ack ?? 0)]).toEqual([
      'console',
      'whatsapp',
      'console',
    ]);
  });

  it('relays a reply left pending to its own channel’s queue', async () => {
    await db.pool.query(sql.unsafe`UPDATE outbox SET status = 'queued'`);
    await Outbox.enqueue(db.pool, {
      userId: null,
      to: '6281800000005',
      body: 'tertunda',
      inReplyTo: null,
      channel: 'console',
    });
    await Outbox.enqueue(db.pool, {
      userId: null,
      to: '6281800000006',
      body: 'tertunda',
      inReplyTo: null,
      channel: 'whatsapp',
    });
    expect(await Outbox.relayStale(db.pool, target, { olderThanSeconds: 0 })).toBe(2);

    expect(await take('console', 1)).toEqual(['6281800000005: tertunda']);
    expect(await take('outbound', 1)).toEqual(['6281800000006: tertunda']);
  });
});

describe('the channel of an inbound envelope', () => {
  const envelope = {
    version: 1,
    message_id: 'console-0011223344556677',
    from_number: '6281800000001',
    bot_number: null,
    type: 'text',
    text: 'beli kopi 20k',
    media: null,
    timestamp: 1_790_000_000,
  };

  it('is whatsapp or console, and absent on envelopes from before channels', () => {
    expect(InboundEnvelopeSchema.parse({ ...envelope, channel: 'console' }).channel).toBe('console');
    expect(InboundEnvelopeSchema.parse(envelope).channel).toBeUndefined();
    expect(InboundEnvelopeSchema.safeParse({ ...envelope, channel: 'sms' }).success).toBe(false);
  });
});
