/**
 * Secrets on Lambda (issue 13, item 2): a session signed on one instance is read on another, and
 * an instance without the secrets refuses to start rather than invent a key. Each "instance" is
 * its own Node process, as on Lambda.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Runs `code` (an ES module) in a fresh Node process with only `env` (and PATH). */
async function instance(code: string, env: Record<string, string>) {
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', AWS_LAMBDA_FUNCTION_NAME: 'api', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout: stdout.trim(), stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const session = `${root}/shared/src/auth/session.ts`;

describe('secrets on several Lambda instances', () => {
  it('reads on a second instance a session signed on the first', async () => {
    const SESSION_SECRET = randomBytes(32).toString('hex');
    const signed = await instance(
      `const { signSession } = await import(${JSON.stringify(session)});
       console.log((await signSession({ userId: 42, sessionVersion: 7 })).token);`,
      { SESSION_SECRET },
    );
    expect(signed.code).toBe(0);
    const read = await instance(
      `const { verifySession } = await import(${JSON.stringify(session)});
       console.log(JSON.stringify(await verifySession(${JSON.stringify(signed.stdout)})));`,
      { SESSION_SECRET },
    );
    expect(JSON.parse(read.stdout)).toMatchObject({ userId: 42 });
  });

  it('never invents a session key on Lambda', async () => {
    const signed = await instance(
      `const { signSession } = await import(${JSON.stringify(session)});
       await signSession({ userId: 42, sessionVersion: 7 });`,
      {},
    );
    expect(signed.code).not.toBe(0);
    expect(signed.stderr).toContain('SESSION_SECRET is not set');
  });

  it('refuses to start the api function without its secrets, naming them', async () => {
    const started = await instance(
      `await import(${JSON.stringify(`${root}/functions/src/api/lambda.ts`)});`,
      {
        INTERNAL_API_SECRET: randomBytes(16).toString('hex'),
      },
    );
    expect(started.code).not.toBe(0);
    expect(started.stderr).toContain('SESSION_SECRET not set: the api function will not start');
  });
});
