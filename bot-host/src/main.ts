/**
 * `npm run host`: the WhatsApp host. One Baileys socket per bot number (WA_SESSIONS), inbound
 * messages to `inbound.fifo`, replies from `outbound.fifo`, and the HTTP side on BOT_HOST_PORT.
 * The first start of a number prints a QR code to scan (or ask for a pairing code over HTTP).
 *
 * With `npm start` running and no SQS_ENDPOINT/S3_ENDPOINT set, the host finds the local queues
 * (and storage, when listed) in `.data/local-stack.json`, as the chat console does.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { serve } from '@hono/node-server';
import { type Config, getConfig, resetConfig } from '@kantong/shared/config';
import { closePool, type DatabasePool, getPool, sql } from '@kantong/shared/db';
import { type Logger, logger } from '@kantong/shared/logger';
import { getSqsClient, queueUrl } from '@kantong/shared/queue';
import { ensureBuckets, getS3Client } from '@kantong/shared/storage';
import { z } from 'zod';
import { createHttpApp } from './http.ts';
import { handleUpsert, type InboundDeps, type InboundSession, retryClaimed } from './inbound.ts';
import { createMetrics } from './metrics.ts';
import {
  type Clock,
  createSender,
  Pacer,
  type SendingSession,
  startOutboundConsumer,
  systemClock,
} from './outbound.ts';
import { Session, type SocketFactory } from './session.ts';
import { downloadFromWhatsApp, type MediaDownloader } from './socket.ts';

export type HostOptions = {
  pool: DatabasePool;
  sqs: SQSClient;
  s3: S3Client;
  config: Config;
  log?: Logger;
  factory?: SocketFactory;
  download?: MediaDownloader;
  clock?: Clock;
  printQr?: boolean;
  /** Seconds before a failed reply is tried again. */
  retryDelayS?: number;
  /** Waits between reconnections (tests make them instant). */
  sleep?: (ms: number) => Promise<void>;
};

/** Remembers the ids of messages this host sent, so their echo is not taken for a user's. */
const SENT_MEMORY = 2000;

