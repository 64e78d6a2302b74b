/**
 * `npm run backup [-- DIR]` and `npm run restore -- DIR`: the PostgreSQL database (pg_dump's
 * custom format) and every object of the media and reports buckets, in one folder with a
 * manifest of sha256 sums, so a restore can prove it brought back every row and file.
 *
 * Uses DATABASE_URL / S3_ENDPOINT, or the running `npm start` stack (.data/local-stack.json).
 * Needs pg_dump/pg_restore of the server's major version or newer (Debian: postgresql-client).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getConfig } from '@kantong/shared/config';
import { createS3Client, ensureBuckets } from '@kantong/shared/storage';

const run = promisify(execFile);

export type Manifest = {
  created_at: string;
  database: { file: string; sha256: string };
  objects: { bucket: string; key: string; file: string; sha256: string; size: number }[];
};

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The newest pg_dump/pg_restore: PG_BIN_DIR, Debian's /usr/lib/postgresql/N/bin, or PATH. */
export function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  if (process.env.PG_BIN_DIR) return join(process.env.PG_BIN_DIR, name);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((version) => existsSync(join(root, version, 'bin', name)))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin', name);
  }
  return name;
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export async function backup(input: {
  databaseUrl: string;
  s3: S3Client;
  buckets: readonly string[];
  out: string;
}): Promise<Manifest> {
  await mkdir(input.out, { recursive: true });
  const dumpFile = join(input.out, 'database.dump');
  await run(pgTool('pg_dump'), ['--format=custom', '--no-owner', '--file', dumpFile, input.databaseUrl]);
  const objects: Manifest['objects'] = [];
  for (const bucket of input.buckets) {
    for (const key of await listKeys(input.s3, bucket)) {
      const object = await input.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = await object.Body?.transformToByteArray();
      if (!bytes) throw new Error(`s3://${bucket}/${key} has no body`);
      const file = join('objects', bucket, key);
      const target = resolve(input.out, file);
      if (!target.startsWith(resolve(input.out))) throw new Error(`unsafe object key: ${key}`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes);
      objects.push({ bucket, key, file, sha256: sha256(bytes), size: bytes.length });
    }
  }
  const manifest: Manifest = {
    created_at: new Date().toISOString(),
    database: { file: relative(input.out, dumpFile), sha256: sha256(await readFile(dumpFile)) },
    objects,
  };
  await writeFile(join(input.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Restores a backup folder over the database (objects dropped and recreated from the dump) and
 * the buckets (every file put back). Checks every file against the manifest first: a damaged
 * backup restores nothing.
 */
export async function restore(input: { databaseUrl: string; s3: S3Client; from: string }): Promise<Manifest> {
  const manifest = JSON.parse(await readFile(join(input.from, 'manifest.json'), 'utf8')) as Manifest;
  const dump = join(input.from, manifest.database.file);
  if (sha256(await readFile(dump)) !== manifest.database.sha256)
    throw new Error('database.dump does not match the manifest');
  for (const object of manifest.objects) {
    if (sha256(await readFile(join(input.from, object.file))) !== object.sha256) {
      throw new Error(`${object.file} does not match the manifest`);
    }
  }
  await run(pgTool('pg_restore'), [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--single-transaction',
    '--dbname',
    input.databaseUrl,
    dump,
  ]);
  await ensureBuckets(input.s3, [...new Set(manifest.objects.map((object) => object.bucket))]);
  for (const object of manifest.objects) {
    await input.s3.send(
      new PutObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        Body: await readFile(join(input.from, object.file)),
      }),
    );
  }
  return manifest;
}

/** Empties a bucket (used by the restore test to prove the files come back). */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  const keys = await listKeys(s3, bucket);
  for (let offset = 0; offset < keys.length; offset += 1000) {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(offset, offset + 1000).map((Key) => ({ Key })) },
      }),
    );
  }
}

async function target(): Promise<{ databaseUrl: string; s3Endpoint?: string }> {
  if (process.env.DATABASE_URL)
    return {
      databaseUrl: process.env.DATABASE_URL,
      ...(process.env.S3_ENDPOINT ? { s3Endpoint: process.env.S3_ENDPOINT } : {}),
    };
  const file = join(dirname(new URL(import.meta.url).pathname), '..', '..', '.data', 'local-stack.json');
  if (!existsSync(file))
    throw new Error('Set DATABASE_URL (and S3_ENDPOINT), or run it while `npm start` is running.');
  const info = JSON.parse(await readFile(file, 'utf8')) as { databaseUrl: string; s3Endpoint: string };
  return { databaseUrl: info.databaseUrl, s3Endpoint: info.s3Endpoint };
}

if (import.meta.main) {
  const [command, folder] = process.argv.slice(2);
  const config = getConfig();
  const where = await target();
  const s3 = createS3Client(where.s3Endpoint ? { endpoint: where.s3Endpoint } : {});
  if (command === 'backup') {
    const out = folder ?? join('backups', new Date().toISOString().replace(/[:.]/g, '-'));
    const manifest = await backup({
      databaseUrl: where.databaseUrl,
      s3,
      buckets: [config.MEDIA_BUCKET, config.REPORTS_BUCKET],
      out,
    });
    console.log(`backup written to ${out}: database + ${manifest.objects.length} files`);
  } else if (command === 'restore' && folder) {
    const manifest = await restore({ databaseUrl: where.databaseUrl, s3, from: folder });
    console.log(`restored ${folder}: database + ${manifest.objects.length} files`);
  } else {
    console.error('usage: npm run backup [-- DIR] | npm run restore -- DIR');
    process.exit(2);
  }
}
