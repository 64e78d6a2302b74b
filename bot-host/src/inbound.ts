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
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type DatabasePool, sql } from '@kantong/shared/db';
import type { Logger } from '@kantong/shared/logger';
import { senderKey } from '@kantong/shared/messages';
import {
  type BatchedSender,
  createBatchedSender,
  type GroupRef,
  type InboundEnvelope,
  InboundEnvelopeSchema,
  inboundMessageFields,
  type MediaRef,
} from '@kantong/shared/queue';
import {
  type GroupMetadata,
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
import { type HouseholdGate, identify, membershipKind, type Person, stubParticipants } from './groups.ts';
import type { HostMetrics } from './metrics.ts';
import { type HostSocket, isLid, type MediaDownloader, phoneOf } from './socket.ts';

export type InboundOptions = {
  acceptOwn: boolean;
  acceptStatus: boolean;
  /**
   * Households (issue 15): true (the default), a group's messages go to Kantong when the group is
   * an active household or the message is "aktifkan kantong"; false, every group is ignored.
   */
  acceptGroups: boolean;
  maxMediaBytes: number;
  /** Allowed MIME types; `audio/*` allows a family. */
  mediaTypes: readonly string[];
  /**
   * Requests to inbound.fifo out at once; past that, messages go together in one batch
   * (shared/src/queue/sender.ts, default 2).
   */
  enqueueInFlight?: number;
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
  /** Which groups are households (groups.ts). */
  households: HouseholdGate;
};

export type InboundSession = {
  id: string;
  socket: HostSocket;
  /** Maps a LID sender to a phone number (Baileys' LID store); null when unknown. */
  resolveLid?: (lid: string) => Promise<string | null>;
  /** Whether this host sent the message with this id (its echo is not a user's message). */
  isOwnSend?: (messageId: string) => boolean;
  /** A group's metadata from the session's cache (groups.ts); never throws, undefined when unknown. */
  groupMetadata?: (jid: string) => Promise<GroupMetadata | undefined>;
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
  if (isJidGroup(chat) && !options.acceptGroups) return 'group';
  if (isJidBroadcast(chat) || isJidNewsletter(chat)) return 'broadcast';
  // The bot number's own messages, in its chats and its groups alike.
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

/**
 * Claims a message for handling; false when it was handled before (a replay). `from` is the
 * sender's key (their number, or "lid:<digits>"), `chat` the group JID of a group message.
 */
async function claim(
  pool: DatabasePool,
  sessionId: string,
  message: WAMessage,
  ids: { messageId: string; from: string; chat: string | null },
): Promise<boolean> {
  const row = await pool.maybeOne(sql.type(ClaimSchema)`
    INSERT INTO wa_seen_messages (session_id, message_id, from_number, chat_jid, raw)
    VALUES (${sessionId}, ${ids.messageId}, ${ids.from}, ${ids.chat}, ${serialise(message)})
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

/**
 * One batched sender per host (issue 16): when many chats write at once, their messages reach
 * inbound.fifo in fewer requests, and one sender's messages in the order they came.
 */
const senders = new WeakMap<InboundDeps, BatchedSender>();

async function enqueue(deps: InboundDeps, envelope: InboundEnvelope): Promise<void> {
  let sender = senders.get(deps);
  if (!sender) {
    const inFlight = deps.options.enqueueInFlight;
    // The URL is asked for per request: a test points the host at a missing queue for a while.
    sender = createBatchedSender(
      deps.sqs,
      () => deps.inboundQueueUrl(),
      inFlight ? { maxInFlight: inFlight } : {},
    );
    senders.set(deps, sender);
  }
  await sender.send(inboundMessageFields(envelope));
}

/** The group a message was written in, as the envelope carries it. */
async function groupRef(
  session: InboundSession,
  jid: string,
  sender: Person,
  senderName: string | null | undefined,
): Promise<GroupRef> {
  const metadata = await session.groupMetadata?.(jid);
  return {
    jid,
    name: metadata?.subject ? metadata.subject.slice(0, 200) : null,
    sender_lid: sender.lid,
    sender_name: senderName ? senderName.slice(0, 120) : null,
  };
}

/** Who wrote in a group: number and/or LID (groups.ts `identify`). */
function groupSender(session: InboundSession, message: WAMessage): Promise<Person> {
  const jid = message.key.remoteJid ?? '';
  return identify([message.key.participant, message.key.participantAlt, message.participant], {
    resolveLid: session.resolveLid,
    metadata: session.groupMetadata
      ? () => session.groupMetadata?.(jid) ?? Promise.resolve(undefined)
      : undefined,
  });
}

function timestampOf(message: WAMessage): number {
  return message.messageTimestamp == null
    ? Math.floor(Date.now() / 1000)
    : toNumber(message.messageTimestamp);
}

/**
 * People added to or gone from a household's group (switched on or off: see `isHousehold`) (a participant stub, the notification Baileys
 * also reports as `group-participants.update`): one envelope with `group.event`, no text. Its
 * message id is derived from WhatsApp's notification id, so a replayed notification (a reconnect,
 * a second bot number in the group) is deduplicated like a replayed message. The bot number
 * itself is no member and is left out.
 */
async function handleMembership(
  deps: InboundDeps,
  session: InboundSession,
  message: WAMessage,
  kind: 'joined' | 'left',
  done: (outcome: Outcome, type?: string) => Outcome,
): Promise<Outcome> {
  const jid = message.key.remoteJid ?? '';
  if (!deps.options.acceptGroups) return done({ outcome: 'ignored', reason: 'group' });
  if (!(await deps.households.isHousehold(jid)))
    return done({ outcome: 'ignored', reason: 'group_not_household' });
  const lookups = {
    resolveLid: session.resolveLid,
    metadata: session.groupMetadata
      ? () => session.groupMetadata?.(jid) ?? Promise.resolve(undefined)
      : undefined,
  };
  const bot = phoneOf(session.socket.user?.id ?? null);
  const members: Person[] = [];
  for (const participant of stubParticipants(message.messageStubParameters)) {
    const person = await identify([participant.id, participant.phoneNumber, participant.lid], lookups);
    if ((person.phone || person.lid) && person.phone !== bot) members.push(person);
  }
  if (members.length === 0) return done({ outcome: 'ignored', reason: 'no_members' });
  const author = await identify([message.key.participant, message.key.participantAlt], lookups);
  const sender = author.phone || author.lid ? author : (members[0] as Person);
  const messageId = `member-${message.key.id ?? ''}`;
  const from = senderKey({ from_number: sender.phone, group: { jid, sender_lid: sender.lid } });
  if (!(await claim(deps.pool, session.id, message, { messageId, from, chat: jid }))) {
    return done({ outcome: 'duplicate' });
  }
  const group = await groupRef(session, jid, sender, null);
  const envelope = InboundEnvelopeSchema.parse({
    version: 1,
    message_id: messageId,
    from_number: sender.phone,
    bot_number: phoneOf(session.socket.user?.id ?? null),
    type: 'text',
    text: null,
    media: null,
    timestamp: timestampOf(message),
    channel: 'whatsapp',
    group: { ...group, event: { kind, members } },
  } satisfies InboundEnvelope);
  await enqueue(deps, envelope);
  await finish(deps.pool, session.id, messageId, 'enqueued');
  return done({ outcome: 'enqueued', envelope }, 'membership');
}

/**
 * Handles one message. Throws when the message could not be enqueued (S3, SQS or the database
 * failed): it stays claimed with its raw content, and `retryClaimed` tries it again.
 *
 * A group message goes on only when the group is a household or the text is "aktifkan kantong"
 * (groups.ts `HouseholdGate`); any other is dropped before it is claimed, so nothing of it is
 * stored and no media of it is downloaded. Media Kantong cannot read is ignored in a group rather
 * than refused: a family group is full of videos and files that are not for Kantong.
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
  const chat = message.key.remoteJid ?? '';
  const inGroup = isJidGroup(chat) === true;
  const membership = inGroup ? membershipKind(message.messageStubType) : null;
  if (membership) return handleMembership(deps, session, message, membership, done);
  if (message.key.fromMe && session.isOwnSend?.(messageId))
    return done({ outcome: 'ignored', reason: 'own_send' });
  const chatReason = chatIgnored(message.key, deps.options);
  if (chatReason) return done({ outcome: 'ignored', reason: chatReason });
  const content = classify(message);
  if (content.kind === 'ignore') return done({ outcome: 'ignored', reason: content.reason });
  if (inGroup) {
    const admitted = await deps.households.admits(chat, content.kind === 'text' ? content.text : null);
    if (!admitted) return done({ outcome: 'ignored', reason: 'group_not_household' });
    if (content.kind === 'refuse') return done({ outcome: 'ignored', reason: 'group_unreadable' });
  }

  const sender: Person = inGroup
    ? await groupSender(session, message)
    : { phone: await senderPhone(message, session), lid: null };
  if (!sender.phone && !sender.lid) return done({ outcome: 'ignored', reason: 'unknown_sender' });
  const group = inGroup ? await groupRef(session, chat, sender, message.pushName) : null;
  const from = senderKey({ from_number: sender.phone, group });
  if (!(await claim(deps.pool, session.id, message, { messageId, from, chat: group?.jid ?? null })))
    return done({ outcome: 'duplicate' });

  const refuse = async (reason: 'too_big' | 'type_not_allowed', type: string) => {
    if (group) {
      await finish(deps.pool, session.id, messageId, 'ignored');
      return done({ outcome: 'ignored', reason: 'group_unreadable' }, type);
    }
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
    from_number: sender.phone,
    bot_number: phoneOf(session.socket.user?.id ?? null),
    type: content.kind === 'text' ? 'text' : content.type,
    text: content.kind === 'text' ? content.text : content.caption,
    media,
    timestamp: timestampOf(message),
    // Its replies go to outbound.fifo, which this host reads (never the console's queue).
    channel: 'whatsapp',
    ...(group ? { group } : {}),
  } satisfies InboundEnvelope);
  await enqueue(deps, envelope);
  await finish(deps.pool, session.id, messageId, 'enqueued');
  return done({ outcome: 'enqueued', envelope }, envelope.type);
}

/**
 * One `messages.upsert` event. Only `notify` carries new messages; `append` is history, Kantong's
 * own sends and notifications, of which only a household's membership changes are taken. A message that fails is logged and left claimed for `retryClaimed`; the
 * others go on.
 */
export async function handleUpsert(
  deps: InboundDeps,
  session: InboundSession,
  upsert: { messages: WAMessage[]; type: string },
): Promise<Outcome[]> {
  // `append` is history and notifications; of those only a household group's membership changes
  // (participant stubs, which Baileys always upserts as `append`) are for Kantong.
  const messages =
    upsert.type === 'notify'
      ? upsert.messages
      : upsert.type === 'append'
        ? upsert.messages.filter(
            (message) => isJidGroup(message.key.remoteJid ?? '') && membershipKind(message.messageStubType),
          )
        : [];
  const outcomes: Outcome[] = [];
  for (const message of messages) {
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

const RawRow = z.object({ raw: z.string() });

/** Handles again the messages a crash or a failure left claimed for longer than `olderThanS`. */
export async function retryClaimed(
  deps: InboundDeps,
  session: InboundSession,
  olderThanS = 60,
): Promise<Outcome[]> {
  const raws = await deps.pool.anyFirst(sql.type(RawRow)`
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
