/**
 * `npm run bench:load`: the inbound path under load. 100 concurrent senders put envelopes onto
 * inbound.fifo exactly as the WhatsApp host does (its batched sender, group = sender, dedup =
 * WhatsApp id); the real workers — in their own process, bench-load-workers.ts, so the load generator's CPU
 * is not counted as Kantong's — run them through PostgreSQL and reply on outbound.fifo. After a
 * warm-up (the JVM and V8 compile their hot paths in the first hundreds of messages, and a cold
 * start is not the steady state a server lives in) the rate goes up in steps until the backlog
 * grows; the highest step that kept up is the sustained rate. Afterwards every accepted message
 * is checked in PostgreSQL and on outbound.fifo: one log row, one ledger row, one outbox row, one
 * reply (exit 1 otherwise).
 *
 *   BENCH_DURATION_S=60 npm run bench:load      # longest ramp (default 60 s)
 *   BENCH_SCALE=2                               # 2× the messages: every step twice as long
 *   BENCH_USERS=1000                            # distinct senders' numbers (default 100)
 *   BENCH_RATE=100                              # one fixed rate instead of the ramp
 *   BENCH_WARMUP_S=10 BENCH_WARMUP_RATE=20      # warm-up, not measured (0 to skip)
 *   BENCH_CPU_PROF=dir                          # the workers run under node --cpu-prof; top frames printed
 *   BENCH_SQS=elasticmq                         # durable ElasticMQ instead of fauxqs (npm start's server)
 *   BENCH_SQS_MEMORY=1                          # the queue server without its durable storage
 *   BENCH_SENDERS=100 BENCH_START_RATE=10 BENCH_INGEST_CONCURRENCY=2
 *   BENCH_BATCH_WINDOW_MS=100                   # the ingest pollers' batching window (default: the workers')
 *   BENCH_ENQUEUE_IN_FLIGHT=2                   # the enqueue's requests out at once (default: the host's)
 *
 * Per message of the measured window it prints CPU per process (workers, PostgreSQL, ElasticMQ,
 * and the load generator apart), SQS calls by kind and SQL statements and transactions, memory at
 * the window's start and end. Last line: `load: R msg/s, p99 X ms, lost L, duplicated D`. Uses
 * DATABASE_URL / SQS_ENDPOINT when set; otherwise starts an embedded PostgreSQL and durable fauxqs.
 * The per-sender rate limit is lifted: this measures the pipeline, not the limiter.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createDatabasePool, type DatabasePool, sql } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import {
  createBatchedSender,
  createSqsClient,
  ensureQueues,
  type InboundEnvelope,
  inboundMessageFields,
  OutboundMessageSchema,
  observeSqsCalls,
} from '@kantong/shared/queue';
import { z } from 'zod';
import { checkEffects } from '../../functions/src/faults/effects.ts';
import type { WorkerStats } from './bench-load-workers.ts';
import { elasticMqRunnable, startElasticMq } from './elasticmq.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startFauxqsProcess } from './fauxqs.ts';
import { migrate } from './migrate.ts';

if (!process.env.LOG_LEVEL) logger.level = 'warn';

const durationS = Number(process.env.BENCH_DURATION_S ?? 60);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const users = Number(process.env.BENCH_USERS ?? 100);
const senders = Number(process.env.BENCH_SENDERS ?? 100);
const fixedRate = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const startRate = fixedRate ?? Number(process.env.BENCH_START_RATE ?? 10);
const warmupS = Number(process.env.BENCH_WARMUP_S ?? 10);
const warmupRate = Number(process.env.BENCH_WARMUP_RATE ?? 20);
const concurrency = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 2);
const drainTimeoutMs = Number(process.env.BENCH_DRAIN_S ?? 120) * 1000;
/** BENCH_PG_STATS=1: PostgreSQL's own time per statement (pg_stat_statements), after the warm-up. */
const pgStats = process.env.BENCH_PG_STATS === '1';
const cpuProfDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
/** Each step's rate is the last one × this (1: BENCH_RATE, every step at the same rate). */
const RATE_FACTOR = fixedRate === undefined ? 1.5 : 1;
/** At least this many steps fit in BENCH_DURATION_S; each is BENCH_SCALE times longer. */
const STEPS = 6;
const stepS = Math.max(1, durationS / STEPS) * scale;
/** Readers of outbound.fifo, as the WhatsApp host reads it (long polls of 5 s). */
const OUTBOUND_READERS = 2;

/** Every text makes exactly one ledger row, so effects can be counted. */
const TEXTS = ['beli kopi 18k', 'makan siang 25rb', 'isi bensin 50rb', 'gaji 5jt', 'beli pulsa 50k'];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

