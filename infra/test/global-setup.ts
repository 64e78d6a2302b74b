/**
 * Test-run setup: a real PostgreSQL for every test file. With DATABASE_URL (CI starts Debian's
 * server) that server is used; otherwise an embedded PostgreSQL is started for this run and
 * removed after. A migrated template database is made once; each test file clones it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../scripts/embedded-postgres.ts';
import { migrate } from '../scripts/migrate.ts';

export const TEMPLATE_DATABASE = 'kantong_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'kantong-test-pg-')), 'data');
    const running = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'kantong' });
    adminUrl = running.url;
    stop = running.stop;
  }

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

  return async () => {
    await stop?.();
  };
}
