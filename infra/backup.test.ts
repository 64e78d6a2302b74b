/**
 * `npm run backup` / `npm run restore`: back up, wipe, restore — and every row and file is back.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { handleIncoming } from '@kantong/shared/conversation';
import { sql } from '@kantong/shared/db';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { createS3Client, ensureBuckets } from '@kantong/shared/storage';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { backup, emptyBucket, restore } from './scripts/backup.ts';

let db: TestDatabase;
const s3 = () => createS3Client({ endpoint: inject('s3Endpoint') });
const bucket = `backup-test-${process.pid}`;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const snapshot = () =>
  db.pool.one(sql.type(
    z.object({
      users: z.number(),
      tx: z.number(),
      total: z.bigint(),
      saved: z.bigint(),
      messages: z.number(),
    }),
  )`
    SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM transactions) AS tx,
           (SELECT COALESCE(sum(amount), 0)::numeric FROM transactions) AS total,
           (SELECT COALESCE(sum(current_amount), 0)::numeric FROM savings_accounts) AS saved,
           (SELECT count(*) FROM wa_messages) AS messages`);

it('backs up, wipes and restores every row and every file', async () => {
  // Prepare: a ledger and two media files.
  let n = 0;
  for (const text of [
    'halo',
    'ya',
    'beli pulsa 50k',
    'gaji 3,5jt',
    'buat tabungan laptop 15jt',
    'setor laptop 500k',
  ]) {
    n += 1;
    await handleIncoming(
      { pool: db.pool },
      { from_number: '6282000000001', message_type: 'text', text, message_id: `bk-${n}` },
    );
  }
  const client = s3();
  await ensureBuckets(client, [bucket]);
  const files = { 'ab/receipt.jpg': 'jpeg bytes \u0000\u0001', 'cd/voice.ogg': 'ogg bytes' };
  for (const [key, body] of Object.entries(files)) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));
  }
  const before = await snapshot();
  expect(before).toMatchObject({ users: 1, tx: 2, total: 3550000n, saved: 500000n });

  // Act: back up, wipe both, restore.
  const out = join(await mkdtemp(join(tmpdir(), 'kantong-backup-')), 'backup');
  const manifest = await backup({ databaseUrl: db.url, s3: client, buckets: [bucket], out });
  expect(manifest.objects.map((object) => object.key).sort()).toEqual(Object.keys(files).sort());
  await db.pool.query(sql.unsafe`DROP SCHEMA public CASCADE`);
  await db.pool.query(sql.unsafe`CREATE SCHEMA public`);
  await emptyBucket(client, bucket);
  await restore({ databaseUrl: db.url, s3: client, from: out });

  // Assess.
  expect(await snapshot()).toEqual(before);
  for (const [key, body] of Object.entries(files)) {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).toString()).toBe(body);
  }
});

it('restores nothing from a damaged backup', async () => {
  const client = s3();
  const out = join(await mkdtemp(join(tmpdir(), 'kantong-backup-')), 'backup');
  await backup({ databaseUrl: db.url, s3: client, buckets: [bucket], out });
  await writeFile(join(out, 'objects', bucket, 'cd', 'voice.ogg'), 'tampered');
  await expect(restore({ databaseUrl: db.url, s3: client, from: out })).rejects.toThrow(
    /does not match the manifest/,
  );
});
