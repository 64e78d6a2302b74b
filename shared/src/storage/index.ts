/**
 * S3 for media and report files: one client per process, buckets created on the local stack
 * (serverless.yml creates them in the cloud). Local servers (MinIO, fauxqs) want path-style URLs.
 */
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
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
