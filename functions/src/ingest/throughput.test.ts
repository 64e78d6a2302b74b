/**
 * Issue 16, messages per core: several batches of inbound.fifo at once, the senders of one batch
 * side by side, and the batch's replies sent together — each without loosening a guarantee (one
 * effect, one reply, each sender's order), against a real SQS server and PostgreSQL.
 */
import { ReceiveMessageCommand, type SendMessageBatchRequest, type SQSClient } from '@aws-sdk/client-sqs';
import { sql } from '@kantong/shared/db';
import { createSqsClient, type InboundEnvelope, inboundMessageFields } from '@kantong/shared/queue';
import { processBatch } from '@kantong/shared/queue/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { startWorkers } from '../local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';
import { createIngestHandler } from './handler.ts';

let pipe: TestPipeline;

beforeAll(async () => {
  pipe = await createTestPipeline();
});
afterAll(async () => {
  await pipe.close();
});

/** An SQS record as the event source mapping hands it over (no receipt needed: nothing deletes). */
function recordOf(envelope: InboundEnvelope, sequence: number): SQSRecord {
  const fields = inboundMessageFields(envelope);
  return {
    messageId: `m-${envelope.message_id}`,
    receiptHandle: `r-${sequence}`,
    body: fields.MessageBody,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: fields.MessageGroupId,
      MessageDeduplicationId: fields.MessageDeduplicationId,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-southeast-3:000000000000:inbound.fifo',
    awsRegion: 'ap-southeast-3',
  };
}

/** The SQS commands a client sends, by name. */
function countCommands(client: SQSClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

const amountsOf = (phone: string) =>
  pipe.db.pool.anyFirst(sql.type(z.object({ amount: z.bigint() }))`
    SELECT t.amount FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = ${phone} ORDER BY t.id`);

describe('ingest throughput (issue 16)', () => {
  it('runs ingestConcurrency pollers on inbound.fifo, not one', async () => {
    const sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
    let inFlight = 0;
    let most = 0;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { QueueUrl?: string };
        if (context.commandName !== 'ReceiveMessageCommand' || input.QueueUrl !== pipe.urls.inbound)
          return next(args);
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await next(args);
        } finally {
          inFlight -= 1;
        }
      },
      { step: 'initialize', name: 'concurrentReceives' },
    );
    const workers = await startWorkers(
      { ...pipe.deps, sqs },
      { waitTimeSeconds: 1, relay: false, scheduler: false, ingestConcurrency: 3 },
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 2500));
    } finally {
      await workers.stop();
      sqs.destroy();
    }
    expect(most).toBe(3);
  });

  it('handles the senders of one batch side by side, each sender in order', async () => {
    // Ana's first record can only finish once Budi's has started: one after the other, it waits in vain.
    let budiStarted: () => void = () => undefined;
    const budiStarts = new Promise<void>((resolve) => {
      budiStarted = resolve;
    });
    const seen: string[] = [];
    const envelopes = [
      textEnvelope('6281500000001', 'ana 1'),
      textEnvelope('6281500000001', 'ana 2'),
      textEnvelope('6281500000002', 'budi 1'),
    ];
    const event: SQSEvent = { Records: envelopes.map(recordOf) };
    const response = await processBatch(
      event,
      async (record) => {
        const text = (JSON.parse(record.body) as { text: string }).text;
        if (text === 'budi 1') budiStarted();
        if (text === 'ana 1') {
          const waited = await Promise.race([
            budiStarts.then(() => 'ok'),
            new Promise((resolve) => setTimeout(() => resolve('timeout'), 3000)),
          ]);
          if (waited !== 'ok') throw new Error('budi never started while ana waited');
        }
        seen.push(text);
      },
      { fifo: true, name: 'ingest' },
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.filter((text) => text.startsWith('ana'))).toEqual(['ana 1', 'ana 2']);
  });

  it('sends a batch’s replies with SendMessageBatch, once each, in each sender’s order', async () => {
    const cici = '6281500000011';
    const dodi = '6281500000012';
    const envelopes = [
      textEnvelope(cici, 'beli kopi 11k'),
      textEnvelope(dodi, 'beli teh 21k'),
      textEnvelope(cici, 'beli roti 12k'),
      textEnvelope(dodi, 'beli susu 22k'),
      textEnvelope(cici, 'beli gula 13k'),
    ];
    const counts = countCommands(pipe.sqs);
    const response = await createIngestHandler(pipe.deps)({ Records: envelopes.map(recordOf) });
    expect(response.batchItemFailures).toEqual([]);
    // Three rounds (Cici has three replies), at most one reply per recipient in each.
    expect(counts.get('SendMessageBatchCommand')).toBe(3);
    expect(counts.get('SendMessageCommand') ?? 0).toBe(0);
    const replies = await pipe.collectReplies(5);
    expect(replies).toHaveLength(5);
    const order = (to: string) =>
      replies.filter((reply) => reply.to === to).map((reply) => reply.in_reply_to);
    expect(order(cici)).toEqual([envelopes[0], envelopes[2], envelopes[4]].map((e) => e?.message_id));
    expect(order(dodi)).toEqual([envelopes[1], envelopes[3]].map((e) => e?.message_id));
    expect(await amountsOf(cici)).toEqual([11000n, 12000n, 13000n]);
  });

  it('fails the records whose reply could not be sent (and their sender’s later ones); the redelivery sends each once, in order', async () => {
    const eka = '6281500000021';
    const fani = '6281500000022';
    const envelopes = [
      textEnvelope(eka, 'beli kopi 31k'),
      textEnvelope(fani, 'beli teh 41k'),
      textEnvelope(eka, 'beli roti 32k'),
    ];
    const records = envelopes.map(recordOf);
    // The queue refuses Eka's first reply once (as SQS reports a failed entry of a batch).
    let refused = false;
    pipe.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'SendMessageBatchCommand' || refused) return next(args);
        const input = args.input as SendMessageBatchRequest;
        const entries = input.Entries ?? [];
        const victim = entries.find((entry) => entry.MessageGroupId === eka);
        if (!victim) return next(args);
        refused = true;
        const rest = entries.filter((entry) => entry !== victim);
        const result = await next({ ...args, input: { ...input, Entries: rest } });
        const output = result.output as { Failed?: object[] };
        output.Failed = [
          ...(output.Failed ?? []),
          { Id: victim.Id, Code: 'InternalError', SenderFault: false, Message: 'refused by the test' },
        ];
        return result;
      },
      { step: 'initialize', name: 'refuseOnce' },
    );
    const handler = createIngestHandler(pipe.deps);
    const first = await handler({ Records: records });
    expect(refused).toBe(true);
    expect(first.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      records[0]?.messageId,
      records[2]?.messageId,
    ]);
    // Redelivered, in order: recognised as duplicates, their pending replies go out now.
    const second = await handler({ Records: [records[0], records[2]] as SQSRecord[] });
    expect(second.batchItemFailures).toEqual([]);
    const replies = await pipe.collectReplies(3);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const late = await pipe.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pipe.urls.outbound,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    expect(late.Messages ?? []).toEqual([]);
    expect(replies.filter((reply) => reply.to === eka).map((reply) => reply.in_reply_to)).toEqual([
      envelopes[0]?.message_id,
      envelopes[2]?.message_id,
    ]);
    expect(replies.filter((reply) => reply.to === fani)).toHaveLength(1);
    expect(await amountsOf(eka)).toEqual([31000n, 32000n]);
  });
});
