/**
 * The workers of `npm run bench:load`, in their own process: the benchmark's load generator (the
 * host's enqueue and the outbound reader) runs in the parent, so the CPU measured here is
 * Kantong's alone, and `node --cpu-prof` (BENCH_CPU_PROF) profiles only the workers.
 *
 * Started by bench-load.ts with fork(): BENCH_DATABASE_URL, BENCH_SQS_ENDPOINT, BENCH_QUEUE_URLS
 * (JSON, key → URL) and BENCH_INGEST_CONCURRENCY. It counts what each message costs — SQS calls by
 * kind, messages those calls carried, SQL statements and transactions — and answers the parent's
 * 'stats' with the running totals; 'stop' stops the pollers, ends the pool and exits (which is
 * when --cpu-prof writes its profile).
 */
import { createDatabasePool, type DatabasePool, type Interceptor } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import { createSqsClient, observeSqsCalls, type QueueKey } from '@kantong/shared/queue';
import { startWorkers } from '../../functions/src/local/workers.ts';

// getConfig() reads the environment on first use, after this line; the logger already exists.
process.env.RATE_LIMIT_PER_MINUTE ??= '1000000';
if (!process.env.LOG_LEVEL) logger.level = 'warn';

export type WorkerStats = {
  type: 'stats';
  /** SQS calls by command name, e.g. SendMessageCommand, and the milliseconds they took in all. */
  sqsCalls: Record<string, number>;
  sqsMs: Record<string, number>;
  /** Messages carried: received by ReceiveMessage, sent by SendMessage(Batch), deleted. */
  sqsMessages: { received: number; sent: number; deleted: number; emptyReceives: number };
  /** Statements through slonik (not counting BEGIN/COMMIT) and transactions opened. */
  statements: number;
  transactions: number;
  cpuUs: number;
  rssMb: number;
  heapMb: number;
};

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (bench-load-workers.ts is started by bench-load.ts)`);
  return value;
};

const sqsCalls: Record<string, number> = {};
const sqsMs: Record<string, number> = {};
const sqsMessages = { received: 0, sent: 0, deleted: 0, emptyReceives: 0 };
let statements = 0;
let transactions = 0;

/** BENCH_SQL_TOP=1: which statements, how often (printed when the workers stop). */
const byText = process.env.BENCH_SQL_TOP === '1' ? new Map<string, number>() : undefined;

const countStatements: Interceptor = {
  name: 'bench-count-statements',
  beforeQueryExecution: (_context, query) => {
    statements += 1;
    if (byText) {
      const text = query.sql.replace(/\s+/g, ' ').trim().slice(0, 110);
      byText.set(text, (byText.get(text) ?? 0) + 1);
    }
    return null;
  },
};

/** The pool with its transactions counted (slonik sends BEGIN and COMMIT past the interceptors). */
function countTransactions(pool: DatabasePool): DatabasePool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'transaction' && typeof value === 'function') {
        return (...args: unknown[]) => {
          transactions += 1;
          return value.apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const urls = JSON.parse(required('BENCH_QUEUE_URLS')) as Record<QueueKey, string>;
const pool = countTransactions(
  await createDatabasePool(required('BENCH_DATABASE_URL'), {
    // BENCH_POOL_SIZE, else the workers' own default (DATABASE_POOL_SIZE or by cores).
    ...(process.env.BENCH_POOL_SIZE ? { maximumPoolSize: Number(process.env.BENCH_POOL_SIZE) } : {}),
    interceptors: [countStatements],
  }),
);
const sqs = createSqsClient({ endpoint: required('BENCH_SQS_ENDPOINT') });
observeSqsCalls(sqs, ({ command, input, output, ms }) => {
  sqsCalls[command] = (sqsCalls[command] ?? 0) + 1;
  sqsMs[command] = (sqsMs[command] ?? 0) + ms;
  const entries = (input as { Entries?: unknown[] }).Entries?.length ?? 0;
  if (command === 'SendMessageCommand') sqsMessages.sent += 1;
  if (command === 'SendMessageBatchCommand') sqsMessages.sent += entries;
  if (command === 'DeleteMessageBatchCommand') sqsMessages.deleted += entries;
  if (command === 'DeleteMessageCommand') sqsMessages.deleted += 1;
  if (command === 'ReceiveMessageCommand') {
    const received = (output as { Messages?: unknown[] }).Messages?.length ?? 0;
    sqsMessages.received += received;
    if (received === 0) sqsMessages.emptyReceives += 1;
  }
});

const workers = await startWorkers(
  { pool: async () => pool, sqs, queue: async (key) => urls[key], llm: null },
  {
    waitTimeSeconds: Number(process.env.BENCH_WAIT_S ?? 1),
    relay: false,
    scheduler: false,
    ingestConcurrency: Number(process.env.BENCH_INGEST_CONCURRENCY ?? 2),
    ...(process.env.BENCH_BATCH_WINDOW_MS
      ? { ingestBatchWindowMs: Number(process.env.BENCH_BATCH_WINDOW_MS) }
      : {}),
  },
);

function stats(): WorkerStats {
  // bench-load.ts starts this process with --expose-gc: the heap is read after a full collection,
  // so samples along a run tell a leak from garbage not yet collected (a few ms each).
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    type: 'stats',
    sqsCalls: { ...sqsCalls },
    sqsMs: { ...sqsMs },
    sqsMessages: { ...sqsMessages },
    statements,
    transactions,
    cpuUs: cpu.user + cpu.system,
    rssMb: memory.rss / 1e6,
    heapMb: memory.heapUsed / 1e6,
  };
}

process.on('message', (message) => {
  if (message === 'stats') process.send?.(stats());
  if (message === 'stop') {
    void (async () => {
      await workers.stop();
      await pool.end();
      if (byText) {
        const top = [...byText].sort((a, b) => b[1] - a[1]).slice(0, 40);
        console.log(
          `statements by text (of ${statements}):\n${top.map(([text, n]) => `  ${String(n).padStart(6)}  ${text}`).join('\n')}`,
        );
      }
      process.send?.({ type: 'stopped' }, () => process.exit(0));
    })();
  }
});
process.send?.({ type: 'ready' });
