/**
 * The chat console's queue transport: a typed line travels exactly as a WhatsApp message does —
 * an inbound envelope on `inbound.fifo` (group = sender, dedup = message id) — through the real
 * functions. The envelope says `channel: 'console'`, so its reply is written to the console's
 * own queue (`console.fifo`), never to WhatsApp's `outbound.fifo`: a WhatsApp host running beside
 * `npm start` cannot take it, and the console cannot take a WhatsApp user's reply. The local
 * delivery of console-mailbox.ts reads `console.fifo` into a mailbox file per number, which
 * stands in for WhatsApp's servers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LINK_PLACEHOLDER, mintLinks } from '@kantong/shared/auth';
import { createDatabasePool } from '@kantong/shared/db';
import { isGroupJid } from '@kantong/shared/households';
import { replyAddress } from '@kantong/shared/messages';
import {
  createSqsClient,
  type InboundEnvelope,
  inboundMessageFields,
  type OutboundMessage,
  queueUrl,
} from '@kantong/shared/queue';
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
  // Never into a group, as the WhatsApp host never sends one there (outbound.ts).
  if (!target.databaseUrl || !text.includes(LINK_PLACEHOLDER) || isGroupJid(to)) return text;
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

/**
 * A WhatsApp group the console plays in (`--group NAME`), and the display name its sender shows
 * there (`--name`, WhatsApp's pushName), by which Kantong names them in replies.
 */
export type ConsoleGroup = { jid: string; name: string; senderName: string | null };

/**
 * The group JID a console group name stands for: "120363" and 12 digits of the SHA-256 of the
 * lower-cased name, "@g.us" — the shape of a real one, the same for every console and every run,
 * so two terminals with `--group Keluarga` (or `--group keluarga`) are in one group, and its
 * household's books are found again tomorrow.
 */
export function consoleGroup(name: string, senderName: string | null = null): ConsoleGroup {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  const digest = createHash('sha256').update(trimmed.toLowerCase()).digest('hex');
  const digits = (BigInt(`0x${digest.slice(0, 16)}`) % 10n ** 12n).toString().padStart(12, '0');
  return { jid: `120363${digits}@g.us`, name: trimmed, senderName: senderName?.trim() || null };
}

/** The envelope of one console message: a fresh id, and the console channel for its replies. */
export function consoleEnvelope(
  from: string,
  content: ConsoleContent,
  now: Date = new Date(),
  group: ConsoleGroup | null = null,
): InboundEnvelope {
  return {
    version: 1,
    message_id: `console-${randomBytes(8).toString('hex')}`,
    from_number: from,
    bot_number: null,
    ...content,
    timestamp: Math.floor(now.getTime() / 1000),
    channel: 'console',
    ...(group
      ? { group: { jid: group.jid, name: group.name, sender_lid: null, sender_name: group.senderName } }
      : {}),
  };
}

/**
 * What a group console has shown and is waiting for, shared by its sends and its watch: a reply
 * to one of its own messages is shown by the send that waits for it; everything else that reaches
 * the group (another console's answers, scheduled reports) or the person privately is shown by
 * the watch, once.
 */
export type Shown = { outboxIds: Set<number>; pending: Set<string> };

export function newShown(): Shown {
  return { outboxIds: new Set(), pending: new Set() };
}

/** Where the replies to a console message can come: its chat, and in a group the sender privately. */
function mailboxesOf(envelope: InboundEnvelope): string[] {
  const chat = replyAddress(envelope);
  return envelope.group && envelope.from_number ? [chat, envelope.from_number] : [chat];
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
  shown: Shown = newShown(),
): Promise<SendResult> {
  const mailboxes = mailboxesOf(envelope);
  shown.pending.add(envelope.message_id);
  try {
    const inbound = await queueUrl(sqs, 'inbound', target.queuePrefix);
    const seen = await Promise.all(
      mailboxes.map(async (to) => (await readMailbox(target.mailboxDir, to)).length),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: inbound, ...inboundMessageFields(envelope) }));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const fresh = await Promise.all(
        mailboxes.map(async (to, index) => (await readMailbox(target.mailboxDir, to)).slice(seen[index])),
      );
      const answer = answerOf(envelope, fresh);
      if (answer.length > 0) {
        for (const reply of answer) shown.outboxIds.add(reply.outbox_id);
        const texts = await Promise.all(answer.map((reply) => showLinks(target, reply.to, reply.text)));
        return { ok: true, reply: texts.join('\n\n') };
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
  } finally {
    shown.pending.delete(envelope.message_id);
  }
}

/**
 * The replies that answer `envelope`, once one has come. In a personal chat: everything that came
 * up to the answer (a "⏳ sebentar" first, for media). In a group, whose mailbox other consoles'
 * answers share: only the replies to this message, in the group and then privately.
 */
function answerOf(envelope: InboundEnvelope, fresh: OutboundMessage[][]): OutboundMessage[] {
  const own = (reply: OutboundMessage) => reply.in_reply_to === envelope.message_id;
  if (!fresh.some((replies) => replies.some(own))) return [];
  if (envelope.group) return fresh.flatMap((replies) => replies.filter(own));
  const replies = fresh[0] ?? [];
  return replies.slice(0, replies.findIndex(own) + 1);
}

export function queueTransport(
  target: QueueTarget,
  from: string,
  group: ConsoleGroup | null = null,
  shown: Shown = newShown(),
) {
  const sqs = createSqsClient({ endpoint: target.sqsEndpoint, region: target.region });
  return (text: string): Promise<SendResult> =>
    sendAndAwaitReply(
      target,
      sqs,
      consoleEnvelope(from, { type: 'text', text, media: null }, new Date(), group),
      REPLY_TIMEOUT_MS,
      shown,
    );
}

/** A reply the watch of a group console shows: to the group, or to the person privately. */
export type Overheard = { to: 'group' | 'private'; text: string };

/**
 * A group console's watch: every reply that reaches its group (another console's answers, a
 * report the scheduler sends the group) or its number privately, that no send of its own is
 * showing, handed to `show` once, in order. Two terminals in one group each see the other's
 * bookings answered, as a couple's phones do.
 */
export function watchGroup(
  target: QueueTarget,
  chat: { from: string; group: ConsoleGroup },
  shown: Shown,
  show: (reply: Overheard) => void,
  intervalMs = 200,
): { stop: () => Promise<void> } {
  const mailboxes = [chat.group.jid, chat.from];
  let running = true;
  const loop = (async () => {
    const seen = await Promise.all(
      mailboxes.map(async (to) => (await readMailbox(target.mailboxDir, to)).length),
    );
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      for (const [index, to] of mailboxes.entries()) {
        const replies = await readMailbox(target.mailboxDir, to);
        for (const reply of replies.slice(seen[index])) {
          // Its own send shows it (and counts it) while it waits; come later, it is shown here.
          if (reply.in_reply_to !== null && shown.pending.has(reply.in_reply_to)) break;
          seen[index] = (seen[index] ?? 0) + 1;
          if (shown.outboxIds.has(reply.outbox_id)) continue;
          shown.outboxIds.add(reply.outbox_id);
          show({
            to: isGroupJid(reply.to) ? 'group' : 'private',
            text: await showLinks(target, reply.to, reply.text),
          });
        }
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
