/**
 * The local stack's servers (issue 14 item 11): the embedded PostgreSQL takes a generated
 * password kept in a 0600 file (no more `kantong:kantong`), and it, ElasticMQ and the S3/SQS
 * emulator (fauxqs) listen on loopback only: from this machine's own network address, nothing
 * answers.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  passwordFileFor,
  type RunningPostgres,
  startEmbeddedPostgres,
} from '../scripts/embedded-postgres.ts';
import { startFauxqs } from '../scripts/fauxqs.ts';

/** This machine's first non-loopback IPv4 address, if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
if (!outside)
  console.warn('local-exposure.test.ts: no non-loopback address here; the listening checks are skipped');

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

let postgres: RunningPostgres | undefined;
afterAll(async () => {
  await postgres?.stop();
});

describe('the embedded PostgreSQL', () => {
  it('takes a generated password kept in a 0600 file, keeps it across restarts, and refuses kantong:kantong', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'kantong-secret-pg-')), 'data');
    postgres = await startEmbeddedPostgres({ dataDir, persistent: true });
    const file = passwordFileFor(dataDir);
    const password = (await readFile(file, 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const url = new URL(postgres.url);
    expect(decodeURIComponent(url.password)).toBe(password);
    const port = Number(url.port);

    const legacy = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'kantong',
      password: 'kantong',
      database: 'kantong',
    });
    await expect(legacy.connect()).rejects.toThrow(/password authentication failed/);
    if (outside) expect(await accepts(outside, port)).toBe(false);
    expect(await accepts('127.0.0.1', port)).toBe(true);

    await postgres.stop();
    postgres = await startEmbeddedPostgres({ dataDir, persistent: true, port });
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);

    // A cluster from before (kantong:kantong, no password file) gets a generated password.
    await client.query("ALTER ROLE kantong PASSWORD 'kantong'");
    await client.end();
    await postgres.stop();
    await rm(file);
    postgres = await startEmbeddedPostgres({ dataDir, persistent: true, port });
    const rotated = (await readFile(file, 'utf8')).trim();
    expect(rotated).not.toBe(password);
    expect(decodeURIComponent(new URL(postgres.url).password)).toBe(rotated);
    const again = new pg.Client({ connectionString: postgres.url });
    await again.connect();
    await again.end();
    const old = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'kantong',
      password: 'kantong',
      database: 'kantong',
    });
    await expect(old.connect()).rejects.toThrow(/password authentication failed/);
  }, 180_000);
});

describe.skipIf(!outside)('queue and storage servers', () => {
  it('ElasticMQ (or the SQS server the tests use) answers on loopback only', async () => {
    const endpoint = new URL(inject('sqsEndpoint'));
    if (!['127.0.0.1', 'localhost'].includes(endpoint.hostname)) return;
    expect(await accepts('127.0.0.1', Number(endpoint.port))).toBe(true);
    expect(await accepts(outside ?? '', Number(endpoint.port))).toBe(false);
  });

  it('fauxqs (the S3 and SQS emulator) answers on loopback only', async () => {
    const fauxqs = await startFauxqs();
    try {
      const port = Number(new URL(fauxqs.endpoint).port);
      expect(await accepts('127.0.0.1', port)).toBe(true);
      expect(await accepts(outside ?? '', port)).toBe(false);
    } finally {
      await fauxqs.stop();
    }
  });
});
