/**
 * `npm run bench:load`: the inbound path under load. 100 concurrent senders put envelopes onto
 * inbound.fifo exactly as the WhatsApp host does (SendMessage, group = sender, dedup = WhatsApp
 * id); the real workers (in this process) run them through PostgreSQL and reply on outbound.fifo.
 * The rate goes up in steps until the backlog grows; the highest step that kept up is the
 * sustained rate. Afterwards every accepted message is checked in PostgreSQL and on
 * outbound.fifo: one log row, one ledger row, one outbox row, one reply (exit 1 otherwise).
 *
 *   BENCH_DURATION_S=60 npm run bench:load      # longest ramp (default 60 s)
 *   BENCH_SCALE=2                               # 2× the messages: every step twice as long
 *   BENCH_USERS=1000                            # distinct senders' numbers (default 100)
 *   BENCH_SENDERS=100 BENCH_START_RATE=10 BENCH_INGEST_CONCURRENCY=4
 *
 * Last line: `load: R msg/s, p99 X ms, lost L, duplicated D`. Uses DATABASE_URL / SQS_ENDPOINT
 * when set; otherwise starts an embedded PostgreSQL and ElasticMQ and reports their CPU and memory
 * too (from /proc). The per-sender rate limit is lifted: this measures the pipeline, not the limiter.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createDatabasePool } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import {
  createSqsClient,
  ensureQueues,
  type InboundEnvelope,
  inboundMessageFields,
  OutboundMessageSchema,
} from '@kantong/shared/queue';
import { checkEffects } from '../../functions/src/faults/effects.ts';
import { startWorkers } from '../../functions/src/local/workers.ts';
import { elasticMqRunnable, startElasticMq } from './elasticmq.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startSqsServer } from './local-services.ts';
import { migrate } from './migrate.ts';

// getConfig() reads the environment on first use, after this line; the logger already exists.
process.env.RATE_LIMIT_PER_MINUTE ??= '1000000';
if (!process.env.LOG_LEVEL) logger.level = 'warn';

const durationS = Number(process.env.BENCH_DURATION_S ?? 60);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const users = Number(process.env.BENCH_USERS ?? 100);
const senders = Number(process.env.BENCH_SENDERS ?? 100);
const startRate = Number(process.env.BENCH_START_RATE ?? 10);
const concurrency = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 4);
const drainTimeoutMs = Number(process.env.BENCH_DRAIN_S ?? 120) * 1000;
/** Each step's rate is the last one × this. */
const RATE_FACTOR = 1.5;
/** At least this many steps fit in BENCH_DURATION_S; each is BENCH_SCALE times longer. */
const STEPS = 6;
const stepS = Math.max(1, durationS / STEPS) * scale;

/** Every text makes exactly one ledger row, so effects can be counted. */
const TEXTS = ['beli kopi 18k', 'makan siang 25rb', 'isi bensin 50rb', 'gaji 5jt', 'beli pulsa 50k'];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** CPU seconds and resident memory of a process and all its descendants (Linux /proc). */
function processTree(rootPid: number): { cpuS: number; rssMb: number } | null {
  if (!existsSync('/proc/self/stat')) return null;
  const ticks = 100; // USER_HZ on Linux
  const pageKb = 4;
  const stats = new Map<number, { ppid: number; cpu: number; rssPages: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), {
        ppid: Number(fields[1]),
        cpu: Number(fields[11]) + Number(fields[12]),
        rssPages: Number(fields[21]),
      });
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = (pid: number): boolean => {
    for (let current = pid, hops = 0; current > 1 && hops < 50; hops++) {
      if (current === rootPid) return true;
      current = stats.get(current)?.ppid ?? 0;
    }
    return false;
  };
  let cpu = 0;
  let rss = 0;
  for (const [pid, stat] of stats) {
    if (!inTree(pid)) continue;
    cpu += stat.cpu;
    rss += stat.rssPages;
  }
  return { cpuS: cpu / ticks, rssMb: (rss * pageKb) / 1024 };
}

