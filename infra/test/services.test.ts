/**
 * The servers the test run provides (global-setup.ts) behave as Kantong needs: the SQS server
 * builds the topology of shared/src/queue/topology.ts, deduplicates FIFO messages, moves a message
 * to the dead-letter queue after maxReceiveCount receives; the S3 server stores and returns objects.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSqsClient, ensureQueues, queueName } from '../../shared/src/queue/client.ts';
import { QUEUES, type QueueKey } from '../../shared/src/queue/topology.ts';

const prefix = `t${randomBytes(4).toString('hex')}-`;
let sqs: SQSClient;
let urls: Record<QueueKey, string>;

async function dlqUrl(key: QueueKey): Promise<string> {
  const out = await sqs.send(
    new GetQueueUrlCommand({ QueueName: queueName(QUEUES[key].deadLetter, prefix) }),
  );
  if (!out.QueueUrl) throw new Error(`no dead-letter queue for ${key}`);
  return out.QueueUrl;
}

async function receiveOne(url: string, waitSeconds = 1) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return out.Messages ?? [];
}

beforeAll(async () => {
  sqs = createSqsClient({ endpoint: inject('sqsEndpoint') });
  urls = await ensureQueues(sqs, prefix);
});

afterAll(() => {
  sqs?.destroy();
});

describe(`SQS server (${inject('sqsServer')})`, () => {
  it('creates every queue of the topology with its FIFO flag, visibility timeout and redrive policy', async () => {
    for (const [key, spec] of Object.entries(QUEUES) as [QueueKey, (typeof QUEUES)[QueueKey]][]) {
      expect(urls[key]).toContain(queueName(spec, prefix));
      const { Attributes: attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: urls[key], AttributeNames: ['All'] }),
      );
      expect(attributes.VisibilityTimeout).toBe(String(spec.visibilityTimeoutS));
      expect(attributes.FifoQueue === 'true').toBe(spec.fifo);
      const redrive = JSON.parse(attributes.RedrivePolicy ?? '{}');
      expect(Number(redrive.maxReceiveCount)).toBe(spec.maxReceiveCount);
      expect(String(redrive.deadLetterTargetArn)).toMatch(
        new RegExp(`${queueName(spec.deadLetter, prefix)}$`),
      );
    }
  });

  it('ensureQueues is idempotent', async () => {
    expect(await ensureQueues(sqs, prefix)).toEqual(urls);
  });

  it('deduplicates FIFO messages by MessageDeduplicationId', async () => {
    const group = '6281234567890';
    for (const body of ['first', 'second copy of the same WhatsApp message']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.inbound,
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: 'wamid-1',
        }),
      );
    }
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: urls.inbound,
        MessageBody: 'another message',
        MessageGroupId: group,
        MessageDeduplicationId: 'wamid-2',
      }),
    );
    const bodies: string[] = [];
    for (let round = 0; round < 5 && bodies.length < 2; round++) {
      for (const message of await receiveOne(urls.inbound)) {
        bodies.push(message.Body ?? '');
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: urls.inbound, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
    expect(bodies).toEqual(['first', 'another message']);
    expect(await receiveOne(urls.inbound, 0)).toEqual([]);
  });

  for (const key of ['inbound', 'transcribe'] as const) {
    it(`moves a ${key} message received maxReceiveCount times without deletion to its dead-letter queue`, async () => {
      const fifo = QUEUES[key].fifo
        ? { MessageGroupId: 'poison', MessageDeduplicationId: `poison-${key}` }
        : {};
      await sqs.send(new SendMessageCommand({ QueueUrl: urls[key], MessageBody: `poison ${key}`, ...fifo }));
      const counts: string[] = [];
      for (let receive = 0; receive < QUEUES[key].maxReceiveCount; receive++) {
        const [message] = await receiveOne(urls[key]);
        expect(message?.Body).toBe(`poison ${key}`);
        counts.push(message?.Attributes?.ApproximateReceiveCount ?? '?');
        // A failed handler: not deleted; visible again at once instead of after the timeout.
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: urls[key],
            ReceiptHandle: message?.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
      }
      expect(counts).toEqual(['1', '2', '3', '4', '5']);
      // The next receive moves it instead of handing it out a sixth time.
      expect(await receiveOne(urls[key])).toEqual([]);
      const deadLetters = await receiveOne(await dlqUrl(key));
      expect(deadLetters.map((message) => message.Body)).toEqual([`poison ${key}`]);
    });
  }
});

describe('S3 server', () => {
  it('puts and gets an object', async () => {
    const s3 = new S3Client({
      endpoint: inject('s3Endpoint'),
      region: 'ap-southeast-3',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const bucket = `kantong-test-${randomBytes(4).toString('hex')}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const body = Buffer.from('OggS… a voice note');
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'wa/6281234567890/wamid-1.ogg',
          Body: body,
          ContentType: 'audio/ogg',
        }),
      );
      const got = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'wa/6281234567890/wamid-1.ogg' }),
      );
      expect(got.ContentType).toBe('audio/ogg');
      expect(Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array()))).toEqual(body);
    } finally {
      s3.destroy();
    }
  });
});
