import { defineConfig } from 'vitest/config';

// Every test that touches PostgreSQL gets its own database (see shared/src/db/testing.ts);
// the global setup makes sure a server is there: DATABASE_URL when given (CI: Debian's
// PostgreSQL), otherwise an embedded PostgreSQL started for the run. It also provides an SQS
// endpoint (SQS_ENDPOINT, else ElasticMQ with Java, else fauxqs) and an S3 endpoint (S3_ENDPOINT,
// else fauxqs): inject('sqsEndpoint'), inject('s3Endpoint').
export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'bot-host/**/*.test.ts', 'infra/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['infra/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