type Usage = { cpuS: number; rssMb: number };

/** CPU seconds and resident memory of a process and all its descendants (Linux /proc). */
function processTree(rootPid: number): Usage | null {
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

/** Transactions PostgreSQL committed and rolled back in the benchmark's database (its own count). */
async function serverTransactions(pool: DatabasePool): Promise<number> {
  return pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT (xact_commit + xact_rollback)::int AS n FROM pg_stat_database WHERE datname = current_database()`);
}

const StatementTimeRow = z.object({
  query: z.string(),
  calls: z.number(),
  exec_ms: z.number(),
  plan_ms: z.number(),
});

type StatementTime = z.infer<typeof StatementTimeRow>;

/** BENCH_PG_STATS: PostgreSQL's planning and execution time per statement since the warm-up. */
function readStatementTimes(pool: DatabasePool): Promise<readonly StatementTime[]> {
  return pool.any(sql.type(StatementTimeRow)`
    SELECT regexp_replace(query, '[[:space:]]+', ' ', 'g') AS query, calls::int AS calls,
           total_exec_time::float8 AS exec_ms, total_plan_time::float8 AS plan_ms
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time + total_plan_time DESC`);
}

/**
 * Prints them per message: wall time inside PostgreSQL (a backend preempted by other processes
 * counts its wait), not its protocol, commits or background work.
 */
function printStatementTimes(rows: readonly StatementTime[], messages: number): void {
  const total = rows.reduce((sum, row) => sum + row.exec_ms + row.plan_ms, 0);
  console.log(
    `postgresql planning + execution: ${(total / messages).toFixed(2)} ms/msg in all (pg_stat_statements, wall time in the executor and planner)`,
  );
  for (const row of rows.slice(0, 14)) {
    const perCall = ((row.exec_ms + row.plan_ms) * 1000) / Math.max(1, row.calls);
    console.log(
      `  ${((row.exec_ms + row.plan_ms) / messages).toFixed(3)} ms/msg  ${String(row.calls).padStart(6)} calls  ${perCall.toFixed(0).padStart(5)} µs/call (plan ${((row.plan_ms * 1000) / Math.max(1, row.calls)).toFixed(0)})  ${row.query.slice(0, 90)}`,
    );
  }
}

/** The workers' process: started, asked for its counters, stopped (see bench-load-workers.ts). */
type WorkerProcess = {
  pid: number;
  stats: () => Promise<WorkerStats>;
  stop: () => Promise<void>;
};

async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'bench-load-workers.ts');
  if (cpuProfDir) await mkdir(cpuProfDir, { recursive: true });
  const child: ChildProcess = fork(script, [], {
    env: { ...process.env, ...env },
    execArgv: [
      ...process.execArgv,
      '--expose-gc',
      ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waitFor = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type?: string }) => {
        if (message?.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) => reject(new Error(`bench workers exited (code ${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('ready');
  return {
    pid: child.pid ?? 0,
    stats: () => {
      const answer = waitFor<WorkerStats>('stats');
      child.send('stats');
      return answer;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Self time per function and per package of the newest profile in `dir`, printed as a table. */
function summariseProfile(dir: string): void {
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  const newest = files.sort().at(-1);
  if (!newest) return;
  type Node = {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  };
  const profile = JSON.parse(readFileSync(join(dir, newest), 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byFrame = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    total += us;
    const file = frame.url.replace(/^file:\/\//, '');
    const where = file.includes('node_modules/')
      ? (file.split('node_modules/').at(-1) ?? '')
          .split('/')
          .slice(0, file.includes('/@') ? 2 : 1)
          .join('/')
      : file.startsWith('node:') || file === ''
        ? frame.functionName.startsWith('(')
          ? frame.functionName
          : 'node internals'
        : file.replace(`${process.cwd()}/`, '');
    const name = `${frame.functionName || '(anonymous)'} ${file.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    byFrame.set(name, (byFrame.get(name) ?? 0) + us);
    byPackage.set(where, (byPackage.get(where) ?? 0) + us);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  console.log(`cpu profile ${join(dir, newest)}: ${(total / 1e6).toFixed(1)} s busy`);
  console.log(`by package or file (self time):\n${top(byPackage, 15)}`);
  console.log(`top frames (self time):\n${top(byFrame, 20)}`);
}

type Step = { rate: number; sent: number; replied: number; backlog: number; sustained: boolean };

async function main() {
  const stops: (() => Promise<void>)[] = [];
  const others: { name: string; pid: number }[] = [];
  try {
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const dataDir = join(await mkdtemp(join(tmpdir(), 'kantong-load-pg-')), 'data');
      const pg = await startEmbeddedPostgres({
        dataDir,
        persistent: false,
        ...(pgStats
          ? {
              settings: {
                shared_preload_libraries: 'pg_stat_statements',
                'pg_stat_statements.track_planning': 'on',
              },
            }
          : {}),
      });
      stops.push(pg.stop);
      // As npm start: through the server's Unix socket (issue 16).
      databaseUrl = pg.localUrl;
      const pid = postmasterPid(dataDir);
      if (pid) others.push({ name: 'postgresql', pid });
    }
    await migrate(databaseUrl);
    // The local stack's queue server (infra/scripts/local-services.ts), durable, in a process of
    // its own so its CPU is measured apart; BENCH_SQS=elasticmq for ElasticMQ side by side.
    const server = process.env.BENCH_SQS ?? 'fauxqs';
    const durable = process.env.BENCH_SQS_MEMORY !== '1';
    let endpoint: string;
    if (process.env.SQS_ENDPOINT) {
      endpoint = process.env.SQS_ENDPOINT;
      console.log(`sqs: ${endpoint} (SQS_ENDPOINT)`);
    } else if (server === 'fauxqs') {
      const dataDir = durable ? await mkdtemp(join(tmpdir(), 'kantong-load-fauxqs-')) : undefined;
      const fauxqs = await startFauxqsProcess(dataDir ? { dataDir } : {});
      stops.push(async () => {
        await fauxqs.stop();
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
      });
      endpoint = fauxqs.endpoint;
      others.push({ name: 'fauxqs', pid: fauxqs.pid });
      console.log(
        `sqs: fauxqs ${endpoint} (${durable ? 'durable: SQLite on disk' : 'in memory'}, own process)`,
      );
    } else if (server === 'elasticmq' && elasticMqRunnable()) {
      // Durable, as self-hosters run it (infra/elasticmq.conf): messages in H2 on disk.
      const persistDir = durable ? await mkdtemp(join(tmpdir(), 'kantong-load-elasticmq-')) : undefined;
      const elasticMq = await startElasticMq(persistDir ? { persistDir } : {});
      stops.push(async () => {
        await elasticMq.stop();
        if (persistDir) await rm(persistDir, { recursive: true, force: true });
      });
      endpoint = elasticMq.endpoint;
      others.push({ name: 'elasticmq', pid: elasticMq.pid });
      console.log(`sqs: elasticmq ${endpoint} (${durable ? 'durable: H2 on disk' : 'in memory'})`);
    } else {
      throw new Error(`BENCH_SQS must be fauxqs or elasticmq (with Java), not ${JSON.stringify(server)}`);
    }

    const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 4 });
    stops.push(() => pool.end());
    const sqs = createSqsClient({ endpoint });
    // The generator's enqueue requests (the host's batched sender): how many messages each carries.
    let enqueueRequests = 0;
    observeSqsCalls(sqs, ({ command }) => {
      if (command === 'SendMessageBatchCommand') enqueueRequests += 1;
    });
    const prefix = `load${randomBytes(3).toString('hex')}-`;
    const urls = await ensureQueues(sqs, prefix);
    const workers = await startWorkerProcess({
      BENCH_DATABASE_URL: databaseUrl,
      BENCH_SQS_ENDPOINT: endpoint,
      BENCH_QUEUE_URLS: JSON.stringify(urls),
      BENCH_INGEST_CONCURRENCY: String(concurrency),
    });
    stops.push(workers.stop);
    others.unshift({ name: 'workers', pid: workers.pid });

    const phones = Array.from({ length: users }, (_, index) => `62877${String(index).padStart(8, '0')}`);
    const sentAt = new Map<string, number>();
    const replyAt = new Map<string, number>();
    const replyCount = new Map<string, number>();
    const accepted: string[] = [];
    let sendFailures = 0;
    let sequence = 0;

    // outbound.fifo, read as the WhatsApp host reads it.
    let consuming = true;
    const consume = async () => {
      while (consuming) {
        const out = await sqs
          .send(
            new ReceiveMessageCommand({
              QueueUrl: urls.outbound,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: consuming ? 5 : 0,
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
    };
    const consumers = Array.from({ length: OUTBOUND_READERS }, () => consume());

    /** The host's enqueue (bot-host/src/inbound.ts): its batched sender, group = sender, dedup = WhatsApp id. */
    const inbound = createBatchedSender(
      sqs,
      async () => urls.inbound,
      process.env.BENCH_ENQUEUE_IN_FLIGHT ? { maxInFlight: Number(process.env.BENCH_ENQUEUE_IN_FLIGHT) } : {},
    );
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
        await inbound.send(inboundMessageFields(envelope));
        accepted.push(envelope.message_id);
      } catch {
        sendFailures += 1;
        sentAt.delete(envelope.message_id);
      }
    };

    /** `senders` senders, each at rate/senders per second on an absolute schedule, started spread out. */
    const offer = async (rate: number, seconds: number) => {
      const stepEnd = performance.now() + seconds * 1000;
      const interval = (senders / rate) * 1000;
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
    };
    const drain = async (ids: readonly string[]) => {
      const deadline = Date.now() + drainTimeoutMs;
      while (ids.some((id) => !replyAt.has(id)) && Date.now() < deadline) await sleep(100);
    };

    if (warmupS > 0) {
      await offer(warmupRate, warmupS);
      await drain(accepted);
      console.log(`warm-up: ${accepted.length} messages at ${warmupRate} msg/s (not measured)`);
    }
    const warmupCount = accepted.length;
    if (pgStats) {
      await pool.query(sql.unsafe`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
      await pool.query(sql.unsafe`SELECT pg_stat_statements_reset()`);
    }

    const snapshot = async () => ({
      at: performance.now(),
      workers: await workers.stats(),
      processes: new Map(others.map((other) => [other.name, processTree(other.pid)])),
      generatorCpuUs: process.cpuUsage().user + process.cpuUsage().system,
      generatorRssMb: process.memoryUsage().rss / 1e6,
      serverTransactions: await serverTransactions(pool),
    });
    const before = await snapshot();
    const enqueueRequestsBefore = enqueueRequests;
    // The workers' heap after a full collection, every 10 s of the window: flat, or growing?
    const heapSamples: number[] = [before.workers.heapMb];
    const sampler = setInterval(() => {
      workers
        .stats()
        .then((stats) => heapSamples.push(stats.heapMb))
        .catch(() => undefined);
    }, 10_000);
    const started = performance.now();
    const steps: Step[] = [];
    let rate = startRate;
    /** Latency is reported for the steps that kept up: past that it is only queueing. */
    let sustainedUntil = started;
    const deadline = started + durationS * scale * 1000;
    while (performance.now() + stepS * 1000 <= deadline + 1) {
      const sentBefore = accepted.length;
      const repliedBefore = replyAt.size;
      await offer(rate, stepS);
      const sent = accepted.length - sentBefore;
      const replied = replyAt.size - repliedBefore;
      const backlog = accepted.length - replyAt.size;
      const previous = steps.at(-1)?.backlog ?? 0;
      // In flight at a step's end: rate × latency, half a second of messages at most.
      const sustained = backlog - previous <= Math.max(5, 0.1 * sent);
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
    const measured = accepted.slice(warmupCount);
    await drain(accepted);
    clearInterval(sampler);
    const after = await snapshot();
    // Read before the effects are checked below (their own queries are not the messages').
    const statementTimes = pgStats ? await readStatementTimes(pool) : [];
    const enqueueRequestsMeasured = enqueueRequests - enqueueRequestsBefore;
    heapSamples.push(after.workers.heapMb);
    const elapsedS = (after.at - started) / 1000;
    await sleep(2000);
    consuming = false;
    await Promise.all(consumers);

    const report = await checkEffects(pool, accepted, replyCount);
    const latencies = measured
      .filter((id) => replyAt.has(id) && (sentAt.get(id) ?? 0) < sustainedUntil)
      .map((id) => (replyAt.get(id) ?? 0) - (sentAt.get(id) ?? 0))
      .sort((a, b) => a - b);
    const best = steps.filter((step) => step.sustained).map((step) => step.replied / stepS);
    const sustainedRate = best.length > 0 ? Math.max(...best) : 0;
    const saturated = steps.some((step) => !step.sustained);
    const p99 = percentile(latencies, 99);
    const n = Math.max(1, measured.length);
    const perMessage = (value: number) => (value / n).toFixed(2);

    console.log(
      `messages: ${measured.length} measured + ${warmupCount} warm-up (${sendFailures} enqueue failures) from ${users} users, ${senders} senders, ingest pollers ${concurrency}, steps of ${stepS.toFixed(1)} s`,
    );
    console.log(
      `throughput: ${(measured.length / elapsedS).toFixed(1)} msg/s overall; highest sustained ${sustainedRate.toFixed(1)} msg/s${saturated || fixedRate !== undefined ? '' : ' (never saturated: raise BENCH_DURATION_S)'}`,
    );
    console.log(
      `latency receipt→reply (${latencies.length} messages of the sustained steps): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`,
    );
    const cpuLine = (
      name: string,
      startUsage: Usage | null | undefined,
      endUsage: Usage | null | undefined,
    ) => {
      if (!startUsage || !endUsage) return;
      const used = endUsage.cpuS - startUsage.cpuS;
      console.log(
        `cpu ${name.padEnd(10)} ${((used * 1000) / n).toFixed(2).padStart(6)} ms/msg  (${used.toFixed(1)} s, ${((used / elapsedS) * 100).toFixed(0)}% of a core)  rss ${startUsage.rssMb.toFixed(0)} → ${endUsage.rssMb.toFixed(0)} MB`,
      );
    };
    let kantongS = 0;
    for (const other of others) {
      const start = before.processes.get(other.name);
      const end = after.processes.get(other.name);
      cpuLine(other.name, start, end);
      if (start && end) kantongS += end.cpuS - start.cpuS;
    }
    console.log(
      `cpu ${'kantong'.padEnd(10)} ${((kantongS * 1000) / n).toFixed(2).padStart(6)} ms/msg  (workers + PostgreSQL + the SQS server)`,
    );
    const generatorS = (after.generatorCpuUs - before.generatorCpuUs) / 1e6;
    cpuLine(
      'generator',
      { cpuS: 0, rssMb: before.generatorRssMb },
      { cpuS: generatorS, rssMb: after.generatorRssMb },
    );
    console.log(
      `enqueue (host's batched sender): ${(measured.length / Math.max(1, enqueueRequestsMeasured)).toFixed(2)} messages per SendMessageBatch (${enqueueRequestsMeasured} requests)`,
    );
    console.log(
      `workers heap after GC, every 10 s: ${heapSamples.map((mb) => mb.toFixed(0)).join(', ')} MB (${accepted.length} messages in all)`,
    );
    console.log(
      `workers heap ${before.workers.heapMb.toFixed(0)} → ${after.workers.heapMb.toFixed(0)} MB; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
    const calls = Object.entries(after.workers.sqsCalls)
      .map(
        ([name, count]) =>
          [name.replace(/Command$/, ''), count - (before.workers.sqsCalls[name] ?? 0)] as const,
      )
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1]);
    const totalCalls = calls.reduce((sum, [, count]) => sum + count, 0);
    const moved = (key: keyof WorkerStats['sqsMessages']) =>
      after.workers.sqsMessages[key] - before.workers.sqsMessages[key];
    console.log(
      `sqs (workers) ${perMessage(totalCalls)} calls/msg: ${calls.map(([name, count]) => `${name} ${perMessage(count)}`).join(', ')}; ${(moved('received') / Math.max(1, (after.workers.sqsCalls.ReceiveMessageCommand ?? 0) - (before.workers.sqsCalls.ReceiveMessageCommand ?? 0) - moved('emptyReceives'))).toFixed(1)} messages per non-empty receive, ${moved('emptyReceives')} empty receives`,
    );
    console.log(
      `sqs (workers) mean wait per call: ${calls
        .map(([name]) => {
          const key = `${name}Command`;
          const ms = (after.workers.sqsMs[key] ?? 0) - (before.workers.sqsMs[key] ?? 0);
          const count = (after.workers.sqsCalls[key] ?? 0) - (before.workers.sqsCalls[key] ?? 0);
          return `${name} ${(ms / Math.max(1, count)).toFixed(0)} ms`;
        })
        .join(', ')}`,
    );
    const statements = after.workers.statements - before.workers.statements;
    const transactions = after.workers.transactions - before.workers.transactions;
    const serverSide = after.serverTransactions - before.serverTransactions;
    console.log(
      `sql (workers) ${perMessage(statements)} statements/msg in ${perMessage(transactions)} transactions/msg: ${perMessage(statements + 2 * transactions)} round trips/msg (BEGIN and COMMIT included); PostgreSQL counted ${perMessage(serverSide)} transactions/msg`,
    );
    console.log(`sending ${sendingS.toFixed(1)} s, drained after ${elapsedS.toFixed(1)} s`);
    if (report.unbalanced.length > 0) console.log(`unbalanced savings: ${report.unbalanced.join(', ')}`);
    if (report.lost.length > 0) console.log(`lost, e.g.: ${report.lost.slice(0, 5).join(', ')}`);
    if (report.duplicated.length > 0)
      console.log(`duplicated, e.g.: ${report.duplicated.slice(0, 5).join(', ')}`);
    await workers.stop();
    if (pgStats) printStatementTimes(statementTimes, n);
    if (cpuProfDir) summariseProfile(cpuProfDir);
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
