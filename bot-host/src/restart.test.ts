/**
 * Fault: the host restarted with messages in flight. A first host instance dies mid-burst: some
 * enqueues failed, one message was enqueued but never marked done, one was claimed and never
 * enqueued, and replies were sent without their queue message being deleted. A second instance
 * on the same database (stand-in WhatsApp, real ElasticMQ, PostgreSQL and S3) gets WhatsApp's
 * replay plus new messages: every message lands on inbound.fifo exactly once, and no reply whose
 * outbox id was already sent (or was being sent) goes out again.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from '@kantong/shared/db';
import { createSqsClient, InboundEnvelopeSchema } from '@kantong/shared/queue';
import { proto, type WAMessage } from 'baileys';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { z } from 'zod';
import {
  createTestHostEnv,
  type StandInSocket,
  standInFactory,
  type TestHostEnv,
  virtualClock,
} from './testing.ts';

const SENDERS = ['6281240000001', '6281240000002', '6281240000003'];
let env: TestHostEnv;
const hosts: ReturnType<TestHostEnv['makeHost']>[] = [];
const clients: ReturnType<typeof createSqsClient>[] = [];
let sequence = 0;

beforeAll(async () => {
  env = await createTestHostEnv();
});
afterAll(async () => {
  for (const host of hosts) await host.stop();
  for (const client of clients) client.destroy();
  await env.close();
});

function waMessage(text: string): WAMessage {
  sequence += 1;
  const from = SENDERS[sequence % SENDERS.length] ?? '';
  return proto.WebMessageInfo.fromObject({
    key: {
      remoteJid: `${from}@s.whatsapp.net`,
      fromMe: false,
      id: `3EB0RST${String(sequence).padStart(4, '0')}`,
    },
    messageTimestamp: 1_790_000_000 + sequence,
    message: { conversation: text },
  }) as WAMessage;
}

/** What WhatsApp sends again after a reconnect: the same message, decoded afresh. */
const replayOf = (message: WAMessage) =>
  proto.WebMessageInfo.fromObject(
    proto.WebMessageInfo.toObject(message as proto.WebMessageInfo),
  ) as WAMessage;

const never = () => new Promise<never>(() => undefined);

type Faults = {
  /** SendMessage fails (the queue unreachable). */
  fail: Set<string>;
  /** The process dies after the claim, before SendMessage. */
  dieBefore: Set<string>;
  /** The process dies after SendMessage succeeded, before the message is marked done. */
  dieAfter: Set<string>;
};

/**
 * A host whose real SQS client fails or "dies" (never returns) on the given message ids; it reads
 * outbound.fifo only when `consume` is set.
 */
async function startHost(faults?: Faults, consume = false) {
  const whatsapp = standInFactory();
  const died = new Set<string>();
  const sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
  clients.push(sqs);
  if (faults) {
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        // The host enqueues with SendMessageBatch (shared/src/queue/sender.ts); with one request
        // per message here (enqueueInFlight below), each fault hits its message alone.
        if (context.commandName !== 'SendMessageBatchCommand') return next(args);
        const entries = (args.input as { Entries?: { MessageDeduplicationId?: string }[] }).Entries ?? [];
        const ids = entries.map((entry) => entry.MessageDeduplicationId ?? '');
        if (ids.some((id) => faults.fail.has(id))) throw new Error('connect ECONNREFUSED (inbound.fifo)');
        if (ids.some((id) => faults.dieBefore.has(id))) {
          for (const id of ids) died.add(id);
          return never();
        }
        const out = await next(args);
        if (!ids.some((id) => faults.dieAfter.has(id))) return out;
        for (const id of ids) died.add(id);
        return never();
      },
      { step: 'initialize', name: 'crashingHost' },
    );
  }
  const host = env.makeHost({
    sqs,
    factory: whatsapp.factory,
    clock: virtualClock(),
    retryDelayS: 1,
    // Every message in a request of its own, as a crash test needs (batching: sender.test.ts).
    enqueueInFlight: 1000,
  });
  hosts.push(host);
  if (consume) await host.start();
  else await host.sessions.get('main')?.start();
  const socket = whatsapp.sockets.at(-1) as StandInSocket;
  socket.emit('connection.update', { connection: 'open' });
  await expect.poll(() => host.sessions.get('main')?.state).toBe('WORKING');
  /** Baileys' `messages.upsert`, one event per message as they arrive. */
  const deliver = (messages: WAMessage[]) => {
    for (const message of messages) socket.emit('messages.upsert', { type: 'notify', messages: [message] });
  };
  return { host, socket, deliver, died };
}

