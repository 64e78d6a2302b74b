/**
 * The chat console's queue transport: a typed line travels exactly as a WhatsApp message does —
 * an inbound envelope on `inbound.fifo` (group = sender, dedup = message id) — through the real
 * functions. The envelope says `channel: 'console'`, so its reply is written to the console's
 * own queue (`console.fifo`), never to WhatsApp's `outbound.fifo`: a WhatsApp host running beside
 * `npm start` cannot take it, and the console cannot take a WhatsApp user's reply. The local
 * delivery of console-mailbox.ts reads `console.fifo` into a mailbox file per number, which
 * stands in for WhatsApp's servers.
 */
import { randomBytes } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LINK_PLACEHOLDER, mintLinks } from '@kantong/shared/auth';
import { createDatabasePool } from '@kantong/shared/db';
import { replyAddress } from '@kantong/shared/messages';
import { createSqsClient, type InboundEnvelope, inboundMessageFields, queueUrl } from '@kantong/shared/queue';
import type { SendResult } from './console.ts';
import { readMailbox } from './console-mailbox.ts';

export type QueueTarget = {
  sqsEndpoint: string;
  queuePrefix: string;
  region: string;
  mailboxDir: string;
  /** The stack's database, where the console mints a one-time link it shows (issue 14 item 2). */
  databaseUrl?: string;
};

/**
 * The console is where a reply reaches the person, so a one-time link is minted here, as it is
 * shown: the mailbox file (like every stored copy) holds only the note. A pool is opened only
 * for a reply that carries a link, and closed at once, so the console never lingers on exit.
 */
async function showLinks(target: QueueTarget, to: string, text: string): Promise<string> {
  if (!target.databaseUrl || !text.includes(LINK_PLACEHOLDER)) return text;
  const pool = await createDatabasePool(target.databaseUrl, { maximumPoolSize: 1 });
  try {
    return await mintLinks(pool, to, text);
  } finally {
    await pool.end();
  }
}

const REPLY_TIMEOUT_MS = 60_000;

/** What a console user sends: a line of text, or a photo/voice note already stored in S3. */
export type ConsoleContent = Pick<InboundEnvelope, 'type' | 'text' | 'media'>;

/** The envelope of one console message: a fresh id, and the console channel for its replies. */
export function consoleEnvelope(
  from: string,
  content: ConsoleContent,
  now: Date = new Date(),
): InboundEnvelope {
  return {
    version: 1,
    message_id: `console-${randomBytes(8).toString('hex')}`,
    from_number: from,
    bot_number: null,
    ...content,
    timestamp: Math.floor(now.getTime() / 1000),
    channel: 'console',
  };
}

/**
 * Puts `envelope` on inbound.fifo and waits for its answer in the mailbox: every reply that came
 * for `from` up to the one that answers this message (a "⏳ sebentar" first, for media).
 */
export async function sendAndAwaitReply(
  target: QueueTarget,
  sqs: SQSClient,
  envelope: InboundEnvelope,
  timeoutMs = REPLY_TIMEOUT_MS,
): Promise<SendResult> {
  try {
    const inbound = await queueUrl(sqs, 'inbound', target.queuePrefix);
    const seen = (await readMailbox(target.mailboxDir, replyAddress(envelope))).length;
    await sqs.send(new SendMessageCommand({ QueueUrl: inbound, ...inboundMessageFields(envelope) }));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const fresh = (await readMailbox(target.mailboxDir, replyAddress(envelope))).slice(seen);
      const answered = fresh.findIndex((reply) => reply.in_reply_to === envelope.message_id);
      if (answered >= 0) {
        const reply = fresh
          .slice(0, answered + 1)
          .map((reply) => reply.text)
          .join('\n\n');
        return { ok: true, reply: await showLinks(target, replyAddress(envelope), reply) };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      ok: false,
      kind: 'network',
      message: `no reply within ${Math.round(timeoutMs / 1000)} s (is npm start still running?)`,
    };
  } catch (error) {
    return { ok: false, kind: 'network', message: error instanceof Error ? error.message : String(error) };
  }
}

export function queueTransport(target: QueueTarget, from: string) {
  const sqs = createSqsClient({ endpoint: target.sqsEndpoint, region: target.region });
  return (text: string): Promise<SendResult> =>
    sendAndAwaitReply(target, sqs, consoleEnvelope(from, { type: 'text', text, media: null }));
}
