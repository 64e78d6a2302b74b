/**
 * `npm run host`: the WhatsApp host. One Baileys socket per bot number (WA_SESSIONS), inbound
 * messages to `inbound.fifo`, replies from `outbound.fifo`, and the HTTP side on BOT_HOST_PORT.
 * The first start of a number prints a QR code to scan, or a pairing code with `--pair 62812…`.
 *
 * Beside a running `npm start` it needs nothing set: the database, queues, storage and internal
 * secret come from `.data/` (local-stack.ts). Alone, it says what is missing and how to get it.
 * Replies to the chat console travel on their own queue (console.fifo), so the host and
 * `npm start`'s console never take each other's replies. `npm start -- --whatsapp` runs this
 * same host inside the local stack (`startHost`).
 */
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { serve } from '@hono/node-server';
import { type Config, getConfig, resetConfig } from '@kantong/shared/config';
import { closePool, type DatabasePool, getPool, sql } from '@kantong/shared/db';
import { isGroupJid } from '@kantong/shared/households';
import { type Logger, logger } from '@kantong/shared/logger';
import { getSqsClient, queueUrl } from '@kantong/shared/queue';
import { ensureBuckets, getS3Client } from '@kantong/shared/storage';
import { normalisePhone } from '@kantong/shared/users';
import { z } from 'zod';
import { HouseholdGate } from './groups.ts';
import { createHttpApp } from './http.ts';
import { handleUpsert, type InboundDeps, type InboundSession, retryClaimed } from './inbound.ts';
import { resolveHostEnvironment } from './local-stack.ts';
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
import { waVersionOnce } from './wa-version.ts';

export type HostOptions = {
  pool: DatabasePool;
  sqs: SQSClient;
  s3: S3Client;
  config: Config;
  log?: Logger;
  factory?: SocketFactory;
  download?: MediaDownloader;
  clock?: Clock;
  /** Talk to the person linking a phone here (QR or pairing code, linked, logged out…). */
  terminal?: (text: string) => void;
  /** Link this session by pairing code for this phone number instead of the QR code. */
  pair?: { session: string; phone: string };
  /** Seconds before a failed reply is tried again. */
  retryDelayS?: number;
  /** Waits between reconnections (tests make them instant). */
  sleep?: (ms: number) => Promise<void>;
  /** Requests to inbound.fifo out at once before messages go together (InboundOptions). */
  enqueueInFlight?: number;
};

/** Remembers the ids of messages this host sent, so their echo is not taken for a user's. */
const SENT_MEMORY = 2000;

