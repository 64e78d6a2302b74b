/**
 * Inbound: every `messages.upsert` of type notify becomes one zod-validated InboundEnvelope on
 * `inbound.fifo` (group = sender, deduplication id = WhatsApp message id). No business logic
 * (DESIGN.md decision 6): the host only decides whether a message is for Kantong at all, stores
 * its media, and enqueues it.
 *
 * Exactly once, across reconnects and restarts: a message is claimed in `wa_seen_messages`
 * before any work and marked done after the enqueue. WhatsApp replays messages after a
 * reconnect; a replay of a done message is dropped here. A claim left by a crash or a failed
 * enqueue keeps the raw message, and `retryClaimed` handles it again (the FIFO deduplication and
 * the ledger's unique message id absorb a repeat of an enqueue that did happen).
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DatabasePool, sql } from '@kantong/shared/db';
import type { Logger } from '@kantong/shared/logger';
import {
  type InboundEnvelope,
  InboundEnvelopeSchema,
  inboundMessageFields,
  type MediaRef,
} from '@kantong/shared/queue';
import {
  getContentType,
  isJidBroadcast,
  isJidGroup,
  isJidNewsletter,
  isJidStatusBroadcast,
  normalizeMessageContent,
  proto,
  toNumber,
  type WAMessage,
} from 'baileys';
import { z } from 'zod';
import { deserialise, serialise } from './auth-state.ts';
import type { HostMetrics } from './metrics.ts';
import { type HostSocket, isLid, type MediaDownloader, phoneOf } from './socket.ts';

export type InboundOptions = {
  acceptOwn: boolean;
  acceptStatus: boolean;
  acceptGroups: boolean;
  maxMediaBytes: number;
  /** Allowed MIME types; `audio/*` allows a family. */
  mediaTypes: readonly string[];
};

export type InboundDeps = {
  pool: DatabasePool;
  sqs: SQSClient;
  inboundQueueUrl: () => Promise<string>;
  s3: S3Client;
  bucket: string;
  download: MediaDownloader;
  options: InboundOptions;
  /** Sends a polite refusal to the sender (through the paced outbound path). */
  refuse: (sessionId: string, to: string, text: string) => Promise<void>;
  metrics: HostMetrics;
  log: Logger;
};

export type InboundSession = {
  id: string;
  socket: HostSocket;
  /** Maps a LID sender to a phone number (Baileys' LID store); null when unknown. */
  resolveLid?: (lid: string) => Promise<string | null>;
  /** Whether this host sent the message with this id (its echo is not a user's message). */
  isOwnSend?: (messageId: string) => boolean;
};

export type Outcome =
  | { outcome: 'enqueued'; envelope: InboundEnvelope }
  | { outcome: 'duplicate' }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'refused'; reason: 'too_big' | 'type_not_allowed' };

export const REFUSALS = {
  too_big: (maxBytes: number) =>
    `Maaf, filenya kebesaran buat Kantong (maksimal ${Math.floor(maxBytes / (1024 * 1024))} MB). ` +
    'Coba kirim yang lebih kecil, atau ketik saja transaksinya ya 🙏',
  type_not_allowed:
    'Maaf, Kantong belum bisa membaca jenis file ini. Kirim pesan teks, voice note, foto struk, ' +
    'atau PDF ya 🙏',
} as const;

type Content =
  | { kind: 'text'; text: string }
  | {
      kind: 'media';
      type: 'audio' | 'image' | 'document';
      mime: string;
      declaredBytes: number | null;
      caption: string | null;
    }
  | { kind: 'refuse'; reason: 'type_not_allowed' }
  | { kind: 'ignore'; reason: string };

function readText(message: proto.IMessage): Content {
  const contentType = getContentType(message);
  switch (contentType) {
    case 'conversation':
      return message.conversation
        ? { kind: 'text', text: message.conversation }
        : { kind: 'ignore', reason: 'empty' };
    case 'extendedTextMessage': {
      const text = message.extendedTextMessage?.text;
      return text ? { kind: 'text', text } : { kind: 'ignore', reason: 'empty' };
    }
    case 'audioMessage':
    case 'imageMessage':
    case 'documentMessage': {
      const media = message[contentType];
      const type =
        contentType === 'audioMessage' ? 'audio' : contentType === 'imageMessage' ? 'image' : 'document';
      const caption = media && 'caption' in media ? (media.caption ?? null) : null;
      return {
        kind: 'media',
        type,
        mime: (media?.mimetype ?? 'application/octet-stream').split(';')[0]?.trim().toLowerCase() ?? '',
        declaredBytes: media?.fileLength == null ? null : toNumber(media.fileLength),
        caption: caption === '' ? null : caption,
      };
    }
    // Media Kantong cannot read: the user hears so, the message goes no further.
    case 'videoMessage':
    case 'ptvMessage':
      return { kind: 'refuse', reason: 'type_not_allowed' };
    default:
      // Reactions, stickers, protocol messages (edits, deletes, key distribution), polls…
      return { kind: 'ignore', reason: `unsupported:${contentType ?? 'none'}` };
  }
}

