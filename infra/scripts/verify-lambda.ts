/**
 * `npm run verify:lambda`: runs the zips `osls package` made the way Lambda runs them, against a
 * local PostgreSQL and SQS/S3 server, and checks Kantong end to end through them (issue 13):
 *
 *   node infra/scripts/verify-lambda.ts [--stage ci] [--package]
 *
 * Reads .serverless/ (packaging first when it is missing, or with --package: minutes), unpacks
 * each function's zip alone into an empty folder, starts two instances of each as separate Node
 * processes under infra/lambda/runtime.mjs, with the environment from the template and PATH
 * without media tools (infra/lambda/harness.ts says how and why), then:
 * SPEC.md's text cases through inbound.fifo with the replies on outbound.fifo; a dashboard
 * sign-up through the one-time link, a page with its CSS/JS, a login, and a CSRF-protected form
 * posted to the other instance; the hourly report run; a reply whose send failed after the
 * commit, sent later by the relay; a receipt photo; a voice note. Instances are recycled along
 * the way. Prints each check; the last line is `lambda: N/N checks passed`; exits 1 on a failure.
 * A check that cannot run here says so (NOT RUN, with why) and is not counted as passed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { mintLinks } from '@kantong/shared/auth';
import { getConfig } from '@kantong/shared/config';
import { createDatabasePool, type DatabasePool, sql } from '@kantong/shared/db';
import { createSqsClient } from '@kantong/shared/queue';
import { RECEIPTS, renderReceipt } from '@kantong/shared/receipts/fixtures';
import { speakVoiceNote } from '@kantong/shared/speech/fixtures';
import { createS3Client, ensureBuckets } from '@kantong/shared/storage';
import pg from 'pg';
import { z } from 'zod';
import {
  createQueues,
  FunctionPool,
  functionsOf,
  Instance,
  instanceEnvironment,
  mappingsOf,
  nodeOnlyBin,
  readTemplate,
  scheduledEvent,
  schedulesOf,
  startHttpFront,
  startMappings,
} from '../lambda/harness.ts';
import { freePort, type RunningPostgres, startEmbeddedPostgres } from './embedded-postgres.ts';
import { startS3Server, startSqsServer } from './local-services.ts';
import { migrate } from './migrate.ts';

const root = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const stage = args.includes('--stage') ? (args[args.indexOf('--stage') + 1] ?? 'ci') : 'ci';
const serverlessDir = join(root, '.serverless');
const nodeBinary = join(root, 'node_modules', 'node', 'bin', 'node');
const REGION = 'ap-southeast-3';

type Outcome = { name: string; status: 'pass' | 'fail' | 'not run'; detail: string };
const outcomes: Outcome[] = [];

function print(outcome: Outcome) {
  const mark = outcome.status === 'pass' ? 'ok  ' : outcome.status === 'fail' ? 'FAIL' : 'NOT RUN';
  console.log(`${mark} ${outcome.name}${outcome.detail ? ` — ${outcome.detail}` : ''}`);
}

async function check(name: string, body: () => Promise<string | undefined>): Promise<void> {
  try {
    const detail = (await body()) ?? '';
    outcomes.push({ name, status: 'pass', detail });
  } catch (error) {
    outcomes.push({ name, status: 'fail', detail: error instanceof Error ? error.message : String(error) });
  }
  print(outcomes.at(-1) as Outcome);
}

function notRun(name: string, why: string) {
  outcomes.push({ name, status: 'not run', detail: why });
  print(outcomes.at(-1) as Outcome);
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function packageIfNeeded() {
  const template = join(serverlessDir, 'cloudformation-template-update-stack.json');
  if (existsSync(template) && !args.includes('--package')) return;
  console.log(`packaging with osls for stage ${stage} (minutes)...`);
  execFileSync(nodeBinary, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage], {
    cwd: root,
    stdio: 'inherit',
  });
}

/** A fresh, migrated database: on DATABASE_URL's server when given (CI), else an embedded one. */
async function startDatabase(work: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.DATABASE_URL;
  if (given) {
    const name = `kantong_verify_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: given });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(given);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      stop: async () => {
        const client = new pg.Client({ connectionString: given });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const embedded: RunningPostgres = await startEmbeddedPostgres({
    dataDir: join(work, 'pg'),
    persistent: false,
  });
  return embedded;
}

/**
 * The always-on AI container's speech server, stood in for by whisper.cpp's own `whisper-server`
 * (built beside whisper-cli in ~/.cache/kantong by `make whisper-server` in that build folder),
 * serving the OpenAI-compatible path the transcribe function calls, with the decoding the local
 * whisper-cli path uses (Indonesian, beam search 5, best of 5: DEFAULT_DECODE in shared/src/speech;
 * greedy decoding mishears "tiga puluh lima"). VERIFY_STT_URL points at
 * another one. Null, with why, when there is none.
 */
async function startSpeechServer(): Promise<{ url: string; stop: () => void } | { why: string }> {
  if (process.env.VERIFY_STT_URL) return { url: process.env.VERIFY_STT_URL, stop: () => undefined };
  const cache = join(homedir(), '.cache', 'kantong');
  const build = existsSync(cache)
    ? readdirSync(cache).find((name) => /^whisper\.cpp-.*-build$/.test(name))
    : undefined;
  const binary = build ? join(cache, build, 'bin', 'whisper-server') : '';
  const model = join(cache, 'models', 'ggml-base.bin');
  if (!binary || !existsSync(binary)) {
    return {
      why: 'no whisper-server (cd ~/.cache/kantong/whisper.cpp-*-build && make whisper-server), nor VERIFY_STT_URL',
    };
  }
  if (!existsSync(model)) return { why: `no Whisper model at ${model} (npm run models)` };
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '-m',
      model,
      '-l',
      'id',
      '-t',
      '2',
      '-bs',
      '5',
      '-bo',
      '5',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--inference-path',
      '/v1/audio/transcriptions',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 100; tries += 1) {
    if (child.exitCode !== null) return { why: `whisper-server exited (${child.exitCode})` };
    try {
      await fetch(url);
      return { url, stop: () => child.kill('SIGKILL') };
    } catch {
      await sleep(200);
    }
  }
  child.kill('SIGKILL');
  return { why: 'whisper-server did not answer within 20 s' };
}

/** What the bot-host would read from outbound.fifo: every reply, kept in order per recipient. */
function outboundReader(sqs: SQSClient, url: string, pool: DatabasePool) {
  const replies: { to: string; text: string; in_reply_to: string | null }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const message of out.Messages ?? []) {
          const reply = JSON.parse(message.Body ?? '{}') as {
            to: string;
            text: string;
            in_reply_to: string | null;
          };
          // As the bot-host does: a dashboard link is minted at delivery (shared/src/auth/links.ts).
          replies.push({ ...reply, text: await mintLinks(pool, reply.to, reply.text) });
        }
        if (out.Messages?.length) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: out.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
      } catch {
        await sleep(500); // the queue is briefly gone in the failed-send check
      }
    }
  })();
  return {
    replies,
    /** Waits for the next reply to `to` after the `seen` ones; its text. */
    async next(to: string, seen: number, timeoutMs = 30_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const mine = replies.filter((reply) => reply.to === to);
        if (mine.length > seen) return (mine[seen] as { text: string }).text;
        await sleep(100);
      }
      throw new Error(`no reply to ${to} within ${timeoutMs / 1000} s`);
    },
    count: (to: string) => replies.filter((reply) => reply.to === to).length,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** A cookie-keeping client of the HTTP front, like a browser. */
function browser(base: string) {
  const cookies = new Map<string, string>();
  let csrf = '';
  async function send(method: string, path: string, form?: Record<string, string>) {
    const response = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        Accept: 'text/html',
        ...(cookies.size ? { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const value = pair.slice(at + 1).trim();
      if (value === '' || /max-age=0\b/i.test(line)) cookies.delete(pair.slice(0, at).trim());
      else cookies.set(pair.slice(0, at).trim(), value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]*)"/.exec(text)?.[1];
    if (token) csrf = token;
    return {
      status: response.status,
      text,
      headers: response.headers,
      instance: response.headers.get('x-verify-instance') ?? '',
    };
  }
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, form: Record<string, string>) => send('POST', path, form),
    get csrf() {
      return csrf;
    },
  };
}

let sequence = 0;
function envelope(from: string, text: string | null, media: unknown = null, type = 'text') {
  sequence += 1;
  return {
    version: 1,
    message_id: `VERIFY${process.pid}X${sequence}`,
    from_number: from,
    bot_number: null,
    type,
    text,
    media,
    timestamp: Math.floor(Date.now() / 1000),
  };
}

async function main() {
  packageIfNeeded();
  const template = readTemplate(serverlessDir);
  const functions = functionsOf(template);
  const work = mkdtempSync(join(tmpdir(), 'kantong-verify-lambda-'));
  const stops: (() => Promise<void> | void)[] = [];
  try {
    // ---- The local servers --------------------------------------------------------------------
    const database = await startDatabase(work);
    stops.push(database.stop);
    await migrate(database.url);
    const sqsServer = await startSqsServer({ env: process.env });
    stops.push(sqsServer.stop);
    const s3Server = await startS3Server({ env: process.env });
    stops.push(s3Server.stop);
    if (sqsServer.note) console.log(`note: ${sqsServer.note}`);
    const sqs = createSqsClient({ endpoint: sqsServer.endpoint, region: REGION });
    const s3 = createS3Client({ endpoint: s3Server.endpoint, region: REGION });
    const queueUrls = await createQueues(sqs, template);
    const buckets = {
      MediaBucket: `kantong-${stage}-mediabucket-verify`,
      ReportsBucket: `kantong-${stage}-reportsbucket-verify`,
    };
    await ensureBuckets(s3, Object.values(buckets));
    const pool: DatabasePool = await createDatabasePool(database.url, { maximumPoolSize: 2 });
    const speech = await startSpeechServer();
    if ('stop' in speech) stops.push(speech.stop);
    stops.push(() => pool.end());

    // ---- The functions --------------------------------------------------------------------------
    const fill = {
      DATABASE_URL: database.url,
      SQS_ENDPOINT: sqsServer.endpoint,
      S3_ENDPOINT: s3Server.endpoint,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      INTERNAL_API_SECRET: randomBytes(24).toString('hex'),
      ...('url' in speech ? { STT_URL: speech.url } : {}),
      // The replies' "⏳" would race the result on this busy machine; Lambda's default is kept.
    };
    const binDir = nodeOnlyBin(join(work, 'bin'), nodeBinary);
    const pools = new Map<string, FunctionPool>();
    for (const fn of functions) {
      const taskRoot = join(work, 'task', fn.name);
      mkdirSync(taskRoot, { recursive: true });
      execFileSync('unzip', ['-q', join(serverlessDir, `${fn.name}.zip`), '-d', taskRoot]);
      const env = instanceEnvironment(fn, { region: REGION, fill, refs: buckets }, taskRoot, binDir);
      mkdirSync(join(work, 'logs'), { recursive: true });
      pools.set(
        fn.logicalId,
        new FunctionPool(
          fn,
          (n) =>
            new Instance(fn.name, n, nodeBinary, taskRoot, env, join(work, 'logs', `${fn.name}-${n}.log`)),
        ),
      );
    }
    stops.push(() => {
      for (const fnPool of pools.values()) fnPool.stop();
    });
    const byName = (name: string) => [...pools.values()].find((p) => p.fn.name === name) as FunctionPool;

    await check('every function starts: two instances each, from its zip alone', async () => {
      const failures: string[] = [];
      await Promise.all(
        [...pools.values()].map((fnPool) =>
          fnPool.start().catch((error: Error) => failures.push(error.message.split('\n')[0] ?? '')),
        ),
      );
      expect(failures.length === 0, failures.join('; '));
      return `${pools.size} functions × 2 instances (${[...pools.values()].map((p) => p.fn.name).join(', ')})`;
    });

    const mappings = mappingsOf(template).map((mapping) => {
      const fnPool = pools.get(mapping.functionId);
      expect(fnPool, `no function ${mapping.functionId}`);
      expect(mapping.partial, `${mapping.functionId} does not report partial batch failures`);
      return { queueUrl: queueUrls.get(mapping.queueId) ?? '', pool: fnPool, batchSize: mapping.batchSize };
    });
    const pollers = startMappings(sqs, mappings);
    stops.push(async () => {
      await Promise.all(pollers.map((poller) => poller.stop()));
    });
    const outboundId = [...queueUrls.keys()].find((id) => id === 'OutboundQueue') ?? 'OutboundQueue';
    const outboundUrl = queueUrls.get(outboundId) ?? '';
    const inboundUrl = queueUrls.get('InboundQueue') ?? '';
    const outbound = outboundReader(sqs, outboundUrl, pool);
    stops.push(outbound.stop);
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const sendInbound = async (message: ReturnType<typeof envelope>) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: inboundUrl,
          MessageBody: JSON.stringify(message),
          MessageGroupId: message.from_number,
          MessageDeduplicationId: message.message_id,
        }),
      );
    };
    /** Sends a text on inbound.fifo and returns the next reply on outbound.fifo. */
    const chat = async (from: string, text: string) => {
      const seen = outbound.count(from);
      await sendInbound(envelope(from, text));
      return outbound.next(from, seen);
    };

    // ---- SPEC.md's text cases -------------------------------------------------------------------
    const alice = '6281234500001';
    await check('SPEC text cases through inbound.fifo → ingest → outbound.fifo', async () => {
      const welcome = await chat(alice, 'halo');
      expect(welcome.includes('Halo! Aku bot keuanganmu'), `welcome: ${welcome}`);
      await chat(alice, 'ya');
      const cases: [string, (reply: string) => boolean][] = [
        ['beli pulsa 50k', (r) => r.startsWith('✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data')],
        ['gaji 3,5jt dari kantor', (r) => r.startsWith('✅ Catat pemasukan Rp3.500.000 kategori Gaji')],
        ['buat tabungan laptop 15jt', (r) => r.includes('laptop')],
        [
          'setor laptop 500k',
          (r) => r === '✅ Setoran Rp500.000 ke tabungan laptop. Progress 500.000/15.000.000 (3%).',
        ],
        ['laporan hari ini', (r) => r.startsWith('Ringkasan ') && r.includes('Income: Rp3.500.000')],
        ['buat tabungan haji 25 juta', (r) => r.includes('Tabungan haji dibuat, target Rp25.000.000')],
        [
          'tarik laptop 200k',
          (r) => r === '✅ Tarik Rp200.000 dari tabungan laptop. Progress 300.000/15.000.000 (2%).',
        ],
        ['makan siang 25rb', (r) => r.includes('Rp25.000')],
        [
          'pengeluaran makan bulan ini berapa',
          (r) => r === 'Pengeluaran Makan bulan ini: Rp25.000 (1 transaksi).',
        ],
        ['tadi 50k', (r) => r === 'Ini pengeluaran kategori apa?'],
        ['makasih ya', (r) => r.startsWith('Sama-sama!')],
      ];
      for (const [text, ok] of cases) {
        const reply = await chat(alice, text);
        expect(ok(reply), `"${text}" → "${reply}"`);
      }
      const newcomer = '6289876500002';
      const first = await chat(newcomer, 'gaji 5jt');
      expect(first.includes('✅ Catat pemasukan Rp5.000.000 kategori Gaji'), `new number: ${first}`);
      const ingest = byName('ingest');
      return `${cases.length + 4} messages; ingest served by ${ingest.instances.map((i) => `${i.id}:${i.served}`).join(', ')} (${ingest.started} started)`;
    });

    // ---- The dashboard through the HTTP API ---------------------------------------------------
    const api = byName('api');
    const front = await startHttpFront(api);
    stops.push(() => new Promise<void>((resolve) => front.server.close(() => resolve())));
    const person = browser(front.url);
    await check('dashboard sign-up through the one-time link, then a page with its CSS and JS', async () => {
      const reply = await chat(alice, 'link dashboard');
      const token = /\/onboarding\/([A-Za-z0-9_-]{43})/.exec(reply)?.[1];
      expect(token, `no link in "${reply}"`);
      const form = await person.get(`/onboarding/${token}`);
      expect(form.status === 200, `onboarding page ${form.status}`);
      const done = await person.post(`/onboarding/${token}`, {
        _csrf: person.csrf,
        password: 'rahasia-lambda-123',
        confirmation: 'rahasia-lambda-123',
      });
      expect(
        done.status === 303,
        `onboarding post ${done.status} on ${done.instance} (form from ${form.instance}): ${done.text.slice(0, 200)}`,
      );
      const page = await person.get('/dashboard');
      expect(page.status === 200, `dashboard ${page.status}`);
      const assets = [...page.text.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) =>
        (m[1] ?? '').replaceAll('&amp;', '&'),
      );
      expect(assets.length >= 3, `the page links ${assets.length} assets`);
      const fetched: string[] = [];
      for (const asset of assets) {
        expect(!asset.includes('v=missing'), `${asset}: missing from the package`);
        const response = await fetch(`${front.url}${asset}`);
        const body = await response.text();
        expect(
          response.status === 200 && body.length > 100,
          `${asset}: ${response.status}, ${body.length} bytes`,
        );
        fetched.push(`${asset.split('?')[0]} ${Math.round(body.length / 1024)} KiB`);
      }
      return `form on ${form.instance}, post on ${done.instance}; ${fetched.join(', ')}`;
    });

    await api.recycle();
    await check('login, then a CSRF-protected form posted to the other instance', async () => {
      const visitor = browser(front.url);
      const login = await visitor.get('/login');
      const posted = await visitor.post('/login', {
        _csrf: visitor.csrf,
        identifier: alice,
        password: 'rahasia-lambda-123',
      });
      expect(posted.status === 303, `login ${posted.status}: ${posted.text.slice(0, 200)}`);
      // A page with a session form (its CSRF token) from one instance, the post to the other.
      let page = await visitor.get('/dashboard');
      expect(page.status === 200, `dashboard after login ${page.status}`);
      if (api.instances[(api.instances.findIndex((i) => i.id === page.instance) + 1) % 2]?.id === undefined) {
        throw new Error('no second instance');
      }
      const out = await visitor.post('/logout', { _csrf: visitor.csrf });
      expect(out.instance !== page.instance, `both on ${out.instance}`);
      expect(out.status === 303 && out.headers.get('location') === '/login', `logout ${out.status}`);
      page = await visitor.get('/dashboard');
      expect(page.status === 302, `still signed in after logout (${page.status})`);
      return `login page on ${login.instance}, login on ${posted.instance}; the form's page on ${page.instance}, its post on ${out.instance}`;
    });

    // ---- The hourly report run ------------------------------------------------------------------
    const schedules = schedulesOf(template);
    const reportsRule = schedules.find((s) => pools.get(s.functionId)?.fn.name === 'reports');
    await check(
      'the hourly report run (scheduled event → reports → reports queue → reportWorker)',
      async () => {
        expect(reportsRule, 'no schedule for the reports function');
        const seen = outbound.count(alice);
        // 21:00 WIB (14:00 UTC) of today in Jakarta, the day the messages above were recorded.
        const jakartaDay = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
        const at = new Date(`${jakartaDay}T14:00:00Z`);
        const { result } = await (pools.get(reportsRule.functionId) as FunctionPool).invoke(
          scheduledEvent(reportsRule.ruleId, REGION, at),
        );
        expect((result as { jobs: number }).jobs >= 1, `planned ${JSON.stringify(result)}`);
        const report = await outbound.next(alice, seen);
        expect(report.startsWith('Ringkasan '), `report: ${report}`);
        return `${reportsRule.expression}: ${(result as { jobs: number }).jobs} jobs; "${report.split('\n')[0]}"`;
      },
    );

    // ---- Media ----------------------------------------------------------------------------------
    const upload = async (bytes: Buffer, mime: string, ext: string) => {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const key = `verify/${sha256}.${ext}`;
      await s3.send(
        new PutObjectCommand({ Bucket: buckets.MediaBucket, Key: key, Body: bytes, ContentType: mime }),
      );
      return { bucket: buckets.MediaBucket, key, mime, size_bytes: bytes.length, sha256 };
    };
    // SPEC.md case 6: the Indomaret receipt, total Rp132.500, printed by the harness with
    // ImageMagick (shared/src/receipts/fixtures) — the function itself runs no ImageMagick.
    const receiptName = 'a receipt photo (ocr: PaddleOCR on onnxruntime-node inside ocr.zip)';
    const indomaret = RECEIPTS.find((fixture) => fixture.id === 'indomaret');
    if (!existsSync(getConfig().IMAGEMAGICK_CONVERT) || !indomaret) {
      notRun(receiptName, `no ImageMagick at ${getConfig().IMAGEMAGICK_CONVERT} to print the receipt photo`);
    } else {
      await check(receiptName, async () => {
        const seen = outbound.count(alice);
        const photo = join(work, 'indomaret.jpg');
        await renderReceipt(indomaret.lines, photo);
        const media = await upload(readFileSync(photo), 'image/jpeg', 'jpg');
        await sendInbound(envelope(alice, null, media, 'image'));
        let reply = await outbound.next(alice, seen, 120_000);
        if (reply.startsWith('⏳')) reply = await outbound.next(alice, seen + 1, 120_000);
        expect(reply.includes('Indomaret') && reply.includes('Rp132.500'), `receipt reply: ${reply}`);
        return `"${reply.split('\n')[0]?.slice(0, 100)}"`;
      });
    }
    const voiceName = 'a voice note (transcribe: Opus decoded in WebAssembly, Whisper behind STT_URL)';
    if ('why' in speech) notRun(voiceName, speech.why);
    else {
      await check(voiceName, async () => {
        const seen = outbound.count(alice);
        const file = join(work, 'note.ogg');
        // The harness makes the note with espeak-ng and ffmpeg; the function itself runs neither.
        await speakVoiceNote('tadi makan di luar tiga puluh lima ribu', file);
        const media = await upload(readFileSync(file), 'audio/ogg; codecs=opus', 'ogg');
        await sendInbound(envelope(alice, null, media, 'audio'));
        let reply = await outbound.next(alice, seen, 120_000);
        if (reply.startsWith('⏳')) reply = await outbound.next(alice, seen + 1, 120_000);
        expect(reply.includes('Rp35.000'), `voice note reply: ${reply}`);
        return `"${reply.split('\n')[0]?.slice(0, 100)}"`;
      });
    }

    // Last: the failed record stays invisible for the queue's visibility timeout, and FIFO holds
    // the sender's later messages behind it, as SQS does.
    // ---- A reply whose send failed after the commit, sent by the relay --------------------------
    const relayRule = schedules.find((s) => pools.get(s.functionId)?.fn.name === 'relay');
    await check('a reply whose send failed after the commit is sent later by the relay', async () => {
      expect(relayRule, 'no scheduled relay function in the template');
      const seen = outbound.count(alice);
      // SQS refuses the send: the outbound queue is gone for a moment.
      await sqs.send(new DeleteQueueCommand({ QueueUrl: outboundUrl }));
      await sendInbound(envelope(alice, 'isi bensin 30rb'));
      const failed = async () =>
        pool.maybeOneFirst(sql.type(z.object({ id: z.number() }))`
          SELECT id FROM outbox WHERE status = 'pending' AND attempts > 0 AND to_number = ${alice}`);
      const deadline = Date.now() + 30_000;
      let id: number | null = null;
      while (id === null && Date.now() < deadline) {
        id = await failed();
        if (id === null) await sleep(200);
      }
      expect(id !== null, 'the ingest never tried to send the reply');
      await createQueues(sqs, template);
      // The relay takes rows pending for 30 s or more (shared/src/outbox: RELAY_AFTER_SECONDS).
      await sleep(31_000);
      const { result } = await (pools.get(relayRule.functionId) as FunctionPool).invoke(
        scheduledEvent(relayRule.ruleId, REGION, new Date()),
      );
      const reply = await outbound.next(alice, seen);
      expect(reply.includes('Rp30.000'), `relayed reply: ${reply}`);
      await sleep(2000);
      expect(outbound.count(alice) === seen + 1, `${outbound.count(alice) - seen} replies, not 1`);
      return `outbox ${id} relayed once (${JSON.stringify(result)}) by ${relayRule.expression}`;
    });

    const recycled = [...pools.values()].map((p) => `${p.fn.name} ${p.started}`).join(', ');
    console.log(`instances started per function (2 at a time, recycled along the way): ${recycled}`);
  } finally {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch {
        // keep stopping the rest
      }
    }
    if (outcomes.some((o) => o.status === 'fail')) console.log(`instance logs kept in ${join(work, 'logs')}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  outcomes.push({ name: 'verify:lambda itself', status: 'fail', detail: String(error) });
  print(outcomes.at(-1) as Outcome);
}
const ran = outcomes.filter((o) => o.status !== 'not run');
const passed = ran.filter((o) => o.status === 'pass').length;
console.log(`lambda: ${passed}/${ran.length} checks passed`);
process.exit(passed === ran.length ? 0 : 1);