function postmasterPid(dataDir: string): number | null {
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

type Step = { rate: number; sent: number; replied: number; backlog: number; sustained: boolean };

async function main() {
  const stops: (() => Promise<void>)[] = [];
  const others: { name: string; pid: number }[] = [];
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const dataDir = join(await mkdtemp(join(tmpdir(), 'kantong-load-pg-')), 'data');
      const pg = await startEmbeddedPostgres({ dataDir, persistent: false });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      const pid = postmasterPid(dataDir);
      if (pid) others.push({ name: 'postgresql', pid });
    }
    await migrate(databaseUrl);
    let endpoint: string;
    if (!process.env.SQS_ENDPOINT && elasticMqRunnable()) {
      const elasticMq = await startElasticMq();
      stops.push(elasticMq.stop);
      endpoint = elasticMq.endpoint;
      others.push({ name: 'elasticmq', pid: elasticMq.pid });
      console.log(`sqs: elasticmq ${endpoint}`);
    } else {
      const server = await startSqsServer();
      stops.push(server.stop);
      endpoint = server.endpoint;
      console.log(`sqs: ${server.kind} ${endpoint}${server.note ? ` (${server.note})` : ''}`);
    }

    const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 10 });
    stops.push(() => pool.end());
    const sqs = createSqsClient({ endpoint });
    const prefix = `load${randomBytes(3).toString('hex')}-`;
    const urls = await ensureQueues(sqs, prefix);
    const workers = await startWorkers(
      { pool: async () => pool, sqs, queue: async (key) => urls[key], llm: null },
      { waitTimeSeconds: 1, relay: false, scheduler: false, ingestConcurrency: concurrency },
    );
    stops.push(workers.stop);

    const phones = Array.from({ length: users }, (_, index) => `62877${String(index).padStart(8, '0')}`);
    const sentAt = new Map<string, number>();
    const replyAt = new Map<string, number>();
    const replyCount = new Map<string, number>();
    const accepted: string[] = [];
    let sendFailures = 0;
    let sequence = 0;
    let peakRssMb = 0;
    const memoryTimer = setInterval(() => {
      peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 1e6);
    }, 250);

    // outbound.fifo, read as the WhatsApp host reads it.
    let consuming = true;
    const consume = async (client: SQSClient) => {
      while (consuming) {
        const out = await client
          .send(
            new ReceiveMessageCommand({
              QueueUrl: urls.outbound,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
            }),
          )
          .catch(() => ({ Messages: [] }));
        const batch = out.Messages ?? [];
        const now = performance.now();
        for (const message of batch) {
          const id = OutboundMessageSchema.parse(JSON.parse(message.Body ?? '')).in_reply_to ?? '';
          replyCount.set(id, (replyCount.get(id) ?? 0) + 1);
          if (!replyAt.has(id)) replyAt.set(id, now);
        }
        if (batch.length > 0) {
          await client.send(
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
    };
    const consumers = Array.from({ length: 4 }, () => consume(sqs));

    /** The host's enqueue: validated envelope, group = sender, dedup = WhatsApp id. */
    const send = async (from: string) => {
      sequence += 1;
      const envelope: InboundEnvelope = {
        version: 1,
        message_id: `LOAD${prefix}${sequence}`,
        from_number: from,
        bot_number: null,
        type: 'text',
        text: TEXTS[sequence % TEXTS.length] as string,
        media: null,
        timestamp: Math.floor(Date.now() / 1000),
      };
      sentAt.set(envelope.message_id, performance.now());
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: urls.inbound,
            ...inboundMessageFields(envelope),
          }),
        );
        accepted.push(envelope.message_id);
      } catch {
        sendFailures += 1;
        sentAt.delete(envelope.message_id);
      }
    };

    const cpuStart = process.cpuUsage();
    const othersStart = new Map(others.map((other) => [other.name, processTree(other.pid)]));
    const started = performance.now();
    const steps: Step[] = [];
    let rate = startRate;
    /** Latency is reported for the steps that kept up: past that it is only queueing. */
    let sustainedUntil = started;
    const deadline = started + durationS * scale * 1000;
    while (performance.now() + stepS * 1000 <= deadline + 1) {
      const sentBefore = accepted.length;
      const repliedBefore = replyAt.size;
      const stepEnd = performance.now() + stepS * 1000;
      const interval = (senders / rate) * 1000;
      // 100 senders, each at rate/senders per second on an absolute schedule, started spread out.
      await Promise.all(
        Array.from({ length: senders }, async (_, sender) => {
          let next = performance.now() + (sender / senders) * interval;
          let turn = 0;
          while (next < stepEnd) {
            await sleep(next - performance.now());
            await send(phones[(sender + turn * senders) % users] as string);
            turn += 1;
            next += interval;
          }
        }),
      );
      const sent = accepted.length - sentBefore;
      const replied = replyAt.size - repliedBefore;
      const backlog = accepted.length - replyAt.size;
      const previous = steps.at(-1)?.backlog ?? 0;
      const sustained = backlog - previous <= Math.max(5, 0.05 * sent);
      steps.push({ rate, sent, replied, backlog, sustained });
      console.log(
        `step ${rate.toFixed(0)} msg/s offered: sent ${sent}, replied ${replied} (${(replied / stepS).toFixed(1)}/s), backlog ${backlog}${sustained ? '' : ' — growing'}`,
      );
      if (!sustained) break;
      sustainedUntil = performance.now();
      rate *= RATE_FACTOR;
    }
    const sendingS = (performance.now() - started) / 1000;

    // Drain: wait for every accepted message's reply, then a little longer to catch duplicates.
    const drainDeadline = Date.now() + drainTimeoutMs;
    while (accepted.some((id) => !replyAt.has(id)) && Date.now() < drainDeadline) await sleep(200);
    const elapsedS = (performance.now() - started) / 1000;
    await sleep(2000);
    consuming = false;
    await Promise.all(consumers);
    clearInterval(memoryTimer);
    const cpu = process.cpuUsage(cpuStart);

    const report = await checkEffects(pool, accepted, replyCount);
    const latencies = accepted
      .filter((id) => replyAt.has(id) && (sentAt.get(id) ?? 0) < sustainedUntil)
      .map((id) => (replyAt.get(id) ?? 0) - (sentAt.get(id) ?? 0))
      .sort((a, b) => a - b);
    const best = steps.filter((step) => step.sustained).map((step) => step.replied / stepS);
    const sustainedRate = best.length > 0 ? Math.max(...best) : 0;
    const saturated = steps.some((step) => !step.sustained);
    const memory = process.memoryUsage();
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const p99 = percentile(latencies, 99);

    console.log(
      `messages: ${accepted.length} accepted (${sendFailures} enqueue failures) from ${users} users, ${senders} senders, ingest pollers ${concurrency}, steps of ${stepS.toFixed(1)} s`,
    );
    console.log(
      `throughput: ${(replyAt.size / elapsedS).toFixed(1)} msg/s overall; highest sustained ${sustainedRate.toFixed(1)} msg/s${saturated ? '' : ' (never saturated: raise BENCH_DURATION_S)'}`,
    );
    console.log(
      `latency receipt→reply (${latencies.length} messages of the sustained steps): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`,
    );
    console.log(
      `node (host enqueue + workers): cpu ${cpuS.toFixed(1)} s (${((cpuS / elapsedS) * 100).toFixed(0)}% of a core, ${((cpuS * 1000) / Math.max(1, accepted.length)).toFixed(2)} ms/msg), rss ${(memory.rss / 1e6).toFixed(1)} MB (peak ${peakRssMb.toFixed(1)} MB), heap ${(memory.heapUsed / 1e6).toFixed(1)} MB`,
    );
    for (const other of others) {
      const before = othersStart.get(other.name);
      const after = processTree(other.pid);
      if (!before || !after) continue;
      const used = after.cpuS - before.cpuS;
      console.log(
        `${other.name}: cpu ${used.toFixed(1)} s (${((used / elapsedS) * 100).toFixed(0)}% of a core), rss ${after.rssMb.toFixed(1)} MB`,
      );
    }
    console.log(`sending ${sendingS.toFixed(1)} s, drained after ${elapsedS.toFixed(1)} s`);
    if (report.unbalanced.length > 0) console.log(`unbalanced savings: ${report.unbalanced.join(', ')}`);
    if (report.lost.length > 0) console.log(`lost, e.g.: ${report.lost.slice(0, 5).join(', ')}`);
    if (report.duplicated.length > 0)
      console.log(`duplicated, e.g.: ${report.duplicated.slice(0, 5).join(', ')}`);
    console.log(
      `load: ${sustainedRate.toFixed(1)} msg/s, p99 ${p99.toFixed(0)} ms, lost ${report.lost.length}, duplicated ${report.duplicated.length}`,
    );
    if (report.lost.length > 0 || report.duplicated.length > 0 || report.unbalanced.length > 0) {
      process.exitCode = 1;
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

await main();