export function classify(message: WAMessage): Content {
  // Unwraps ephemeral, view-once and document-with-caption envelopes.
  const content = normalizeMessageContent(message.message);
  if (!content) return { kind: 'ignore', reason: 'no_content' };
  return readText(content);
}

export function mimeAllowed(mime: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) =>
    pattern.endsWith('/*') ? mime.startsWith(pattern.slice(0, -1)) : mime === pattern,
  );
}

/** Which chats are for Kantong; null when the message is for it. */
function chatIgnored(key: proto.IMessageKey, options: InboundOptions): string | null {
  const chat = key.remoteJid ?? '';
  if (isJidStatusBroadcast(chat)) return options.acceptStatus ? null : 'status';
  if (isJidGroup(chat)) return options.acceptGroups ? null : 'group';
  if (isJidBroadcast(chat) || isJidNewsletter(chat)) return 'broadcast';
  if (key.fromMe) return options.acceptOwn ? null : 'own';
  return null;
}

/** The sender's phone number: from its JID, the alternative JID WhatsApp gives, or the LID store. */
async function senderPhone(message: WAMessage, session: InboundSession): Promise<string | null> {
  const key = message.key;
  if (key.fromMe) return phoneOf(session.socket.user?.id ?? null);
  const personal = !isJidGroup(key.remoteJid ?? '') && !isJidStatusBroadcast(key.remoteJid ?? '');
  const jid = personal ? key.remoteJid : key.participant;
  const alt = personal ? key.remoteJidAlt : key.participantAlt;
  const direct = phoneOf(jid) ?? phoneOf(alt);
  if (direct) return direct;
  if (isLid(jid) && jid && session.resolveLid) return phoneOf(await session.resolveLid(jid));
  return null;
}

const ClaimSchema = z.object({ status: z.string() });

/** Claims a message for handling; false when it was handled before (a replay). */
async function claim(
  pool: DatabasePool,
  sessionId: string,
  message: WAMessage,
  from: string,
): Promise<boolean> {
  const row = await pool.maybeOne(sql.type(ClaimSchema)`
    INSERT INTO wa_seen_messages (session_id, message_id, from_number, raw)
    VALUES (${sessionId}, ${message.key.id ?? ''}, ${from}, ${serialise(message)})
    ON CONFLICT (session_id, message_id) DO UPDATE SET attempts = wa_seen_messages.attempts + 1
      WHERE wa_seen_messages.status = 'claimed'
    RETURNING status`);
  return row !== null;
}

async function finish(
  pool: DatabasePool,
  sessionId: string,
  messageId: string,
  status: 'enqueued' | 'ignored' | 'refused',
): Promise<void> {
  await pool.query(sql.unsafe`
    UPDATE wa_seen_messages SET status = ${status}, done_at = now(), raw = NULL
    WHERE session_id = ${sessionId} AND message_id = ${messageId}`);
}

export class MediaTooBigError extends Error {
  override name = 'MediaTooBigError';
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { status?: unknown; output?: { statusCode?: unknown } };
  const status = candidate.output?.statusCode ?? candidate.status;
  return typeof status === 'number' ? status : undefined;
}

/** WhatsApp's media servers answer 404/410 once a file's URL expired; the phone can re-upload it. */
const REUPLOAD_STATUSES = new Set([404, 410]);

