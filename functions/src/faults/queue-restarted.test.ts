/**
 * Fault: the queue server restarted. Kantong runs its SQS server with durable storage: ElasticMQ
 * (messages in H2, queue definitions in a file: infra/elasticmq.conf, `startElasticMq({
 * persistDir })`) or fauxqs (everything in SQLite, written through on each change:
 * `startFauxqs({ dataDir })`). What holds, for both, and is tested here:
 *
 * - A message is *accepted* when the host's SendMessage succeeded (bot-host/src/inbound.ts only
 *   then lets go of it). While the server is down SendMessage fails, nothing is accepted, and the
 *   host retries; after the restart those messages get exactly one effect and one reply.
 * - Messages processed before the restart keep exactly one effect, even when replayed afterwards.
 * - A message accepted but not yet consumed when the server stops is still there after the
 *   restart, and gets its one effect and reply. Without durable storage it would be gone.
 *
 * ElasticMQ is stopped (SIGTERM); fauxqs is killed outright (SIGKILL), a crash with nothing
 * flushed on the way out, since it claims to write every change through.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import {
  createSqsClient,
  ensureQueues,
  type InboundEnvelope,
  inboundMessageFields,
  type QueueKey,
} from '@kantong/shared/queue';
import { needsProgram } from '@kantong/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elasticMqRunnable, startElasticMq } from '../../../infra/scripts/elasticmq.ts';
import { startFauxqsProcess } from '../../../infra/scripts/fauxqs.ts';
import { startWorkers, type Workers } from '../local/workers.ts';
import { textEnvelope } from '../testing-pipeline.ts';
import { checkEffects } from './effects.ts';
import { collectInto, type ReplyLog } from './testing.ts';

type DurableServer = { endpoint: string; port: number; stop(): Promise<void> };

const servers = [
  {
    name: 'ElasticMQ',
    runnable: needsProgram(
      'Java and the ElasticMQ jars for the restart test',
      elasticMqRunnable(),
      'apt-get install default-jre-headless maven, then node infra/scripts/elasticmq.ts fetch',
    ),
    start: (dir: string, port?: number): Promise<DurableServer> =>
      startElasticMq({ persistDir: dir, ...(port ? { port } : {}) }),
  },
  {
    name: 'fauxqs',
    runnable: true,
    start: async (dir: string, port?: number): Promise<DurableServer> => {
      const server = await startFauxqsProcess({ dataDir: dir, ...(port ? { port } : {}) });
      return { ...server, stop: server.kill };
    },
  },
];

describe.each(servers)('$name restarted', ({ name, runnable, start }) => {
  let db: TestDatabase;
  let server: DurableServer | undefined;
  let sqs: SQSClient;
  let urls: Record<QueueKey, string>;
  let workers: Workers | undefined;
  const prefix = `${name.slice(0, 3).toLowerCase()}${randomBytes(3).toString('hex')}-`;
  let persistDir: string;

  beforeAll(async () => {
    if (!runnable) return;
    db = await createTestDatabase({ maximumPoolSize: 10 });
    persistDir = await mkdtemp(join(tmpdir(), 'kantong-queue-data-'));
    server = await start(persistDir);
    sqs = createSqsClient({ endpoint: server.endpoint });
    urls = await ensureQueues(sqs, prefix);
  }, 120_000);
  afterAll(async () => {
    await workers?.stop();
    sqs?.destroy();
    await server?.stop();
    await db?.drop();
  }, 60_000);

  async function restart() {
    const port = server?.port;
    await server?.stop();
    server = undefined;
    // The same address and data directory, as a compose service restart gives.
    server = await start(persistDir, port);
    urls = await ensureQueues(sqs, prefix);
  }

  const send = (envelope: InboundEnvelope) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: urls.inbound,
        ...inboundMessageFields(envelope),
      }),
    );

  const runWorkers = async () =>
    startWorkers(
      { pool: async () => db.pool, sqs, queue: async (key) => urls[key], llm: null },
      { retryDelaySeconds: 0, waitTimeSeconds: 1, relay: false, scheduler: false },
    );

  it.skipIf(!runnable)(
    'keeps one effect for what was processed and answers what the host retries after a restart',
    { timeout: 240_000 },
    async () => {
      const senders = ['6281310000001', '6281310000002', '6281310000003'];
      const before = senders.flatMap((from) =>
        ['beli kopi 18k', 'gaji 5jt', 'makan siang 25rb'].map((text) => textEnvelope(from, text)),
      );
      workers = await runWorkers();
      for (const envelope of before) await send(envelope);
      const replies: ReplyLog = new Map();
      await collectInto(sqs, urls.outbound, replies, (log) => before.every((e) => log.has(e.message_id)), {
        timeoutMs: 60_000,
      });

      const stopped = server;
      await stopped?.stop();
      // While the server is down the host's SendMessage fails: these are not accepted yet.
      const during = senders.map((from) => textEnvelope(from, 'beli bensin 30rb'));
      await expect(send(during[0] as InboundEnvelope)).rejects.toThrow();
      server = await start(persistDir, stopped?.port);
      urls = await ensureQueues(sqs, prefix);

      // The host retries what failed; WhatsApp may also replay what was already handled.
      for (const envelope of [...during, ...before]) await send(envelope);
      await collectInto(sqs, urls.outbound, replies, (log) => during.every((e) => log.has(e.message_id)), {
        timeoutMs: 90_000,
        settleMs: 4000,
      });
      await workers.stop();
      workers = undefined;

      const accepted = [...before, ...during].map((envelope) => envelope.message_id);
      expect(await checkEffects(db.pool, accepted, replies)).toEqual({
        lost: [],
        duplicated: [],
        unbalanced: [],
      });
    },
  );

  it.skipIf(!runnable)(
    'keeps what was accepted but not yet consumed across the restart (durable storage)',
    { timeout: 240_000 },
    async () => {
      const envelope = textEnvelope('6281310000009', 'beli kopi 18k');
      await send(envelope);
      await restart();
      workers = await runWorkers();
      const replies: ReplyLog = new Map();
      await collectInto(sqs, urls.outbound, replies, (log) => log.has(envelope.message_id), {
        timeoutMs: 60_000,
        settleMs: 3000,
      });
      await workers.stop();
      workers = undefined;
      expect(await checkEffects(db.pool, [envelope.message_id], replies)).toEqual({
        lost: [],
        duplicated: [],
        unbalanced: [],
      });
    },
  );
});
