/**
 * The relay claims, commits, then sends (issue 13, item 5): no transaction stays open over the
 * network, a send that fails halfway keeps what was sent as sent, and two relays never send one
 * row twice.
 */
import { randomBytes } from 'node:crypto';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { createSqsClient, ensureQueues } from '../queue/client.ts';
import { OutboundMessageSchema } from '../queue/envelope.ts';
import type { QueueKey } from '../queue/topology.ts';
import * as Outbox from './index.ts';

let db: TestDatabase;
let sqs: ReturnType<typeof createSqsClient>;
let urls: Record<QueueKey, string>;

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 4 });
  sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
  urls = await ensureQueues(sqs, `or${randomBytes(4).toString('hex')}-`);
});
afterAll(async () => {
  sqs.destroy();
  await db.drop();
});
beforeEach(async () => {
  await db.pool.query(sql.unsafe`UPDATE outbox SET status = 'queued'`);
});

/** Everything on outbound.fifo now, as "to: text". */
async function drain(): Promise<string[]> {
  const messages: Message[] = [];
  for (let empty = 0; empty < 2; ) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: urls.outbound, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const received = out.Messages ?? [];
    if (received.length === 0) empty += 1;
    messages.push(...received);
    if (received.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: urls.outbound,
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

async function pendingReplies(count: number, tag: string): Promise<number[]> {
  const ids: number[] = [];
  for (let index = 1; index <= count; index += 1) {
    ids.push(
      await Outbox.enqueue(db.pool, {
        userId: null,
        to: `62819000000${index}`,
        body: `${tag} ${index}`,
        inReplyTo: null,
        channel: 'whatsapp',
      }),
    );
  }
  return ids;
}

const statusOf = async (ids: number[]) =>
  db.pool.any(sql.type(
    z.object({ id: z.number(), status: z.string(), attempts: z.number(), claimed: z.boolean() }),
  )`
    SELECT id, status, attempts, claimed_until IS NOT NULL AS claimed FROM outbox
    WHERE id = ANY(${sql.array(ids, 'int8')}) ORDER BY id`);

/** Connections of this database sitting inside an open transaction, seen from another one. */
const openTransactions = () =>
  db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);

describe('the outbox relay', () => {
  it('keeps what it sent when a send fails halfway, and sends the rest next time, each once', async () => {
    const ids = await pendingReplies(3, 'separuh');
    let sends = 0;
    const flaky: Outbox.OutboundTarget = {
      client: sqs,
      queue: async (key) => {
        sends += 1;
        if (sends === 2) throw new Error('network down');
        return urls[key];
      },
    };
    await expect(Outbox.relayStale(db.pool, flaky, { olderThanSeconds: 0 })).rejects.toThrow('network down');
    expect(await statusOf(ids)).toEqual([
      { id: ids[0], status: 'queued', attempts: 1, claimed: false },
      { id: ids[1], status: 'pending', attempts: 1, claimed: false },
      { id: ids[2], status: 'pending', attempts: 0, claimed: false },
    ]);

    expect(await Outbox.relayStale(db.pool, flaky, { olderThanSeconds: 0 })).toBe(2);
    expect((await drain()).sort()).toEqual([
      '628190000001: separuh 1',
      '628190000002: separuh 2',
      '628190000003: separuh 3',
    ]);
  });

  it('holds no transaction open while it sends', async () => {
    await pendingReplies(2, 'terbuka');
    const seen: number[] = [];
    const watching: Outbox.OutboundTarget = {
      client: sqs,
      queue: async (key) => {
        seen.push(await openTransactions());
        return urls[key];
      },
    };
    expect(await Outbox.relayStale(db.pool, watching, { olderThanSeconds: 0 })).toBe(2);
    expect(seen).toEqual([0, 0]);
    await drain();
  });

  it('never lets two relays send one row, even while the first is still sending', async () => {
    await pendingReplies(4, 'berdua');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Outbox.OutboundTarget = {
      client: sqs,
      queue: async (key) => {
        await gate;
        return urls[key];
      },
    };
    const first = Outbox.relayStale(db.pool, slow, { olderThanSeconds: 0 });
    // The first relay has claimed and committed; a second one finds nothing left to take.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await Outbox.relayStale(db.pool, slow, { olderThanSeconds: 0 });
    release();
    expect([await first, second]).toEqual([4, 0]);
    expect(await drain()).toHaveLength(4);
  });
});
