/**
 * Outbound: replies from `outbound.fifo` (and the signed HTTP endpoints) sent on a session's
 * socket, paced so the number is not banned: at least `intervalMs` between two messages to the
 * same person (or the same group: a group JID is a recipient like a number), and at most `maxPerMinute` messages from one bot number in any minute.
 *
 * Never twice: a reply with an outbox id is claimed in `wa_sent_outbox` right before the send
 * and marked sent after it; a redelivered copy finds the row and is deleted without a send.
 * Never silently dropped: a send that fails leaves the queue message to come back after a
 * delay, and the queue's redrive moves it to `outbound-dlq.fifo` after 5 receives.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { mintLinks } from '@kantong/shared/auth';
import { type DatabasePool, sql } from '@kantong/shared/db';
import { isGroupJid } from '@kantong/shared/households';
import type { Logger } from '@kantong/shared/logger';
import { OutboundMessageSchema } from '@kantong/shared/queue';
import { z } from 'zod';
import type { HostMetrics } from './metrics.ts';
import { type HostSocket, userJid } from './socket.ts';

export type Clock = { now: () => number; sleep: (ms: number) => Promise<void> };

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

const MINUTE_MS = 60_000;

/**
 * Hands out send slots. `reserve` is synchronous, so replies handled side by side still get
 * distinct, correctly spaced slots.
 */
export class Pacer {
  readonly intervalMs: number;
  readonly maxPerMinute: number;
  readonly #lastTo = new Map<string, number>();
  readonly #slotsBySession = new Map<string, number[]>();

  constructor(options: { intervalMs: number; maxPerMinute: number }) {
    this.intervalMs = options.intervalMs;
    this.maxPerMinute = options.maxPerMinute;
  }

  /** The earliest time (ms) at which `sessionId` may send to `to`; the slot is taken. */
  reserve(sessionId: string, to: string, now: number): number {
    const recipientKey = `${sessionId}|${to}`;
    const last = this.#lastTo.get(recipientKey);
    let slot = last === undefined ? now : Math.max(now, last + this.intervalMs);
    const slots = (this.#slotsBySession.get(sessionId) ?? []).filter((at) => at > now - MINUTE_MS);
    // The cap: the maxPerMinute-th latest slot must be a full minute before this one.
    const bound = slots.at(-this.maxPerMinute);
    if (slots.length >= this.maxPerMinute && bound !== undefined) slot = Math.max(slot, bound + MINUTE_MS);
    slots.push(slot);
    slots.sort((a, b) => a - b);
    this.#slotsBySession.set(sessionId, slots);
    this.#lastTo.set(recipientKey, slot);
    return slot;
  }
}

export type SendJob = {
  to: string;
  text: string;
  /** The outbox row, when the reply came from the ledger: the key that prevents a double send. */
  outboxId: number | null;
  /** Send from this session; by default the one the recipient last wrote to. */
  sessionId?: string;
};

export type SendResult =
  | { status: 'sent'; sessionId: string; waMessageId: string | null; at: number }
  | { status: 'duplicate' }
  /** A crash interrupted an earlier send of this outbox id: it may have reached the user. */
  | { status: 'uncertain' }
  /** Another copy of this outbox id is being sent right now in this process. */
  | { status: 'in_flight' };

export class NoSessionError extends Error {
  override name = 'NoSessionError';
}

export type SendingSession = { id: string; socket: HostSocket };

export type SenderDeps = {
  pool: DatabasePool;
  clock: Clock;
  pacer: Pacer;
  /** A WORKING session to send from: the one named, else the recipient's, else any. */
  pickSession: (to: string, sessionId?: string) => Promise<SendingSession | null>;
  metrics: HostMetrics;
  log: Logger;
  /** Told of every message id this host sent, so its echo is never taken for a user message. */
  onSent?: (sessionId: string, waMessageId: string) => void;
};

const SentRowSchema = z.object({ status: z.string() });

export function createSender(deps: SenderDeps) {
  const inFlight = new Set<number>();
  let waiting = 0;

  const claim = async (job: SendJob & { outboxId: number }, sessionId: string) => {
    const claimed = await deps.pool.maybeOne(sql.type(SentRowSchema)`
      INSERT INTO wa_sent_outbox (outbox_id, session_id, to_number, body)
      VALUES (${job.outboxId}, ${sessionId}, ${job.to}, ${job.text})
      ON CONFLICT (outbox_id) DO NOTHING RETURNING status`);
    if (claimed) return null;
    const existing = await deps.pool.one(
      sql.type(SentRowSchema)`SELECT status FROM wa_sent_outbox WHERE outbox_id = ${job.outboxId}`,
    );
    return existing.status === 'sent'
      ? ({ status: 'duplicate' } as const)
      : ({ status: 'uncertain' } as const);
  };

  /** Sends one message at its slot. Throws when it could not be sent (it may be retried). */
  async function send(job: SendJob): Promise<SendResult> {
    const log = deps.log.child({ to: job.to, outboxId: job.outboxId });
    if (job.outboxId !== null) {
      if (inFlight.has(job.outboxId)) return { status: 'in_flight' };
      const known = await deps.pool.maybeOne(
        sql.type(SentRowSchema)`SELECT status FROM wa_sent_outbox WHERE outbox_id = ${job.outboxId}`,
      );
      if (known?.status === 'sent') {
        deps.metrics.messagesOut.inc({ session: job.sessionId ?? '', outcome: 'duplicate' });
        log.info('reply already sent; not sending it again');
        return { status: 'duplicate' };
      }
      inFlight.add(job.outboxId);
    }
    try {
      const session = await deps.pickSession(job.to, job.sessionId);
      if (!session) throw new NoSessionError('no WhatsApp session is connected');
      const slot = deps.pacer.reserve(session.id, job.to, deps.clock.now());
      waiting += 1;
      deps.metrics.sendQueueDepth.set(waiting);
      try {
        await deps.clock.sleep(slot - deps.clock.now());
      } finally {
        waiting -= 1;
        deps.metrics.sendQueueDepth.set(waiting);
      }
      if (job.outboxId !== null) {
        const earlier = await claim({ ...job, outboxId: job.outboxId }, session.id);
        if (earlier) {
          deps.metrics.messagesOut.inc({ session: session.id, outcome: earlier.status });
          if (earlier.status === 'uncertain') {
            log.error('an earlier send of this reply was interrupted; not sending it again (it may be lost)');
          }
          return earlier;
        }
      }
      let sent: Awaited<ReturnType<HostSocket['sendMessage']>>;
      try {
        // A one-time link is minted now, at the last moment, so no stored copy (the queue,
        // wa_sent_outbox, the outbox) ever holds it (issue 14 item 2). Never into a group: a
        // link there would let every member in as whoever it was minted for; the placeholder's
        // note stays.
        const group = isGroupJid(job.to);
        const text = group ? job.text : await mintLinks(deps.pool, job.to, job.text);
        sent = await session.socket.sendMessage(group ? job.to : userJid(job.to), { text });
      } catch (error) {
        // Not sent: the claim goes, so the retry may send it.
        if (job.outboxId !== null) {
          await deps.pool.query(
            sql.unsafe`DELETE FROM wa_sent_outbox WHERE outbox_id = ${job.outboxId} AND status = 'sending'`,
          );
        }
        deps.metrics.messagesOut.inc({ session: session.id, outcome: 'failed' });
        throw error;
      }
      const waMessageId = sent?.key?.id ?? null;
      if (job.outboxId !== null) {
        await deps.pool.query(sql.unsafe`
          UPDATE wa_sent_outbox SET status = 'sent', sent_at = now(), wa_message_id = ${waMessageId}
          WHERE outbox_id = ${job.outboxId}`);
      }
      if (waMessageId) deps.onSent?.(session.id, waMessageId);
      deps.metrics.messagesOut.inc({ session: session.id, outcome: 'sent' });
      const at = deps.clock.now();
      log.info({ session: session.id, waMessageId, at }, 'sent');
      return { status: 'sent', sessionId: session.id, waMessageId, at };
    } finally {
      if (job.outboxId !== null) inFlight.delete(job.outboxId);
    }
  }

  return { send, depth: () => waiting };
}

export type Sender = ReturnType<typeof createSender>;

export type ConsumerOptions = {
  sqs: SQSClient;
  queueUrl: string;
  sender: Sender;
  /** Whether any session can send; the queue is not read while none can. */
  ready: () => boolean;
  log: Logger;
  /** Seconds before a failed reply is tried again (it counts one receive each time). */
  retryDelayS?: number;
  waitTimeSeconds?: number;
  idleSleepMs?: number;
};

async function release(options: ConsumerOptions, message: Message, delayS: number): Promise<void> {
  await options.sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: options.queueUrl,
      ReceiptHandle: message.ReceiptHandle,
      VisibilityTimeout: delayS,
    }),
  );
}