const SeenRow = z.object({ message_id: z.string(), status: z.string(), has_raw: z.boolean() });
const seenRows = async (messages: WAMessage[]) =>
  new Map(
    (
      await env.db.pool.any(sql.type(SeenRow)`
        SELECT message_id, status, raw IS NOT NULL AS has_raw FROM wa_seen_messages
        WHERE message_id = ANY(${sql.array(
          messages.map((message) => message.key.id ?? ''),
          'text',
        )})`)
    ).map((row) => [row.message_id, row]),
  );
const statuses = async (messages: WAMessage[]) => {
  const rows = await seenRows(messages);
  return messages.map((message) => rows.get(message.key.id ?? '')?.status ?? 'none');
};

/** Every envelope id on inbound.fifo (received and deleted), waiting a while for stragglers. */
async function inboundIds(expected: number): Promise<string[]> {
  const messages = await env.drain(env.urls.inbound, expected + 1, 6000);
  return messages.map((message) => InboundEnvelopeSchema.parse(JSON.parse(message.Body ?? '')).message_id);
}

const ids = (messages: WAMessage[]) => messages.map((message) => message.key.id ?? '').sort();

it('enqueues every message of a burst once when a new host gets WhatsApp’s replay', {
  timeout: 60_000,
}, async () => {
  // Prepare: the first host dies mid-burst.
  const burst = Array.from({ length: 8 }, (_, index) => waMessage(`beli kopi ${index + 1}0rb`));
  const [, , , , m5, m6, m7, m8] = burst.map((message) => message.key.id ?? '');
  const first = await startHost({
    fail: new Set([m5 ?? '', m6 ?? '']),
    dieBefore: new Set([m8 ?? '']),
    dieAfter: new Set([m7 ?? '']),
  });
  first.deliver(burst);
  await expect
    .poll(() => statuses(burst), { timeout: 15_000 })
    .toEqual([...Array(4).fill('enqueued'), ...Array(4).fill('claimed')]);
  await expect.poll(() => first.died.size).toBe(2);
  // The claimed ones keep their raw message, for whoever handles them next.
  expect([...(await seenRows(burst)).values()].filter((row) => row.has_raw)).toHaveLength(4);

  // Act: a new host on the same database; WhatsApp replays the burst, and new messages come.
  const second = await startHost();
  const later = Array.from({ length: 4 }, (_, index) => waMessage(`parkir ${index + 1}rb`));
  second.deliver([...burst.map(replayOf), ...later]);
  await expect
    .poll(() => statuses([...burst, ...later]), { timeout: 15_000 })
    .toEqual([...burst, ...later].map(() => 'enqueued'));

  // Assess: each message once on inbound.fifo (m7's second enqueue is the same deduplication id).
  expect((await inboundIds(12)).sort()).toEqual(ids([...burst, ...later]));
  expect([...(await seenRows(burst)).values()].filter((row) => row.has_raw)).toEqual([]);
});

