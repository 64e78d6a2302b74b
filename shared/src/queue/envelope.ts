/**
 * What travels on the queues. The WhatsApp host normalises every message into an
 * {@link InboundEnvelope}; replies travel as {@link OutboundMessage}. Both are validated with zod
 * on the way out and on the way in (STYLE habit 3).
 */
import { z } from 'zod';
import type { IncomingMessage } from '../conversation/schema.ts';
import { GroupJidSchema, LidSchema } from '../households/index.ts';
import { MessageTypeSchema } from '../messages/index.ts';
import { stripControlCharacters } from '../text/index.ts';
import { CHANNELS, type Channel, DEFAULT_CHANNEL } from './topology.ts';

export const ChannelSchema = z.enum(CHANNELS);

export const MediaRefSchema = z.object({
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
  mime: z.string().min(1).max(255),
  size_bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type MediaRef = z.infer<typeof MediaRefSchema>;

/**
 * The group a message was written in (issue 15), as the host knows it. Personal chats have none.
 * `event` marks a membership change the host saw (people added, removed or leaving), not a
 * message: it carries no text and books nothing.
 */
export const GroupRefSchema = z.object({
  /** The group JID, "120363…@g.us": where replies go, and the household's key. */
  jid: GroupJidSchema,
  /** The group's subject, from the host's metadata cache; null when not known. */
  name: z.string().max(200).transform(stripControlCharacters).nullable(),
  /** The sender's LID digits when WhatsApp named them by LID (Baileys 7), whether or not the number is known. */
  sender_lid: LidSchema.nullable(),
  /** The sender's WhatsApp display name (pushName), to name them in replies. */
  sender_name: z.string().max(120).transform(stripControlCharacters).nullable(),
  event: z
    .object({
      kind: z.enum(['joined', 'left']),
      members: z
        .array(
          z.object({
            phone: z
              .string()
              .regex(/^\d{6,20}$/)
              .nullable(),
            lid: LidSchema.nullable(),
          }),
        )
        .max(1024),
    })
    .nullish(),
});
export type GroupRef = z.infer<typeof GroupRefSchema>;

export const InboundEnvelopeSchema = z
  .object({
    version: z.literal(1),
    /** WhatsApp's message id: the FIFO deduplication id and the ledger's idempotency key. */
    message_id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_\-:.@]+$/),
    /**
     * Sender's number, digits only: the FIFO message group (per-user order) of a personal chat.
     * Null only in a group, for a member WhatsApp named by LID whose number nobody knows
     * (`group.sender_lid` is their identity then).
     */
    from_number: z
      .string()
      .regex(/^\d{6,20}$/)
      .nullable(),
    /** The bot number (session) that received it, when the host runs several. */
    bot_number: z
      .string()
      .regex(/^\d{6,20}$/)
      .nullable(),
    type: MessageTypeSchema,
    /**
     * The text, or the caption of a photo/document; control characters are cleaned out on the way
     * in and out (shared/src/text: a NUL can never be stored, so it would fail on every retry).
     */
    text: z.string().max(65_536).transform(stripControlCharacters).nullable(),
    media: MediaRefSchema.nullable(),
    /** Unix seconds, as WhatsApp stamped it. */
    timestamp: z.number().int().min(0),
    /**
     * Where it came from, and so where its replies go: `whatsapp` (the host; outbound.fifo) or
     * `console` (the local chat console; console.fifo). Absent: WhatsApp.
     */
    channel: ChannelSchema.optional(),
    /** The group it was written in; absent for a personal chat. */
    group: GroupRefSchema.nullish(),
  })
  .refine((envelope) => envelope.from_number !== null || Boolean(envelope.group?.sender_lid), {
    message: 'from_number may be null only for a group member known by LID',
    path: ['from_number'],
  });
export type InboundEnvelope = z.infer<typeof InboundEnvelopeSchema>;

/** The channel an envelope's replies go to. */
export function channelOf(envelope: { channel?: Channel | undefined }): Channel {
  return envelope.channel ?? DEFAULT_CHANNEL;
}

/** The envelope as the conversation reads it (the same shape as `POST /wa/incoming`). */
export function toIncoming(envelope: InboundEnvelope): IncomingMessage {
  return {
    from_number: envelope.from_number,
    message_type: envelope.type,
    text: envelope.text,
    media_url: envelope.media ? `s3://${envelope.media.bucket}/${envelope.media.key}` : null,
    timestamp: envelope.timestamp,
    message_id: envelope.message_id,
    group: envelope.group ?? null,
  };
}

export const OutboundMessageSchema = z.object({
  version: z.literal(1),
  /** The outbox row: the deduplication id of the queue and of the host. */
  outbox_id: z.number().int().positive(),
  /** A number (digits), or a group JID for a reply to a household's group. */
  to: z.string().regex(/^(\d{6,20}|[0-9]{6,24}(-[0-9]{6,14})?@g\.us)$/),
  text: z.string().min(1),
  /** WhatsApp id of the message this answers, for quoting; null for messages Kantong starts. */
  in_reply_to: z.string().nullable(),
});
export type OutboundMessage = z.infer<typeof OutboundMessageSchema>;

/**
 * The FIFO message group: the sender in a personal chat, the group in a group chat — a
 * household's messages take turns, as one person's do, so its ledger sees them in order.
 */
export function messageGroupOf(envelope: Pick<InboundEnvelope, 'from_number' | 'group'>): string {
  if (envelope.group) return envelope.group.jid;
  if (envelope.from_number === null) throw new Error('a personal message needs its sender number');
  return envelope.from_number;
}

/**
 * A queue message's body: JSON with every character outside the Basic Multilingual Plane — the
 * emoji people write and Kantong's replies carry (😊 🙏 💪) — written as its JSON escape pair
 * (`\ud83d\ude0a`). SQS allows those characters, but not every SQS-compatible server does (fauxqs
 * 2.4 refuses them as "invalid characters"), and the escaped body parses to the very same value
 * anywhere. Everything Kantong puts on a queue goes through here.
 */
export function queueBody(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u{10000}-\u{10FFFF}]/gu,
    (character) => `\\u${character.charCodeAt(0).toString(16)}\\u${character.charCodeAt(1).toString(16)}`,
  );
}

/**
 * How an envelope goes onto `inbound.fifo` — the one place the contract is written: validated,
 * grouped by sender (per-user order), deduplicated by the WhatsApp message id (or `dedupId`, for
 * tests that replay a message past the FIFO window). Spread into SendMessage or a batch entry.
 */
export function inboundMessageFields(
  envelope: InboundEnvelope,
  dedupId: string = envelope.message_id,
): { MessageBody: string; MessageGroupId: string; MessageDeduplicationId: string } {
  return {
    MessageBody: queueBody(InboundEnvelopeSchema.parse(envelope)),
    MessageGroupId: messageGroupOf(envelope),
    MessageDeduplicationId: dedupId,
  };
}
