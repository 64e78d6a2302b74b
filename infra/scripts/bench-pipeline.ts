/**
 * `npm run bench:pipeline`: pushes N messages from M users through the real queues and
 * functions of the local stack and prints throughput, latency from enqueue to reply
 * (p50/p95/p99), memory, and whether every message got exactly one reply.
 *
 *   BENCH_MESSAGES=500 BENCH_USERS=20 npm run bench:pipeline
 *
 * Uses DATABASE_URL / SQS_ENDPOINT when set; otherwise starts an embedded PostgreSQL and
 * ElasticMQ (or fauxqs without Java) for the run, and stops them after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { createDatabasePool } from '@kantong/shared/db';
import {
  createSqsClient,
  ensureQueues,
  type InboundEnvelope,
  inboundMessageFields,
  OutboundMessageSchema,
} from '@kantong/shared/queue';
import { startWorkers } from '../../functions/src/local/workers.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startSqsServer } from './local-services.ts';
import { migrate } from './migrate.ts';

const messages = Number(process.env.BENCH_MESSAGES ?? 500);
const users = Number(process.env.BENCH_USERS ?? 20);
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000;
const concurrency = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 4);

const TEXTS = [
  'beli kopi 18k',
  'makan siang 25rb',
  'isi bensin 50rb',
  'gaji 5jt',
  'laporan hari ini',
  'beli pulsa 50k',
];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main() {
  const stops: (() => Promise<void>)[] = [];
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const dataDir = join(await mkdtemp(join(tmpdir(), 'kantong-bench-pg-')), 'data');
      const pg = await startEmbeddedPostgres({ dataDir, persistent: false });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    await migrate(databaseUrl);
    const sqsServer = await startSqsServer();
    stops.push(sqsServer.stop);
    console.log(
      `sqs: ${sqsServer.kind} ${sqsServer.endpoint}${sqsServer.note ? ` (${sqsServer.note})` : ''}`,
    );

    const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 10 });
    stops.push(() => pool.end());
    const sqs = createSqsClient({ endpoint: sqsServer.endpoint });
    const prefix = `bench${randomBytes(3).toString('hex')}-`;
    const urls = await ensureQueues(sqs, prefix);
    const workers = await startWorkers(
      { pool: async () => pool, sqs, queue: async (key) => urls[key], llm: null },
      { waitTimeSeconds: 1, relay: false, scheduler: false, ingestConcurrency: concurrency },
    );
    stops.push(workers.stop);

    const phones = Array.from({ length: users }, (_, index) => `62899${String(index).padStart(8, '0')}`);
    const sentAt = new Map<string, number>();
    const replies = new Map<string, number>();
    let duplicated = 0;
    const started = performance.now();

    const consumer = (async () => {
      const deadline = Date.now() + timeoutMs;
      while (replies.size < messages && Date.now() < deadline) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: urls.outbound, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const batch = out.Messages ?? [];
        const now = performance.now();
        for (const message of batch) {
          const reply = OutboundMessageSchema.parse(JSON.parse(message.Body ?? ''));
          const id = reply.in_reply_to ?? '';
          if (replies.has(id)) duplicated += 1;
          else replies.set(id, now);
        }
        if (batch.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: urls.outbound,
              Entries: batch.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
        }
      }
    })();

    for (let offset = 0; offset < messages; offset += 10) {
      const entries = [];
      for (let i = offset; i < Math.min(offset + 10, messages); i += 1) {
        const from = phones[i % users] as string;
        const envelope: InboundEnvelope = {
          version: 1,
          message_id: `BENCH${prefix}${i}`,
          from_number: from,
          bot_number: null,
          type: 'text',
          text: TEXTS[i % TEXTS.length] as string,
          media: null,
          timestamp: Math.floor(Date.now() / 1000),
        };
        entries.push({
          Id: String(i - offset),
          ...inboundMessageFields(envelope),
        });
        sentAt.set(envelope.message_id, performance.now());
      }
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: urls.inbound, Entries: entries }));
    }
    await consumer;
    const elapsedS = (performance.now() - started) / 1000;

    const latencies = [...replies.entries()]
      .map(([id, at]) => at - (sentAt.get(id) ?? at))
      .sort((a, b) => a - b);
    const lost = messages - replies.size;
    const memory = process.memoryUsage();
    const rate = replies.size / elapsedS;
    console.log(`messages: ${messages} from ${users} users, ingest pollers ${concurrency}`);
    console.log(`elapsed: ${elapsedS.toFixed(2)} s`);
    console.log(
      `latency enqueue→reply: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    console.log(
      `memory: rss ${(memory.rss / 1e6).toFixed(1)} MB, heap used ${(memory.heapUsed / 1e6).toFixed(1)} MB`,
    );
    console.log(
      `pipeline: ${rate.toFixed(1)} msg/s, p99 ${percentile(latencies, 99).toFixed(0)} ms, replies ${replies.size}/${messages}, lost ${lost}, duplicated ${duplicated}`,
    );
    if (lost > 0 || duplicated > 0) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

await main();
