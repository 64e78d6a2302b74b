/**
 * Prometheus metrics of the API and the functions (the WhatsApp host keeps its own registry in
 * bot-host/src/metrics.ts): request latency, queue lag, record outcomes, AI latency, errors.
 * One registry per process, served at `/metrics` by the API and the workers.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'kantong_' });

export const httpDuration = new Histogram({
  name: 'kantong_http_request_duration_seconds',
  help: 'HTTP request latency by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const queueLag = new Histogram({
  name: 'kantong_queue_lag_seconds',
  help: 'Time from a record being sent to its queue until a function picked it up',
  labelNames: ['function'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const queueRecords = new Counter({
  name: 'kantong_queue_records_total',
  help: 'Queue records handled, by function and outcome (ok, failed, deferred, rejected: can never succeed, dead-lettered at once)',
  labelNames: ['function', 'outcome'] as const,
  registers: [registry],
});

export const aiDuration = new Histogram({
  name: 'kantong_ai_call_duration_seconds',
  help: 'Latency of model calls (LLM, Whisper, OCR) by model, purpose and success',
  labelNames: ['model', 'purpose', 'success'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  registers: [registry],
});

export const errors = new Counter({
  name: 'kantong_errors_total',
  help: 'Unexpected errors, by component',
  labelNames: ['component'] as const,
  registers: [registry],
});

/** Internal errors of the deterministic parser (nlu/rules.ts): each one answered as smalltalk, so only this shows them (issue 14 item 9). */
export const parserErrors = new Counter({
  name: 'kantong_parser_errors_total',
  help: 'Internal errors of the rules parser, each answered as low-confidence smalltalk',
  registers: [registry],
});
