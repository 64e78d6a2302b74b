/**
 * Fault: PostgreSQL restarted under load. This file owns its own embedded PostgreSQL so it can
 * stop and start it. While it is down records fail and are left for redelivery; the pool
 * reconnects afterwards, and every message ends with exactly one effect and one reply.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createDatabasePool, type DatabasePool, sql } from '@kantong/shared/db';
import { createSqsClient, ensureQueues, inboundMessageFields, type QueueKey } from '@kantong/shared/queue';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { type RunningPostgres, startEmbeddedPostgres } from '../../../infra/scripts/embedded-postgres.ts';
import { migrate } from '../../../infra/scripts/migrate.ts';
import { startWorkers, type Workers } from '../local/workers.ts';
import { textEnvelope } from '../testing-pipeline.ts';
import { checkEffects } from './effects.ts';
import { collectInto, movementTexts, type ReplyLog } from './testing.ts';

let folder: string;
let pg: RunningPostgres | undefined;
let pool: DatabasePool;
let sqs: SQSClient;
let urls: Record<QueueKey, string>;
let workers: Workers | undefined;

const startPg = async (port?: number) =>
  startEmbeddedPostgres({ dataDir: join(folder, 'data'), persistent: true, ...(port ? { port } : {}) });

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'kantong-fault-pg-'));
  pg = await startPg();
  await migrate(pg.url);
  pool = await createDatabasePool(pg.url, { maximumPoolSize: 10 });
  sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
  urls = await ensureQueues(sqs, `pg${randomBytes(3).toString('hex')}-`);
}, 120_000);
afterAll(async () => {
  await workers?.stop();
  await pool?.end();
  sqs?.destroy();
  await pg?.stop();
  await rm(folder, { recursive: true, force: true });
}, 60_000);

const outboxRows = () =>
  pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM outbox`);

it('retries what failed while PostgreSQL was down and ends with one effect each', {
  timeout: 240_000,
}, async () => {
  const senders = Array.from({ length: 6 }, (_, index) => `628131100000${index}`);
  const creates = senders.map((from) => textEnvelope(from, 'buat tabungan dana 10jt'));
  const movements = senders.flatMap((from) => movementTexts(15).map((text) => textEnvelope(from, text)));
  for (const envelope of [...creates, ...movements]) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: urls.inbound,
        ...inboundMessageFields(envelope),
      }),
    );
  }
  // Failed records come back after 3 s: five receives (the dead-letter limit) outlast a restart.
  workers = await startWorkers(
    { pool: async () => pool, sqs, queue: async (key) => urls[key], llm: null },
    { retryDelaySeconds: 3, waitTimeSeconds: 1, relay: false, scheduler: false },
  );
  const deadline = Date.now() + 60_000;
  while ((await outboxRows()) < 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  const doneAtStop = await outboxRows();
  expect(doneAtStop).toBeGreaterThanOrEqual(15);
  expect(doneAtStop).toBeLessThan(creates.length + movements.length);
  const port = Number(new URL(pg?.url ?? '').port);
  await pg?.stop();
  await new Promise((r) => setTimeout(r, 2000)); // records fail meanwhile
  pg = await startPg(port);

  const all = [...creates, ...movements].map((envelope) => envelope.message_id);
  const replies: ReplyLog = new Map();
  await collectInto(sqs, urls.outbound, replies, (log) => all.every((id) => log.has(id)), {
    timeoutMs: 150_000,
    settleMs: 4000,
  });
  await workers.stop();
  workers = undefined;

  const report = await checkEffects(
    pool,
    movements.map((envelope) => envelope.message_id),
    replies,
  );
  expect(report).toEqual({ lost: [], duplicated: [], unbalanced: [] });
  expect(creates.map((envelope) => replies.get(envelope.message_id))).toEqual(creates.map(() => 1));
  const balances = await pool.anyFirst(
    sql.type(z.object({ current_amount: z.bigint() }))`SELECT current_amount FROM savings_accounts`,
  );
  // 15 messages each: 3 × 10k + 3 × 25rb deposited.
  expect(balances).toEqual(senders.map(() => 105_000n));
});
