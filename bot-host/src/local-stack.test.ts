/**
 * `npm start -- --whatsapp`: the whole local stack (startLocalStack: workers, the console's
 * delivery, the API) with the WhatsApp host inside it on the stand-in socket (real Baileys
 * message objects), and the chat console at the same time. Messages from "phones" and from
 * consoles interleave; every reply arrives where it belongs — WhatsApp users' on the socket,
 * console users' in their mailbox — and nowhere else, with nothing left on a queue or in a
 * dead-letter queue. Plus how `npm run host` decides where its database and queues come from.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { resetConfig } from '@kantong/shared/config';
import { sql } from '@kantong/shared/db';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { createSqsClient, QUEUES, type QueueKey, queueUrl } from '@kantong/shared/queue';
import { proto, type WAMessage } from 'baileys';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { type LocalStack, startLocalStack } from '../../infra/scripts/start-local.ts';
import { readMailbox } from './console-mailbox.ts';
import { queueTransport } from './console-queue.ts';
import { internalSecretFile, localStackFile, resolveHostEnvironment } from './local-stack.ts';
import { type StandInSocket, standInFactory, virtualClock } from './testing.ts';

const PHONES = ['6281700000001', '6281700000002'];
const CONSOLES = ['6281700000011', '6281700000012'];
/** What each user sends, in order; each line gets exactly one reply. */
const LINES = ['beli pulsa 50k', 'gaji 3,5jt dari kantor', 'laporan hari ini'];
const EXPECTED = ['Catat pengeluaran Rp50.000', 'Catat pemasukan Rp3.500.000', 'Ringkasan '];

let db: TestDatabase;
let stack: LocalStack;
let dataDir: string;
let socket: StandInSocket;
let sequence = 0;

function phoneMessage(from: string, text: string): WAMessage {
  sequence += 1;
  return proto.WebMessageInfo.fromObject({
    key: {
      remoteJid: `${from}@s.whatsapp.net`,
      fromMe: false,
      id: `3EB0LS${String(sequence).padStart(6, '0')}`,
    },
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: 'HP',
    message: { conversation: text },
  }) as WAMessage;
}

