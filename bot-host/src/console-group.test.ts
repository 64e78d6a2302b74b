/**
 * The chat console in a WhatsApp group (issue 15 item 7): two consoles, two numbers, one group
 * NAME, through the real queues and workers (inbound.fifo → ingest → console.fifo → the mailbox
 * files), against the real PostgreSQL — a couple playing one household from two terminals.
 */

import { PassThrough } from 'node:stream';
import { getConfig } from '@kantong/shared/config';
import { GroupJidSchema } from '@kantong/shared/households';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildIncoming, parseConsoleArgs, runConsole, UsageError } from './console.ts';
import {
  consoleGroup,
  newShown,
  type Overheard,
  type QueueTarget,
  queueTransport,
  watchGroup,
} from './console-queue.ts';
import { type ConsoleStack, startConsoleStack } from './console-testing.ts';

describe('a console group', () => {
  it('is one group JID per name, whatever its case or spacing, and another for another name', () => {
    const family = consoleGroup('Keluarga Santoso');

    expect(GroupJidSchema.safeParse(family.jid).success).toBe(true);
    expect(family.jid).toMatch(/^120363\d{12}@g\.us$/);
    expect(consoleGroup('  keluarga   SANTOSO ').jid).toBe(family.jid);
    expect(consoleGroup('Keluarga Wijaya').jid).not.toBe(family.jid);
    expect(family.name).toBe('Keluarga Santoso');
  });

  it('comes from --group, and an empty name is refused', () => {
    expect(parseConsoleArgs(['--from', '6281700000001', '--group', 'Rumah']).group).toEqual(
      consoleGroup('Rumah'),
    );
    expect(parseConsoleArgs(['--from', '6281700000001']).group).toBeNull();
    expect(parseConsoleArgs(['--group', 'Rumah', '--name', 'Budi']).group?.senderName).toBe('Budi');
    expect(() => parseConsoleArgs(['--name', 'Budi'])).toThrow(UsageError);
    expect(() => parseConsoleArgs(['--group', '   '])).toThrow(UsageError);
  });

  it('travels on /wa/incoming as the group field (--http)', () => {
    const group = consoleGroup('Rumah', 'Ani');
    expect(buildIncoming('6281700000001', 'beli kopi 20k', new Date(), group).group).toEqual({
      jid: group.jid,
      name: 'Rumah',
      sender_lid: null,
      sender_name: 'Ani',
    });
  });
});

describe('two consoles in one group, through the queues', () => {
  let stack: ConsoleStack;
  let target: QueueTarget;
  const BUDI = '6281700000011';
  const ANI = '6281700000012';
  const group = consoleGroup('Keluarga Console');
  const asBudi = consoleGroup('Keluarga Console', 'Budi');
  const asAni = consoleGroup('Keluarga Console', 'Ani');

  beforeAll(async () => {
    stack = await startConsoleStack();
    target = {
      sqsEndpoint: inject('sqsEndpoint'),
      queuePrefix: stack.pipe.prefix,
      region: getConfig().AWS_REGION,
      mailboxDir: stack.mailboxDir,
    };
  });
  afterAll(async () => {
    await stack.stop();
  });

  /** Waits until `seen` has an item that passes `test`. */
  async function until<T>(seen: T[], test: (item: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = seen.find(test);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`not seen within ${timeoutMs} ms; seen: ${JSON.stringify(seen)}`);
  }

  it('each sees the answers to its own lines, the other’s answers in the group, and its own private replies', async () => {
    // Prepare: Budi has an account (personal chat), then both open the group.
    const personal = queueTransport(target, BUDI);
    expect((await personal('halo')).ok).toBe(true);
    expect((await personal('ya')).ok).toBe(true);
    const budiShown = newShown();
    const aniShown = newShown();
    const budi = queueTransport(target, BUDI, asBudi, budiShown);
    const ani = queueTransport(target, ANI, asAni, aniShown);
    const budiSaw: Overheard[] = [];
    const aniSaw: Overheard[] = [];
    const watches = [
      watchGroup(target, { from: BUDI, group }, budiShown, (reply) => budiSaw.push(reply)),
      watchGroup(target, { from: ANI, group }, aniShown, (reply) => aniSaw.push(reply)),
    ];
    try {
      // Act + Assess: Budi activates the group; Ani sees it there.
      const activated = await budi('aktifkan kantong');
      expect(activated.ok && activated.reply).toContain('Kantong aktif di grup ini');
      await until(
        aniSaw,
        (reply) => reply.to === 'group' && reply.text.includes('Kantong aktif di grup ini'),
      );

      // Ani books; Budi sees her booking answered in the group.
      const booked = await ani('bayar listrik 300rb');
      expect(booked.ok && booked.reply).toMatch(/^✅ Dicatat buat Ani: pengeluaran Rp300\.000/);
      await until(budiSaw, (reply) => reply.text.startsWith('✅ Dicatat buat Ani'));

      // Budi asks for the dashboard in the group: the group hears it went privately, and only
      // Budi's console gets the link.
      const dashboard = await budi('dashboard');
      expect(dashboard.ok && dashboard.reply).toContain('chat pribadi');
      const link = await until(budiSaw, (reply) => reply.to === 'private');
      expect(link.text).toContain('dashboard');
      await until(aniSaw, (reply) => reply.text.includes('chat pribadi'));

      // Nothing is shown twice, nothing private crosses over.
      expect(aniSaw.filter((reply) => reply.to === 'private')).toEqual([]);
      expect(budiSaw.filter((reply) => reply.text.startsWith('✅ Dicatat buat Ani'))).toHaveLength(1);
      expect(aniSaw.some((reply) => reply.text.startsWith('✅ Dicatat buat Ani'))).toBe(false);
    } finally {
      await Promise.all(watches.map((watch) => watch.stop()));
    }
  }, 120_000);

  it('prints what another console’s line brought to the group in a running console', async () => {
    const CICI = '6281700000013';
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
    });
    const input = new PassThrough();
    const shown = newShown();
    const running = runConsole({
      apiUrl: 'http://127.0.0.1:9',
      transport: {
        describe: 'test',
        send: queueTransport(target, CICI, group, shown),
        watch: (show) => watchGroup(target, { from: CICI, group }, shown, show),
      },
      from: CICI,
      group,
      input,
      output,
      interactive: false,
    });
    // Let the watch take its place before Budi writes.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const reply = await queueTransport(target, BUDI, asBudi)('beli beras 65rb');
    expect(reply.ok && reply.reply).toMatch(/^✅ Dicatat buat Budi/);
    const deadline = Date.now() + 30_000;
    while (!printed.includes('Dicatat buat Budi') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    input.end();

    expect(await running).toBe(0);
    expect(printed).toContain(`📣 di grup "Keluarga Console":\n🤖 Kantong: ✅ Dicatat buat Budi`);
  }, 60_000);

  it('leaves nothing on WhatsApp’s outbound.fifo', async () => {
    expect(await stack.pipe.collectReplies(1, 1500)).toEqual([]);
  });
});
