/**
 * The direct SQS client (issue 16) against the real queue server of the tests (ElasticMQ in CI,
 * fauxqs with LOCAL_SQS_SERVER=fauxqs): its requests signed as the SDK signs them, its outputs in
 * the SDK's shapes, a call it cannot complete made again through the SDK (typed errors), a client
 * with middleware never bypassing it, and a long poll that stops when aborted.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSqsClient, ensureQueues } from './client.ts';
import { DirectSqsClient, observeSqsCalls, type SqsCall, signedSqsHeaders } from './direct.ts';
import type { QueueKey } from './topology.ts';

const endpoint = inject('sqsEndpoint');
const region = 'ap-southeast-3';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const direct = createSqsClient({ endpoint, region });
const sdk = new SQSClient({ endpoint, region, credentials });
let urls: Record<QueueKey, string>;

beforeAll(async () => {
  urls = await ensureQueues(sdk, `dir${randomBytes(3).toString('hex')}-`);
});
afterAll(() => {
  direct.destroy();
  sdk.destroy();
});

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** node:crypto as the signer's hash (what @aws-crypto/sha256 does in the SDK). */
class NodeSha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData) {
    this.#hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
}

describe('signing', () => {
  it.each([
    ['long-lived keys', credentials],
    ['a session', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI', sessionToken: 'tok/en+=' }],
  ])('signs as the SDK’s Signature V4 signer does (%s)', async (_label, keys) => {
    const now = new Date('2026-11-30T07:01:02.345Z');
    const url = new URL('http://127.0.0.1:9324/');
    const body = JSON.stringify({
      QueueUrl: 'http://127.0.0.1:9324/000/q.fifo',
      MessageBody: 'beli kopi 20k',
    });
    const ours = signedSqsHeaders({
      endpoint: url,
      region,
      target: 'SendMessage',
      body,
      credentials: keys,
      now,
    });
    const signer = new SignatureV4({
      credentials: keys,
      region,
      service: 'sqs',
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const theirs = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: {},
        headers: {
          'content-type': ours['content-type'] ?? '',
          host: url.host,
          'x-amz-target': 'AmazonSQS.SendMessage',
        },
        body,
      },
      { signingDate: now },
    );
    expect(ours.authorization).toBe(theirs.headers.authorization);
    expect(ours['x-amz-date']).toBe('20261130T070102Z');
  });
});

describe('calls made directly', () => {
  it('is the client of a local queue server, and the SDK’s in the cloud', () => {
    expect(direct).toBeInstanceOf(DirectSqsClient);
    expect(createSqsClient({ endpoint: '', region })).not.toBeInstanceOf(DirectSqsClient);
  });

  it('sends, receives and deletes with the SDK’s outputs', async () => {
    const calls: SqsCall[] = [];
    observeSqsCalls(direct, (call) => calls.push(call));
    try {
      const sent = await direct.send(
        new SendMessageBatchCommand({
          QueueUrl: urls.transcribe,
          Entries: ['satu', 'dua'].map((body, index) => ({
            Id: `m${index}`,
            MessageBody: `{"text":"${body} \\ud83d\\ude4f"}`,
            MessageAttributes: { kind: { DataType: 'String', StringValue: `k${index}` } },
          })),
        }),
      );
      expect(sent.Successful?.map((entry) => entry.Id).sort()).toEqual(['m0', 'm1']);
      expect(sent.Failed ?? []).toEqual([]);
      expect(sent.$metadata.httpStatusCode).toBe(200);

      // One message each way: the direct receive's message has the fields the SDK's has.
      const receive = new ReceiveMessageCommand({
        QueueUrl: urls.transcribe,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      });
      const ours = (await direct.send(receive)).Messages ?? [];
      const theirs = (await sdk.send(receive)).Messages ?? [];
      expect(ours).toHaveLength(1);
      expect(theirs).toHaveLength(1);
      const [mine, reference] = [ours[0], theirs[0]];
      expect(Object.keys(mine ?? {}).sort()).toEqual(Object.keys(reference ?? {}).sort());
      expect(Object.keys(mine?.Attributes ?? {}).sort()).toEqual(
        Object.keys(reference?.Attributes ?? {}).sort(),
      );
      // Bodies come back as sent: queueBody's JSON escapes for characters outside the BMP included.
      expect([mine?.Body, reference?.Body].sort()).toEqual([
        String.raw`{"text":"dua \ud83d\ude4f"}`,
        String.raw`{"text":"satu \ud83d\ude4f"}`,
      ]);
      expect(mine?.MessageAttributes?.kind?.StringValue).toMatch(/^k[01]$/);

      const deleted = await direct.send(
        new DeleteMessageBatchCommand({
          QueueUrl: urls.transcribe,
          Entries: [mine, reference].map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message?.ReceiptHandle,
          })),
        }),
      );
      expect(deleted.Successful?.map((entry) => entry.Id).sort()).toEqual(['0', '1']);
      const left = await sdk.send(
        new GetQueueAttributesCommand({
          QueueUrl: urls.transcribe,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(left.Attributes?.ApproximateNumberOfMessages).toBe('0');
      expect(left.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
      expect(calls.map((call) => call.command)).toEqual([
        'SendMessageBatchCommand',
        'ReceiveMessageCommand',
        'DeleteMessageBatchCommand',
      ]);
    } finally {
      (direct as DirectSqsClient).onCall = undefined;
    }
  });

  it('throws the SDK’s typed error for a call the server refuses', async () => {
    const missing = `${urls.transcribe.slice(0, urls.transcribe.lastIndexOf('/'))}/tidak-ada-${randomBytes(3).toString('hex')}`;
    await expect(
      direct.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x' })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  it('gives up on a server that is not there through the SDK, with its error', async () => {
    const away = createSqsClient({ endpoint: 'http://127.0.0.1:9', region });
    try {
      await expect(
        away.send(new SendMessageCommand({ QueueUrl: 'http://127.0.0.1:9/000/q', MessageBody: 'x' })),
      ).rejects.toMatchObject({ code: 'ECONNREFUSED', $metadata: { attempts: 3 } });
    } finally {
      away.destroy();
    }
  });

  it('sends every call through the SDK once middleware is added (its extension point)', async () => {
    const client = createSqsClient({ endpoint, region });
    const seen: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        seen.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'seeCalls' },
    );
    try {
      await client.send(new ReceiveMessageCommand({ QueueUrl: urls.transcribe, WaitTimeSeconds: 0 }));
      expect(seen).toEqual(['ReceiveMessageCommand']);
    } finally {
      client.destroy();
    }
  });

  it('stops a long poll when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const poll = direct.send(new ReceiveMessageCommand({ QueueUrl: urls.reports, WaitTimeSeconds: 10 }), {
      abortSignal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    await expect(poll).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
