/**
 * The path through the queues, against a real SQS server (ElasticMQ in CI) and PostgreSQL:
 * envelopes into inbound.fifo come out as ledger rows and as replies on outbound.fifo, once each,
 * in each sender's order, and a failing or poisonous record costs nothing but itself.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sql } from '@kantong/shared/db';
import { processBatch } from '@kantong/shared/queue/batch';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startPoller } from '../local/invoker.ts';
import { startWorkers, type Workers } from '../local/workers.ts';
import { parseEnvelope } from '../pipeline.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';
import { ingestRecord } from './handler.ts';

let pipe: TestPipeline;
let workers: Workers | undefined;

beforeAll(async () => {
  pipe = await createTestPipeline();
});
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
});
afterAll(async () => {
  await pipe.close();
});

async function runWorkers() {
  workers = await startWorkers(pipe.deps, {
    retryDelaySeconds: 0,
    waitTimeSeconds: 1,
    relay: false,
    scheduler: false,
  });
}

const amountsOf = (phone: string) =>
  pipe.db.pool.anyFirst(sql.type(z.object({ amount: z.bigint() }))`
    SELECT t.amount FROM transactions t JOIN users u ON u.id = t.user_id WHERE u.phone = ${phone} ORDER BY t.id`);

describe('inbound.fifo → ingest → ledger → outbound.fifo', () => {
  it('turns SPEC.md’s text cases into rows and replies, in the sender’s order', async () => {
    const alice = '6281300000001';
    const texts = [
      'halo',
      'ya',
      'beli pulsa 50k',
      'gaji 3,5jt dari kantor',
      'buat tabungan laptop 15jt',
      'setor laptop 500k',
      'tarik laptop 200k',
      'buat tabungan haji 25 juta',
      'pengeluaran makan bulan ini berapa',
      'tadi 50k',
      'makasih ya',
    ];
    const envelopes = texts.map((text) => textEnvelope(alice, text));
    for (const envelope of envelopes) await pipe.sendInbound(envelope);
    await runWorkers();

    const replies = await pipe.collectReplies(texts.length);
    expect(replies.map((reply) => reply.to)).toEqual(texts.map(() => alice));
    expect(replies.map((reply) => reply.in_reply_to)).toEqual(
      envelopes.map((envelope) => envelope.message_id),
    );
    expect(replies.slice(1).map((reply) => reply.text)).toEqual([
      '✅ Akun kamu udah aktif! Yuk catat terus 💪',
      '✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data. Balas: ganti <kategori> kalau mau ubah.',
      '✅ Catat pemasukan Rp3.500.000 kategori Gaji. Balas: ganti <kategori> kalau mau ubah.',
      "✅ Tabungan laptop dibuat, target Rp15.000.000. Mulai setor: 'setor laptop 500k'.",
      '✅ Setoran Rp500.000 ke tabungan laptop. Progress 500.000/15.000.000 (3%).',
      '✅ Tarik Rp200.000 dari tabungan laptop. Progress 300.000/15.000.000 (2%).',
      "✅ Tabungan haji dibuat, target Rp25.000.000. Mulai setor: 'setor haji 500k'.",
      'Pengeluaran Makan bulan ini: Rp0 (0 transaksi).',
      'Ini pengeluaran kategori apa?',
      'Sama-sama! 😊 Kalau ada pemasukan atau pengeluaran, tinggal ketik aja ya.',
    ]);
    expect(await amountsOf(alice)).toEqual([50000n, 3500000n]);
    const outbox = await pipe.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*) AS n FROM outbox WHERE status = 'queued'`);
    expect(outbox).toBe(texts.length);
  });

  it('gives one transaction and one reply for an envelope delivered five times', async () => {
    const bob = '6281300000002';
    const envelope = textEnvelope(bob, 'beli kopi 20k');
    // Five deliveries with five deduplication ids: what a WhatsApp replay after the FIFO's
    // five-minute window looks like. Only PostgreSQL can tell they are one message.
    for (let attempt = 0; attempt < 5; attempt += 1)
      await pipe.sendInbound(envelope, `${envelope.message_id}-${attempt}`);
    await runWorkers();
    const replies = await pipe.collectReplies(5, 6000);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain('Catat pengeluaran Rp20.000 kategori Makan');
    expect(await amountsOf(bob)).toEqual([20000n]);
  });

  it('routes voice notes and photos to their media queues and answers them', async () => {
    const carol = '6281300000003';
    // Bytes that are neither audio nor an image: the media functions answer, kindly, that they
    // could not open them (media.test.ts covers real voice notes and receipts).
    const junk = new TextEncoder().encode('this is not a voice note nor a photo');
    await pipe.sendInbound({
      ...textEnvelope(carol, ''),
      type: 'audio',
      text: null,
      media: await pipe.putMedia('k1.ogg', junk, 'audio/ogg'),
    });
    await pipe.sendInbound({
      ...textEnvelope(carol, 'struk'),
      type: 'image',
      media: await pipe.putMedia('k2.jpg', junk, 'image/jpeg'),
    });
    await runWorkers();
    const replies = (await pipe.collectReplies(2)).filter((reply) => !reply.text.startsWith('⏳'));
    // The first message of a new number carries the welcome before the answer.
    expect(
      replies.map((reply) => reply.text.split('\n\n').find((part) => part.startsWith('Maaf'))).sort(),
    ).toEqual([
      "Maaf, fotonya nggak bisa aku buka 🙏 Coba kirim ulang ya, atau ketik totalnya aja, contoh: 'belanja indomaret 132.500'.",
      "Maaf, voice note-nya nggak bisa aku putar 🙏 Coba kirim ulang, atau ketik aja, contoh: 'makan siang 35rb'.",
    ]);
    expect(await amountsOf(carol)).toEqual([]);
  });
});

describe('failures', () => {
  it('retries only the record that threw, and keeps the later records of its sender behind it', async () => {
    const dina = '6281300000004';
    const eko = '6281300000005';
    const sent = [
      textEnvelope(dina, 'beli roti 11k'),
      textEnvelope(dina, 'beli susu 12k'),
      textEnvelope(dina, 'beli teh 13k'),
      textEnvelope(eko, 'beli bensin 21k'),
      textEnvelope(eko, 'parkir 22k'),
    ];
    for (const envelope of sent) await pipe.sendInbound(envelope);
    const calls = new Map<string, number>();
    let thrown = false;
    const flaky = async (record: SQSRecord) => {
      const envelope = parseEnvelope(record);
      calls.set(envelope.message_id, (calls.get(envelope.message_id) ?? 0) + 1);
      if (envelope.text === 'beli susu 12k' && !thrown) {
        thrown = true;
        throw new Error('database hiccup');
      }
      await ingestRecord(pipe.deps, record);
    };
    const poller = startPoller({
      client: pipe.sqs,
      queueUrl: pipe.urls.inbound,
      name: 'ingest',
      waitTimeSeconds: 1,
      retryDelaySeconds: 0,
      handler: (event) => processBatch(event, flaky, { fifo: true, name: 'ingest' }),
    });
    try {
      const replies = await pipe.collectReplies(5);
      expect(replies).toHaveLength(5);
    } finally {
      await poller.stop();
    }
    expect(thrown).toBe(true);
    expect(sent.map((envelope) => calls.get(envelope.message_id))).toEqual([1, 2, 1, 1, 1]);
    expect(await amountsOf(dina)).toEqual([11000n, 12000n, 13000n]);
    expect(await amountsOf(eko)).toEqual([21000n, 22000n]);
  });

  it('dead-letters a poison message at once and loses nothing else', async () => {
    const fajar = '6281300000006';
    await pipe.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipe.urls.inbound,
        MessageBody: '{"version":1,"from_number":"not json enough"',
        MessageGroupId: 'poison',
        MessageDeduplicationId: 'poison-1',
      }),
    );
    const good = [textEnvelope(fajar, 'beli nasi 15k'), textEnvelope(fajar, 'beli es 5k')];
    for (const envelope of good) await pipe.sendInbound(envelope);
    await runWorkers();
    const replies = await pipe.collectReplies(2);
    expect(replies).toHaveLength(2);
    expect(await amountsOf(fajar)).toEqual([15000n, 5000n]);

    let dead: Awaited<ReturnType<TestPipeline['peekDeadLetters']>> = [];
    const deadline = Date.now() + 20_000;
    while (dead.length === 0 && Date.now() < deadline) dead = await pipe.peekDeadLetters('inbound');
    expect(dead.map((message) => message.Body)).toEqual(['{"version":1,"from_number":"not json enough"']);
  });
});

describe('ordering', () => {
  it('keeps each user’s order with 20 users interleaved', async () => {
    const users = Array.from({ length: 20 }, (_, index) => `62814000000${String(index).padStart(2, '0')}`);
    const perUser = 5;
    for (let round = 1; round <= perUser; round += 1) {
      for (const phone of users) await pipe.sendInbound(textEnvelope(phone, `beli kopi ${round * 1000}`));
    }
    await runWorkers();
    const replies = await pipe.collectReplies(users.length * perUser, 60_000);
    expect(replies).toHaveLength(users.length * perUser);
    const expected = Array.from({ length: perUser }, (_, index) => BigInt((index + 1) * 1000));
    for (const phone of users) {
      expect(await amountsOf(phone)).toEqual(expected);
      const own = replies.filter((reply) => reply.to === phone).map((reply) => reply.text);
      expect(own.map((text) => /Rp([\d.]+)/.exec(text)?.[1])).toEqual([
        '1.000',
        '2.000',
        '3.000',
        '4.000',
        '5.000',
      ]);
    }
  });
});
