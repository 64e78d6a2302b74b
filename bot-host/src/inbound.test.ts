/**
 * Real Baileys message objects through the host's inbound handler, with a stand-in for
 * WhatsApp's servers only: the envelopes land on the real inbound.fifo (ElasticMQ), the media in
 * the real S3 server, the seen-message ledger in PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { sql } from '@kantong/shared/db';
import { InboundEnvelopeSchema } from '@kantong/shared/queue';
import { proto, type WAMessage } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { handleUpsert, REFUSALS, retryClaimed } from './inbound.ts';
import {
  BOT_JID,
  createTestHostEnv,
  standInFactory,
  standInMedia,
  type TestHostEnv,
  virtualClock,
} from './testing.ts';

const USER = '6281234567890';
const USER_JID = `${USER}@s.whatsapp.net`;
let sequence = 0;

function waMessage(message: Record<string, unknown>, key: Record<string, unknown> = {}): WAMessage {
  sequence += 1;
  return proto.WebMessageInfo.fromObject({
    key: { remoteJid: USER_JID, fromMe: false, id: `3EB0${String(sequence).padStart(4, '0')}TEST`, ...key },
    messageTimestamp: 1_790_000_000 + sequence,
    pushName: 'Budi',
    message,
  }) as WAMessage;
}

function mediaFields(url: string, bytes: Buffer, mimetype: string) {
  return {
    url,
    mimetype,
    fileLength: bytes.length,
    mediaKey: Buffer.alloc(32, 7),
    directPath: new URL(url).pathname,
    fileSha256: createHash('sha256').update(bytes).digest(),
  };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const voice = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(90_000, 3)]);
const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(150_000, 9)]);
const pdf = Buffer.from('%PDF-1.4 struk indomaret total 132.500');
const files = {
  'https://mmg.whatsapp.net/v/voice.enc': voice,
  'https://mmg.whatsapp.net/v/photo.enc': photo,
  'https://mmg.whatsapp.net/v/struk.enc': pdf,
  'https://mmg.whatsapp.net/v/old.enc': photo,
};
const expired = new Set(['https://mmg.whatsapp.net/v/old.enc']);

let env: TestHostEnv;
let host: ReturnType<TestHostEnv['makeHost']>;
let whatsapp: ReturnType<typeof standInFactory>;

beforeAll(async () => {
  env = await createTestHostEnv({ WA_MEDIA_MAX_BYTES: String(200_000) });
  whatsapp = standInFactory();
  host = env.makeHost({
    factory: whatsapp.factory,
    download: standInMedia(files, expired),
    clock: virtualClock(),
  });
  const session = host.sessions.get('main');
  await session?.start();
  whatsapp.sockets.at(-1)?.emit('connection.update', { connection: 'open' });
});

afterAll(async () => {
  await host.stop();
  await env.close();
});

function feed(messages: WAMessage[], type = 'notify') {
  const session = host.sessions.get('main');
  if (!session) throw new Error('no session');
  return handleUpsert(host.inboundDeps, host.inboundSession(session), { messages, type });
}

async function inbound(count: number) {
  const messages = await env.drain(env.urls.inbound, count);
  return messages.map((message) => ({
    envelope: InboundEnvelopeSchema.parse(JSON.parse(message.Body ?? '')),
    group: message.Attributes?.MessageGroupId,
    dedup: message.Attributes?.MessageDeduplicationId,
  }));
}

describe('inbound messages', () => {
  it('turns text, extended text, a voice note, a captioned photo and a document into envelopes on inbound.fifo', async () => {
    // Prepare
    const text = waMessage({ conversation: 'beli pulsa 50k' });
    const extended = waMessage({ extendedTextMessage: { text: 'gaji 3,5jt dari kantor', contextInfo: {} } });
    const voiceNote = waMessage({
      audioMessage: {
        ...mediaFields('https://mmg.whatsapp.net/v/voice.enc', voice, 'audio/ogg; codecs=opus'),
        ptt: true,
        seconds: 4,
      },
    });
    const image = waMessage({
      imageMessage: {
        ...mediaFields('https://mmg.whatsapp.net/v/photo.enc', photo, 'image/jpeg'),
        caption: 'struk makan siang',
      },
    });
    const document = waMessage({
      documentMessage: {
        ...mediaFields('https://mmg.whatsapp.net/v/struk.enc', pdf, 'application/pdf'),
        fileName: 'struk.pdf',
      },
    });

    // Act
    const outcomes = await feed([text, extended, voiceNote, image, document]);
    const arrived = await inbound(5);

    // Assess
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
      'enqueued',
      'enqueued',
      'enqueued',
      'enqueued',
      'enqueued',
    ]);
    const byId = new Map(arrived.map((item) => [item.envelope.message_id, item]));
    expect(byId.size).toBe(5);
    for (const item of arrived) {
      expect(item.group).toBe(USER);
      expect(item.dedup).toBe(item.envelope.message_id);
    }
    expect(byId.get(text.key.id ?? '')?.envelope).toEqual({
      version: 1,
      message_id: text.key.id,
      from_number: USER,
      bot_number: '6285000000001',
      type: 'text',
      text: 'beli pulsa 50k',
      media: null,
      timestamp: Number(text.messageTimestamp),
      channel: 'whatsapp',
    });
    expect(byId.get(extended.key.id ?? '')?.envelope).toMatchObject({
      type: 'text',
      text: 'gaji 3,5jt dari kantor',
    });
    const audio = byId.get(voiceNote.key.id ?? '')?.envelope;
    expect(audio).toMatchObject({
      type: 'audio',
      text: null,
      media: {
        bucket: env.bucket,
        key: sha256(voice),
        sha256: sha256(voice),
        mime: 'audio/ogg',
        size_bytes: voice.length,
      },
    });
    expect(byId.get(image.key.id ?? '')?.envelope).toMatchObject({
      type: 'image',
      text: 'struk makan siang',
      media: { key: sha256(photo), mime: 'image/jpeg', size_bytes: photo.length },
    });
    expect(byId.get(document.key.id ?? '')?.envelope).toMatchObject({
      type: 'document',
      media: { key: sha256(pdf), mime: 'application/pdf' },
    });
    // The stored objects are the very bytes, under their hash.
    expect(sha256(await env.readObject(sha256(voice)))).toBe(sha256(voice));
    expect(sha256(await env.readObject(sha256(photo)))).toBe(sha256(photo));
    expect((await env.readObject(sha256(pdf))).equals(pdf)).toBe(true);
  });

  it('ignores status broadcasts, groups that are not households, own messages and non-notify upserts by default', async () => {
    const status = waMessage(
      { conversation: 'story' },
      { remoteJid: 'status@broadcast', participant: USER_JID },
    );
    const group = waMessage(
      { conversation: 'beli kopi 20k' },
      { remoteJid: '120363000000000001@g.us', participant: USER_JID },
    );
    const own = waMessage({ conversation: 'beli kopi 20k' }, { fromMe: true });

    const outcomes = await feed([status, group, own]);
    const history = await feed([waMessage({ conversation: 'lama' })], 'append');

    expect(outcomes).toEqual([
      { outcome: 'ignored', reason: 'status' },
      { outcome: 'ignored', reason: 'group_not_household' },
      { outcome: 'ignored', reason: 'own' },
    ]);
    expect(history).toEqual([]);
    expect(await inbound(0)).toEqual([]);
  });

  it('takes own messages in when configured to, and no group at all with WA_ACCEPT_GROUPS=false', async () => {
    const open = await createTestHostEnv({ WA_ACCEPT_GROUPS: 'false', WA_ACCEPT_OWN: 'true' });
    const sockets = standInFactory();
    const other = open.makeHost({ factory: sockets.factory });
    try {
      const session = other.sessions.get('main');
      await session?.start();
      if (!session) throw new Error('no session');
      // Even a household's group: groups are off.
      const bookId = await open.db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
        INSERT INTO users (name, phone, kind) VALUES ('Keluarga', NULL, 'household') RETURNING id`);
      await open.db.pool.query(sql.unsafe`
        INSERT INTO households (book_id, group_jid) VALUES (${bookId}, '120363000000000001@g.us')`);
      const group = waMessage(
        { conversation: 'patungan 30k' },
        { remoteJid: '120363000000000001@g.us', participant: '6289999999999@s.whatsapp.net' },
      );
      const own = waMessage(
        { conversation: 'catatan sendiri 5k' },
        { fromMe: true, remoteJid: '6285000000001@s.whatsapp.net' },
      );

      const outcomes = await handleUpsert(other.inboundDeps, other.inboundSession(session), {
        type: 'notify',
        messages: [group, own],
      });
      const arrived = (await open.drain(open.urls.inbound, 1)).map((message) =>
        JSON.parse(message.Body ?? ''),
      );

      expect(outcomes).toMatchObject([{ outcome: 'ignored', reason: 'group' }, { outcome: 'enqueued' }]);
      expect(arrived.map((envelope) => envelope.from_number)).toEqual(['6285000000001']);
    } finally {
      await other.stop();
      await open.close();
    }
  });

  it('enqueues a message replayed after a reconnect only once', async () => {
    // Prepare: a message handled on the first connection.
    const message = waMessage({ conversation: 'makan siang 25rb' });
    await feed([message]);
    expect(await inbound(1)).toHaveLength(1);

    // Act: the connection drops, the session reconnects on a new socket, WhatsApp replays it.
    const first = whatsapp.sockets.at(-1);
    first?.emit('connection.update', {
      connection: 'close',
      lastDisconnect: {
        error: Object.assign(new Error('Connection Closed'), { output: { statusCode: 428 } }),
        date: new Date(),
      },
    });
    await expect
      .poll(() => whatsapp.sockets.length)
      .toBeGreaterThan(whatsapp.sockets.indexOf(first as never) + 1);
    whatsapp.sockets.at(-1)?.emit('connection.update', { connection: 'open' });
    await expect.poll(() => host.sessions.get('main')?.state).toBe('WORKING');
    const replay = proto.WebMessageInfo.fromObject(
      proto.WebMessageInfo.toObject(message as proto.WebMessageInfo),
    ) as WAMessage;
    const outcomes = await feed([replay]);

    // Assess
    expect(outcomes).toEqual([{ outcome: 'duplicate' }]);
    expect(await inbound(0)).toEqual([]);
  });

  it('enqueues a message replayed after the host restarted only once', async () => {
    const message = waMessage({ conversation: 'parkir 5rb' });
    await feed([message]);
    expect(await inbound(1)).toHaveLength(1);

    const restarted = env.makeHost({ factory: standInFactory().factory });
    const session = restarted.sessions.get('main');
    await session?.start();
    if (!session) throw new Error('no session');
    const outcomes = await handleUpsert(restarted.inboundDeps, restarted.inboundSession(session), {
      type: 'notify',
      messages: [message],
    });
    await restarted.stop();

    expect(outcomes).toEqual([{ outcome: 'duplicate' }]);
    expect(await inbound(0)).toEqual([]);
  });

  it('refuses a file over the size limit politely, without downloading or enqueuing it', async () => {
    const big = Buffer.alloc(300_000, 1);
    const message = waMessage({
      documentMessage: {
        ...mediaFields('https://mmg.whatsapp.net/v/big.enc', big, 'application/pdf'),
        fileName: 'besar.pdf',
      },
    });
    const socket = whatsapp.sockets.at(-1);
    const before = socket?.sent.length ?? 0;

    const outcomes = await feed([message]);

    expect(outcomes).toEqual([{ outcome: 'refused', reason: 'too_big' }]);
    expect(socket?.sent.slice(before)).toEqual([
      { jid: USER_JID, text: REFUSALS.too_big(200_000), at: expect.any(Number) },
    ]);
    expect(REFUSALS.too_big(16 * 1024 * 1024)).toContain('maksimal 16 MB');
    expect(await inbound(0)).toEqual([]);
    // A replay is not refused a second time.
    expect(await feed([message])).toEqual([{ outcome: 'duplicate' }]);
  });

  it('refuses a file whose real size is over the limit even when its declared size lies', async () => {
    const message = waMessage({
      imageMessage: {
        ...mediaFields('https://mmg.whatsapp.net/v/photo.enc', photo, 'image/jpeg'),
        fileLength: 1000,
      },
    });
    const lying = await createTestHostEnv({ WA_MEDIA_MAX_BYTES: String(100_000) });
    const sockets = standInFactory();
    const other = lying.makeHost({
      factory: sockets.factory,
      download: standInMedia(files),
      clock: virtualClock(),
    });
    try {
      const session = other.sessions.get('main');
      await session?.start();
      sockets.sockets.at(-1)?.emit('connection.update', { connection: 'open' });
      if (!session) throw new Error('no session');

      const outcomes = await handleUpsert(other.inboundDeps, other.inboundSession(session), {
        type: 'notify',
        messages: [message],
      });

      expect(outcomes).toEqual([{ outcome: 'refused', reason: 'too_big' }]);
      expect(sockets.sockets.at(-1)?.sent.map((sent) => sent.text)).toEqual([REFUSALS.too_big(100_000)]);
    } finally {
      await other.stop();
      await lying.close();
    }
  });

  it('refuses a type outside the allowed list, and a video', async () => {
    const zip = Buffer.from('PK\u0003\u0004');
    const archive = waMessage({
      documentMessage: {
        ...mediaFields('https://mmg.whatsapp.net/v/a.enc', zip, 'application/zip'),
        fileName: 'a.zip',
      },
    });
    const video = waMessage({
      videoMessage: { ...mediaFields('https://mmg.whatsapp.net/v/v.enc', zip, 'video/mp4') },
    });

    const outcomes = await feed([archive, video]);

    expect(outcomes).toEqual([
      { outcome: 'refused', reason: 'type_not_allowed' },
      { outcome: 'refused', reason: 'type_not_allowed' },
    ]);
    expect(await inbound(0)).toEqual([]);
  });

  it('asks the phone to re-upload expired media, then stores it', async () => {
    const message = waMessage({
      imageMessage: { ...mediaFields('https://mmg.whatsapp.net/v/old.enc', photo, 'image/png') },
    });
    const socket = whatsapp.sockets.at(-1);

    const outcomes = await feed([message]);
    const [arrived] = await inbound(1);

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['enqueued']);
    expect(socket?.reuploads).toContain(message.key.id);
    expect(arrived?.envelope.media).toMatchObject({ key: sha256(photo), mime: 'image/png' });
  });

  it('keeps a message it could not enqueue, and enqueues it on the retry', async () => {
    // Prepare: the queue is unreachable for this message.
    const message = waMessage({ conversation: 'bensin 100rb' });
    const working = host.inboundDeps.inboundQueueUrl;
    host.inboundDeps.inboundQueueUrl = async () => `${env.urls.inbound}-missing`;
    let outcomes: Awaited<ReturnType<typeof feed>>;
    try {
      outcomes = await feed([message]);
    } finally {
      host.inboundDeps.inboundQueueUrl = working;
    }
    expect(outcomes).toEqual([]);
    expect(await inbound(0)).toEqual([]);

    // Act
    const session = host.sessions.get('main');
    if (!session) throw new Error('no session');
    const retried = await retryClaimed(host.inboundDeps, host.inboundSession(session), 0);

    // Assess
    expect(retried.map((outcome) => outcome.outcome)).toEqual(['enqueued']);
    const [arrived] = await inbound(1);
    expect(arrived?.envelope).toMatchObject({ message_id: message.key.id, text: 'bensin 100rb' });
  });

  it('never takes its own sends for a user message', async () => {
    const socket = whatsapp.sockets.at(-1);
    const result = await host.sender.send({ to: USER, text: 'halo', outboxId: null });
    const echo = waMessage(
      { conversation: 'halo' },
      { fromMe: true, id: result.status === 'sent' ? result.waMessageId : 'x' },
    );
    const permissive = { ...host.inboundDeps, options: { ...host.inboundDeps.options, acceptOwn: true } };
    const session = host.sessions.get('main');
    if (!session) throw new Error('no session');

    const outcomes = await handleUpsert(permissive, host.inboundSession(session), {
      type: 'notify',
      messages: [echo],
    });

    expect(socket?.user?.id).toBe(BOT_JID);
    expect(outcomes).toEqual([{ outcome: 'ignored', reason: 'own_send' }]);
  });
});
