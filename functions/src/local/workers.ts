/**
 * The functions as long-running local workers: `ingest`, `transcribe` and `ocr` each polled
 * from their queue by the local invoker, plus the outbox relay. `npm start` runs these in its own
 * process; docker-compose runs this file as the `workers` service.
 */
import { serve } from '@hono/node-server';
import { getPool } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import { registry } from '@kantong/shared/metrics';
import * as Outbox from '@kantong/shared/outbox';
import { Hono } from 'hono';
import { createIngestHandler } from '../ingest/handler.ts';
import { createMediaHandler } from '../media.ts';
import { type PipelineDeps, processDeps } from '../pipeline.ts';
import { runScheduler } from '../reports/handler.ts';
import { createReportWorker } from '../reports/worker.ts';
import { type Poller, startPoller } from './invoker.ts';

export type Workers = { stop: () => Promise<void> };

/** How often the relay looks for replies left pending by a crash. */
const RELAY_INTERVAL_MS = 10_000;
/**
 * The local stand-in for the hourly EventBridge rule: the scheduler claims each hour once, so
 * ticking every minute only means a report is never more than a minute late.
 */
const SCHEDULER_INTERVAL_MS = 60_000;

/**
 * Batches of inbound.fifo handled at once, for npm start and the workers container alike: measured
 * with bench:load (issue 16), two pollers kept up as far as four (50 against 48 msg/s) with a third
 * of the p99 (370 against 1,039 ms); each batch already runs its senders side by side.
 */
export const INGEST_POLLERS = 2;

/**
 * The ingest pollers' batching window (invoker.ts `batchWindowMs`), off by default. Measured with
 * bench:load at 50 msg/s: 100 ms cut the workers' SQS calls from 1.8 to 1.1 per message but saved
 * ElasticMQ under 1 ms of CPU per message and raised p99 from about 200 to 300 ms; near
 * saturation batches fill by themselves (7 messages per receive at 70 msg/s). Worth setting
 * (INGEST_BATCH_WINDOW_MS) where each request is billed, as on a hosted SQS.
 */
export const INGEST_BATCH_WINDOW_MS = 0;

export async function startWorkers(
  deps: PipelineDeps,
  options: {
    retryDelaySeconds?: number;
    waitTimeSeconds?: number;
    relay?: boolean;
    /** Run the report scheduler every minute (the local stand-in for the hourly schedule). */
    scheduler?: boolean;
    /**
     * Pollers on inbound.fifo. Like Lambda's concurrency on a FIFO source: several batches run at
     * once, but the queue hands out one sender's messages only after the earlier ones are done.
     */
    ingestConcurrency?: number;
    /** Default INGEST_BATCH_WINDOW_MS; 0 asks again as soon as a batch is done. */
    ingestBatchWindowMs?: number;
  } = {},
): Promise<Workers> {
  const common = {
    client: deps.sqs,
    waitTimeSeconds: options.waitTimeSeconds ?? 5,
    ...(options.retryDelaySeconds === undefined ? {} : { retryDelaySeconds: options.retryDelaySeconds }),
  };
  const ingest = createIngestHandler(deps);
  const inboundUrl = await deps.queue('inbound');
  const pollers: Poller[] = [
    // Declared since the queue pipeline, honoured since issue 16: one poller handled every batch
    // alone, so a second batch waited behind the first's slowest sender however idle the CPU was.
    ...Array.from({ length: Math.max(1, options.ingestConcurrency ?? INGEST_POLLERS) }, () =>
      startPoller({
        ...common,
        name: 'ingest',
        queueUrl: inboundUrl,
        handler: ingest,
        batchWindowMs: options.ingestBatchWindowMs ?? INGEST_BATCH_WINDOW_MS,
      }),
    ),
    startPoller({
      ...common,
      name: 'transcribe',
      batchSize: 1,
      queueUrl: await deps.queue('transcribe'),
      handler: createMediaHandler('transcribe', deps),
    }),
    startPoller({
      ...common,
      name: 'reportWorker',
      queueUrl: await deps.queue('reports'),
      handler: createReportWorker(deps),
    }),
    startPoller({
      ...common,
      name: 'ocr',
      batchSize: 1,
      queueUrl: await deps.queue('ocr'),
      handler: createMediaHandler('ocr', deps),
    }),
  ];
  const outbound = { client: deps.sqs, queue: deps.queue };
  const relay =
    options.relay === false
      ? undefined
      : setInterval(() => {
          deps
            .pool()
            .then((pool) =>
              Outbox.relayStale(pool, outbound, { olderThanSeconds: Outbox.RELAY_AFTER_SECONDS }),
            )
            .catch((error: unknown) => logger.error({ err: error }, 'outbox relay failed'));
        }, RELAY_INTERVAL_MS);
  const scheduler =
    options.scheduler === false
      ? undefined
      : setInterval(() => {
          runScheduler(deps, new Date()).catch((error: unknown) =>
            logger.error({ err: error }, 'scheduler failed'),
          );
        }, SCHEDULER_INTERVAL_MS);
  logger.info('workers polling ingest, transcribe, ocr and reports');
  return {
    stop: async () => {
      if (relay) clearInterval(relay);
      if (scheduler) clearInterval(scheduler);
      await Promise.all(pollers.map((poller) => poller.stop()));
    },
  };
}

if (import.meta.main) {
  await getPool();
  // INGEST_CONCURRENCY: batches of inbound.fifo handled at once (default INGEST_POLLERS).
  // INGEST_BATCH_WINDOW_MS: the pollers' batching window (default INGEST_BATCH_WINDOW_MS).
  const workers = await startWorkers(processDeps(), {
    ingestConcurrency: Number(process.env.INGEST_CONCURRENCY ?? INGEST_POLLERS),
    ingestBatchWindowMs: Number(process.env.INGEST_BATCH_WINDOW_MS ?? INGEST_BATCH_WINDOW_MS),
  });
  // Prometheus and the container healthcheck: GET /metrics, GET /healthz (WORKERS_PORT, 9101).
  const port = Number(process.env.WORKERS_PORT ?? 9101);
  const http = new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/metrics', async (c) =>
      c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }),
    );
  serve({ fetch: http.fetch, port, hostname: process.env.HOST ?? '127.0.0.1' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'workers stopping');
      void workers.stop().then(() => process.exit(0));
    });
  }
}
