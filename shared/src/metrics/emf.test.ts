/**
 * Metrics on Lambda (issue 13 item 8): the registry's changes written as CloudWatch EMF lines,
 * checked against the format's rules (every dimension and metric named in `_aws` present at the
 * root, values or Values/Counts, a millisecond timestamp), deltas only, nothing outside Lambda.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createEmfExporter, EMF_NAMESPACE, withEmfMetrics } from './emf.ts';

function fixture() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kantong_' });
  const records = new Counter({
    name: 'kantong_queue_records_total',
    help: 'x',
    labelNames: ['function', 'outcome'] as const,
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'kantong_queue_lag_seconds',
    help: 'x',
    labelNames: ['function'] as const,
    buckets: [0.1, 1, 10],
    registers: [registry],
  });
  return { registry, records, lag };
}

type Emf = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
};

/** The structural rules of the embedded metric format specification. */
function checkEmf(text: string): Emf {
  const doc = JSON.parse(text) as Emf;
  expect(Number.isInteger(doc._aws.Timestamp)).toBe(true);
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(directive.Namespace).toBe(EMF_NAMESPACE);
    for (const set of directive.Dimensions) for (const key of set) expect(typeof doc[key]).toBe('string');
    for (const metric of directive.Metrics) expect(doc[metric.Name]).toBeDefined();
  }
  return doc;
}

describe('CloudWatch embedded metric format', () => {
  it('writes counter and histogram changes since the last flush, and only ours', async () => {
    const { registry, records, lag } = fixture();
    const exporter = createEmfExporter(registry);
    records.inc({ function: 'ingest', outcome: 'ok' }, 3);
    records.inc({ function: 'ingest', outcome: 'failed' });
    lag.observe({ function: 'ingest' }, 0.05);
    lag.observe({ function: 'ingest' }, 0.5);
    lag.observe({ function: 'ingest' }, 0.7);
    lag.observe({ function: 'ingest' }, 99);
    const first = (await exporter.lines(new Date('2026-11-29T00:00:00Z'))).map(checkEmf);
    expect(first.every((doc) => doc._aws.Timestamp === Date.parse('2026-11-29T00:00:00Z'))).toBe(true);
    expect(first.map((doc) => doc._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name)).not.toContain(
      'kantong_process_cpu_user_seconds_total',
    );
    const ok = first.find((doc) => doc.outcome === 'ok');
    expect(ok).toMatchObject({ function: 'ingest', kantong_queue_records_total: 3 });
    expect(ok?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['function', 'outcome']]);
    const latency = first.find((doc) => 'kantong_queue_lag_seconds' in doc);
    expect(latency?.kantong_queue_lag_seconds).toEqual({ Values: [0.1, 1, 20], Counts: [1, 2, 1] });
    expect(latency?._aws.CloudWatchMetrics[0]?.Metrics[0]?.Unit).toBe('Seconds');

    expect(await exporter.lines()).toEqual([]);
    records.inc({ function: 'ingest', outcome: 'ok' });
    lag.observe({ function: 'ingest' }, 0.5);
    const second = (await exporter.lines()).map(checkEmf);
    expect(second).toHaveLength(2);
    expect(second.find((doc) => doc.outcome === 'ok')?.kantong_queue_records_total).toBe(1);
    expect(second.find((doc) => 'kantong_queue_lag_seconds' in doc)?.kantong_queue_lag_seconds).toEqual({
      Values: [1],
      Counts: [1],
    });
  });

  it('flushes after every invocation on Lambda, even one that throws, and is a no-op elsewhere', async () => {
    const { registry, records } = fixture();
    const written: string[] = [];
    const handler = async (fail: boolean) => {
      records.inc({ function: 'reports', outcome: fail ? 'failed' : 'ok' });
      if (fail) throw new Error('boom');
      return 'done';
    };
    const lambda = withEmfMetrics(
      registry,
      handler,
      { AWS_LAMBDA_FUNCTION_NAME: 'kantong-dev-reports' },
      (text) => written.push(text),
    );
    expect(await lambda(false)).toBe('done');
    await expect(lambda(true)).rejects.toThrow('boom');
    const docs = written.join('').trim().split('\n').map(checkEmf);
    expect(docs.map((doc) => doc.outcome)).toEqual(['ok', 'failed']);
    expect(withEmfMetrics(registry, handler, {})).toBe(handler);
  });
});
