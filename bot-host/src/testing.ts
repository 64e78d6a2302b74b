/**
 * Test helpers: a stand-in for WhatsApp's servers (the only stand-in the project allows) with a
 * Baileys-shaped socket, and a host wired to the run's real PostgreSQL, SQS (ElasticMQ) and S3.
 */

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import { parseConfig } from '@kantong/shared/config';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { createSqsClient, ensureQueues, type QueueKey } from '@kantong/shared/queue';
import { drainQueue } from '@kantong/shared/queue/testing';
import { createS3Client, ensureBuckets } from '@kantong/shared/storage';
import { type GroupMetadata, jidDecode, proto, type WAMessage } from 'baileys';
import { inject } from 'vitest';
import type { PostgresAuthState } from './auth-state.ts';
import { createHost, type HostOptions } from './main.ts';
import type { Clock } from './outbound.ts';
import type { SessionSocket, SocketFactory } from './session.ts';
import type { MediaDownloader } from './socket.ts';

export const BOT_JID = '6285000000001:7@s.whatsapp.net';

/** One socket of the stand-in: records sends, emits what a test tells it to. */
export class StandInSocket {
  readonly ev = new EventEmitter();
  user: { id: string } | undefined = { id: BOT_JID };
  readonly sent: { jid: string; text: string; at: number }[] = [];
  readonly reuploads: string[] = [];
  ended = false;
  /** When set, sendMessage throws this. */
  failSends: Error | null = null;
  /** The groups WhatsApp knows, by JID, as its `groupMetadata` answers them. */
  readonly groups = new Map<string, GroupMetadata>();
  /** Every `groupMetadata` lookup asked of WhatsApp, by group JID. */
  readonly groupLookups: string[] = [];
  /** When set, `groupMetadata` fails with this (WhatsApp's rate-overlimit, say). */
  failGroupLookups: Error | null = null;
  /**
   * Baileys' LID store reads the `lid-mapping` keys of the session's auth state ("<lid>_reverse"
   * → the number); this reads the same keys of the real PostgreSQL auth state the same way.
   */
  signalRepository: SessionSocket['signalRepository'];
  readonly #clock: () => number;
  #counter = 0;

  constructor(clock: () => number = Date.now, auth?: PostgresAuthState) {
    this.#clock = clock;
    this.signalRepository = auth
      ? {
          lidMapping: {
            getPNForLID: async (lid: string) => {
              const user = jidDecode(lid)?.user ?? '';
              const stored = await auth.state.keys.get('lid-mapping', [`${user}_reverse`]);
              const pn = stored[`${user}_reverse`];
              return typeof pn === 'string' ? `${pn}:0@s.whatsapp.net` : null;
            },
          },
        }
      : undefined;
  }

