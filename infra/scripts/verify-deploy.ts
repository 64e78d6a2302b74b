/**
 * `npm run verify:deploy`: deploys serverless.yml's CloudFormation template with `osls deploy` to a
 * real AWS emulator running on this machine, and checks what it made against the template, so a
 * template that does not deploy fails the build (issue 13 item 6). CI runs it with moto.
 *
 *   npm run verify:deploy                           # moto in server mode (PyPI), the default
 *   npm run verify:deploy -- --emulator localstack  # LocalStack on the host, see below
 *
 * moto (`moto_server`) validates the template with cfn-lint, creates the stack and answers the
 * SQS, S3, Lambda, EventBridge and CloudFormation APIs.
 *
 * LocalStack was tried for real: `localstack-core` 2026.3.0 from PyPI runs here without Docker
 * (`python -m localstack.runtime.main`) once three things are known — it needs Python >= 3.12 (its
 * code uses PEP 695 generics, so under Debian's 3.11 every runtime component fails to import and
 * plux reports "No component plugins found"), and three unpinned dependencies moved past it
 * (infra/emulators/localstack.txt). It then serves SQS, S3, IAM and CloudFormation, and creates the
 * queues and buckets; but the stack fails at the first function: LocalStack's only Lambda executor
 * is Docker, and creating a function downloads its runtime-init binary from GitHub and pulls a
 * runtime image, neither of which exists here. Where Docker and GitHub are reachable, the
 * `--emulator localstack` run deploys the whole stack.
 *
 * Steps: a Python venv under ~/.cache/kantong (made once per pin set), the emulator on 127.0.0.1
 * (a free port), `osls package --stage local` into .serverless-local, `osls deploy --stage local
 * --package .serverless-local` against it, the checks, then the emulator stopped by its process id.
 * Last line: `deploy: N/N checks passed`; exit status 1 on any failure.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { freePort } from './embedded-postgres.ts';

const root = join(import.meta.dirname, '..', '..');
const cacheDir = process.env.KANTONG_CACHE_DIR ?? join(homedir(), '.cache', 'kantong');
type Emulator = 'moto' | 'localstack';
const emulator: Emulator = process.argv.includes('localstack') ? 'localstack' : 'moto';
const venv = join(cacheDir, `${emulator}-venv`);
const requirements = join(root, 'infra', 'emulators', `${emulator}.txt`);
const STAGE = 'local';
const REGION = 'ap-southeast-3';
const packageDir = join(root, '.serverless-local');

const results: Array<{ name: string; ok: boolean; detail?: string }> = [];
function check(name: string, ok: boolean, detail?: string) {
  results.push({ name, ok, ...(detail ? { detail } : {}) });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

/** moto runs on any Python 3; LocalStack needs >= 3.12 (LOCALSTACK_PYTHON, python3.13/3.12, pyenv's). */
function findPython(): string {
  if (emulator === 'moto') return 'python3';
  const candidates = [
    process.env.LOCALSTACK_PYTHON,
    'python3.13',
    'python3.12',
    ...['/root/.pyenv/versions', join(homedir(), '.pyenv', 'versions')].flatMap((dir) =>
      existsSync(dir)
        ? readdirSync(dir)
            .filter((v) => /^3\.1[2-9]/.test(v))
            .sort()
            .reverse()
            .map((v) => join(dir, v, 'bin', 'python3'))
        : [],
    ),
    'python3',
  ].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info >= (3, 12))'], {
      encoding: 'utf8',
    });
    if (probe.status === 0 && probe.stdout.trim() === 'True') return candidate;
  }
  throw new Error('LocalStack needs Python >= 3.12 (set LOCALSTACK_PYTHON); none found');
}

/** The venv with LocalStack, made once and remade when the pins change. */
function ensureVenv(): string {
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, 'kantong-requirements.txt');
  const wanted = readFileSync(requirements, 'utf8');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return python;
  console.log(`deploy: installing ${emulator} into ${venv} (once)`);
  execFileSync(findPython(), ['-m', 'venv', '--clear', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '-r', requirements], { stdio: 'inherit' });
  writeFileSync(marker, wanted);
  return python;
}

type Running = { endpoint: string; process: ChildProcess };

