/**
 * docker-compose.yml is validated by the Compose specification's own loader (compose-go, built
 * from infra/compose-check with the Go toolchain), since no Docker engine runs here: the real
 * files load, and files broken the ways people break them are refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const hasGo = spawnSync('go', ['version']).status === 0;
if (!hasGo) {
  // CI installs Go (.ci/run); a CI run without it must fail, not pass by skipping.
  if (process.env.CI) throw new Error('go is missing: CI must run the compose validator');
  console.warn('compose.test.ts: skipped, no Go toolchain on this machine');
}

let checker = '';
const check = (...files: string[]) =>
  spawnSync(checker, files, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '/home/user' } });

describe.skipIf(!hasGo)('the compose files, read by compose-go', () => {
  beforeAll(() => {
    checker = join(mkdtempSync(join(tmpdir(), 'compose-check-')), 'compose-check');
    execFileSync('go', ['build', '-o', checker, '.'], {
      cwd: join(root, 'infra/compose-check'),
      stdio: 'inherit',
    });
  }, 600_000);

  it('loads docker-compose.yml alone and with the GPU override', () => {
    for (const files of [['docker-compose.yml'], ['docker-compose.yml', 'docker-compose.gpu.yml']]) {
      const result = check(...files.map((file) => join(root, file)));
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/valid, \d+ services: \[.*api.*bot-host.*postgres.*workers.*\]/);
    }
  });

  const broken: Array<[string, (yaml: string) => string, RegExp]> = [
    [
      'a dependency on a service that does not exist',
      (yaml) =>
        yaml.replace(/^( {2}api:\n)/m, '  extra:\n    image: busybox\n    depends_on: [no-such-service]\n$1'),
      /no-such-service/,
    ],
    [
      'a misspelt service key',
      (yaml) => yaml.replace(/^( {2}api:\n)/m, '$1    enviroment: {}\n'),
      /enviroment/,
    ],
    [
      'a port that is not a port',
      (yaml) => yaml.replace(/^( {2}api:\n)/m, '  extra:\n    image: busybox\n    ports: ["80800:80"]\n$1'),
      /port/i,
    ],
  ];
  it.each(broken)('refuses %s', (_, breakIt, message) => {
    const original = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const mutated = breakIt(original);
    expect(mutated).not.toBe(original);
    const file = join(mkdtempSync(join(tmpdir(), 'compose-broken-')), 'docker-compose.yml');
    writeFileSync(file, mutated);
    const result = check(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
