/**
 * The SQS client for a queue server of our own (ElasticMQ, fauxqs): the AWS SDK's `SQSClient`
 * with its four hot calls — ReceiveMessage, SendMessage, SendMessageBatch, DeleteMessageBatch —
 * made directly, one signed JSON POST over a kept-alive socket.
 *
 * Why (issue 16): the SDK spends about 1 ms of CPU per call on this machine (its middleware
 * stack, endpoint rules, a fresh signing key, response checksums), against about 0.2 ms for the
 * request itself, and a message makes two to three such calls in the workers and as many in the
 * host. Everything else (creating queues, attributes, visibility) still goes through the SDK.
 *
 * What does not change: the requests are the AWS JSON protocol the SDK sends (the same inputs,
 * signed with Signature Version 4 by the client's own credentials, so a server that checks
 * signatures accepts them), and the outputs have the SDK's shapes. Any call this path cannot
 * complete — a refused connection, a reset socket, a status other than 200, a body that is not
 * JSON — is made once more through the SDK, which applies its retry policy and throws its own
 * typed errors; every one of these calls is safe to repeat (FIFO sends carry deduplication ids,
 * a repeated receive only hides messages for their visibility timeout, a repeated delete is a
 * no-op). The cloud (no SQS_ENDPOINT) keeps the SDK for everything: its credentials chain and
 * endpoint resolution are the SDK's job.
 */
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';

/** The calls made directly, by the SDK command that would otherwise make them. */
const DIRECT = new Map<unknown, string>([
  [ReceiveMessageCommand, 'ReceiveMessage'],
  [SendMessageCommand, 'SendMessage'],
  [SendMessageBatchCommand, 'SendMessageBatch'],
  [DeleteMessageBatchCommand, 'DeleteMessageBatch'],
]);

/** One finished call, for whoever counts them (bench:load): the SDK command's name, its input and output. */
export type SqsCall = { command: string; input: unknown; output: unknown; ms: number };

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
type CommandLike = { input: unknown; constructor: unknown };

const sha256 = (data: string) => hash('sha256', data, 'hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * Signature Version 4's signing key, derived from the secret for one day, region and service; kept
 * as a KeyObject (an HMAC over a raw Buffer key costs 29 µs here, over a KeyObject 5).
 */
const signingKeys = new Map<string, KeyObject>();
function signingKey(secret: string, day: string, region: string): KeyObject {
  const cacheKey = `${day}|${region}|${secret}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = createSecretKey(hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 'sqs'), 'aws4_request'));
    if (signingKeys.size > 16) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * The headers of one SQS JSON-protocol request, signed with Signature Version 4 as the SDK signs
 * them (direct.test.ts compares the two).
 */
export function signedSqsHeaders(request: {
  endpoint: URL;
  region: string;
  target: string;
  body: string;
  credentials: Credentials;
  now?: Date;
}): Record<string, string> {
  const { endpoint, credentials } = request;
  const stamp = (request.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    host: endpoint.host,
    'x-amz-date': stamp,
    'x-amz-target': `AmazonSQS.${request.target}`,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    endpoint.pathname || '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    sha256(request.body),
  ].join('\n');
  const scope = `${day}/${request.region}/sqs/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, request.region))
    .update(toSign, 'utf8')
    .digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

export class DirectSqsClient extends SQSClient {
  readonly #endpoint: URL;
  readonly #region: string;
  readonly #agent: http.Agent;
  /**
   * Set once middleware is added to this client (a test's fault, tracing): from then on every
   * call goes through the SDK, so the SDK's extension point is never bypassed.
   */
  #customised = false;
  /** Told of every call, direct or through the SDK (bench:load counts them). */
  onCall: ((call: SqsCall) => void) | undefined;

  constructor(config: SQSClientConfig & { endpoint: string; region: string }) {
    super(config);
    this.#endpoint = new URL(config.endpoint);
    this.#region = config.region;
    const secure = this.#endpoint.protocol === 'https:';
    this.#agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true });
    const stack = this.middlewareStack;
    const add = stack.add.bind(stack);
    const addRelativeTo = stack.addRelativeTo.bind(stack);
    stack.add = ((...args: Parameters<typeof add>) => {
      this.#customised = true;
      return add(...args);
    }) as typeof stack.add;
    stack.addRelativeTo = ((...args: Parameters<typeof addRelativeTo>) => {
      this.#customised = true;
      return addRelativeTo(...args);
    }) as typeof stack.addRelativeTo;
  }

  // One signature for the SDK's overloads: the direct path returns a promise of the same output.
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's send is overloaded over every command.
  override send(command: any, ...rest: any[]): any {
    const target = DIRECT.get((command as CommandLike).constructor);
    const options = rest[0] as { abortSignal?: AbortSignal } | undefined;
    if (target === undefined || this.#customised || typeof rest[0] === 'function' || rest.length > 1) {
      return this.#observed(command, () => super.send(command, ...rest));
    }
    return this.#observed(command, () =>
      this.#direct(target, (command as CommandLike).input, options?.abortSignal).catch((error: unknown) => {
        if (options?.abortSignal?.aborted) throw error;
        return options ? super.send(command, options) : super.send(command);
      }),
    );
  }

  override destroy(): void {
    this.#agent.destroy();
    super.destroy();
  }

  async #observed(command: CommandLike, call: () => Promise<unknown>): Promise<unknown> {
    if (this.onCall === undefined) return call();
    const started = performance.now();
    const output = await call();
    const name = (command.constructor as { name?: string }).name ?? 'unknown';
    this.onCall({ command: name, input: command.input, output, ms: performance.now() - started });
    return output;
  }

  async #direct(target: string, input: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    // Blobs travel as base64 in the JSON protocol (a binary message attribute).
    const body = JSON.stringify(input, (_key, value) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
    );
    const credentials = await (this.config.credentials as () => Promise<Credentials>)();
    const headers = signedSqsHeaders({
      endpoint: this.#endpoint,
      region: this.#region,
      target,
      body,
      credentials,
    });
    headers['content-length'] = String(Buffer.byteLength(body));
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = (this.#endpoint.protocol === 'https:' ? https : http).request(
        this.#endpoint,
        { method: 'POST', agent: this.#agent, headers, ...(signal ? { signal } : {}) },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    if (status !== 200) throw new Error(`SQS ${target}: HTTP ${status}`);
    const output = JSON.parse(text) as Record<string, unknown>;
    output.$metadata = { httpStatusCode: status };
    return output;
  }
}

/**
 * Tells `listener` of every call the client finishes. A direct client reports its calls itself; on
 * any other client this is a middleware (which on a direct client would send every call through
 * the SDK).
 */
export function observeSqsCalls(client: SQSClient, listener: (call: SqsCall) => void): void {
  if (client instanceof DirectSqsClient) {
    client.onCall = listener;
    return;
  }
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      const result = await next(args);
      const ms = performance.now() - started;
      listener({ command: context.commandName ?? 'unknown', input: args.input, output: result.output, ms });
      return result;
    },
    { step: 'initialize', name: 'observeSqsCalls' },
  );
}