async function waitUntil(
  child: ChildProcess,
  log: { tail: () => string },
  ready: () => Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited: ${log.tail()}`);
    if (await ready().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  child.kill('SIGTERM');
  throw new Error(`${what} did not become ready in 180 s: ${log.tail()}`);
}

/**
 * Where the emulator writes: a file, never a pipe. osls runs synchronously (execFileSync), so
 * nothing would drain a pipe meanwhile; moto logs every request, fills the pipe and stops
 * answering mid-deploy.
 */
function logFile(): { path: string; fd: number; tail: () => string } {
  const path = join(tmpdir(), `kantong-${emulator}-${Date.now()}.log`);
  console.log(`deploy: ${emulator} log in ${path}`);
  return { path, fd: openSync(path, 'a'), tail: () => readFileSync(path, 'utf8').slice(-2000) };
}

async function startMoto(): Promise<Running> {
  const port = await freePort();
  const log = logFile();
  const child = spawn(join(venv, 'bin', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? homedir() },
    stdio: ['ignore', log.fd, log.fd],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntil(child, log, async () => (await fetch(`${endpoint}/moto-api/`)).ok, 'moto_server');
  return { endpoint, process: child };
}

async function startLocalStack(python: string): Promise<Running> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'kantong-localstack-'));
  const log = logFile();
  const child = spawn(python, ['-m', 'localstack.runtime.main'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? homedir(),
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      LOCALSTACK_HOST: `127.0.0.1:${port}`,
      SERVICES: 'cloudformation,sqs,s3,lambda,iam,sts,ssm,logs,events',
      FILESYSTEM_ROOT: dataDir,
      TMPDIR: dataDir,
      SKIP_SSL_CERT_DOWNLOAD: '1',
      DISABLE_EVENTS: '1',
      // API Gateway v2 is outside LocalStack's open-source core: skipped with a warning.
      CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES: '1',
    },
    stdio: ['ignore', log.fd, log.fd],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntil(
    child,
    log,
    async () => {
      const health = (await (await fetch(`${endpoint}/_localstack/health`)).json()) as {
        services?: Record<string, string>;
      };
      return Boolean(health.services?.cloudformation) && log.tail().includes('Ready.');
    },
    'LocalStack',
  );
  return { endpoint, process: child };
}

function osls(args: string[], endpoint: string) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), ...args], {
    cwd: root,
    stdio: 'inherit',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? homedir(),
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: REGION,
      // The `local` stage points the functions at the emulator; the secrets are test values.
      LOCALSTACK_ENDPOINT: endpoint,
      SESSION_SECRET: 'verify-deploy-session-secret-0123456789abcdef',
      INTERNAL_API_SECRET: 'verify-deploy-internal-secret-0123456789ab',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  });
}

/** Resource types each emulator's CloudFormation skips (moto 5.2.5, localstack-core 2026.3.0). */
const NOT_IMPLEMENTED: Record<Emulator, readonly string[]> = {
  moto: ['AWS::ApiGatewayV2::', 'AWS::S3::BucketPolicy'],
  localstack: ['AWS::ApiGatewayV2::'],
};

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

async function verify(endpoint: string, template: Template) {
  const aws = { endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const cfn = new CloudFormationClient(aws);
  const sqs = new SQSClient(aws);
  const s3 = new S3Client({ ...aws, forcePathStyle: true });
  const lambda = new LambdaClient(aws);
  const stackName = `kantong-${STAGE}`;

  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  check(
    `stack ${stackName} deployed`,
    /_COMPLETE$/.test(stack?.StackStatus ?? '') && !/ROLLBACK/.test(stack?.StackStatus ?? ''),
    stack?.StackStatus,
  );
  const resources =
    (await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }))).StackResources ?? [];
  const physical = new Map(resources.map((r) => [r.LogicalResourceId, r]));

  const declared = Object.entries(template.Resources);
  const skipped = declared.filter(([id]) => !physical.has(id));
  // Resource types an emulator's CloudFormation does not implement: it skips them in silence.
  // They are still validated (moto's ValidateTemplate runs cfn-lint over the whole template), but
  // not created, so they are named in the output, never counted as created. Any other missing
  // resource fails the check.
  const notImplemented = skipped.filter(([, r]) =>
    NOT_IMPLEMENTED[emulator].some((type) => r.Type.startsWith(type)),
  );
  check(
    'every resource the emulator implements created',
    skipped.length === notImplemented.length,
    skipped.length === notImplemented.length
      ? `${resources.length} of ${declared.length} created`
      : `missing: ${skipped.map(([id, r]) => `${id} (${r.Type})`).join(', ')}`,
  );
  if (notImplemented.length > 0)
    console.log(
      `NOTE not created, ${emulator}'s CloudFormation does not implement them (validated only): ${notImplemented
        .map(([id, r]) => `${id} (${r.Type})`)
        .join(', ')}`,
    );

  for (const [id, resource] of declared) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::SQS::Queue') {
      const name = String(props.QueueName);
      try {
        const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
        const attributes =
          (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })))
            .Attributes ?? {};
        const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
        const redrive = props.RedrivePolicy as { maxReceiveCount?: number } | undefined;
        const actualRedrive = attributes.RedrivePolicy ? JSON.parse(attributes.RedrivePolicy) : undefined;
        const ok =
          (attributes.FifoQueue === 'true') === fifo &&
          String(attributes.VisibilityTimeout) === String(props.VisibilityTimeout ?? 30) &&
          (!redrive || Number(actualRedrive?.maxReceiveCount) === Number(redrive.maxReceiveCount));
        check(
          `queue ${name}`,
          ok,
          `fifo=${attributes.FifoQueue ?? 'false'} visibility=${attributes.VisibilityTimeout}s${actualRedrive ? ` dlq after ${actualRedrive.maxReceiveCount}` : ''}`,
        );
      } catch (error) {
        check(`queue ${name}`, false, String(error));
      }
    } else if (resource.Type === 'AWS::S3::Bucket') {
      const name = physical.get(id)?.PhysicalResourceId ?? '';
      try {
        await s3.send(new HeadBucketCommand({ Bucket: name }));
        check(`bucket ${id}`, true, name);
      } catch (error) {
        check(`bucket ${id}`, false, String(error));
      }
    } else if (resource.Type === 'AWS::Lambda::Function') {
      const name = String(props.FunctionName);
      try {
        const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        const env = config.Environment?.Variables ?? {};
        const ok =
          config.Handler === props.Handler &&
          config.Runtime === props.Runtime &&
          config.Timeout === Number(props.Timeout) &&
          config.MemorySize === Number(props.MemorySize) &&
          Boolean(env.QUEUE_PREFIX?.startsWith(`kantong-${STAGE}-`));
        check(
          `function ${name}`,
          ok,
          `${config.Runtime} ${config.Handler} ${config.MemorySize} MB ${config.Timeout} s`,
        );
      } catch (error) {
        check(`function ${name}`, false, String(error));
      }
    }
  }

  const mappings = (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? [];
  for (const [, resource] of declared.filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')) {
    const props = resource.Properties ?? {};
    const queueRef = JSON.stringify(props.EventSourceArn);
    const queueId = /"([A-Za-z]+Queue)"/.exec(queueRef)?.[1] ?? '';
    const queueName = String(template.Resources[queueId]?.Properties?.QueueName ?? queueId);
    const mapping = mappings.find((m) => m.EventSourceArn?.endsWith(`:${queueName}`));
    const wanted = (props.FunctionResponseTypes as string[] | undefined) ?? [];
    check(
      `event source mapping ${queueName}`,
      Boolean(mapping) &&
        mapping?.BatchSize === Number(props.BatchSize ?? 10) &&
        wanted.every((type) => mapping?.FunctionResponseTypes?.includes(type as 'ReportBatchItemFailures')),
      mapping
        ? `${mapping.FunctionArn?.split(':').pop()} batch ${mapping.BatchSize} ${mapping.FunctionResponseTypes?.join(',') ?? ''}`
        : 'not created',
    );
  }

  for (const [id, resource] of declared.filter(([, r]) => r.Type === 'AWS::Events::Rule')) {
    const created = physical.get(id);
    check(
      `schedule ${id}`,
      created?.ResourceStatus?.endsWith('_COMPLETE') ?? false,
      String(resource.Properties?.ScheduleExpression ?? ''),
    );
  }
}

async function main() {
  const python = ensureVenv();
  const server = emulator === 'moto' ? await startMoto() : await startLocalStack(python);
  console.log(`deploy: ${emulator} ready at ${server.endpoint} (pid ${server.process.pid})`);
  try {
    mkdirSync(packageDir, { recursive: true });
    osls(['package', '--stage', STAGE, '--region', REGION, '--package', packageDir], server.endpoint);
    osls(['deploy', '--stage', STAGE, '--region', REGION, '--package', packageDir], server.endpoint);
    const template = JSON.parse(
      readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    await verify(server.endpoint, template);
  } catch (error) {
    check(
      `deploy to ${emulator}`,
      false,
      error instanceof Error ? error.message.split('\n')[0] : String(error),
    );
  } finally {
    server.process.kill('SIGTERM');
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`deploy: ${passed}/${results.length} checks passed (${emulator})`);
  process.exit(passed === results.length && results.length > 0 ? 0 : 1);
}

await main();
