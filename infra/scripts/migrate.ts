/**
 * `npm run migrate`: applies the plain SQL migrations in infra/migrations with postgrator.
 * Also used by the local starter and by the tests (one fresh database per test file).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Postgrator from 'postgrator';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** Migrates the database at `databaseUrl` to the newest version; returns the version reached. */
export async function migrate(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Two processes starting at once (tests, local stack) must not both apply a migration.
    await client.query('SELECT pg_advisory_lock(72616)');
    const postgrator = new Postgrator({
      migrationPattern: join(migrationsDir, '*'),
      driver: 'pg',
      database: client.database ?? 'postgres',
      schemaTable: 'schema_version',
      execQuery: (query) => client.query(query),
    });
    const applied = await postgrator.migrate();
    const last = applied.at(-1);
    return last ? last.version : await postgrator.getDatabaseVersion();
  } finally {
    await client.query('SELECT pg_advisory_unlock(72616)').catch(() => undefined);
    await client.end();
  }
}

if (import.meta.main) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      'DATABASE_URL is not set. Example: DATABASE_URL=postgres://kantong:kantong@127.0.0.1:5432/kantong npm run migrate',
    );
    process.exit(1);
  }
  const version = await migrate(url);
  console.log(`database migrated to version ${version}`);
}