it('enqueues the messages a crash left claimed when the new host’s session opens, without a replay', {
  timeout: 60_000,
}, async () => {
  const burst = Array.from({ length: 5 }, (_, index) => waMessage(`makan ${index + 1}5rb`));
  const [, , m3, m4, m5] = burst.map((message) => message.key.id ?? '');
  const first = await startHost({
    fail: new Set([m3 ?? '']),
    dieBefore: new Set([m4 ?? '']),
    dieAfter: new Set([m5 ?? '']),
  });
  first.deliver(burst);
  await expect
    .poll(() => statuses(burst), { timeout: 15_000 })
    .toEqual(['enqueued', 'enqueued', 'claimed', 'claimed', 'claimed']);
  await expect.poll(() => first.died.size).toBe(2);
  // The host stayed down for two minutes: its claims are older than the retry's minute.
  await env.db.pool.query(sql.unsafe`
    UPDATE wa_seen_messages SET seen_at = seen_at - interval '2 minutes' WHERE status = 'claimed'`);

  const second = await startHost();
  await expect.poll(() => statuses(burst), { timeout: 15_000 }).toEqual(burst.map(() => 'enqueued'));
  // WhatsApp's replay, coming late, changes nothing.
  second.deliver(burst.map(replayOf));

  expect((await inboundIds(5)).sort()).toEqual(ids(burst));
});

it('does not send again a reply the first host sent, or was sending, before it died', {
  timeout: 60_000,
}, async () => {
  // Prepare: four replies on outbound.fifo, one per recipient group.
  const outbound = env.urls.outbound;
  const replies = [101, 102, 103, 104].map((outboxId, index) => ({
    version: 1 as const,
    outbox_id: outboxId,
    to: `62812500000${index}`,
    text: `✅ Dicatat #${outboxId}`,
    in_reply_to: null,
  }));
  for (const reply of replies) {
    await env.sqs.send(
      new SendMessageCommand({
        QueueUrl: outbound,
        MessageBody: JSON.stringify(reply),
        MessageGroupId: reply.to,
        MessageDeduplicationId: String(reply.outbox_id),
      }),
    );
  }
  // The first host reads them, sends 101 and 102, dies inside the send of 103, never gets to 104
  // and never deletes a queue message.
  const first = await startHost();
  const received = await env.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: outbound,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 2,
      VisibilityTimeout: 2,
    }),
  );
  expect(received.Messages).toHaveLength(4);
  const [r101, r102, r103] = replies as [(typeof replies)[0], (typeof replies)[0], (typeof replies)[0]];
  for (const reply of [r101, r102]) {
    expect(
      await first.host.sender.send({ to: reply.to, text: reply.text, outboxId: reply.outbox_id }),
    ).toEqual(expect.objectContaining({ status: 'sent' }));
  }
  first.socket.sendMessage = never;
  void first.host.sender.send({ to: r103.to, text: r103.text, outboxId: r103.outbox_id });
  await expect
    .poll(() =>
      env.db.pool.anyFirst(sql.type(z.object({ status: z.string() }))`
        SELECT status FROM wa_sent_outbox WHERE outbox_id IN (101, 102, 103) ORDER BY outbox_id`),
    )
    .toEqual(['sent', 'sent', 'sending']);

  // Act: a new host reads outbound.fifo; the four come back to it.
  const second = await startHost(undefined, true);
  await expect
    .poll(
      async () => {
        const { Attributes: left = {} } = await env.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: outbound,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const waiting =
          Number(left.ApproximateNumberOfMessages ?? 1) +
          Number(left.ApproximateNumberOfMessagesNotVisible ?? 1);
        return waiting === 0 && second.socket.sent.length > 0;
      },
      { timeout: 20_000, interval: 500 },
    )
    .toBe(true);

  // Assess: only the reply nobody had sent went out from the new host.
  expect(first.socket.sent.map((sent) => sent.text)).toEqual([r101.text, r102.text]);
  expect(second.socket.sent.map((sent) => sent.text)).toEqual([replies[3]?.text]);
  // …and the new host did take the three redelivered ones off the queue, without a send.
  const outcomes = (await second.host.metrics.messagesOut.get()).values.map((value) => [
    value.labels.outcome,
    value.value,
  ]);
  expect(Object.fromEntries(outcomes)).toEqual({ sent: 1, duplicate: 2, uncertain: 1 });
});
