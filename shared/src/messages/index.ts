/**
 * The conversation log (`wa_messages`): every message in and every reply out (SPEC.md). The
 * inbound row's unique (wa_from, wa_message_id) is what makes a redelivered message a no-op that
 * answers with the reply it got the first time (DESIGN.md decision 2).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type CommonQueryMethods, CountRow, type FragmentSqlToken, IdRow, sql } from '../db/pool.ts';

export const MessageTypeSchema = z.enum(['text', 'audio', 'image', 'document']);
export type MessageType = z.infer<typeof MessageTypeSchema>;

/**
 * A message id for senders that give none (SPEC.md's `/wa/incoming` payload has no id): derived
 * from everything the payload says, so a webhook retried with the same body is recognised.
 */
export function deriveMessageId(parts: {
  from: string;
  type: string;
  text: string | null;
  mediaUrl: string | null;
  timestamp: number | null;
}): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([parts.from, parts.type, parts.text, parts.mediaUrl, parts.timestamp]))
    .digest('hex');
  return `derived-${digest.slice(0, 40)}`;
}

export const StoredReplySchema = z.object({
  in_id: z.number(),
  intent: z.string().nullable(),
  response: z.string().nullable(),
});

export type StoredReply = z.infer<typeof StoredReplySchema>;

/** The query behind {@link findReply}, for callers that read it together with other things. */
export const replyQuery = (from: string, messageId: string) => sql.fragment`
  SELECT i.id AS in_id, i.intent, o.response
  FROM wa_messages i LEFT JOIN wa_messages o ON o.in_reply_to = i.id AND o.direction = 'out'
  WHERE i.direction = 'in' AND i.wa_from = ${from} AND i.wa_message_id = ${messageId}
  ORDER BY o.id LIMIT 1`;

/** The first delivery's reply to a message already logged, or null when the message is new. */
export async function findReply(
  db: CommonQueryMethods,
  from: string,
  messageId: string,
): Promise<StoredReply | null> {
  return db.maybeOne(sql.type(StoredReplySchema)`${replyQuery(from, messageId)}`);
}

type InboundLog = {
  userId: number | null;
  from: string;
  messageId: string;
  type: MessageType;
  body: string | null;
  /** The group JID a group message was written in (issue 15); absent for a personal chat. */
  chat?: string | null;
};

const insertInbound = (input: InboundLog) => sql.fragment`
  INSERT INTO wa_messages (user_id, wa_from, wa_body, direction, wa_message_id, message_type, wa_chat)
  VALUES (${input.userId}, ${input.from}, ${input.body}, 'in', ${input.messageId}, ${input.type}, ${input.chat ?? null})
  ON CONFLICT (wa_from, wa_message_id) WHERE direction = 'in' DO NOTHING`;

/**
 * Logs an inbound message; returns its row id, or null when this (sender, message id) was logged
 * before — concurrently or earlier — which makes the caller answer as a duplicate.
 */
export async function logInbound(tx: CommonQueryMethods, input: InboundLog): Promise<number | null> {
  return tx.maybeOneFirst(sql.type(IdRow)`${insertInbound(input)} RETURNING id`);
}

const IdRecentRow = z.object({ id: z.number(), recent: z.number() });

/**
 * {@link logInbound}, also counting the sender's inbound messages of the last `seconds`, this one
 * included, for the per-sender rate limit — in the same round trip (issue 16). The count runs on
 * the statement's snapshot, before this row, hence the 1 +.
 */
export async function logInboundCounted(
  tx: CommonQueryMethods,
  input: InboundLog,
  seconds: number,
): Promise<{ id: number; recent: number } | null> {
  return tx.maybeOne(sql.type(IdRecentRow)`
    ${insertInbound(input)}
    RETURNING id, 1 + (
      SELECT count(*) FROM wa_messages
      WHERE wa_from = ${input.from} AND direction = 'in'
        AND created_at > now() - make_interval(secs => ${seconds}))::int AS recent`);
}

const ReplyLogRow = z.object({ id: z.number().nullable(), wa_message_id: z.string().nullable() });

/**
 * Logs the reply to an inbound message and records the intent on both rows; given `queue` (an
 * INSERT of the outbox row: Outbox.insertMessage), also queues the reply and returns the outbox
 * row's id, else null. One statement, one round trip (issue 16): the UPDATE and the INSERTs run
 * as data-modifying CTEs. (The outbox module imports the queue's envelope, which imports this
 * one: the INSERT comes in as a fragment rather than by importing it.)
 */
export async function logReply(
  tx: CommonQueryMethods,
  input: { inboundId: number; userId: number | null; to: string; intent: string; reply: string },
  queue?: FragmentSqlToken,
): Promise<{ id: number | null; wa_message_id: string | null }> {
  const queued = queue ? sql.fragment`, queued AS (${queue} RETURNING id)` : sql.fragment``;
  return tx.one(sql.type(ReplyLogRow)`
    WITH marked AS (
      UPDATE wa_messages SET intent = ${input.intent}, response = ${input.reply} WHERE id = ${input.inboundId}
    ), logged AS (
      INSERT INTO wa_messages (user_id, wa_from, wa_body, direction, intent, response, in_reply_to)
      VALUES (${input.userId}, ${input.to}, ${input.reply}, 'out', ${input.intent}, ${input.reply}, ${input.inboundId})
    )${queued}
    SELECT ${queue ? sql.fragment`(SELECT id FROM queued)` : sql.fragment`NULL::bigint`} AS id,
      (SELECT wa_message_id FROM wa_messages WHERE id = ${input.inboundId}) AS wa_message_id`);
}

/** Inbound messages from `from` logged in the last `seconds` (this one included). */
export async function countRecentInbound(
  db: CommonQueryMethods,
  from: string,
  seconds: number,
): Promise<number> {
  return db.oneFirst(sql.type(CountRow)`
    SELECT count(*) AS n FROM wa_messages
    WHERE wa_from = ${from} AND direction = 'in' AND created_at > now() - make_interval(secs => ${seconds})`);
}

/** Records what an inbound message was taken for, when no reply goes back. */
export async function markIntent(db: CommonQueryMethods, inboundId: number, intent: string): Promise<void> {
  await db.query(sql.unsafe`UPDATE wa_messages SET intent = ${intent} WHERE id = ${inboundId}`);
}

type Addressed = {
  from_number: string | null;
  group?: { jid: string; sender_lid: string | null } | null | undefined;
};

/**
 * Who wrote a message, as the log keys it (`wa_from`): their number, or "lid:<digits>" for a
 * group member WhatsApp named only by LID (issue 15). The per-sender rate limit and the
 * redelivery check read this key, so a person is one sender in their chat and in their groups.
 */
export function senderKey(message: Addressed): string {
  if (message.from_number !== null) return message.from_number;
  const lid = message.group?.sender_lid;
  if (!lid) throw new Error('a message needs a sender number or, in a group, a LID');
  return `lid:${lid}`;
}

/** Where the replies to a message go: its group, or the sender's own chat. */
export function replyAddress(message: Addressed): string {
  return message.group ? message.group.jid : senderKey(message);
}
