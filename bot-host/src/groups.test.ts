/**
 * Group messages through the host (issue 15 items 6 and 7's WhatsApp side): real Baileys message
 * objects (proto.WebMessageInfo, the participant stubs Baileys makes of group notifications)
 * through the inbound handler, with the stand-in for WhatsApp's servers only; households in the
 * real PostgreSQL, envelopes on the real inbound.fifo (ElasticMQ).
 */
import { sql } from '@kantong/shared/db';
import { InboundEnvelopeSchema } from '@kantong/shared/queue';
import { type GroupMetadata, proto, type WAMessage } from 'baileys';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { usePostgresAuthState } from './auth-state.ts';
import { GroupMetadataCache, METADATA_RETRY_MS, METADATA_TTL_MS } from './groups.ts';
import { handleUpsert } from './inbound.ts';
import { Pacer } from './outbound.ts';
import type { MediaDownloader } from './socket.ts';
import {
  createTestHostEnv,
  rateOverlimit,
  type StandInSocket,
  standInFactory,
  standInMedia,
  type TestHostEnv,
  virtualClock,
} from './testing.ts';

const BUDI = '6281234500001';
const ANI = '6281234500002';
const BUDI_LID = '201111111111111';
const ANI_LID = '202222222222222';
let sequence = 0;
let groupSequence = 0;

/** A fresh group JID per test, so the host's caches never carry one test into another. */
function newGroup(): string {
  groupSequence += 1;
  return `1203630000000${String(groupSequence).padStart(5, '0')}@g.us`;
}

function groupMessage(
  group: string,
  message: Record<string, unknown>,
  key: Record<string, unknown>,
  pushName = 'Budi',
): WAMessage {
  sequence += 1;
  const info = proto.WebMessageInfo.fromObject({
    key: { remoteJid: group, fromMe: false, id: `3EB0G${String(sequence).padStart(4, '0')}TEST`, ...key },
    messageTimestamp: 1_790_000_000 + sequence,
    pushName,
    message,
  }) as WAMessage;
  // Baileys 7 key fields proto does not know (participantAlt, addressingMode) ride on the key.
  info.key = { ...info.key, ...key };
  return info;
}

/** The stub Baileys upserts for a `w:gp2` participant notification (messages-recv.js). */
function participantStub(
  group: string,
  stub: 'GROUP_PARTICIPANT_LEAVE' | 'GROUP_PARTICIPANT_REMOVE' | 'GROUP_PARTICIPANT_ADD',
  participants: Record<string, unknown>[],
  author: Record<string, unknown>,
): WAMessage {
  sequence += 1;
  const info = proto.WebMessageInfo.fromObject({
    key: { remoteJid: group, fromMe: false, id: `29${String(sequence).padStart(8, '0')}`, ...author },
    messageTimestamp: 1_790_000_000 + sequence,
    messageStubType: proto.WebMessageInfo.StubType[stub],
    messageStubParameters: participants.map((participant) => JSON.stringify(participant)),
  }) as WAMessage;
  info.key = { ...info.key, ...author };
  return info;
}

function metadata(
  group: string,
  subject: string,
  participants: GroupMetadata['participants'],
): GroupMetadata {
  return { id: group, subject, owner: undefined, addressingMode: 'lid' as never, participants };
}

let env: TestHostEnv;
let host: ReturnType<TestHostEnv['makeHost']>;
let whatsapp: ReturnType<typeof standInFactory>;
let downloads: string[];

const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(10_000, 9)]);
const media = standInMedia({ 'https://mmg.whatsapp.net/v/group-photo.enc': photo });

beforeAll(async () => {
  env = await createTestHostEnv();
  const clock = virtualClock();
  whatsapp = standInFactory(clock.now);
  const download: MediaDownloader = async (message) => {
    downloads.push(message.key.id ?? '');
    return media(message);
  };
  host = env.makeHost({ factory: whatsapp.factory, download, clock });
  await host.sessions.get('main')?.start();
  socket().emit('connection.update', { connection: 'open' });
});

