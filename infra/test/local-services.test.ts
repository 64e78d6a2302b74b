/**
 * The local stack's own servers keep what they were given across a restart when given a data
 * folder (npm start passes `.data`): fauxqs as the SQS server (without Java, or with
 * LOCAL_SQS_SERVER=fauxqs) and as the S3 server. Before issue 16's second pass both ran in memory
 * there, so a restart of `npm start` without Java lost every queued message and every photo.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSqsClient, ensureQueues } from '../../shared/src/queue/client.ts';
import { defaultLocalSqsServer, startS3Server, startSqsServer } from '../scripts/local-services.ts';

let dataDir: string;
const env = { LOCAL_SQS_SERVER: 'fauxqs' };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kantong-local-services-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

it('keeps an accepted message in fauxqs across a restart with the same data folder', async () => {
  const first = await startSqsServer({ env, dataDir });
  expect(first.kind).toBe('fauxqs');
  const before = createSqsClient({ endpoint: first.endpoint });
  const urls = await ensureQueues(before, 'ls-');
  await before.send(
    new SendMessageCommand({
      QueueUrl: urls.inbound,
      MessageBody: '{"kept":true}',
      MessageGroupId: '628111',
      MessageDeduplicationId: 'kept-1',
    }),
  );
  before.destroy();
  await first.stop();

  const second = await startSqsServer({ env, dataDir });
  const after = createSqsClient({ endpoint: second.endpoint });
  try {
    const again = await ensureQueues(after, 'ls-');
    const out = await after.send(
      new ReceiveMessageCommand({ QueueUrl: again.inbound, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(out.Messages?.map((message) => message.Body)).toEqual(['{"kept":true}']);
  } finally {
    after.destroy();
    await second.stop();
  }
});

it('keeps a stored object in the local S3 server across a restart with the same data folder', async () => {
  const s3At = (endpoint: string) =>
    new S3Client({
      endpoint,
      region: 'ap-southeast-3',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  const first = await startS3Server({ env: {}, dataDir });
  const before = s3At(first.endpoint);
  await before.send(new CreateBucketCommand({ Bucket: 'media' }));
  await before.send(new PutObjectCommand({ Bucket: 'media', Key: 'struk.jpg', Body: 'jpeg bytes' }));
  before.destroy();
  await first.stop();

  const second = await startS3Server({ env: {}, dataDir });
  const after = s3At(second.endpoint);
  try {
    const object = await after.send(new GetObjectCommand({ Bucket: 'media', Key: 'struk.jpg' }));
    expect(await object.Body?.transformToString()).toBe('jpeg bytes');
  } finally {
    after.destroy();
    await second.stop();
  }
});

it('refuses a queue server it does not know, naming the choices', async () => {
  await expect(startSqsServer({ env: { LOCAL_SQS_SERVER: 'rabbitmq' } })).rejects.toThrow(
    /LOCAL_SQS_SERVER must be elasticmq or fauxqs/,
  );
});

it('runs fauxqs for a fresh npm start, and ElasticMQ where an earlier one left its queues', async () => {
  const fresh = await mkdtemp(join(tmpdir(), 'kantong-fresh-data-'));
  try {
    expect(defaultLocalSqsServer(fresh)).toBe('fauxqs');
    await mkdir(join(fresh, 'elasticmq'));
    expect(defaultLocalSqsServer(fresh)).toBe('elasticmq');
    await mkdir(join(fresh, 'fauxqs'));
    expect(defaultLocalSqsServer(fresh)).toBe('fauxqs');
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});
