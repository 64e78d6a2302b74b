/**
 * One SQS client per process (STYLE habit 10) and queue URLs looked up once by name.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { getConfig } from '../config.ts';
import { DirectSqsClient } from './direct.ts';
import { QUEUES, type QueueKey, type QueueSpec } from './topology.ts';

/**
 * With an endpoint (a queue server of our own) the client makes its hot calls directly
 * (direct.ts, issue 16); in the cloud it is the SDK's client.
 */
export function createSqsClient(options: { endpoint?: string; region?: string } = {}): SQSClient {
  const config = getConfig();
  const endpoint = options.endpoint ?? config.SQS_ENDPOINT;
  const region = options.region ?? config.AWS_REGION;
  if (!endpoint) return new SQSClient({ region });
  return new DirectSqsClient({
    region,
    endpoint,
    // Local servers (ElasticMQ, fauxqs) accept any credentials; AWS uses the real chain.
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  });
}

let shared: SQSClient | undefined;

export function getSqsClient(): SQSClient {
  shared ??= createSqsClient();
  return shared;
}

export function queueName(spec: QueueSpec | string, prefix = getConfig().QUEUE_PREFIX): string {
  return `${prefix}${typeof spec === 'string' ? spec : spec.name}`;
}

const urls = new Map<string, Promise<string>>();

/** The URL of one of Kantong's queues (cached per client and name). */
export function queueUrl(client: SQSClient, key: QueueKey, prefix?: string): Promise<string> {
  const name = queueName(QUEUES[key], prefix);
  const cacheKey = `${String(client.config.endpoint ?? 'aws')}|${name}`;
  let url = urls.get(cacheKey);
  if (!url) {
    url = client.send(new GetQueueUrlCommand({ QueueName: name })).then((out) => {
      if (!out.QueueUrl) throw new Error(`queue ${name} has no URL`);
      return out.QueueUrl;
    });
    url.catch(() => urls.delete(cacheKey));
    urls.set(cacheKey, url);
  }
  return url;
}

async function createOne(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const out = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!out.QueueUrl) throw new Error(`could not create queue ${name}`);
  return out.QueueUrl;
}

/**
 * Creates every queue and its dead-letter queue (idempotent: CreateQueue with the same
 * attributes returns the existing queue). For the local stack and tests; in the cloud,
 * serverless.yml creates them.
 */
export async function ensureQueues(
  client: SQSClient,
  prefix = getConfig().QUEUE_PREFIX,
): Promise<Record<QueueKey, string>> {
  const result = {} as Record<QueueKey, string>;
  for (const [key, spec] of Object.entries(QUEUES) as [QueueKey, QueueSpec][]) {
    const fifo: Record<string, string> = spec.fifo
      ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' }
      : {};
    const dlqUrl = await createOne(client, queueName(spec.deadLetter, prefix), {
      ...fifo,
      MessageRetentionPeriod: '1209600',
    });
    const dlqAttributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const dlqArn = dlqAttributes.Attributes?.QueueArn;
    if (!dlqArn) throw new Error(`dead-letter queue ${spec.deadLetter} has no ARN`);
    result[key] = await createOne(client, queueName(spec, prefix), {
      ...fifo,
      VisibilityTimeout: String(spec.visibilityTimeoutS),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: spec.maxReceiveCount }),
    });
  }
  return result;
}