beforeEach(() => {
  downloads = [];
});

afterAll(async () => {
  await host.stop();
  await env.close();
});

function socket(): StandInSocket {
  const current = whatsapp.sockets.at(-1);
  if (!current) throw new Error('no socket');
  return current;
}

function feed(messages: WAMessage[], type = 'notify') {
  const session = host.sessions.get('main');
  if (!session) throw new Error('no session');
  return handleUpsert(host.inboundDeps, host.inboundSession(session), { messages, type });
}

async function arrived(count: number, timeoutMs?: number) {
  const messages = await env.drain(env.urls.inbound, count, timeoutMs);
  return messages.map((message) => ({
    envelope: InboundEnvelopeSchema.parse(JSON.parse(message.Body ?? '')),
    fifoGroup: message.Attributes?.MessageGroupId,
    dedup: message.Attributes?.MessageDeduplicationId,
  }));
}

/** A household's books and its group, as "aktifkan kantong" leaves them (migration 013). */
async function household(group: string, active = true): Promise<void> {
  const bookId = await env.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO users (name, phone, timezone, status, kind)
    VALUES ('Keluarga', NULL, 'Asia/Jakarta', 'active', 'household') RETURNING id`);
  await env.db.pool.query(sql.unsafe`
    INSERT INTO households (book_id, group_jid, active) VALUES (${bookId}, ${group}, ${active})`);
}

async function seenRows(group: string): Promise<number> {
  return env.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::int AS count FROM wa_seen_messages WHERE chat_jid = ${group}`);
}

