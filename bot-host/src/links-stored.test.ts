/**
 * Issue 14 item 2: a one-time dashboard link is in no stored copy of the message that carries
 * it — not wa_messages.response, outbox.body, wa_sent_outbox.body, the queue message or the
 * console mailbox. What is stored says a link was sent; the person still gets a working link,
 * minted by the component that delivers (the WhatsApp host's sender, the chat console).
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import * as Auth from '@kantong/shared/auth';
import { getConfig } from '@kantong/shared/config';
import { sql } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { textEnvelope } from '../../functions/src/testing-pipeline.ts';
import { queueTransport } from './console-queue.ts';
import { type ConsoleStack, startConsoleStack } from './console-testing.ts';
import { createMetrics } from './metrics.ts';
import { consumeOnce, createSender, Pacer } from './outbound.ts';
import { StandInSocket, virtualClock } from './testing.ts';

let stack: ConsoleStack;

beforeAll(async () => {
  stack = await startConsoleStack();
});
afterAll(async () => {
  await stack.stop();
});

const TOKEN = /\/onboarding\/([A-Za-z0-9_-]{43})/;

/** Every stored copy of every message Kantong sent: database rows, and the mailbox files. */
async function storedCopies(): Promise<string> {
  const rows = await stack.pipe.db.pool.anyFirst(sql.type(z.object({ text: z.string() }))`
    SELECT coalesce(response, '') AS text FROM wa_messages
    UNION ALL SELECT body FROM outbox
    UNION ALL SELECT body FROM wa_sent_outbox`);
  const files = await readdir(stack.mailboxDir).catch(() => [] as string[]);
  const mailboxes = await Promise.all(files.map((file) => readFile(join(stack.mailboxDir, file), 'utf8')));
  return [...rows, ...mailboxes].join('\n');
}

it('WhatsApp: the queue and every table hold a note, the person gets a working link', async () => {
  const phone = '6282400000001';
  await stack.pipe.sendInbound(textEnvelope(phone, 'link dashboard'));
  // The queue message as the host will receive it (left visible for the host).
  let queued = '';
  for (let tries = 0; tries < 40 && queued === ''; tries += 1) {
    const out = await stack.pipe.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.pipe.urls.outbound,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
      }),
    );
    queued = out.Messages?.map((message) => message.Body ?? '').join('\n') ?? '';
  }
  expect(queued).toContain(Auth.LINK_PLACEHOLDER);

  const clock = virtualClock();
  const socket = new StandInSocket(clock.now);
  const sender = createSender({
    pool: stack.pipe.db.pool,
    clock,
    pacer: new Pacer({ intervalMs: 0, maxPerMinute: 100 }),
    pickSession: async () => ({ id: 'main', socket }),
    metrics: createMetrics(),
    log: logger,
  });
  const options = {
    sqs: stack.pipe.sqs,
    queueUrl: stack.pipe.urls.outbound,
    sender,
    ready: () => true,
    log: logger,
    retryDelayS: 0,
    waitTimeSeconds: 1,
  };
  for (let tries = 0; tries < 10 && socket.sent.length === 0; tries += 1) await consumeOnce(options);
  const sent = socket.sent.map((message) => message.text).join('\n');
  const token = TOKEN.exec(sent)?.[1];
  if (!token) throw new Error(`no link in what was sent: ${sent}`);
  expect(await Auth.userOfLink(stack.pipe.db.pool, token)).not.toBeNull();

  const stored = await storedCopies();
  expect(stored).toContain(Auth.LINK_PLACEHOLDER);
  expect(stored).not.toContain(token);
  expect(queued).not.toContain(token);
});

it('console: the mailbox holds a note, the console shows a working link', async () => {
  const phone = '6282400000002';
  const send = queueTransport(
    {
      sqsEndpoint: inject('sqsEndpoint'),
      queuePrefix: stack.pipe.prefix,
      region: getConfig().AWS_REGION,
      mailboxDir: stack.mailboxDir,
      databaseUrl: stack.pipe.db.url,
    },
    phone,
  );
  const result = await send('dashboard');
  if (!result.ok) throw new Error(JSON.stringify(result));
  const token = TOKEN.exec(result.reply)?.[1];
  if (!token) throw new Error(`no link in the console's reply: ${result.reply}`);
  expect(await Auth.userOfLink(stack.pipe.db.pool, token)).not.toBeNull();
  const stored = await storedCopies();
  expect(stored).not.toContain(token);
  expect(stored).toContain(Auth.LINK_PLACEHOLDER);
  // The mailbox is private to its owner.
  expect((await stat(stack.mailboxDir)).mode & 0o777).toBe(0o700);
  expect((await stat(join(stack.mailboxDir, `${phone}.jsonl`))).mode & 0o777).toBe(0o600);
});
