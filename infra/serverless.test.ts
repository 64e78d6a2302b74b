/**
 * serverless.yml (the cloud) and infra/elasticmq.conf (docker-compose's ElasticMQ) hold the same
 * queues as shared/src/queue/topology.ts, the source the tests and the local stack create theirs
 * from — and DESIGN.md decision 4: a dead-letter queue after ≥ 5 receives, a visibility timeout of
 * at least 6× the consuming function's timeout, partial batch failures reported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, matchesGlob } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DOCS_SOURCES } from '../functions/src/api/docs.ts';
import { QUEUES, type QueueKey, type QueueSpec } from '../shared/src/queue/topology.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

type Resource = { Type: string; Properties?: Record<string, unknown> };
type SqsEvent = { arn: unknown; batchSize?: number; functionResponseType?: string };
type FunctionDefinition = {
  handler: string;
  timeout?: number;
  events?: Record<string, unknown>[];
  environment?: Record<string, unknown>;
  package?: { patterns?: string[] };
};
type ServerlessConfig = {
  provider: { timeout?: number; environment?: Record<string, unknown> };
  params: Record<string, Record<string, unknown>>;
  package: { patterns?: string[] };
  custom: { queuePrefix: string };
  functions: Record<string, FunctionDefinition>;
  resources: { Resources: Record<string, Resource> };
};

// CloudFormation functions are written in their long form (Fn::GetAtt), so plain YAML reads it.
const config = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as ServerlessConfig;
const resources = config.resources.Resources;
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless variable, not a template
const PREFIX = '${self:custom.queuePrefix}';

const queueResources = Object.entries(resources).filter(
  ([, resource]) => resource.Type === 'AWS::SQS::Queue',
);

function queueByName(name: string): [string, Resource] {
  const found = queueResources.find(([, resource]) => resource.Properties?.QueueName === `${PREFIX}${name}`);
  if (!found) throw new Error(`serverless.yml declares no queue named ${PREFIX}${name}`);
  return found;
}

function getAttTarget(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' ? String(getAtt[0]) : undefined;
}

const sqsEvents = Object.entries(config.functions).flatMap(([name, definition]) =>
  (definition.events ?? [])
    .filter((event): event is { sqs: SqsEvent } => 'sqs' in event)
    .map((event) => ({ functionName: name, definition, event: event.sqs })),
);

function consumersOf(logicalId: string) {
  return sqsEvents.filter(({ event }) => getAttTarget(event.arn) === logicalId);
}

const entries = Object.entries(QUEUES) as [QueueKey, QueueSpec][];

/**
 * The function that consumes each queue; none for outbound.fifo, which the bot-host reads, nor
 * for console.fifo, which the chat console's delivery reads.
 */
const CONSUMER: Record<QueueKey, string | undefined> = {
  inbound: 'ingest',
  transcribe: 'transcribe',
  ocr: 'ocr',
  reports: 'reportWorker',
  outbound: undefined,
  console: undefined,
};

