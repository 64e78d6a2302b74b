/**
 * The local event source's batching window (issue 16), against the real SQS server of the tests:
 * a lone message is handed over at once, and what arrives while the window is open comes as one
 * batch instead of one receive, delete and reply send each.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';
import { startPoller } from './invoker.ts';

let pipe: TestPipeline;
beforeAll(async () => {
  pipe = await createTestPipeline();
});
afterAll(async () => {
  await pipe.close();
});

describe('batching window', () => {
  it('hands a lone message over at once and gathers what follows into one batch', async () => {
    const batches: number[] = [];
    let firstAt = 0;
    const poller = startPoller({
      client: pipe.sqs,
      queueUrl: pipe.urls.inbound,
      name: 'window',
      waitTimeSeconds: 1,
      batchWindowMs: 1500,
      handler: async (event: SQSEvent) => {
        if (batches.length === 0) firstAt = performance.now();
        batches.push(event.Records.length);
        return { batchItemFailures: [] };
      },
    });
    try {
      // Six senders, so FIFO groups do not hold any message back.
      const sentAt = performance.now();
      await pipe.sendInbound(textEnvelope('6281500000001', 'beli kopi 18k'));
      while (batches.length === 0 && performance.now() - sentAt < 5000) await sleep(10);
      // Handed over without waiting for the window (the long poll was already waiting).
      expect(batches).toEqual([1]);
      expect(firstAt - sentAt).toBeLessThan(1500);
      for (let sender = 2; sender <= 6; sender += 1) {
        await pipe.sendInbound(textEnvelope(`628150000000${sender}`, 'beli kopi 18k'));
      }
      const deadline = performance.now() + 5000;
      while (batches.reduce((sum, n) => sum + n, 0) < 6 && performance.now() < deadline) await sleep(10);
    } finally {
      await poller.stop();
    }
    // The five sent while the window was open: one receive, not five.
    expect(batches).toEqual([1, 5]);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
