/**
 * The same counters and histograms on AWS Lambda, in CloudWatch's embedded metric format (EMF).
 *
 * `/metrics` of one Lambda instance means little: instances come and go, and nothing scrapes
 * them. CloudWatch reads metrics out of log lines instead, so after each invocation a function
 * writes one JSON line per changed series, carrying only what changed since the last flush
 * (counters as counts, histograms as their bucket counts, which EMF takes as Values/Counts). The
 * metric definitions stay one set (index.ts); the self-hosted stack keeps Prometheus.
 *
 * Decision: our own few lines over `@aws-lambda-powertools/metrics`, which would need every metric
 * declared a second time in its own API.
 */
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';

export const EMF_NAMESPACE = 'Kantong';

/** True inside AWS Lambda (the runtime sets the function name). */
export function onLambda(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

/** Node's own process metrics (collectDefaultMetrics) are Lambda's business, not ours. */
function isOwnMetric(name: string): boolean {
  return !/^kantong_(process|nodejs)_/.test(name);
}

type Labels = Record<string, string | number | undefined>;

function seriesKey(name: string, labels: Labels): string {
  return `${name}|${Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',')}`;
}

function dimensionsOf(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) if (value !== undefined) out[key] = String(value);
  return out;
}

function line(
  name: string,
  unit: string,
  labels: Labels,
  value: number | { Values: number[]; Counts: number[] },
  timestamp: number,
): string {
  const dimensions = dimensionsOf(labels);
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: [{ Name: name, Unit: unit }],
        },
      ],
    },
    ...dimensions,
    [name]: value,
  });
}

/** Seconds for `*_seconds` histograms, a count for everything else. */
function unitOf(name: string): string {
  return /_seconds(_total)?$/.test(name) ? 'Seconds' : 'Count';
}

/**
 * Keeps what was last written per series and turns the registry's state into EMF lines of the
 * change since then. One per process, like the registry.
 */
export function createEmfExporter(registry: Registry) {
  const last = new Map<string, number>();
  const delta = (key: string, value: number) => {
    const previous = last.get(key) ?? 0;
    last.set(key, value);
    return value - previous;
  };

  function counterLines(metric: MetricObjectWithValues<MetricValue<string>>, timestamp: number): string[] {
    const lines: string[] = [];
    for (const sample of metric.values) {
      const change = delta(seriesKey(metric.name, sample.labels), sample.value);
      if (change > 0) lines.push(line(metric.name, unitOf(metric.name), sample.labels, change, timestamp));
    }
    return lines;
  }

  function histogramLines(
    metric: MetricObjectWithValues<MetricValueWithName<string>>,
    timestamp: number,
  ): string[] {
    // Cumulative bucket counts per label set → this flush's count per bucket, at its upper bound.
    const series = new Map<string, { labels: Labels; bounds: Array<[number, number]> }>();
    for (const sample of metric.values) {
      if (sample.metricName !== `${metric.name}_bucket`) continue;
      const { le, ...labels } = sample.labels;
      const key = seriesKey(metric.name, labels);
      const entry = series.get(key) ?? { labels, bounds: [] };
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      entry.bounds.push([bound, sample.value]);
      series.set(key, entry);
    }
    const lines: string[] = [];
    for (const [key, { labels, bounds }] of series) {
      bounds.sort((a, b) => a[0] - b[0]);
      const values: number[] = [];
      const counts: number[] = [];
      let below = 0;
      const finite = bounds.filter(([bound]) => Number.isFinite(bound)).map(([bound]) => bound);
      const top = finite.length > 0 ? (finite[finite.length - 1] ?? 1) * 2 : 1;
      for (const [bound, cumulative] of bounds) {
        const inBucket = cumulative - below;
        below = cumulative;
        const change = delta(`${key}|le=${bound}`, inBucket);
        if (change > 0) {
          values.push(Number.isFinite(bound) ? bound : top);
          counts.push(change);
        }
      }
      if (values.length > 0)
        lines.push(
          line(metric.name, unitOf(metric.name), labels, { Values: values, Counts: counts }, timestamp),
        );
    }
    return lines;
  }

  return {
    /** The EMF lines of everything that changed since the previous call. */
    async lines(now: Date = new Date()): Promise<string[]> {
      const timestamp = now.getTime();
      const lines: string[] = [];
      for (const metric of await registry.getMetricsAsJSON()) {
        if (!isOwnMetric(metric.name)) continue;
        if (String(metric.type) === 'counter')
          lines.push(...counterLines(metric as MetricObjectWithValues<MetricValue<string>>, timestamp));
        else if (String(metric.type) === 'histogram')
          lines.push(
            ...histogramLines(metric as MetricObjectWithValues<MetricValueWithName<string>>, timestamp),
          );
      }
      return lines;
    },
  };
}

/**
 * Wraps a Lambda handler so every invocation ends by writing its metric changes to stdout, where
 * the Lambda runtime hands them to CloudWatch Logs. Outside Lambda it is the handler unchanged.
 */
export function withEmfMetrics<Args extends unknown[], Result>(
  registry: Registry,
  handler: (...args: Args) => Promise<Result>,
  env: NodeJS.ProcessEnv = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
): (...args: Args) => Promise<Result> {
  if (!onLambda(env)) return handler;
  const exporter = createEmfExporter(registry);
  return async (...args) => {
    try {
      return await handler(...args);
    } finally {
      const lines = await exporter.lines();
      if (lines.length > 0) write(`${lines.join('\n')}\n`);
    }
  };
}
