/**
 * Input that can never succeed (issue 14 item 3): a control character is cleaned where the text
 * enters, and a record that fails validation is answered and dead-lettered at once — never
 * retried like a transient fault while the sender's later messages wait behind it in their FIFO
 * group.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from '@kantong/shared/db';
import { processBatch } from '@kantong/shared/queue/batch';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startPoller } from '../local/invoker.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';
import { ingestRecord, isDataException, REJECTED_REPLY } from './handler.ts';

let pipe: TestPipeline;

beforeAll(async () => {
  pipe = await createTestPipeline();
});
afterAll(async () => {
  await pipe.close();
});

const amountsOf = (phone: string) =>
  pipe.db.pool.anyFirst(sql.type(z.object({ amount: z.bigint() }))`
    SELECT t.amount FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = ${phone} ORDER BY t.id`);

/** Puts a raw body on inbound.fifo, as an older or broken producer would (no validation). */
async function sendRaw(body: string, group: string, dedupId: string): Promise<void> {
  await pipe.sqs.send(
    new SendMessageCommand({
      QueueUrl: pipe.urls.inbound,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: dedupId,
    }),
  );
}

/** Runs ingest over inbound.fifo, counting how often each body was handed to it. */
function pollCounting() {
  const calls = new Map<string, number>();
  const poller = startPoller({
    client: pipe.sqs,
    queueUrl: pipe.urls.inbound,
    name: 'ingest',
    waitTimeSeconds: 1,
    retryDelaySeconds: 0,
    handler: (event) =>
      processBatch(
        event,
        (record: SQSRecord) => {
          calls.set(record.body, (calls.get(record.body) ?? 0) + 1);
          return ingestRecord(pipe.deps, record);
        },
        { fifo: true, name: 'ingest' },
      ),
  });
  return { calls, poller };
}

describe('input that can never succeed', () => {
  it('cleans a NUL byte out of the text and records the message, once', async () => {
    const gita = '6281300000201';
    const nul = JSON.stringify({ ...textEnvelope(gita, 'beli a\u0000b 5k'), text: 'beli a\u0000b 5k' });
    await sendRaw(nul, gita, 'nul-1');
    await pipe.sendInbound(textEnvelope(gita, 'beli teh 7k'));
    const { calls, poller } = pollCounting();
    try {
      const replies = await pipe.collectReplies(2, 15_000);
      expect(replies.map((reply) => reply.text)).toEqual([
        expect.stringContaining('Rp5.000'),
        expect.stringContaining('Rp7.000'),
      ]);
    } finally {
      await poller.stop();
    }
    expect(calls.get(nul)).toBe(1);
    expect(await amountsOf(gita)).toEqual([5000n, 7000n]);
    const stored = await pipe.db.pool.anyFirst(sql.type(z.object({ wa_body: z.string() }))`
      SELECT wa_body FROM wa_messages WHERE wa_from = ${gita} AND direction = 'in' ORDER BY id`);
    expect(stored).toEqual(['beli ab 5k', 'beli teh 7k']);
  });

  it('answers an invalid envelope at once, dead-letters it, and goes on with the sender’s next message', async () => {
    const hana = '6281300000202';
    const bad = JSON.stringify({ ...textEnvelope(hana, 'beli kopi 9k'), message_id: 'not a valid id' });
    await sendRaw(bad, hana, 'bad-1');
    const good = textEnvelope(hana, 'beli roti 8k');
    await pipe.sendInbound(good);
    const started = Date.now();
    const { calls, poller } = pollCounting();
    let replies: Awaited<ReturnType<TestPipeline['collectReplies']>>;
    try {
      replies = await pipe.collectReplies(2, 15_000);
    } finally {
      await poller.stop();
    }
    expect(replies.map((reply) => [reply.to, reply.text])).toEqual([
      [hana, REJECTED_REPLY],
      [hana, expect.stringContaining('Rp8.000')],
    ]);
    expect(replies[1]?.in_reply_to).toBe(good.message_id);
    // Handed to ingest once: no retry, so nothing waited behind it.
    expect(calls.get(bad)).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await amountsOf(hana)).toEqual([8000n]);
    const dead = await pipe.peekDeadLetters('inbound');
    expect(dead.map((message) => message.Body)).toContain(bad);
  });

  it('dead-letters a body that is not JSON at once, with no reply (no sender to answer)', async () => {
    const body = 'not json at all';
    await sendRaw(body, 'garbage', 'garbage-1');
    const { calls, poller } = pollCounting();
    try {
      let dead: Awaited<ReturnType<TestPipeline['peekDeadLetters']>> = [];
      const deadline = Date.now() + 10_000;
      while (!dead.some((message) => message.Body === body) && Date.now() < deadline)
        dead = await pipe.peekDeadLetters('inbound');
      expect(dead.map((message) => message.Body)).toContain(body);
    } finally {
      await poller.stop();
    }
    expect(calls.get(body)).toBe(1);
  });
});

describe('isDataException', () => {
  it('tells PostgreSQL data exceptions (class 22) from transient faults, through wrapping causes', () => {
    const pgError = (code: string) => Object.assign(new Error('from pg'), { code });
    expect(isDataException(new Error('wrapped', { cause: pgError('22021') }))).toBe(true);
    expect(isDataException(pgError('22003'))).toBe(true);
    expect(isDataException(new Error('wrapped', { cause: pgError('40001') }))).toBe(false);
    expect(isDataException(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isDataException('22021')).toBe(false);
  });
});