export function createHost(options: HostOptions) {
  const { pool, sqs, s3, config } = options;
  const log = options.log ?? logger.child({ component: 'bot-host' });
  const metrics = createMetrics();
  const sessions = new Map<string, Session>();
  const sentIds = new Set<string>();

  const working = (session: Session | undefined): SendingSession | null =>
    session?.state === 'WORKING' && session.socket ? { id: session.id, socket: session.socket } : null;

  const pickSession = async (to: string, sessionId?: string): Promise<SendingSession | null> => {
    if (sessionId) return working(sessions.get(sessionId));
    const last = await pool.maybeOneFirst(sql.type(z.object({ session_id: z.string() }))`
      SELECT session_id FROM wa_seen_messages WHERE from_number = ${to} ORDER BY seen_at DESC LIMIT 1`);
    const preferred = last === null ? null : working(sessions.get(last));
    return preferred ?? [...sessions.values()].map(working).find((session) => session !== null) ?? null;
  };

  const sender = createSender({
    pool,
    clock: options.clock ?? systemClock,
    pacer: new Pacer({ intervalMs: config.WA_SEND_INTERVAL_MS, maxPerMinute: config.WA_SEND_MAX_PER_MINUTE }),
    pickSession,
    metrics,
    log,
    onSent: (_sessionId, id) => {
      sentIds.add(id);
      if (sentIds.size > SENT_MEMORY) sentIds.delete(sentIds.values().next().value ?? '');
    },
  });

  const inboundDeps: InboundDeps = {
    pool,
    sqs,
    inboundQueueUrl: () => queueUrl(sqs, 'inbound', config.QUEUE_PREFIX),
    s3,
    bucket: config.MEDIA_BUCKET,
    download: options.download ?? downloadFromWhatsApp,
    options: {
      acceptOwn: config.WA_ACCEPT_OWN,
      acceptStatus: config.WA_ACCEPT_STATUS,
      acceptGroups: config.WA_ACCEPT_GROUPS,
      maxMediaBytes: config.WA_MEDIA_MAX_BYTES,
      mediaTypes: config.WA_MEDIA_TYPES.split(',')
        .map((type) => type.trim().toLowerCase())
        .filter(Boolean),
    },
    refuse: async (sessionId, to, text) => {
      await sender.send({ to, text, outboxId: null, sessionId });
    },
    metrics,
    log,
  };

  const inboundSession = (session: Session): InboundSession => {
    const socket = session.socket;
    if (!socket) throw new Error(`session ${session.id} has no socket`);
    const lids = socket.signalRepository?.lidMapping;
    return {
      id: session.id,
      socket,
      isOwnSend: (id) => sentIds.has(id),
      ...(lids ? { resolveLid: (lid: string) => lids.getPNForLID(lid) } : {}),
    };
  };

  for (const id of config.WA_SESSIONS.split(',')) {
    sessions.set(
      id,
      new Session({
        id,
        pool,
        log,
        metrics,
        ...(options.factory ? { factory: options.factory } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        printQr: options.printQr ?? false,
        hooks: {
          onMessages: async (session, upsert) => {
            await handleUpsert(inboundDeps, inboundSession(session), upsert);
          },
          onOpen: async (session) => {
            await retryClaimed(inboundDeps, inboundSession(session));
          },
        },
      }),
    );
  }

  const app = createHttpApp({ sessions, sender, metrics, config });
  let consumer: { stop: () => Promise<void> } | null = null;

  return {
    sessions,
    sender,
    metrics,
    app,
    inboundDeps,
    inboundSession,
    /** Opens every session and starts reading replies. */
    start: async () => {
      for (const session of sessions.values()) await session.start();
      consumer = startOutboundConsumer({
        sqs,
        queueUrl: await queueUrl(sqs, 'outbound', config.QUEUE_PREFIX),
        sender,
        ready: () => [...sessions.values()].some((session) => working(session) !== null),
        log,
        retryDelayS: options.retryDelayS ?? 30,
        waitTimeSeconds: 5,
      });
    },
    /** Stops reading replies, then closes every socket after saving its credentials. */
    stop: async () => {
      await consumer?.stop();
      consumer = null;
      for (const session of sessions.values()) await session.stop();
    },
  };
}

export type Host = ReturnType<typeof createHost>;

const LocalStackSchema = z.object({
  sqsEndpoint: z.string().url(),
  queuePrefix: z.string(),
  s3Endpoint: z.string().url().optional(),
});

/** Points the host at a running `npm start` when no endpoints are configured. */
async function adoptLocalStack(): Promise<void> {
  if (process.env.SQS_ENDPOINT) return;
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.data', 'local-stack.json');
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return;
  const parsed = LocalStackSchema.safeParse(JSON.parse(text));
  if (!parsed.success) return;
  process.env.SQS_ENDPOINT = parsed.data.sqsEndpoint;
  process.env.QUEUE_PREFIX ??= parsed.data.queuePrefix;
  if (parsed.data.s3Endpoint && !process.env.S3_ENDPOINT) process.env.S3_ENDPOINT = parsed.data.s3Endpoint;
  resetConfig();
  logger.info({ file, sqs: parsed.data.sqsEndpoint }, 'using the queues of the running npm start');
}

async function main(): Promise<void> {
  await adoptLocalStack();
  const config = getConfig();
  const pool = await getPool();
  const s3 = getS3Client();
  await ensureBuckets(s3, [config.MEDIA_BUCKET]).catch((error: unknown) => {
    logger.warn({ err: error, bucket: config.MEDIA_BUCKET }, 'could not check the media bucket');
  });
  const host = createHost({ pool, sqs: getSqsClient(), s3, config, printQr: true });
  await host.start();
  const server = serve(
    { fetch: host.app.fetch, port: config.BOT_HOST_PORT, hostname: config.HOST },
    (info) => {
      logger.info(
        { port: info.port, host: config.HOST, sessions: [...host.sessions.keys()] },
        'WhatsApp host listening',
      );
    },
  );

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down; saving WhatsApp credentials');
    try {
      await new Promise<void>((done) => server.close(() => done()));
      await host.stop();
      await closePool();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (import.meta.main) {
  await main();
}