  sendMessage = async (jid: string, content: { text: string }): Promise<WAMessage | undefined> => {
    if (this.failSends) throw this.failSends;
    this.sent.push({ jid, text: content.text, at: this.#clock() });
    this.#counter += 1;
    return proto.WebMessageInfo.fromObject({
      key: { remoteJid: jid, fromMe: true, id: `3EB0SENT${this.#counter}${randomBytes(3).toString('hex')}` },
      message: { conversation: content.text },
    }) as WAMessage;
  };

  updateMediaMessage = async (message: WAMessage): Promise<WAMessage> => {
    this.reuploads.push(message.key.id ?? '');
    const copy = proto.WebMessageInfo.fromObject(
      proto.WebMessageInfo.toObject(message as proto.WebMessageInfo),
    );
    const media = copy.message?.imageMessage ?? copy.message?.audioMessage ?? copy.message?.documentMessage;
    if (media) media.url = `${media.url ?? ''}?reuploaded`;
    return copy as WAMessage;
  };

  groupMetadata = async (jid: string): Promise<GroupMetadata> => {
    this.groupLookups.push(jid);
    // A round trip to WhatsApp, so concurrent callers really overlap.
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (this.failGroupLookups) throw this.failGroupLookups;
    const group = this.groups.get(jid);
    if (!group) throw Object.assign(new Error('item-not-found'), { output: { statusCode: 404 } });
    return structuredClone(group);
  };

  requestPairingCode = async (phone: string): Promise<string> => `K${phone.slice(-3)}TNG1`;

  end = (): void => {
    this.ended = true;
  };

  emit(event: string, data: unknown): void {
    this.ev.emit(event, data);
  }

  asSocket(): SessionSocket {
    return this as unknown as SessionSocket;
  }
}

/**
 * WhatsApp's "rate-overlimit" answer to a metadata lookup, as Baileys raises it (a Boom with the
 * error node's code and text).
 */
export function rateOverlimit(): Error {
  return Object.assign(new Error('rate-overlimit'), { isBoom: true, data: 429, output: { statusCode: 500 } });
}

/** A factory that hands out stand-in sockets and remembers them (the last one is the current). */
export function standInFactory(clock?: () => number): { factory: SocketFactory; sockets: StandInSocket[] } {
  const sockets: StandInSocket[] = [];
  return {
    sockets,
    factory: ({ auth }) => {
      const socket = new StandInSocket(clock, auth);
      sockets.push(socket);
      return socket.asSocket();
    },
  };
}

/**
 * Media bytes as WhatsApp's CDN would serve them, by the media URL; a URL listed in `expired`
 * answers 410 as an expired one does, until the phone re-uploads it.
 */
export function standInMedia(
  files: Record<string, Buffer>,
  expired: Set<string> = new Set(),
): MediaDownloader {
  return async (message) => {
    const content = message.message;
    const media = content?.imageMessage ?? content?.audioMessage ?? content?.documentMessage;
    const url = media?.url ?? '';
    if (expired.has(url))
      throw Object.assign(new Error('Failed to fetch stream'), { output: { statusCode: 410 } });
    const bytes = files[url.replace(/\?reuploaded$/, '')];
    if (!bytes) throw Object.assign(new Error('not found'), { output: { statusCode: 500 } });
    // In chunks, as a stream comes.
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += 64 * 1024)
      chunks.push(bytes.subarray(offset, offset + 64 * 1024));
    return Readable.from(chunks);
  };
}

/** A clock whose sleep moves time forward at once. */
export function virtualClock(start = 1_800_000_000_000): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      if (ms > 0) now += ms;
    },
  };
}

export type TestHostEnv = {
  db: TestDatabase;
  sqs: ReturnType<typeof createSqsClient>;
  s3: ReturnType<typeof createS3Client>;
  urls: Record<QueueKey, string>;
  prefix: string;
  bucket: string;
  config: ReturnType<typeof parseConfig>;
  makeHost: (options?: Partial<HostOptions>) => ReturnType<typeof createHost>;
  /** Receives (and deletes) what arrived on a queue, waiting up to `timeoutMs` for `count`. */
  drain: (url: string, count: number, timeoutMs?: number) => Promise<Message[]>;
  readObject: (key: string) => Promise<Buffer>;
  close: () => Promise<void>;
};

export async function createTestHostEnv(env: Record<string, string> = {}): Promise<TestHostEnv> {
  const db = await createTestDatabase({ maximumPoolSize: 5 });
  const sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
  const s3 = createS3Client({ endpoint: inject('s3Endpoint'), region: 'us-east-1' });
  const prefix = `h${randomBytes(4).toString('hex')}-`;
  const bucket = `wa-media-${randomBytes(4).toString('hex')}`;
  const [urls] = await Promise.all([ensureQueues(sqs, prefix), ensureBuckets(s3, [bucket])]);
  const config = parseConfig({ QUEUE_PREFIX: prefix, MEDIA_BUCKET: bucket, WA_SESSIONS: 'main', ...env });
  return {
    db,
    sqs,
    s3,
    urls,
    prefix,
    bucket,
    config,
    makeHost: (options = {}) =>
      createHost({ pool: db.pool, sqs, s3, config, sleep: async () => undefined, ...options }),
    drain: (url, count, timeoutMs) => drainQueue(sqs, url, count, timeoutMs),
    readObject: async (key) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(
        await (out.Body as { transformToByteArray: () => Promise<Uint8Array> }).transformToByteArray(),
      );
    },
    close: async () => {
      sqs.destroy();
      s3.destroy();
      await db.drop();
    },
  };
}