const SessionIdRow = z.object({ session_id: z.string() });

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
    // A group is written to from the number that heard it last: only a number in the group can.
    const last = await pool.maybeOneFirst(sql.type(SessionIdRow)`
      SELECT session_id FROM wa_seen_messages
      WHERE ${isGroupJid(to) ? sql.fragment`chat_jid = ${to}` : sql.fragment`from_number = ${to}`}
      ORDER BY seen_at DESC LIMIT 1`);
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
      ...(options.enqueueInFlight ? { enqueueInFlight: options.enqueueInFlight } : {}),
    },
    refuse: async (sessionId, to, text) => {
      await sender.send({ to, text, outboxId: null, sessionId });
    },
    metrics,
    log,
    households: new HouseholdGate({ pool }),
  };

  const inboundSession = (session: Session): InboundSession => {
    const socket = session.socket;
    if (!socket) throw new Error(`session ${session.id} has no socket`);
    const lids = socket.signalRepository?.lidMapping;
    return {
      id: session.id,
      socket,
      isOwnSend: (id) => sentIds.has(id),
      groupMetadata: (jid: string) => session.groups.get(jid),
      ...(lids ? { resolveLid: (lid: string) => lids.getPNForLID(lid) } : {}),
    };
  };

  // The current WhatsApp Web version, fetched once for all sessions (wa-version.ts). A test's
  // stand-in factory talks to no WhatsApp: it needs none.
  const waVersion = options.factory ? undefined : waVersionOnce(log);
  for (const id of config.WA_SESSIONS.split(',')) {
    sessions.set(
      id,
      new Session({
        id,
        pool,
        log,
        metrics,
        ...(options.factory ? { factory: options.factory } : {}),
        ...(waVersion ? { waVersion } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.terminal ? { terminal: options.terminal } : {}),
        ...(options.pair?.session === id ? { pairPhone: options.pair.phone } : {}),
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

/** Writes to the terminal the host runs in. */
export const stdoutTerminal = (text: string) => {
  process.stdout.write(`${text}\n`);
};

/**
 * Starts a host and its HTTP side on BOT_HOST_PORT: `npm run host`, and `npm start -- --whatsapp`
 * inside the local stack. `stop` closes the HTTP side, stops reading replies, saves the logins.
 */
export async function startHost(options: HostOptions) {
  const { config } = options;
  const host = createHost(options);
  await host.start();
  const log = options.log ?? logger;
  const server = await new Promise<{ port: number; close: () => Promise<void> }>((done) => {
    const instance = serve(
      { fetch: host.app.fetch, port: config.BOT_HOST_PORT, hostname: config.HOST },
      (info) => {
        log.info(
          { port: info.port, host: config.HOST, sessions: [...host.sessions.keys()] },
          'WhatsApp host listening',
        );
        done({ port: info.port, close: () => new Promise<void>((closed) => instance.close(() => closed())) });
      },
    );
  });
  return {
    host,
    port: server.port,
    stop: async () => {
      await server.close();
      await host.stop();
    },
  };
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const usage = `Usage: npm run host [-- --pair 62812xxxxxxxx [--session main]]

Starts the WhatsApp host. Beside a running \`npm start\` it needs nothing else; the first start of a
bot number prints a QR code to scan (WhatsApp → Perangkat tertaut / Linked devices).
  --pair <number>   show a pairing code for that phone number instead of the QR code
  --session <id>    the session (WA_SESSIONS) to pair; default: the first one`;

/** `--pair` and `--session`, shared with `npm start -- --whatsapp`. */
export function parsePairing(
  values: { pair?: string | undefined; session?: string | undefined },
  sessions: string,
): { session: string; phone: string } | undefined {
  if (values.pair === undefined) {
    if (values.session !== undefined) throw new UsageError('--session only goes with --pair');
    return undefined;
  }
  const phone = normalisePhone(values.pair);
  if (!/^\d{8,15}$/.test(phone)) {
    throw new UsageError(
      `--pair needs the bot's phone number with its country code, e.g. 6281234567890 (got "${values.pair}")`,
    );
  }
  const ids = sessions.split(',');
  const session = values.session ?? ids[0] ?? 'main';
  if (!ids.includes(session))
    throw new UsageError(`--session ${session} is not in WA_SESSIONS (${sessions})`);
  return { session, phone };
}

export const PAIRING_OPTIONS = {
  pair: { type: 'string' },
  session: { type: 'string' },
} as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { ...PAIRING_OPTIONS, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  // A mistyped --pair is said before anything starts (WA_SESSIONS never comes from npm start).
  const pair = parsePairing(values, getConfig().WA_SESSIONS);
  const environment = await resolveHostEnvironment();
  if (environment.source === 'missing') {
    process.stderr.write(`\n✖ ${environment.message}\n\n`);
    process.exitCode = 1;
    return;
  }
  if (environment.source === 'local-stack') {
    Object.assign(process.env, environment.values);
    resetConfig();
    logger.info(
      { file: environment.file, took: Object.keys(environment.values) },
      'using the database, queues and storage of the running npm start',
    );
  }
  const config = getConfig();
  const pool = await getPool();
  const s3 = getS3Client();
  await ensureBuckets(s3, [config.MEDIA_BUCKET]).catch((error: unknown) => {
    logger.warn({ err: error, bucket: config.MEDIA_BUCKET }, 'could not check the media bucket');
  });
  const running = await startHost({
    pool,
    sqs: getSqsClient(),
    s3,
    config,
    terminal: stdoutTerminal,
    ...(pair ? { pair } : {}),
  });

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down; saving WhatsApp credentials');
    try {
      await running.stop();
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
  try {
    await main();
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
      process.exit(2);
    }
    throw error;
  }
}
