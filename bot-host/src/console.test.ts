/**
 * The chat console's own protocol, against a real HTTP server started here as the API stand-in:
 * what it sends to /wa/incoming, in which order, and what it prints back.
 */
import { spawn } from 'node:child_process';
import {
  createServer,
  type IncomingMessage as HttpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { formatReply, parseConsoleArgs, runConsole, sendLine, UsageError } from './console.ts';

type Captured = { method: string; url: string; contentType: string | undefined; body: unknown };
type Answer = { status: number; body: string; delayMs?: number };

const servers: Server[] = [];

/** Starts a stand-in API on a free 127.0.0.1 port; `answer` decides each response. */
async function startStandIn(answer: (body: Record<string, unknown>) => Answer) {
  const requests: Captured[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer(async (req: HttpRequest, res: ServerResponse) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      contentType: req.headers['content-type'],
      body,
    });
    const reply = answer(body);
    if (reply.delayMs) await new Promise((done) => setTimeout(done, reply.delayMs));
    inFlight -= 1;
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, maxInFlight: () => maxInFlight };
}

function okReply(text: string): Answer {
  return { status: 200, body: JSON.stringify({ reply: text, status: 'ok' }) };
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

describe('sendLine', () => {
  it('posts the WhatsApp text contract to /wa/incoming and returns the reply', async () => {
    // Prepare
    const api = await startStandIn(() => okReply('✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data.'));
    const before = Math.floor(Date.now() / 1000);

    // Act
    const result = await sendLine(api.url, '6281234567890', 'beli pulsa 50k');

    // Assess
    expect(result).toEqual({ ok: true, reply: '✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data.' });
    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/wa/incoming');
    expect(request?.contentType).toBe('application/json');
    const body = request?.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['from_number', 'media_url', 'message_id', 'message_type', 'text', 'timestamp'].sort(),
    );
    expect(body).toMatchObject({
      from_number: '6281234567890',
      message_type: 'text',
      text: 'beli pulsa 50k',
      media_url: null,
    });
    expect(body.message_id).toMatch(/^console-[0-9a-f]{16}$/);
    expect(Number.isInteger(body.timestamp)).toBe(true);
    expect(body.timestamp).toBeGreaterThanOrEqual(before);
    expect(body.timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('gives every line its own message id, so the API never mistakes a repeat for a redelivery', async () => {
    const api = await startStandIn(() => okReply('ok'));

    await sendLine(api.url, '6281234567890', 'beli kopi 20k');
    await sendLine(api.url, '6281234567890', 'beli kopi 20k');

    const [first, second] = api.requests.map(
      (request) => (request.body as { message_id: string }).message_id,
    );
    expect(first).not.toBe(second);
  });

  it('keeps a path prefix in the API address', async () => {
    const api = await startStandIn(() => okReply('ok'));

    await sendLine(`${api.url}/`, '6281234567890', 'halo');
    await sendLine(`${api.url}/kantong`, '6281234567890', 'halo');

    expect(api.requests.map((request) => request.url)).toEqual(['/wa/incoming', '/kantong/wa/incoming']);
  });

  it('reports an HTTP error with its status and body instead of throwing', async () => {
    const api = await startStandIn(() => ({
      status: 400,
      body: JSON.stringify({ error: 'text is required' }),
    }));

    const result = await sendLine(api.url, '6281234567890', 'x');

    expect(result).toEqual({ ok: false, kind: 'http', status: 400, body: '{"error":"text is required"}' });
  });

  it('reports an unreachable API as a network failure', async () => {
    const api = await startStandIn(() => okReply('never'));
    await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));

    const result = await sendLine(api.url, '6281234567890', 'halo');

    expect(result.ok).toBe(false);
    expect(result.ok === false && result.kind).toBe('network');
  });
});

describe('runConsole (piped, non-interactive)', () => {
  it('sends lines in order, one at a time, skips blank ones and prints each reply as a bubble', async () => {
    // Prepare: the first answer is the slowest, so sending ahead would reorder or overlap them.
    const delays = [60, 5, 0];
    let index = 0;
    const api = await startStandIn((body) => ({
      ...okReply(`dapat: ${String(body.text)}`),
      delayMs: delays[index++] ?? 0,
    }));
    const out = collect();

    // Act
    const code = await runConsole({
      apiUrl: api.url,
      from: '628111222333',
      input: Readable.from(['beli pulsa 50k\n\n   \nlaporan hari ini\n', 'makasih ya']),
      output: out.stream,
      interactive: false,
    });

    // Assess
    expect(code).toBe(0);
    expect(api.requests.map((request) => (request.body as { text: string }).text)).toEqual([
      'beli pulsa 50k',
      'laporan hari ini',
      'makasih ya',
    ]);
    expect(api.maxInFlight()).toBe(1);
    expect(
      api.requests.every(
        (request) => (request.body as { from_number: string }).from_number === '628111222333',
      ),
    ).toBe(true);
    expect(out.text()).toBe(
      [
        '👤 628111222333: beli pulsa 50k',
        '🤖 Kantong: dapat: beli pulsa 50k',
        '👤 628111222333: laporan hari ini',
        '🤖 Kantong: dapat: laporan hari ini',
        '👤 628111222333: makasih ya',
        '🤖 Kantong: dapat: makasih ya',
        '',
      ].join('\n'),
    );
  });

  it('prints an HTTP error clearly and still sends the next line', async () => {
    const api = await startStandIn((body) =>
      body.text === 'rusak'
        ? { status: 422, body: JSON.stringify({ error: 'invalid_request', message: 'text too long' }) }
        : okReply('✅ oke'),
    );
    const out = collect();

    const code = await runConsole({
      apiUrl: api.url,
      from: '6281234567890',
      input: Readable.from(['rusak\nbeli kopi 20k\n']),
      output: out.stream,
      interactive: false,
    });

    expect(code).toBe(0);
    expect(api.requests).toHaveLength(2);
    expect(out.text()).toContain(`⚠️  HTTP 422 dari/from ${api.url}/wa/incoming:`);
    expect(out.text()).toContain('"message": "text too long"');
    expect(out.text()).toContain('🤖 Kantong: ✅ oke');
  });

  it('stops with exit code 1 and a hint to run npm start when the API cannot be reached', async () => {
    const api = await startStandIn(() => okReply('never'));
    await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
    const out = collect();

    const code = await runConsole({
      apiUrl: api.url,
      from: '6281234567890',
      input: Readable.from(['halo\nbeli kopi 20k\n']),
      output: out.stream,
      interactive: false,
    });

    expect(code).toBe(1);
    expect(out.text()).toContain(`Tidak bisa menghubungi Kantong di ${api.url}`);
    expect(out.text()).toContain('npm start');
    expect(out.text()).not.toContain('beli kopi 20k');
  });
});

describe('the chat command', () => {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'console.ts');

  function runCli(args: string[], stdin: string, env: Record<string, string> = {}) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [script, ...args], {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  it('fed by a pipe, sends every line to KANTONG_API_URL and exits 0 after the last reply', async () => {
    const api = await startStandIn((body) => okReply(`Ringkasan\nIncome: Rp0\n(${String(body.text)})`));

    const result = await runCli(['--from', '6289876543210'], 'laporan hari ini\nmakasih ya\n', {
      KANTONG_API_URL: api.url,
    });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(api.requests.map((request) => request.body)).toMatchObject([
      { from_number: '6289876543210', text: 'laporan hari ini' },
      { from_number: '6289876543210', text: 'makasih ya' },
    ]);
    expect(result.stdout).toContain(
      '🤖 Kantong: Ringkasan\n            Income: Rp0\n            (laporan hari ini)\n',
    );
  });

  it('refuses a --from that is not a phone number, before sending anything', async () => {
    const result = await runCli(['--from', '08-123'], 'halo\n', { KANTONG_API_URL: 'http://127.0.0.1:9' });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--from must be a phone number of 6 to 20 digits');
  });
});

describe('parseConsoleArgs', () => {
  it.each([
    [[], '6281234567890'],
    [['--from', '6281234567890'], '6281234567890'],
    [['--from=628123'], '628123'],
    [['--from', '12345678901234567890'], '12345678901234567890'],
  ])('accepts %j as sender %s', (argv, from) => {
    expect(parseConsoleArgs(argv).from).toBe(from);
  });

  it.each([
    ['12345'],
    ['123456789012345678901'],
    ['+6281234567890'],
    ['0812 3456 7890'],
    ['abc123456'],
    [''],
  ])('rejects --from %j', (from) => {
    expect(() => parseConsoleArgs(['--from', from])).toThrow(UsageError);
  });
});

describe('formatReply', () => {
  it('indents the lines of a multi-line reply under the first', () => {
    expect(formatReply('Ringkasan 21 Jan 2025\nIncome: Rp3.500.000')).toBe(
      '🤖 Kantong: Ringkasan 21 Jan 2025\n            Income: Rp3.500.000',
    );
  });

  it('leaves blank lines of a reply blank, without trailing spaces', () => {
    expect(formatReply('Halo!\n\n✅ Catat')).toBe('🤖 Kantong: Halo!\n\n            ✅ Catat');
  });
});
