/**
 * S3 for media and report files: one client per process, buckets created on the local stack
 * (serverless.yml creates them in the cloud). Local servers (MinIO, fauxqs) want path-style URLs.
 */
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { getConfig } from '../config.ts';

export function createS3Client(options: { endpoint?: string; region?: string } = {}): S3Client {
  const config = getConfig();
  const endpoint = options.endpoint ?? config.S3_ENDPOINT;
  return new S3Client({
    region: options.region ?? config.AWS_REGION,
    ...(endpoint
      ? {
          endpoint,
          forcePathStyle: true,
          credentials: {
            accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
            secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
          },
        }
      : {}),
  });
}

let shared: S3Client | undefined;

export function getS3Client(): S3Client {
  shared ??= createS3Client();
  return shared;
}

/** Creates the buckets that do not exist yet. */
export async function ensureBuckets(client: S3Client, buckets: readonly string[]): Promise<void> {
  for (const bucket of buckets) {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }
}

/** The object is larger than the caller accepts; nothing more was read. */
export class ObjectTooLargeError extends Error {
  override name = 'ObjectTooLargeError';
}

/**
 * Reads one object into memory, refusing (before and while reading) anything over `maxBytes`:
 * a media file's size is checked against the limit, never trusted from the sender.
 */
export async function getObjectBytes(
  client: S3Client,
  location: { bucket: string; key: string },
  maxBytes: number,
): Promise<Uint8Array> {
  const out = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  if ((out.ContentLength ?? 0) > maxBytes) {
    out.Body?.transformToWebStream().cancel();
    throw new ObjectTooLargeError(`s3://${location.bucket}/${location.key} is ${out.ContentLength} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = out.Body?.transformToWebStream();
  if (!stream) return new Uint8Array();
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes)
      throw new ObjectTooLargeError(`s3://${location.bucket}/${location.key} exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** `s3://bucket/key` of the one bucket allowed, or null: Kantong never fetches other URLs. */
export function parseS3Url(url: string, allowedBucket: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.{1,1024})$/.exec(url);
  if (!match || match[1] !== allowedBucket) return null;
  const key = match[2] ?? '';
  if (key.split('/').some((part) => part === '..')) return null;
  return { bucket: allowedBucket, key };
}