async function readLimited(source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    // The declared size can lie; stop reading as soon as the real one is too large.
    if (size > maxBytes) throw new MediaTooBigError(`media over ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Downloads a media message, asking the phone to re-upload it once when it expired. */
export async function downloadMedia(
  deps: Pick<InboundDeps, 'download' | 'log'>,
  socket: HostSocket,
  message: WAMessage,
  maxBytes: number,
): Promise<Buffer> {
  try {
    return await readLimited(await deps.download(message), maxBytes);
  } catch (error) {
    const status = httpStatus(error);
    if (status === undefined || !REUPLOAD_STATUSES.has(status)) throw error;
    deps.log.info(
      { messageId: message.key.id, status },
      'media expired; asking the sender to upload it again',
    );
    const refreshed = await socket.updateMediaMessage(message);
    return readLimited(await deps.download(refreshed), maxBytes);
  }
}

/** Stores bytes under their SHA-256 (the same file sent twice is stored once). */
export async function storeMedia(
  deps: Pick<InboundDeps, 's3' | 'bucket'>,
  bytes: Buffer,
  mime: string,
): Promise<MediaRef> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await deps.s3.send(
    new PutObjectCommand({ Bucket: deps.bucket, Key: sha256, Body: bytes, ContentType: mime }),
  );
  return { bucket: deps.bucket, key: sha256, mime, size_bytes: bytes.byteLength, sha256 };
}

async function enqueue(deps: InboundDeps, envelope: InboundEnvelope): Promise<void> {
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: await deps.inboundQueueUrl(),
      ...inboundMessageFields(envelope),
    }),
  );
}

/**
 * Handles one message. Throws when the message could not be enqueued (S3, SQS or the database
 * failed): it stays claimed with its raw content, and `retryClaimed` tries it again.
 */
export async function handleMessage(
  deps: InboundDeps,
  session: InboundSession,
  message: WAMessage,
): Promise<Outcome> {
  const messageId = message.key.id;
  const log = deps.log.child({ session: session.id, messageId, chat: message.key.remoteJid });
  const done = (outcome: Outcome, type = 'unknown'): Outcome => {
    deps.metrics.messagesIn.inc({ session: session.id, type, outcome: outcome.outcome });
    log.info({ ...outcome, envelope: undefined, type }, 'message');
    return outcome;
  };
  if (!messageId) return done({ outcome: 'ignored', reason: 'no_id' });
  if (message.key.fromMe && session.isOwnSend?.(messageId))
    return done({ outcome: 'ignored', reason: 'own_send' });
  const chatReason = chatIgnored(message.key, deps.options);
  if (chatReason) return done({ outcome: 'ignored', reason: chatReason });
  const content = classify(message);
  if (content.kind === 'ignore') return done({ outcome: 'ignored', reason: content.reason });

  const from = await senderPhone(message, session);
  if (!from) return done({ outcome: 'ignored', reason: 'unknown_sender' });
  if (!(await claim(deps.pool, session.id, message, from))) return done({ outcome: 'duplicate' });

  const refuse = async (reason: 'too_big' | 'type_not_allowed', type: string) => {
    const text =
      reason === 'too_big' ? REFUSALS.too_big(deps.options.maxMediaBytes) : REFUSALS.type_not_allowed;
    await deps.refuse(session.id, from, text);
    await finish(deps.pool, session.id, messageId, 'refused');
    return done({ outcome: 'refused', reason }, type);
  };
  if (content.kind === 'refuse') return refuse(content.reason, 'video');

  let media: MediaRef | null = null;
  if (content.kind === 'media') {
    const { maxMediaBytes, mediaTypes } = deps.options;
    if (!mimeAllowed(content.mime, mediaTypes)) return refuse('type_not_allowed', content.type);
    if (content.declaredBytes !== null && content.declaredBytes > maxMediaBytes) {
      return refuse('too_big', content.type);
    }
    let bytes: Buffer;
    try {
      bytes = await downloadMedia(deps, session.socket, message, maxMediaBytes);
    } catch (error) {
      if (error instanceof MediaTooBigError) return refuse('too_big', content.type);
      throw error;
    }
    media = await storeMedia(deps, bytes, content.mime);
  }

  const envelope = InboundEnvelopeSchema.parse({
    version: 1,
    message_id: messageId,
    from_number: from,
    bot_number: phoneOf(session.socket.user?.id ?? null),
    type: content.kind === 'text' ? 'text' : content.type,
    text: content.kind === 'text' ? content.text : content.caption,
    media,
    timestamp:
      message.messageTimestamp == null ? Math.floor(Date.now() / 1000) : toNumber(message.messageTimestamp),
    // Its replies go to outbound.fifo, which this host reads (never the console's queue).
    channel: 'whatsapp',
  } satisfies InboundEnvelope);
  await enqueue(deps, envelope);
  await finish(deps.pool, session.id, messageId, 'enqueued');
  return done({ outcome: 'enqueued', envelope }, envelope.type);
}

/**
 * One `messages.upsert` event. Only `notify` carries new messages; `append` is history and
 * Kantong's own sends. A message that fails is logged and left claimed for `retryClaimed`; the
 * others go on.
 */
export async function handleUpsert(
  deps: InboundDeps,
  session: InboundSession,
  upsert: { messages: WAMessage[]; type: string },
): Promise<Outcome[]> {
  if (upsert.type !== 'notify') return [];
  const outcomes: Outcome[] = [];
  for (const message of upsert.messages) {
    try {
      outcomes.push(await handleMessage(deps, session, message));
    } catch (error) {
      deps.metrics.messagesIn.inc({ session: session.id, type: 'unknown', outcome: 'failed' });
      deps.log.error(
        { err: error, session: session.id, messageId: message.key.id },
        'message not enqueued; it stays claimed and will be retried',
      );
    }
  }
  return outcomes;
}

/** Handles again the messages a crash or a failure left claimed for longer than `olderThanS`. */
export async function retryClaimed(
  deps: InboundDeps,
  session: InboundSession,
  olderThanS = 60,
): Promise<Outcome[]> {
  const raws = await deps.pool.anyFirst(sql.type(z.object({ raw: z.string() }))`
    SELECT raw FROM wa_seen_messages
    WHERE session_id = ${session.id} AND status = 'claimed' AND raw IS NOT NULL
      AND seen_at < now() - make_interval(secs => ${olderThanS})
    ORDER BY seen_at LIMIT 100`);
  if (raws.length > 0)
    deps.log.warn({ session: session.id, count: raws.length }, 'retrying claimed messages');
  return handleUpsert(deps, session, {
    type: 'notify',
    messages: raws.map(restoreMessage),
  });
}

/** A message as `claim` stored it: protobuf again (Longs, bytes), with Baileys' extra key fields. */
export function restoreMessage(raw: string): WAMessage {
  const plain = deserialise<WAMessage>(raw);
  const message = proto.WebMessageInfo.fromObject(plain) as WAMessage;
  message.key = { ...plain.key, ...message.key };
  return message;
}