describe('group messages of a household', () => {
  it('carries the group, the sender’s LID and name, and the number WhatsApp gave as participantAlt', async () => {
    // Prepare
    const group = newGroup();
    await household(group);
    socket().groups.set(group, metadata(group, 'Keluarga Budi', [{ id: `${BUDI_LID}@lid` }]));
    const message = groupMessage(
      group,
      { conversation: 'beli bakso 20k' },
      { participant: `${BUDI_LID}@lid`, participantAlt: `${BUDI}@s.whatsapp.net`, addressingMode: 'lid' },
    );

    // Act
    const outcomes = await feed([message]);
    const [item] = await arrived(1);

    // Assess
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['enqueued']);
    expect(item?.fifoGroup).toBe(group);
    expect(item?.dedup).toBe(message.key.id);
    expect(item?.envelope).toEqual({
      version: 1,
      message_id: message.key.id,
      from_number: BUDI,
      bot_number: '6285000000001',
      type: 'text',
      text: 'beli bakso 20k',
      media: null,
      timestamp: Number(message.messageTimestamp),
      channel: 'whatsapp',
      group: { jid: group, name: 'Keluarga Budi', sender_lid: BUDI_LID, sender_name: 'Budi' },
    });
  });

  it('finds the number of a member named by LID in the LID store', async () => {
    const group = newGroup();
    await household(group);
    socket().groups.set(group, metadata(group, 'Rumah', []));
    const auth = await usePostgresAuthState(env.db.pool, 'main');
    await auth.state.keys.set({ 'lid-mapping': { [`${ANI_LID}_reverse`]: ANI, [ANI]: ANI_LID } });

    await feed([groupMessage(group, { conversation: 'gaji 5jt' }, { participant: `${ANI_LID}@lid` }, 'Ani')]);
    const [item] = await arrived(1);

    expect(item?.envelope.from_number).toBe(ANI);
    expect(item?.envelope.group).toMatchObject({ sender_lid: ANI_LID, sender_name: 'Ani' });
  });

  it('finds it in the group’s metadata when the LID store does not know it', async () => {
    const lid = '203333333333333';
    const group = newGroup();
    await household(group);
    socket().groups.set(
      group,
      metadata(group, 'Rumah', [{ id: `${lid}@lid`, phoneNumber: '6281234500003@s.whatsapp.net' }]),
    );

    await feed([
      groupMessage(group, { conversation: 'beli token listrik 100k' }, { participant: `${lid}@lid` }),
    ]);
    const [item] = await arrived(1);

    expect(item?.envelope.from_number).toBe('6281234500003');
    expect(item?.envelope.group?.sender_lid).toBe(lid);
  });

  it('keeps a member whose number nobody knows by their LID, with no number', async () => {
    const lid = '204444444444444';
    const group = newGroup();
    await household(group);
    socket().groups.set(group, metadata(group, 'Rumah', [{ id: `${lid}@lid` }]));

    const outcomes = await feed([
      groupMessage(group, { conversation: 'beli sayur 15rb' }, { participant: `${lid}@lid` }, 'Tante'),
    ]);
    const [item] = await arrived(1);

    expect(outcomes[0]?.outcome).toBe('enqueued');
    expect(item?.envelope.from_number).toBeNull();
    expect(item?.envelope.group).toMatchObject({ sender_lid: lid, sender_name: 'Tante' });
    expect(item?.fifoGroup).toBe(group);
    const from = await env.db.pool.oneFirst(sql.type(z.object({ from_number: z.string() }))`
      SELECT from_number FROM wa_seen_messages WHERE message_id = ${item?.envelope.message_id ?? ''}`);
    expect(from).toBe(`lid:${lid}`);
  });

  it('ignores a group that is not a household without storing its messages or downloading media', async () => {
    const group = newGroup();
    const deactivated = newGroup();
    await household(deactivated, false);
    socket().groups.set(group, metadata(group, 'Arisan', []));
    const sender = { participant: `${BUDI}@s.whatsapp.net` };
    const text = groupMessage(group, { conversation: 'beli kopi 20k' }, sender);
    const image = groupMessage(
      group,
      {
        imageMessage: {
          url: 'https://mmg.whatsapp.net/v/group-photo.enc',
          mimetype: 'image/jpeg',
          fileLength: photo.length,
          mediaKey: Buffer.alloc(32, 7),
          directPath: '/v/group-photo.enc',
          caption: 'struk',
        },
      },
      sender,
    );
    const video = groupMessage(group, { videoMessage: { mimetype: 'video/mp4', fileLength: 10 } }, sender);
    const stopped = groupMessage(deactivated, { conversation: 'beli kopi 20k' }, sender);

    const outcomes = await feed([text, image, video, stopped]);

    expect(outcomes).toEqual([
      { outcome: 'ignored', reason: 'group_not_household' },
      { outcome: 'ignored', reason: 'group_not_household' },
      { outcome: 'ignored', reason: 'group_not_household' },
      { outcome: 'ignored', reason: 'group_not_household' },
    ]);
    expect(downloads).toEqual([]);
    expect(socket().sent).toEqual([]);
    expect(await seenRows(group)).toBe(0);
    const stored = await env.db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
      SELECT count(*)::int AS count FROM wa_seen_messages
      WHERE message_id = ANY(${sql.array([text.key.id ?? '', image.key.id ?? '', stopped.key.id ?? ''], 'text')})`);
    expect(stored).toBe(0);
    expect(await arrived(0)).toEqual([]);
  });

  it('forwards "aktifkan kantong" from a group that is not a household yet, and what follows it at once', async () => {
    const group = newGroup();
    socket().groups.set(group, metadata(group, 'Keluarga Cemara', []));
    const sender = { participant: `${BUDI}@s.whatsapp.net` };
    const activation = groupMessage(group, { conversation: '@6285000000001 Aktifkan Kantong!' }, sender);
    const next = groupMessage(group, { conversation: 'beli bakso 20k' }, sender);

    const outcomes = await feed([activation, next]);
    const items = await arrived(2);

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['enqueued', 'enqueued']);
    // The FIFO group is the chat: the activation is handled before the bakso.
    expect(items.map((item) => [item.envelope.text, item.fifoGroup])).toEqual([
      ['@6285000000001 Aktifkan Kantong!', group],
      ['beli bakso 20k', group],
    ]);
    expect(items[0]?.envelope.group?.name).toBe('Keluarga Cemara');
  });

  it('ignores video and files Kantong cannot read in a household group, without a refusal', async () => {
    const group = newGroup();
    await household(group);
    socket().groups.set(group, metadata(group, 'Rumah', []));
    const sent = socket().sent.length;

    const outcomes = await feed([
      groupMessage(
        group,
        { videoMessage: { mimetype: 'video/mp4', fileLength: 10 } },
        { participant: `${BUDI}@s.whatsapp.net` },
      ),
    ]);

    expect(outcomes).toEqual([{ outcome: 'ignored', reason: 'group_unreadable' }]);
    expect(socket().sent.length).toBe(sent);
  });

  it('looks a busy group’s metadata up once, and goes on with no name when WhatsApp answers rate-overlimit', async () => {
    // Prepare: twenty messages at once in one group, then a group whose lookup is refused.
    const busy = newGroup();
    const limited = newGroup();
    await household(busy);
    await household(limited);
    socket().groups.set(busy, metadata(busy, 'Keluarga Ramai', []));
    socket().groups.set(limited, metadata(limited, 'Keluarga Sepi', []));
    const sender = { participant: `${BUDI}@s.whatsapp.net` };
    const session = host.sessions.get('main');
    if (!session) throw new Error('no session');
    const lookupsOf = (group: string) => socket().groupLookups.filter((jid) => jid === group).length;

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        handleUpsert(host.inboundDeps, host.inboundSession(session), {
          type: 'notify',
          messages: [groupMessage(busy, { conversation: `beli kopi ${index + 1}k` }, sender)],
        }),
      ),
    );
    socket().failGroupLookups = rateOverlimit();
    const refused = await feed([
      groupMessage(limited, { conversation: 'beli gula 15k' }, sender),
      groupMessage(limited, { conversation: 'beli teh 10k' }, sender),
    ]);
    socket().failGroupLookups = null;
    const items = await arrived(22);

    // Assess
    expect(outcomes.flat().every((outcome) => outcome.outcome === 'enqueued')).toBe(true);
    expect(lookupsOf(busy)).toBe(1);
    expect(refused.map((outcome) => outcome.outcome)).toEqual(['enqueued', 'enqueued']);
    // Refused once, then left alone for a while: the second message did not ask again.
    expect(lookupsOf(limited)).toBe(1);
    const byGroup = (group: string) => items.filter((item) => item.envelope.group?.jid === group);
    expect(byGroup(busy)).toHaveLength(20);
    expect(byGroup(busy).every((item) => item.envelope.group?.name === 'Keluarga Ramai')).toBe(true);
    expect(byGroup(limited).map((item) => item.envelope.group?.name)).toEqual([null, null]);
    const metrics = await host.metrics.registry.metrics();
    expect(metrics).toContain('kantong_wa_group_lookups_total{session="main",outcome="failed"} 1');
  });

  it('turns a member leaving a household’s group into one "left" event, once however often it is replayed', async () => {
    // Prepare: the notification as Baileys upserts it (append), Ani's LID and number both known.
    const group = newGroup();
    await household(group);
    socket().groups.set(
      group,
      metadata(group, 'Rumah', [
        { id: `${BUDI_LID}@lid`, phoneNumber: `${BUDI}@s.whatsapp.net` },
        { id: `${ANI_LID}@lid`, phoneNumber: `${ANI}@s.whatsapp.net` },
      ]),
    );
    const leave = participantStub(
      group,
      'GROUP_PARTICIPANT_LEAVE',
      [{ id: `${ANI_LID}@lid`, phoneNumber: `${ANI}@s.whatsapp.net`, admin: null }],
      { participant: `${ANI_LID}@lid`, participantAlt: `${ANI}@s.whatsapp.net` },
    );
    const removedByLid = participantStub(
      group,
      'GROUP_PARTICIPANT_REMOVE',
      [{ id: '205555555555555@lid', admin: null }],
      { participant: `${BUDI_LID}@lid` },
    );

    // Act
    const first = await feed([leave, removedByLid], 'append');
    const replay = await feed([leave], 'append');
    const items = await arrived(2);

    // Assess
    expect(first.map((outcome) => outcome.outcome)).toEqual(['enqueued', 'enqueued']);
    expect(replay).toEqual([{ outcome: 'duplicate' }]);
    expect(items.map((item) => item.fifoGroup)).toEqual([group, group]);
    expect(items[0]?.envelope).toEqual({
      version: 1,
      message_id: `member-${leave.key.id}`,
      from_number: ANI,
      bot_number: '6285000000001',
      type: 'text',
      text: null,
      media: null,
      timestamp: Number(leave.messageTimestamp),
      channel: 'whatsapp',
      group: {
        jid: group,
        name: 'Rumah',
        sender_lid: ANI_LID,
        sender_name: null,
        event: { kind: 'left', members: [{ phone: ANI, lid: ANI_LID }] },
      },
    });
    expect(items[1]?.envelope).toMatchObject({
      from_number: BUDI,
      group: { event: { kind: 'left', members: [{ phone: null, lid: '205555555555555' }] } },
    });
  });

  it('reports people added to a household (even one switched off), and nothing of a group that is not one', async () => {
    const group = newGroup();
    const other = newGroup();
    const stopped = newGroup();
    await household(group);
    await household(stopped, false);
    socket().groups.set(group, metadata(group, 'Rumah', []));
    const add = (jid: string) =>
      participantStub(
        jid,
        'GROUP_PARTICIPANT_ADD',
        [{ id: `${ANI}@s.whatsapp.net`, lid: `${ANI_LID}@lid` }],
        {
          participant: `${BUDI}@s.whatsapp.net`,
        },
      );

    const outcomes = await feed([add(group), add(other), add(stopped)], 'append');
    const items = await arrived(2);

    expect(outcomes).toMatchObject([
      { outcome: 'enqueued' },
      { outcome: 'ignored', reason: 'group_not_household' },
      { outcome: 'enqueued' },
    ]);
    expect(items.map((item) => item.fifoGroup).sort()).toEqual([group, stopped].sort());
    expect(items[0]?.envelope.group?.event).toEqual({
      kind: 'joined',
      members: [{ phone: ANI, lid: ANI_LID }],
    });
  });

  it('patches the cached metadata from group events instead of looking it up again', async () => {
    const group = newGroup();
    await household(group);
    socket().groups.set(group, metadata(group, 'Lama', [{ id: `${BUDI}@s.whatsapp.net` }]));
    const sender = { participant: `${BUDI}@s.whatsapp.net` };
    await feed([groupMessage(group, { conversation: 'beli kopi 20k' }, sender)]);

    socket().emit('groups.update', [{ id: group, subject: 'Baru', author: `${BUDI}@s.whatsapp.net` }]);
    socket().emit('group-participants.update', {
      id: group,
      author: `${BUDI}@s.whatsapp.net`,
      participants: [{ id: '206666666666666@lid', phoneNumber: '6281234500006@s.whatsapp.net' }],
      action: 'add',
    });
    await feed([
      groupMessage(group, { conversation: 'beli teh 5k' }, { participant: '206666666666666@lid' }, 'Dewi'),
    ]);
    const items = await arrived(2);

    expect(socket().groupLookups.filter((jid) => jid === group)).toHaveLength(1);
    // Her number came from the patched participants, her group's new name from groups.update.
    expect(items[1]?.envelope).toMatchObject({ from_number: '6281234500006', group: { name: 'Baru' } });
    expect(host.sessions.get('main')?.groups.peek(group)?.participants).toHaveLength(2);
  });
});

describe('replies to a group', () => {
  it('go to the group JID from the session that heard the group, paced per group as per person', async () => {
    // Prepare: the group was heard (so the reply's session is known), then three replies.
    const group = newGroup();
    await household(group);
    socket().groups.set(group, metadata(group, 'Rumah', []));
    await feed([
      groupMessage(group, { conversation: 'laporan bulan ini' }, { participant: `${BUDI}@s.whatsapp.net` }),
    ]);
    await arrived(1);
    const before = socket().sent.length;

    // Act
    const results = await Promise.all([
      host.sender.send({ to: group, text: 'Ringkasan bulan ini…', outboxId: null }),
      host.sender.send({ to: group, text: '✅ Dicatat buat Budi', outboxId: null }),
      host.sender.send({ to: BUDI, text: 'pesan pribadi', outboxId: null }),
    ]);

    // Assess
    const sent = socket().sent.slice(before);
    expect(results.map((result) => result.status)).toEqual(['sent', 'sent', 'sent']);
    expect(sent.map((message) => message.jid).sort()).toEqual(
      [group, group, `${BUDI}@s.whatsapp.net`].sort(),
    );
    const toGroup = sent.filter((message) => message.jid === group);
    expect((toGroup[1]?.at ?? 0) - (toGroup[0]?.at ?? 0)).toBeGreaterThanOrEqual(
      env.config.WA_SEND_INTERVAL_MS,
    );
  });

  it('pace a group as one recipient: its replies spaced, a member’s own chat not behind them', () => {
    const pacer = new Pacer({ intervalMs: 3000, maxPerMinute: 20 });
    const group = '120363000000055555@g.us';

    expect(pacer.reserve('main', group, 0)).toBe(0);
    expect(pacer.reserve('main', group, 0)).toBe(3000);
    expect(pacer.reserve('main', BUDI, 0)).toBe(0);
    expect(pacer.reserve('main', group, 1000)).toBe(6000);
  });

  it('never mints a one-time dashboard link into a group', async () => {
    const group = newGroup();
    const before = socket().sent.length;

    await host.sender.send({
      to: group,
      text: 'Buka ⟦link dashboard sekali pakai⟧',
      outboxId: null,
      sessionId: 'main',
    });

    expect(socket().sent.slice(before)).toMatchObject([
      { jid: group, text: 'Buka ⟦link dashboard sekali pakai⟧' },
    ]);
  });
});

describe('GroupMetadataCache', () => {
  const group = '120363000000099999@g.us';
  const copy = (subject: string) => metadata(group, subject, []);

  it('keeps a copy for an hour, then looks again; on an error serves the stale copy and waits before retrying', async () => {
    let now = 0;
    const answers: (GroupMetadata | Error)[] = [copy('Satu'), rateOverlimit(), copy('Dua')];
    const cache = new GroupMetadataCache({
      now: () => now,
      fetch: async () => {
        const answer = answers.shift();
        if (!answer || answer instanceof Error) throw answer ?? new Error('no answer');
        return answer;
      },
    });

    expect((await cache.get(group))?.subject).toBe('Satu');
    now += METADATA_TTL_MS - 1;
    expect((await cache.get(group))?.subject).toBe('Satu');
    now += 1;
    expect((await cache.get(group))?.subject).toBe('Satu');
    expect(cache.lookups).toBe(2);
    now += METADATA_RETRY_MS - 1;
    expect((await cache.get(group))?.subject).toBe('Satu');
    expect(cache.lookups).toBe(2);
    now += 1;
    expect((await cache.get(group))?.subject).toBe('Dua');
    expect(cache.lookups).toBe(3);
  });

  it('answers undefined, not an error, when a group was never looked up successfully', async () => {
    const cache = new GroupMetadataCache({
      fetch: async () => {
        throw rateOverlimit();
      },
    });
    await expect(cache.get(group)).resolves.toBeUndefined();
  });
});
