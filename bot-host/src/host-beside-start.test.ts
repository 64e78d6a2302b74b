/**
 * The newcomer's path, as real processes: `npm start` (infra/scripts/start-local.ts) running, then
 * `npm run host` (bot-host/src/main.ts) started beside it with no database, queue, storage or
 * secret variable set — it takes all of them from the running stack. Alone, it stops at once and
 * says what is missing and what to run.
 *
 * Both run with KANTONG_DATA_DIR, so this stack's `.data` is a temporary folder and never the
 * developer's; `npm start` gets this run's PostgreSQL, SQS and S3 (as it would take a
 * DATABASE_URL of one's own). The host's socket is real Baileys: with no way to WhatsApp's
 * servers it keeps reconnecting, which is all the host needs to show it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { signedHeaders, signedRequestHeaders } from '@kantong/shared/security';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../infra/scripts/embedded-postgres.ts';
import { internalSecretFile, localStackFile } from './local-stack.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Running = { child: ChildProcess; output: () => string; exit: Promise<number | null> };

/** Starts `node <script>` with exactly `env` (plus PATH and HOME), collecting what it prints. */
function run(script: string, env: Record<string, string>): Running {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exit };
}

/** Waits until `done()` holds; fails with the tail of what the process printed if it never does. */
async function waitFor(running: Running, done: () => boolean, what: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (running.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `${what} did not happen (exit code ${running.child.exitCode}); it printed:\n${running.output().slice(-3000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The pino lines a process printed, parsed. */
function logLines(output: string): { msg?: string; [key: string]: unknown }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string });
}

let db: TestDatabase;
let dataDir: string;
let npmStart: Running | undefined;
let host: Running | undefined;
const children: Running[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
  dataDir = await mkdtemp(join(tmpdir(), 'kantong-beside-'));
});

afterAll(async () => {
  for (const running of children) if (running.child.exitCode === null) running.child.kill('SIGKILL');
  await db?.drop();
});

describe('npm run host beside npm start', () => {
  it('starts with nothing set, taking the database, queues, storage and secret from npm start', async () => {
    const id = randomBytes(4).toString('hex');
    npmStart = run('infra/scripts/start-local.ts', {
      KANTONG_DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      SQS_ENDPOINT: inject('sqsEndpoint'),
      S3_ENDPOINT: inject('s3Endpoint'),
      QUEUE_PREFIX: `bs${id}-`,
      MEDIA_BUCKET: `media-bs${id}`,
      REPORTS_BUCKET: `reports-bs${id}`,
      PORT: '0',
      LOG_LEVEL: 'warn',
    });
    children.push(npmStart);
    await waitFor(npmStart, () => existsSync(localStackFile(dataDir)), 'npm start writing local-stack.json');
    expect(npmStart.output()).toContain('Kantong sudah jalan');
    expect(npmStart.output()).toContain('npm run host');

    const port = await freePort();
    // Only where to listen and which .data to read: no DATABASE_URL, SQS/S3 endpoint, prefix,
    // bucket or secret.
    host = run('bot-host/src/main.ts', { KANTONG_DATA_DIR: dataDir, BOT_HOST_PORT: String(port) });
    children.push(host);
    const started = host;
    await waitFor(
      started,
      () => logLines(started.output()).some((line) => line.msg === 'WhatsApp host listening'),
      'the host listening',
    );
    const adopted = logLines(host.output()).find(
      (line) => line.msg === 'using the database, queues and storage of the running npm start',
    );
    expect(adopted?.took).toEqual([
      'DATABASE_URL',
      'SQS_ENDPOINT',
      'S3_ENDPOINT',
      'QUEUE_PREFIX',
      'AWS_REGION',
      'MEDIA_BUCKET',
      'INTERNAL_API_SECRET',
    ]);

    // The stack's secret signs the host's internal endpoints: accepted (no session is linked yet).
    const secret = (await readFile(internalSecretFile(dataDir), 'utf8')).trim();
    // No HOST given: the host listens on loopback only (issue 14 item 4).
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
    if (outside) {
      const fromOutside = await fetch(`http://${outside}:${port}/healthz`).then(
        () => 'answered',
        () => 'refused',
      );
      expect(fromOutside).toBe('refused');
    }
    // The session endpoints are signed too (issue 14 item 4); unsigned, they are refused.
    const statusUrl = `http://127.0.0.1:${port}/session/main/status`;
    expect((await fetch(statusUrl)).status).toBe(401);
    const status = await fetch(statusUrl, {
      headers: signedRequestHeaders(secret, {
        method: 'GET',
        pathAndQuery: '/session/main/status',
        body: '',
      }),
    });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ session_id: 'main' });
    const body = JSON.stringify({ to: '6281234567890', text: 'halo' });
    const send = await fetch(`http://127.0.0.1:${port}/wa/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) },
      body,
    });
    expect(await send.json()).toMatchObject({ error: 'no_session' });
  }, 150_000);

  it('stops cleanly on SIGTERM, and npm start removes local-stack.json when it stops', async () => {
    if (!host || !npmStart) throw new Error('the previous test did not start both');
    host.child.kill('SIGTERM');
    expect(await host.exit).toBe(0);
    npmStart.child.kill('SIGTERM');
    expect(await npmStart.exit).toBe(0);
    expect(existsSync(localStackFile(dataDir))).toBe(false);
  }, 60_000);

  it('alone, says what is missing and what to run, and exits', async () => {
    const alone = run('bot-host/src/main.ts', { KANTONG_DATA_DIR: dataDir });
    children.push(alone);
    expect(await alone.exit).toBe(1);
    expect(alone.output()).toContain('DATABASE_URL is not set');
    expect(alone.output()).toContain('no npm start is running');
    expect(alone.output()).toContain('npm start -- --whatsapp');
  }, 60_000);
});