/**
 * Handles one received message; returns false when it must be retried. A body that is not an
 * OutboundMessage is never deleted: it is retried and then dead-lettered, where it can be read.
 */
async function handleOne(options: ConsumerOptions, message: Message): Promise<boolean> {
  const log = options.log.child({ sqsMessageId: message.MessageId });
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    body = undefined;
  }
  const parsed = OutboundMessageSchema.safeParse(body);
  if (!parsed.success) {
    log.error({ issues: parsed.error.issues }, 'outbound message is not valid; it will be dead-lettered');
    return false;
  }
  const reply = parsed.data;
  try {
    const result = await options.sender.send({ to: reply.to, text: reply.text, outboxId: reply.outbox_id });
    if (result.status === 'in_flight') return false;
  } catch (error) {
    log.error(
      { err: error, outboxId: reply.outbox_id, receiveCount: message.Attributes?.ApproximateReceiveCount },
      'reply not sent; it will be retried, then dead-lettered',
    );
    return false;
  }
  await options.sqs.send(
    new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
  );
  return true;
}

/** Receives once and handles what came; returns how many messages were received. */
export async function consumeOnce(options: ConsumerOptions): Promise<number> {
  const out = await options.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: options.waitTimeSeconds ?? 10,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const messages = out.Messages ?? [];
  // One recipient's replies in order, one at a time; recipients side by side.
  const groups = new Map<string, Message[]>();
  for (const message of messages) {
    const group = message.Attributes?.MessageGroupId ?? message.MessageId ?? '';
    groups.set(group, [...(groups.get(group) ?? []), message]);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      for (const [index, message] of group.entries()) {
        if (await handleOne(options, message)) continue;
        // This one waits; the later ones of its group stay behind it (the FIFO queue keeps
        // them back until it is deleted).
        await release(options, message, options.retryDelayS ?? 30);
        for (const later of group.slice(index + 1)) await release(options, later, 0);
        break;
      }
    }),
  );
  return messages.length;
}

/** Reads `outbound.fifo` until stopped. */
export function startOutboundConsumer(options: ConsumerOptions): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      if (!options.ready()) {
        await systemClock.sleep(options.idleSleepMs ?? 1000);
        continue;
      }
      try {
        await consumeOnce(options);
      } catch (error) {
        if (!running) break;
        options.log.error({ err: error }, 'reading outbound.fifo failed; retrying in 5 s');
        await systemClock.sleep(5000);
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
