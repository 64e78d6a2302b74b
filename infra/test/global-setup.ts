/**
 * Test-run setup: the servers every test file may use, started once per run and stopped after.
 *
 * - PostgreSQL: DATABASE_URL when given (CI starts Debian's server), otherwise an embedded one. A
 *   migrated template database is made once; each test file clones it.
 * - SQS: SQS_ENDPOINT when given, otherwise ElasticMQ (the real server, with Java), otherwise
 *   fauxqs with one line saying so. Test files keep apart by a queue-name prefix of their own.
 * - S3: S3_ENDPOINT when given, otherwise fauxqs. Test files keep apart by bucket name.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres.ts';
import {
  type LocalServer,
  type ServerKind,
  startS3Server,
  startSqsServer,
} from '../scripts/local-services.ts';
import { migrate } from '../scripts/migrate.ts';

export const TEMPLATE_DATABASE = 'kantong_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
    /** SQS endpoint for this run (ElasticMQ, fauxqs or SQS_ENDPOINT). */
    sqsEndpoint: string;
    /** Which server answers there: some behaviours differ between them. */
    sqsServer: ServerKind;
    /** S3 endpoint for this run (fauxqs or S3_ENDPOINT); use path-style requests. */
    s3Endpoint: string;
  }
}

type Stoppable = { stop: () => Promise<void> };

async function startPostgres(): Promise<{ adminUrl: string } & Stoppable> {
  const given = process.env.DATABASE_URL;
  if (given) return { adminUrl: given, stop: async () => undefined };
  const dataDir = join(await mkdtemp(join(tmpdir(), 'kantong-test-pg-')), 'data');
  const running = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'kantong' });
  return { adminUrl: running.url, stop: running.stop };
}

async function stopAll(handles: Stoppable[]): Promise<void> {
  const results = await Promise.allSettled(handles.map((handle) => handle.stop()));
  const failures = results.filter((result) => result.status === 'rejected');
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((failure) => failure.reason),
      'stopping the test servers failed',
    );
  }
}

export default async function setup(project: TestProject) {
  // Started side by side: the JVM and PostgreSQL each take a few seconds.
  const started = await Promise.allSettled([startPostgres(), startSqsServer(), startS3Server()]);
  const handles = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stopAll(handles).catch(() => undefined);
    throw failed.reason;
  }
  const [postgres, sqs, s3] = handles as [{ adminUrl: string } & Stoppable, LocalServer, LocalServer];

  try {
    const adminUrl = postgres.adminUrl;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    } finally {
      await admin.end();
    }
    const templateUrl = new URL(adminUrl);
    templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
    await migrate(templateUrl.toString());

    project.provide('adminDatabaseUrl', adminUrl);
    project.provide('templateDatabase', TEMPLATE_DATABASE);
    project.provide('sqsEndpoint', sqs.endpoint);
    project.provide('sqsServer', sqs.kind);
    project.provide('s3Endpoint', s3.endpoint);
  } catch (error) {
    await stopAll(handles).catch(() => undefined);
    throw error;
  }

  if (sqs.note) console.warn(`NOTE: ${sqs.note}`);
  else if (sqs.kind === 'elasticmq') console.log(`SQS tests run against ElasticMQ at ${sqs.endpoint}`);

  return async () => {
    // Reverse order of need: the queues and storage first, the database last.
    await stopAll([sqs, s3]);
    await postgres.stop();
  };
}
