/**
 * The pieces of `npm run verify:lambda` that play AWS around the packaged functions: the
 * CloudFormation template osls wrote, each zip unpacked alone, instances as separate Node
 * processes under a Lambda-runtime shim (runtime.mjs), SQS event source mappings, HTTP API (v2)
 * events from real HTTP requests, and EventBridge scheduled events.
 *
 * Decisions:
 * - The environment of an instance is its function's `Environment.Variables` from the template,
 *   plus what Lambda itself sets (AWS_LAMBDA_FUNCTION_NAME, _HANDLER, TZ=:UTC, credentials...),
 *   and nothing from the developer's shell. A value the stage leaves empty for the deployer
 *   (DATABASE_URL, the SQS/S3 endpoints, the secrets, STT_URL) is filled with the local
 *   server's; a variable the template lacks stays missing, so a template that forgets one fails.
 * - PATH holds only `node`. Node's permission model (--permission without --allow-child-process)
 *   makes any attempt to run a program (tesseract, convert, ffmpeg, whisper-cli, even through an
 *   absolute path) fail loudly: what passes here needs no system binary, as on Lambda.
 * - The event source mapping is functions/src/local/invoker.ts (the local invoker), with the
 *   mapping's batch size, deleting what succeeded and leaving reported failures to their
 *   visibility timeout, exactly as `npm start` and Lambda do.
 * - serverless-offline is not used for HTTP: it runs handlers from the sources through its own
 *   loader, not the packaged bundle; a 60-line front builds the API Gateway v2 events instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Poller, startPoller } from '../../functions/src/local/invoker.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const RUNTIME = join(here, 'runtime.mjs');

type Resource = { Type: string; Properties: Record<string, unknown> };
export type Template = { Resources: Record<string, Resource> };

export type FunctionSpec = {
  logicalId: string;
  /** The function's key in serverless.yml (api, ingest, ...), the name of its zip. */
  name: string;
  handler: string;
  timeoutS: number;
  memoryMb: number;
  environment: Record<string, unknown>;
};

export function readTemplate(serverlessDir: string): Template {
  return JSON.parse(
    readFileSync(join(serverlessDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}

export function functionsOf(template: Template): FunctionSpec[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, { Properties: p }]) => ({
      logicalId,
      name: basename(String((p.Code as { S3Key: string }).S3Key), '.zip'),
      handler: String(p.Handler),
      timeoutS: Number(p.Timeout ?? 6),
      memoryMb: Number(p.MemorySize ?? 1024),
      environment: (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
    }));
}

/** `{ "Fn::GetAtt": [id, "Arn"] }` or `{ Ref: id }` → id. */
function targetOf(value: unknown): string {
  const object = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  const id = object['Fn::GetAtt']?.[0] ?? object.Ref;
  if (!id) throw new Error(`not a reference: ${JSON.stringify(value)}`);
  return id;
}

export type MappingSpec = { queueId: string; functionId: string; batchSize: number; partial: boolean };

export function mappingsOf(template: Template): MappingSpec[] {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')
    .map(({ Properties: p }) => ({
      queueId: targetOf(p.EventSourceArn),
      functionId: targetOf(p.FunctionName),
      batchSize: Number(p.BatchSize ?? 10),
      partial: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
    }));
}

export type ScheduleSpec = { ruleId: string; expression: string; functionId: string };

export function schedulesOf(template: Template): ScheduleSpec[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
    .flatMap(([ruleId, { Properties: p }]) =>
      ((p.Targets as { Arn: unknown }[] | undefined) ?? []).map((target) => ({
        ruleId,
        expression: String(p.ScheduleExpression),
        functionId: targetOf(target.Arn),
      })),
    );
}

/**
 * Creates the template's queues on the SQS server, with their FIFO flags, visibility timeouts,
 * retention and redrive policies (dead-letter queues first). Returns each logical id's URL.
 */
export async function createQueues(sqs: SQSClient, template: Template): Promise<Map<string, string>> {
  const queues = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
  const ordered = [
    ...queues.filter(([, r]) => !r.Properties.RedrivePolicy),
    ...queues.filter(([, r]) => r.Properties.RedrivePolicy),
  ];
  const urls = new Map<string, string>();
  const arns = new Map<string, string>();
  for (const [id, { Properties: p }] of ordered) {
    const attributes: Partial<Record<QueueAttributeName, string>> = {};
    if (p.FifoQueue) attributes.FifoQueue = 'true';
    if (p.FifoQueue) attributes.ContentBasedDeduplication = String(Boolean(p.ContentBasedDeduplication));
    if (p.VisibilityTimeout !== undefined) attributes.VisibilityTimeout = String(p.VisibilityTimeout);
    if (p.MessageRetentionPeriod !== undefined)
      attributes.MessageRetentionPeriod = String(p.MessageRetentionPeriod);
    const redrive = p.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number } | undefined;
    if (redrive) {
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: arns.get(targetOf(redrive.deadLetterTargetArn)),
        maxReceiveCount: redrive.maxReceiveCount,
      });
    }
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: String(p.QueueName), Attributes: attributes }),
    );
    const url = created.QueueUrl ?? '';
    urls.set(id, url);
    const described = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    arns.set(id, described.Attributes?.QueueArn ?? '');
  }
  return urls;
}

