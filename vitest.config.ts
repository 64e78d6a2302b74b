import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Every test that touches PostgreSQL gets its own database (see shared/src/db/testing.ts);
// the global setup makes sure a server is there: DATABASE_URL when given (CI: Debian's
// PostgreSQL), otherwise an embedded PostgreSQL started for the run. It also provides an SQS
// endpoint (SQS_ENDPOINT, else ElasticMQ with Java, else fauxqs) and an S3 endpoint (S3_ENDPOINT,
// else fauxqs): inject('sqsEndpoint'), inject('s3Endpoint').

/**
 * Some tests drive real system programs: Tesseract, ImageMagick, ffmpeg and espeak-ng for
 * receipts and voice notes, pg_dump/pg_restore for backups. On a newcomer's machine without them
 * those files are left out, with a line saying so and how to install them; in CI (CI=true) a
 * missing program is an error, so the suite never shrinks there.
 */
function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const NEEDS = [
  {
    what: 'the receipt and voice-note tests',
    tests: [
      'shared/src/receipts/**/*.test.ts',
      'shared/src/speech/**/*.test.ts',
      'functions/src/media.test.ts',
      'functions/src/media-households.test.ts',
      'functions/src/api/routes/media.test.ts',
      'functions/src/faults/s3-down.test.ts',
    ],
    missing: [
      ...['tesseract', 'ffmpeg', 'espeak-ng'].filter((tool) => !onPath(tool)),
      // Some machines carry a `convert` stand-in; the receipts need ImageMagick's real binary.
      ...(existsSync('/usr/bin/convert') || process.env.IMAGEMAGICK_CONVERT ? [] : ['imagemagick']),
    ],
    install: 'tesseract-ocr tesseract-ocr-ind tesseract-ocr-eng imagemagick ffmpeg espeak-ng',
  },
  {
    what: 'the backup/restore test',
    tests: ['infra/backup.test.ts'],
    missing:
      onPath('pg_dump') || existsSync('/usr/lib/postgresql') || process.env.PG_BIN_DIR ? [] : ['pg_dump'],
    install: 'postgresql-client',
  },
];

const excluded: string[] = [];
for (const need of NEEDS) {
  if (need.missing.length === 0) continue;
  const message =
    `NOTE: ${need.missing.join(', ')} not installed, so ${need.what} did not run (${need.tests.join(', ')}). ` +
    `Install with: sudo apt-get install ${need.install} — or run \`bash .ci/run\`, which installs everything.`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(message);
  excluded.push(...need.tests);
}

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'bot-host/**/*.test.ts', 'infra/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...excluded],
    globalSetup: ['infra/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
