/**
 * The chat console's queue transport takes the path a WhatsApp message takes: an envelope on
 * inbound.fifo through the real ingest function, the reply read back from outbound.fifo.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startWorkers, type Workers } from '../../functions/src/local/workers.ts';
import { createTestPipeline, type TestPipeline } from '../../functions/src/testing-pipeline.ts';
import { queueTransport } from './console-queue.ts';

let pipe: TestPipeline;
let workers: Workers;

beforeAll(async () => {
  pipe = await createTestPipeline();
  workers = await startWorkers(pipe.deps, { waitTimeSeconds: 1, relay: false, retryDelaySeconds: 0 });
});
afterAll(async () => {
  await workers.stop();
  await pipe.close();
});

it('sends a typed line through inbound.fifo and returns the reply from outbound.fifo', async () => {
  const endpoint = String(
    await pipe.sqs.config.endpoint?.().then((url) => `${url.protocol}//${url.hostname}:${url.port}`),
  );
  const send = queueTransport(
    { sqsEndpoint: endpoint, queuePrefix: pipe.prefix, region: 'elasticmq' },
    '6281600000001',
  );
  const first = await send('beli pulsa 50k');
  expect(first).toEqual({
    ok: true,
    reply: expect.stringContaining('✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data.'),
  });
  const second = await send('laporan hari ini');
  expect(second.ok && second.reply.startsWith('Ringkasan ')).toBe(true);
});

it('leaves replies addressed to other numbers on the queue', async () => {
  await pipe.sqs.send(
    new SendMessageCommand({
      QueueUrl: pipe.urls.outbound,
      MessageBody: JSON.stringify({
        version: 1,
        outbox_id: 999999,
        to: '6281699999999',
        text: 'bukan buat kamu',
        in_reply_to: null,
      }),
      MessageGroupId: '6281699999999',
      MessageDeduplicationId: 'outbox-999999',
    }),
  );
  const endpoint = String(
    await pipe.sqs.config.endpoint?.().then((url) => `${url.protocol}//${url.hostname}:${url.port}`),
  );
  const send = queueTransport(
    { sqsEndpoint: endpoint, queuePrefix: pipe.prefix, region: 'elasticmq' },
    '6281600000002',
  );
  const result = await send('makasih ya');
  expect(result.ok && !result.reply.includes('bukan buat kamu')).toBe(true);
  const left = await pipe.collectReplies(1, 3000);
  expect(left.map((reply) => reply.text)).toEqual(['bukan buat kamu']);
});