describe('serverless.yml', () => {
  it('prefixes every queue name with the service and stage', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variables, not a template
    expect(config.custom.queuePrefix).toBe('${self:service}-${sls:stage}-');
  });

  describe.each(entries)('queue %s', (key, spec) => {
    const [logicalId, queue] = queueByName(spec.name);
    const properties = queue.Properties ?? {};

    it('has the FIFO flag and visibility timeout of topology.ts', () => {
      expect(properties.FifoQueue === true).toBe(spec.fifo);
      if (spec.fifo) expect(properties.ContentBasedDeduplication).toBe(false);
      expect(properties.VisibilityTimeout).toBe(spec.visibilityTimeoutS);
    });

    it('has its dead-letter queue after maxReceiveCount ≥ 5 receives', () => {
      const redrive = properties.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      expect(redrive.maxReceiveCount).toBe(spec.maxReceiveCount);
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(5);
      const [dlqId, dlq] = queueByName(spec.deadLetter);
      expect(getAttTarget(redrive.deadLetterTargetArn)).toBe(dlqId);
      expect(dlq.Properties?.FifoQueue === true).toBe(spec.fifo);
      expect(dlq.Properties?.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it('has a visibility timeout ≥ 6× the timeout of what consumes it', () => {
      const consumers = consumersOf(logicalId);
      // The bot-host consumes outbound.fifo itself (it holds the WhatsApp socket): no function.
      const expected = CONSUMER[key];
      expect(consumers.map((consumer) => consumer.functionName)).toEqual(expected ? [expected] : []);
      for (const { definition } of consumers) {
        const timeout = definition.timeout ?? config.provider.timeout ?? 6;
        expect(timeout).toBe(spec.consumerTimeoutS);
        expect(spec.visibilityTimeoutS).toBeGreaterThanOrEqual(6 * timeout);
      }
      expect(spec.visibilityTimeoutS).toBeGreaterThanOrEqual(6 * spec.consumerTimeoutS);
    });
  });

  it('declares no queue that topology.ts does not know', () => {
    const known = entries.flatMap(([, spec]) => [`${PREFIX}${spec.name}`, `${PREFIX}${spec.deadLetter}`]);
    expect(queueResources.map(([, resource]) => resource.Properties?.QueueName).sort()).toEqual(known.sort());
  });

  it('makes every SQS event report partial batch failures', () => {
    expect(sqsEvents.length).toBeGreaterThan(0);
    for (const { functionName, event } of sqsEvents) {
      expect({ functionName, type: event.functionResponseType }).toEqual({
        functionName,
        type: 'ReportBatchItemFailures',
      });
    }
  });

  it('points every handler at a source file that exists', () => {
    for (const [name, definition] of Object.entries(config.functions)) {
      const file = `${definition.handler.replace(/\.[^./]+$/, '')}.ts`;
      expect({ name, file, exists: existsSync(join(root, file)) }).toEqual({ name, file, exists: true });
    }
  });
});

/* biome-ignore-start lint/suspicious/noTemplateCurlyInString: Serverless variables, not templates */
describe('serverless.yml on several instances (issue 13)', () => {
  it('gives the api function its two secrets: SSM for prod, the shell for other stages', () => {
    expect(config.functions.api?.environment).toMatchObject({
      SESSION_SECRET: '${param:sessionSecret}',
      INTERNAL_API_SECRET: '${param:internalApiSecret}',
    });
    expect(config.params.prod).toMatchObject({
      sessionSecret: '${ssm:/kantong/prod/session-secret}',
      internalApiSecret: '${ssm:/kantong/prod/internal-api-secret}',
    });
    expect(config.params.default).toMatchObject({
      sessionSecret: "${env:SESSION_SECRET, ''}",
      internalApiSecret: "${env:INTERNAL_API_SECRET, ''}",
    });
    // Only the api signs sessions and checks signatures: no other function carries them.
    expect(Object.keys(config.provider.environment ?? {})).not.toContain('SESSION_SECRET');
  });

  it('runs the outbox relay on a schedule', () => {
    const relay = config.functions.relay;
    expect(relay?.handler).toBe('functions/src/relay/handler.handler');
    expect(relay?.events).toEqual([{ schedule: { rate: 'rate(1 minute)', enabled: true } }]);
  });

  it('ships the dashboard assets in the api package (functions/src/dashboard/assets.ts SOURCES)', () => {
    const patterns = [...(config.package.patterns ?? []), ...(config.functions.api?.package?.patterns ?? [])];
    for (const file of [
      'node_modules/chart.js/dist/chart.umd.min.js',
      'node_modules/htmx.org/dist/htmx.min.js',
      'functions/src/dashboard/assets/app.css',
      'functions/src/dashboard/assets/dashboard.js',
    ]) {
      expect({ file, shipped: patterns.some((pattern) => matchesGlob(file, pattern)) }).toEqual({
        file,
        shipped: true,
      });
      expect(existsSync(join(root, file))).toBe(true);
    }
  });

  it('ships the /docs files in the api package (functions/src/api/docs.ts DOCS_SOURCES)', () => {
    const patterns = [...(config.package.patterns ?? []), ...(config.functions.api?.package?.patterns ?? [])];
    for (const file of Object.values(DOCS_SOURCES)) {
      expect({ file, shipped: patterns.some((pattern) => matchesGlob(file, pattern)) }).toEqual({
        file,
        shipped: true,
      });
      expect(existsSync(join(root, file))).toBe(true);
    }
  });

  it('sends voice notes to the speech server on AWS (no whisper-cli or ffmpeg there)', () => {
    expect(config.functions.transcribe?.environment).toMatchObject({
      STT_URL: '${param:sttUrl}',
      AUDIO_DECODER: 'wasm',
    });
  });
});
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: Serverless variables, not templates */

/**
 * The queue blocks of infra/elasticmq.conf: `name { key = value ... deadLettersQueue { ... } }`.
 * Just enough HOCON for that file's own layout.
 */
function elasticMqQueues(text: string): Map<string, Record<string, string>> {
  const withoutComments = text.replace(/#[^\n]*/g, '');
  const start = withoutComments.indexOf('queues {');
  if (start < 0) throw new Error('infra/elasticmq.conf has no `queues { … }` block');
  const queues = new Map<string, Record<string, string>>();
  const body = withoutComments.slice(start + 'queues {'.length);
  const blockPattern = /"?([\w.-]+)"?\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g;
  for (const match of body.matchAll(blockPattern)) {
    const [, name = '', content = ''] = match;
    const settings: Record<string, string> = {};
    const dlq = /deadLettersQueue\s*\{([^}]*)\}/.exec(content);
    for (const [, setting = '', value = ''] of content
      .replace(/deadLettersQueue\s*\{[^}]*\}/, '')
      .matchAll(/([\w-]+)\s*=\s*([^\n]+)/g)) {
      settings[setting] = value.trim().replace(/^"|"$/g, '');
    }
    for (const [, setting = '', value = ''] of (dlq?.[1] ?? '').matchAll(/([\w-]+)\s*=\s*([^\n]+)/g)) {
      settings[`deadLettersQueue.${setting}`] = value.trim().replace(/^"|"$/g, '');
    }
    queues.set(name, settings);
  }
  return queues;
}

describe('infra/elasticmq.conf (docker-compose)', () => {
  const queues = elasticMqQueues(readFileSync(join(root, 'infra', 'elasticmq.conf'), 'utf8'));

  it('declares exactly the queues of topology.ts, unprefixed', () => {
    const known = entries.flatMap(([, spec]) => [spec.name, spec.deadLetter]);
    expect([...queues.keys()].sort()).toEqual(known.sort());
  });

  it.each(entries)('queue %s matches topology.ts', (_key, spec) => {
    const queue = queues.get(spec.name) ?? {};
    expect(queue.fifo === 'true').toBe(spec.fifo);
    expect(queue.defaultVisibilityTimeout).toBe(`${spec.visibilityTimeoutS} seconds`);
    expect(queue['deadLettersQueue.name']).toBe(spec.deadLetter);
    expect(Number(queue['deadLettersQueue.maxReceiveCount'])).toBe(spec.maxReceiveCount);
    expect((queues.get(spec.deadLetter)?.fifo ?? 'false') === 'true').toBe(spec.fifo);
  });
});
