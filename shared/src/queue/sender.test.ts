/**
 * The batched sender (issue 16) against the real SQS server of the tests (ElasticMQ in CI): every
 * message accepted once, each sender's in order, fewer requests than messages when they come at
 * once, a refused message failing alone, and a request that never answers holding nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSqsClient, ensureQueues } from './client.ts';
import { createBatchedSender, QueueRejectedError } from './sender.ts';
import { drainQueue } from './testing.ts';
import type { QueueKey } from './topology.ts';

const sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
let urls: Record<QueueKey, string>;
let requests = 0;
/** Requests carrying one of these deduplication ids never get an answer. */
const hanging = new Set<string>();

beforeAll(async () => {
  urls = await ensureQueues(sqs, `snd${randomBytes(3).toString('hex')}-`);
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      requests += 1;
      const entries = (args.input as { Entries?: { MessageDeduplicationId?: string }[] }).Entries ?? [];
      if (entries.some((entry) => hanging.has(entry.MessageDeduplicationId ?? ''))) {
        return new Promise<never>(() => undefined);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countBatches' },
  );
});
afterAll(() => sqs.destroy());

const receiveAll = (count: number) => drainQueue(sqs, urls.inbound, count, 20_000);

const message = (body: string, group: string, dedup: string) => ({
  MessageBody: body,
  MessageGroupId: group,
  MessageDeduplicationId: dedup,
});

describe('batched sender', () => {
  it('accepts messages sent at once in fewer requests, each sender in order', async () => {
    const sender = createBatchedSender(sqs, async () => urls.inbound);
    requests = 0;
    const sent = Array.from({ length: 30 }, (_, index) =>
      message(`${index % 5}:${Math.floor(index / 5)}`, `sender-${index % 5}`, `o-${index}`),
    );
    await Promise.all(sent.map((one) => sender.send(one)));
    // Each sender's six messages go one after another, five senders side by side: a dozen
    // requests or so instead of thirty.
    expect(requests).toBeLessThanOrEqual(15);
    const bodies = (await receiveAll(30)).map((received) => received.Body ?? '');
    expect([...bodies].sort()).toEqual(sent.map((one) => one.MessageBody).sort());
    for (let group = 0; group < 5; group += 1) {
      const order = bodies
        .filter((body) => body.startsWith(`${group}:`))
        .map((body) => Number(body.slice(2)));
      expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  it('sends a lone message at once, in one request', async () => {
    const sender = createBatchedSender(sqs, async () => urls.inbound);
    requests = 0;
    await sender.send(message('alone', 'g', 'alone-1'));
    expect(requests).toBe(1);
    expect((await receiveAll(1)).map((received) => received.Body)).toEqual(['alone']);
  });

  it('fails only the message the queue refuses', async () => {
    // One request out at a time, so the three go as one batch after the first.
    const sender = createBatchedSender(sqs, async () => urls.inbound, { maxInFlight: 1 });
    const results = await Promise.allSettled([
      sender.send(message('first', 'a', 'r-1')),
      sender.send(message('good', 'b', 'r-2')),
      // A character SQS does not allow in a body (U+0001): refused.
      sender.send(message('bad \u0001', 'c', 'r-3')),
      sender.send(message('also good', 'd', 'r-4')),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const refused = results[2];
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(QueueRejectedError);
    expect((await receiveAll(3)).map((received) => received.Body).sort()).toEqual([
      'also good',
      'first',
      'good',
    ]);
  });

  it('gives up on a request that never answers, and the sender’s next message goes after it', async () => {
    const sender = createBatchedSender(sqs, async () => urls.inbound, { timeoutMs: 500 });
    hanging.add('h-1');
    try {
      const stuck = sender.send(message('stuck', 'h', 'h-1'));
      const behind = sender.send(message('behind it', 'h', 'h-2'));
      // Another sender is not held up meanwhile (the second request slot).
      await sender.send(message('other sender', 'k', 'h-3'));
      await expect(stuck).rejects.toThrow(/did not answer within 500 ms/);
      await behind;
    } finally {
      hanging.clear();
    }
    expect((await receiveAll(2)).map((received) => received.Body).sort()).toEqual([
      'behind it',
      'other sender',
    ]);
  });
});