describe('npm start -- --whatsapp with the chat console beside it', () => {
  beforeAll(async () => {
    db = await createTestDatabase({ maximumPoolSize: 4 });
    dataDir = await mkdtemp(join(tmpdir(), 'kantong-local-stack-'));
    const id = randomBytes(4).toString('hex');
    // What a self-hoster's npm start would have, pointed at this run's servers and kept apart.
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      SQS_ENDPOINT: inject('sqsEndpoint'),
      S3_ENDPOINT: inject('s3Endpoint'),
      QUEUE_PREFIX: `ls${id}-`,
      MEDIA_BUCKET: `media-ls${id}`,
      REPORTS_BUCKET: `reports-ls${id}`,
      PORT: '0',
      BOT_HOST_PORT: '0',
      HOST: '127.0.0.1',
    });
    resetConfig();
    const whatsapp = standInFactory();
    stack = await startLocalStack({
      dataDir,
      whatsapp: { factory: whatsapp.factory, clock: virtualClock(), sleep: async () => undefined },
    });
    socket = whatsapp.sockets[0] as StandInSocket;
    socket.emit('connection.update', { connection: 'open' });
    expect(stack.host?.host.sessions.get('main')?.state).toBe('WORKING');
  });

  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('answers phones on WhatsApp and consoles in their mailbox, interleaved, each reply once and only there', async () => {
    const target = {
      sqsEndpoint: stack.info.sqsEndpoint,
      queuePrefix: stack.info.queuePrefix,
      region: stack.info.region,
      mailboxDir: join(dataDir, 'console'),
    };
    const consoles = CONSOLES.map((from) => queueTransport(target, from));
    const consoleReplies: string[][] = CONSOLES.map(() => []);

    for (const [round, line] of LINES.entries()) {
      // A phone writes, the consoles write, the other phone writes: all in flight together.
      const [first, second] = PHONES;
      socket.emit('messages.upsert', { type: 'notify', messages: [phoneMessage(first ?? '', line)] });
      const answers = consoles.map((send) => send(line));
      socket.emit('messages.upsert', { type: 'notify', messages: [phoneMessage(second ?? '', line)] });
      for (const [index, answer] of (await Promise.all(answers)).entries()) {
        expect(answer.ok, JSON.stringify(answer)).toBe(true);
        if (answer.ok) consoleReplies[index]?.push(answer.reply);
      }
      await expect
        .poll(() => socket.sent.length, { timeout: 30_000, interval: 100 })
        .toBe(PHONES.length * (round + 1));
    }

    // WhatsApp: only the phones, each its three answers in order.
    for (const phone of PHONES) {
      const texts = socket.sent.filter((sent) => sent.jid === `${phone}@s.whatsapp.net`).map((s) => s.text);
      expect(texts).toHaveLength(LINES.length);
      for (const [index, text] of texts.entries()) expect(text).toContain(EXPECTED[index]);
    }
    expect(socket.sent.every((sent) => PHONES.some((phone) => sent.jid.startsWith(phone)))).toBe(true);

    // The console: only the console numbers have a mailbox, each with its three answers.
    const mailboxes = (await readdir(target.mailboxDir)).sort();
    expect(mailboxes).toEqual(CONSOLES.map((from) => `${from}.jsonl`));
    for (const [index, from] of CONSOLES.entries()) {
      const replies = await readMailbox(target.mailboxDir, from);
      expect(replies.map((reply) => reply.to)).toEqual(LINES.map(() => from));
      for (const [at, reply] of replies.entries()) expect(reply.text).toContain(EXPECTED[at]);
      expect(consoleReplies[index]).toEqual(replies.map((reply) => reply.text));
    }
    for (const phone of PHONES) expect(await readMailbox(target.mailboxDir, phone)).toEqual([]);

    // The ledger kept where each reply went.
    const rows = await db.pool.any(sql.type(z.object({ channel: z.string(), count: z.number() }))`
      SELECT channel, count(*)::int AS count FROM outbox WHERE status = 'queued' GROUP BY channel ORDER BY channel`);
    expect(rows).toEqual([
      { channel: 'console', count: CONSOLES.length * LINES.length },
      { channel: 'whatsapp', count: PHONES.length * LINES.length },
    ]);
  });

  it('leaves nothing on any queue or dead-letter queue', async () => {
    const sqs = createSqsClient({ endpoint: stack.info.sqsEndpoint, region: stack.info.region });
    const depth = async (name: string) => {
      const url = await queueUrl(sqs, 'inbound', stack.info.queuePrefix).then((inbound) =>
        inbound.replace(/[^/]+$/, `${stack.info.queuePrefix}${name}`),
      );
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    };
    const names = (Object.keys(QUEUES) as QueueKey[]).flatMap((key) => [
      QUEUES[key].name,
      QUEUES[key].deadLetter,
    ]);
    const depths = Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await depth(name)])),
    );
    expect(depths).toEqual(Object.fromEntries(names.map((name) => [name, 0])));
    sqs.destroy();
  });

  it('wrote local-stack.json with everything npm run host needs', async () => {
    const resolved = await resolveHostEnvironment({ PATH: '/usr/bin' }, dataDir);
    expect(resolved).toMatchObject({
      source: 'local-stack',
      values: {
        DATABASE_URL: db.url,
        SQS_ENDPOINT: inject('sqsEndpoint'),
        S3_ENDPOINT: inject('s3Endpoint'),
        QUEUE_PREFIX: stack.info.queuePrefix,
        MEDIA_BUCKET: stack.info.mediaBucket,
        INTERNAL_API_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
  });
});

describe('where npm run host takes its database and queues from', () => {
  const running = {
    databaseUrl: 'postgres://kantong@127.0.0.1:54329/kantong',
    sqsEndpoint: 'http://127.0.0.1:9324',
    s3Endpoint: 'http://127.0.0.1:9000',
    queuePrefix: '',
    region: 'ap-southeast-3',
    apiUrl: 'http://localhost:8000',
    mediaBucket: 'wa-media',
  };
  async function dataDirWith(info: object | null, secret?: string) {
    const dir = await mkdtemp(join(tmpdir(), 'kantong-host-env-'));
    if (info) await writeFile(localStackFile(dir), JSON.stringify(info));
    if (secret) await writeFile(internalSecretFile(dir), `${secret}\n`);
    return dir;
  }

  it('takes everything from a running npm start, with nothing set', async () => {
    const dir = await dataDirWith({ ...running, pid: process.pid }, 'a'.repeat(64));
    expect(await resolveHostEnvironment({}, dir)).toEqual({
      source: 'local-stack',
      file: localStackFile(dir),
      values: {
        DATABASE_URL: running.databaseUrl,
        SQS_ENDPOINT: running.sqsEndpoint,
        S3_ENDPOINT: running.s3Endpoint,
        QUEUE_PREFIX: '',
        AWS_REGION: running.region,
        MEDIA_BUCKET: 'wa-media',
        INTERNAL_API_SECRET: 'a'.repeat(64),
      },
    });
  });

  it('keeps what the user set, and leaves a host pointed at its own servers alone', async () => {
    const dir = await dataDirWith({ ...running, pid: process.pid });
    const same = await resolveHostEnvironment({ DATABASE_URL: running.databaseUrl, WA_SESSIONS: 'a' }, dir);
    expect(same.source === 'local-stack' && same.values.DATABASE_URL).toBe(undefined);
    expect(same.source === 'local-stack' && same.values.SQS_ENDPOINT).toBe(running.sqsEndpoint);
    // docker compose, the cloud: a database of its own (queues on AWS when SQS_ENDPOINT is unset).
    expect(await resolveHostEnvironment({ DATABASE_URL: 'postgres://rds.example/kantong' }, dir)).toEqual({
      source: 'environment',
    });
  });

  it.each([
    ['nothing is running', null, 'no npm start is running'],
    ['npm start was killed', { ...running, pid: 2 ** 22 + 17 }, 'no longer running (pid 4194321)'],
    ['the file is damaged', { databaseUrl: 'x' }, 'could not be read'],
  ])('says what is missing and what to run when %s', async (_case, info, why) => {
    const dir = await dataDirWith(info);
    const resolved = await resolveHostEnvironment({}, dir);
    expect(resolved.source).toBe('missing');
    const message = resolved.source === 'missing' ? resolved.message : '';
    expect(message).toContain('DATABASE_URL is not set');
    expect(message).toContain(why);
    expect(message).toContain('npm start');
    expect(message).toContain('npm start -- --whatsapp');
  });
});
