import { getConfig } from '@kantong/shared/config';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { TestPipeline } from '../../functions/src/testing-pipeline.ts';
import { readMailbox } from './console-mailbox.ts';
import { queueTransport } from './console-queue.ts';
import { type ConsoleStack, startConsoleStack } from './console-testing.ts';

let stack: ConsoleStack;
let pipe: TestPipeline;
let mailboxDir: string;

beforeAll(async () => {
  stack = await startConsoleStack();
  ({ pipe, mailboxDir } = stack);
});
afterAll(async () => {
  await stack.stop();
});

const target = () => ({
  sqsEndpoint: inject('sqsEndpoint'),
  queuePrefix: pipe.prefix,
  region: getConfig().AWS_REGION,
  mailboxDir,
});

it('sends a typed line through inbound.fifo and returns the reply from console.fifo', async () => {
  const send = queueTransport(target(), '6281600000001');
  const first = await send('beli pulsa 50k');
  expect(first).toEqual({
    ok: true,
    reply: expect.stringContaining('✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data.'),
  });
  const second = await send('laporan hari ini');
  expect(second.ok && second.reply.startsWith('Ringkasan ')).toBe(true);
});

it('lets two numbers chat at once without losing each other’s replies', async () => {
  const ani = queueTransport(target(), '6281600000002');
  const budi = queueTransport(target(), '6281600000003');
  const [a, b] = await Promise.all([ani('gaji 5jt'), budi('beli kopi 20k')]);
  expect(a.ok && a.reply.includes('Catat pemasukan Rp5.000.000')).toBe(true);
  expect(b.ok && b.reply.includes('Catat pengeluaran Rp20.000')).toBe(true);
  expect((await readMailbox(mailboxDir, '6281600000002')).map((reply) => reply.to)).toEqual([
    '6281600000002',
  ]);
});

it('leaves nothing on WhatsApp’s outbound.fifo', async () => {
  expect(await pipe.collectReplies(1, 1500)).toEqual([]);
});