export type LocalValues = {
  region: string;
  /** Values for the variables the stage leaves empty for the deployer. */
  fill: Record<string, string>;
  /** Logical id → physical name (the buckets). */
  refs: Record<string, string>;
};

/** An instance's whole environment: the template's variables, resolved, and Lambda's own. */
export function instanceEnvironment(
  fn: FunctionSpec,
  local: LocalValues,
  taskRoot: string,
  binDir: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') {
      env[key] = value === '' && local.fill[key] !== undefined ? local.fill[key] : value;
    } else {
      const ref = local.refs[targetOf(value)];
      if (!ref) throw new Error(`${fn.name}: cannot resolve ${key} = ${JSON.stringify(value)}`);
      env[key] = ref;
    }
  }
  return {
    ...env,
    AWS_REGION: local.region,
    AWS_DEFAULT_REGION: local.region,
    AWS_ACCESS_KEY_ID: 'ASIAVERIFYLAMBDA',
    AWS_SECRET_ACCESS_KEY: 'verify-lambda-secret',
    AWS_SESSION_TOKEN: 'verify-lambda-token',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: `kantong-verify-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: fn.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: binDir,
    KANTONG_VERIFY_TIMEOUT_S: String(fn.timeoutS),
  };
}

/** A folder whose only program is `node` (Lambda's runtime has node and no media tools). */
export function nodeOnlyBin(dir: string, nodeBinary: string): string {
  mkdirSync(dir, { recursive: true });
  symlinkSync(nodeBinary, join(dir, 'node'));
  return dir;
}

/** Node flags of every instance: no child processes at all (see the decisions above). */
const PERMISSIONS = [
  '--permission',
  '--allow-fs-read=*',
  '--allow-fs-write=*',
  '--allow-addons',
  '--allow-worker',
];

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export class Instance {
  readonly id: string;
  served = 0;
  private child: ChildProcess;
  private pending = new Map<string, Pending>();
  private chain: Promise<unknown> = Promise.resolve();
  readonly ready: Promise<void>;
  log = '';

  readonly fn: string;

  constructor(
    fn: string,
    sequence: number,
    nodeBinary: string,
    taskRoot: string,
    env: Record<string, string>,
    logFile: string,
  ) {
    this.fn = fn;
    this.id = `${fn}#${sequence}`;
    this.child = spawn(nodeBinary, [...PERMISSIONS, RUNTIME], {
      cwd: taskRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const append = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString('utf8')).slice(-200_000);
      writeFileSync(logFile, this.log);
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    this.ready = new Promise((resolve, reject) => {
      this.child.on(
        'message',
        (message: { type: string; id?: string; result?: unknown; message?: string }) => {
          if (message.type === 'ready') resolve();
          else if (message.type === 'init-error')
            reject(new Error(`${this.id} failed to start: ${message.message}`));
          else if (message.id) {
            const waiting = this.pending.get(message.id);
            this.pending.delete(message.id);
            if (message.type === 'result') waiting?.resolve(message.result);
            else waiting?.reject(new Error(`${this.id}: ${message.message}`));
          }
        },
      );
      this.child.on('exit', (code) => {
        reject(new Error(`${this.id} exited (${code}) before it was ready`));
        for (const waiting of this.pending.values()) waiting.reject(new Error(`${this.id} exited (${code})`));
        this.pending.clear();
      });
    });
  }

  /** One event at a time, as one Lambda instance takes them. */
  invoke(event: unknown): Promise<unknown> {
    const run = this.chain.then(async () => {
      await this.ready;
      const id = randomUUID();
      this.served += 1;
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.child.send({ type: 'invoke', id, event });
      });
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when the events already given to this instance are done. */
  idle(): Promise<unknown> {
    return this.chain;
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/**
 * At least two instances of one function, alive at once; events alternate between them, and
 * one of them is replaced by a fresh process (a cold start) every `recycleEvery` events.
 */
export class FunctionPool {
  instances: Instance[] = [];
  private next = 0;
  private sequence = 0;
  private invocations = 0;
  started = 0;
  lastInstance = '';

  readonly fn: FunctionSpec;
  private readonly spawnInstance: (sequence: number) => Instance;
  private readonly size: number;
  private readonly recycleEvery: number;

  constructor(fn: FunctionSpec, spawnInstance: (sequence: number) => Instance, size = 2, recycleEvery = 7) {
    this.fn = fn;
    this.spawnInstance = spawnInstance;
    this.size = size;
    this.recycleEvery = recycleEvery;
  }

  async start(): Promise<void> {
    for (let index = 0; index < this.size; index += 1) this.instances.push(this.fresh());
    await Promise.all(this.instances.map((instance) => instance.ready));
  }

  private fresh(): Instance {
    this.sequence += 1;
    this.started += 1;
    return this.spawnInstance(this.sequence);
  }

  /** Replaces the instance that has been up longest with a new process. */
  async recycle(): Promise<void> {
    // Lambda retires an instance between invocations, never during one.
    const old = this.instances.shift();
    await old?.idle();
    old?.stop();
    const replacement = this.fresh();
    this.instances.push(replacement);
    await replacement.ready;
  }

  async invoke(event: unknown): Promise<{ result: unknown; instance: string }> {
    this.invocations += 1;
    if (this.invocations % this.recycleEvery === 0) await this.recycle();
    const instance = this.instances[this.next % this.instances.length] as Instance;
    this.next += 1;
    this.lastInstance = instance.id;
    return { result: await instance.invoke(event), instance: instance.id };
  }

  stop(): void {
    for (const instance of this.instances) instance.stop();
  }
}

/** The event source mappings, polling the real queues into the function pools. */
export function startMappings(
  sqs: SQSClient,
  mappings: { queueUrl: string; pool: FunctionPool; batchSize: number }[],
): Poller[] {
  return mappings.map(({ queueUrl, pool, batchSize }) =>
    startPoller({
      client: sqs,
      queueUrl,
      name: pool.fn.name,
      batchSize,
      waitTimeSeconds: 1,
      handler: async (event) => (await pool.invoke(event)).result as never,
    }),
  );
}

/** EventBridge's scheduled event, as it reaches a function. */
export function scheduledEvent(rule: string, region: string, time: Date) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${rule}`],
    detail: {},
  };
}

const TEXT = /^(text\/|application\/(json|x-www-form-urlencoded|javascript|xml))/;

/**
 * An HTTP API in front of the api pool: each request becomes an API Gateway v2 (payload 2.0)
 * event, and the handler's answer an HTTP response. `x-verify-instance` tells which instance
 * answered (for the checks; not something API Gateway adds).
 */
export async function startHttpFront(pool: FunctionPool): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name === 'cookie' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const contentType = headers['content-type'] ?? '';
    const text = raw.length === 0 || TEXT.test(contentType);
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
      headers,
      ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'verify',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: 'verify',
        http: {
          method: request.method ?? 'GET',
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: '$default',
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(raw.length > 0 ? { body: text ? raw.toString('utf8') : raw.toString('base64') } : {}),
      isBase64Encoded: !text,
    };
    try {
      const { result, instance } = await pool.invoke(event);
      const answer = result as {
        statusCode: number;
        headers?: Record<string, string>;
        cookies?: string[];
        body?: string;
        isBase64Encoded?: boolean;
      };
      const out: Record<string, string | string[]> = {
        ...(answer.headers ?? {}),
        'x-verify-instance': instance,
      };
      if (answer.cookies?.length) out['set-cookie'] = answer.cookies;
      response.writeHead(answer.statusCode, out);
      response.end(Buffer.from(answer.body ?? '', answer.isBase64Encoded ? 'base64' : 'utf8'));
    } catch (error) {
      // API Gateway's answer when the integration fails.
      response.writeHead(500, {
        'content-type': 'application/json',
        'x-verify-error': String(error).slice(0, 200),
      });
      response.end('{"message":"Internal Server Error"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server };
}
