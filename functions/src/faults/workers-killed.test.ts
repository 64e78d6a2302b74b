/**
 * Fault: the functions process is SIGKILLed in the middle of a batch. A new one takes over; every
 * accepted message ends with exactly one ledger row, one outbox row and one reply, and every
 * savings balance is the sum of its movements.
 */
import { sql } from '@kantong/shared/db';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';
import { checkEffects } from './effects.ts';
import {
  type ChildWorkers,
  collectInto,
  movementTexts,
  type ReplyLog,
  shortenVisibility,
  spawnWorkers,
} from './testing.ts';

let pipe: TestPipeline;
const children: ChildWorkers[] = [];

beforeAll(async () => {
  pipe = await createTestPipeline();
  await shortenVisibility(pipe.sqs, pipe.urls.inbound, 3);
});
afterAll(async () => {
  for (const child of children) await child.kill('SIGKILL');
  await pipe.close();
});

const outboxRows = () =>
  pipe.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM outbox`);

it('loses and doubles nothing when the workers are killed mid-batch', { timeout: 180_000 }, async () => {
  const env = {
    DATABASE_URL: pipe.db.url,
    SQS_ENDPOINT: inject('sqsEndpoint'),
    S3_ENDPOINT: inject('s3Endpoint'),
    QUEUE_PREFIX: pipe.prefix,
    MEDIA_BUCKET: pipe.mediaBucket,
  };
  const senders = Array.from({ length: 8 }, (_, index) => `628130900${String(index).padStart(4, '0')}`);
  const creates = senders.map((from) => textEnvelope(from, 'buat tabungan dana 10jt'));
  const movements = senders.flatMap((from) => movementTexts(20).map((text) => textEnvelope(from, text)));
  for (const envelope of creates) await pipe.sendInbound(envelope);
  for (const envelope of movements) await pipe.sendInbound(envelope);
  const all = [...creates, ...movements].map((envelope) => envelope.message_id);

  const first = await spawnWorkers(env);
  children.push(first);
  // Let it get going, then kill it while there is work left in flight.
  const deadline = Date.now() + 60_000;
  while ((await outboxRows()) < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await first.kill('SIGKILL');
  const doneAtKill = await outboxRows();
  expect(doneAtKill, first.output()).toBeGreaterThanOrEqual(30);
  expect(doneAtKill).toBeLessThan(all.length);

  const second = await spawnWorkers(env);
  children.push(second);
  const replies: ReplyLog = new Map();
  await collectInto(pipe.sqs, pipe.urls.outbound, replies, (log) => all.every((id) => log.has(id)), {
    timeoutMs: 120_000,
    settleMs: 4000,
  });
  await second.kill('SIGTERM');

  const report = await checkEffects(
    pipe.db.pool,
    movements.map((envelope) => envelope.message_id),
    replies,
  );
  expect(report, second.output()).toEqual({ lost: [], duplicated: [], unbalanced: [] });
  expect(creates.map((envelope) => replies.get(envelope.message_id))).toEqual(creates.map(() => 1));
  const accounts = await pipe.db.pool.oneFirst(
    sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM savings_accounts`,
  );
  expect(accounts).toBe(senders.length);
  // Every deposit landed once: 8 per sender (4 × 10k, 4 × 25k) = Rp140.000 each.
  const balances = await pipe.db.pool.anyFirst(
    sql.type(z.object({ current_amount: z.bigint() }))`SELECT current_amount FROM savings_accounts`,
  );
  expect(balances).toEqual(senders.map(() => 140_000n));
});
