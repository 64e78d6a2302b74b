/**
 * The host's HTTP side through `app.request()`: login endpoints, signed sends, health and metrics.
 */
import { signedHeaders, signedRequestHeaders } from '@kantong/shared/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from './http.ts';
import { createMetrics } from './metrics.ts';
import type { Sender } from './outbound.ts';
import { createTestHostEnv, standInFactory, type TestHostEnv, virtualClock } from './testing.ts';

const SECRET = 'test-secret-0123456789';
let env: TestHostEnv;
let host: ReturnType<TestHostEnv['makeHost']>;
let whatsapp: ReturnType<typeof standInFactory>;

beforeAll(async () => {
  env = await createTestHostEnv({ INTERNAL_API_SECRET: SECRET, WA_SESSIONS: 'main,cadangan' });
  whatsapp = standInFactory();
  host = env.makeHost({ factory: whatsapp.factory, clock: virtualClock() });
  for (const session of host.sessions.values()) await session.start();
});

afterAll(async () => {
  await host.stop();
  await env.close();
});

function signedPost(path: string, payload: unknown, secret = SECRET, at = new Date()) {
  const body = JSON.stringify(payload);
  return host.app.request(path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...signedHeaders(secret, body, at) },
  });
}

/**
 * A call signed the way the API's are (shared/src/security: the request line, a nonce and the
 * body), which is how the session endpoints must be signed: a GET has no body to sign.
 */
function signedCall(method: string, path: string, payload?: unknown, secret = SECRET) {
  const body = payload === undefined ? '' : JSON.stringify(payload);
  return host.app.request(path, {
    method,
    ...(payload === undefined ? {} : { body }),
    headers: {
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...signedRequestHeaders(secret, { method, pathAndQuery: path, body }),
    },
  });
}

describe('WhatsApp host HTTP', () => {
  it('serves the QR code as a base64 PNG while a session waits for a login, and a pairing code', async () => {
    const [main] = whatsapp.sockets;
    expect((await signedCall('GET', '/session/main/qr')).status).toBe(409);

    main?.emit('connection.update', { qr: '2@kantong-qr-payload' });
    const qr = await signedCall('GET', '/session/main/qr');
    const pairing = await signedCall('POST', '/session/main/pairing-code', { phone_number: '6285000000001' });

    expect(qr.status).toBe(200);
    const body = (await qr.json()) as { state: string; qr: string };
    expect(body.state).toBe('SCAN_QR_CODE');
    expect(body.qr).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(body.qr.replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(await pairing.json()).toEqual({ session_id: 'main', code: 'K001TNG1' });
    expect((await signedCall('GET', '/session/nope/qr')).status).toBe(404);
  });

  it('refuses the login endpoints unsigned, forged, or signed for another request (issue 14 item 4)', async () => {
    const unsignedQr = await host.app.request('/session/main/qr');
    const unsignedPairing = await host.app.request('/session/main/pairing-code', {
      method: 'POST',
      body: JSON.stringify({ phone_number: '6285000000009' }),
      headers: { 'content-type': 'application/json' },
    });
    const unsignedStatus = await host.app.request('/session/main/status');
    const forged = await signedCall('GET', '/session/main/qr', undefined, 'another-secret-98765');
    // A body-only signature (as /deliver takes) of the empty body would fit every GET: refused.
    const bodyOnly = await host.app.request('/session/main/qr', { headers: signedHeaders(SECRET, '') });
    // A signature made for one session's QR does not open another's.
    const headers = signedRequestHeaders(SECRET, {
      method: 'GET',
      pathAndQuery: '/session/main/qr',
      body: '',
    });
    const moved = await host.app.request('/session/cadangan/qr', { headers });
    const pairingBody = JSON.stringify({ phone_number: '6285000000009' });
    const swapped = await host.app.request('/session/main/pairing-code', {
      method: 'POST',
      body: JSON.stringify({ phone_number: '6289999999999' }),
      headers: {
        'content-type': 'application/json',
        ...signedRequestHeaders(SECRET, {
          method: 'POST',
          pathAndQuery: '/session/main/pairing-code',
          body: pairingBody,
        }),
      },
    });
    expect(
      [unsignedQr, unsignedPairing, unsignedStatus, forged, bodyOnly, moved, swapped].map((r) => r.status),
    ).toEqual([401, 401, 401, 401, 401, 401, 401]);
  });

  it('never echoes an error message: a generic answer with an id, the detail only in the log', async () => {
    const failing: Sender = {
      send: async () => {
        throw new Error('connect ECONNREFUSED postgres://kantong:hunter2@db');
      },
    } as unknown as Sender;
    const app = createHttpApp({
      sessions: new Map(),
      sender: failing,
      metrics: createMetrics(),
      config: { INTERNAL_API_SECRET: SECRET, SIGNATURE_WINDOW_S: 300 },
    });
    const body = JSON.stringify({ to: '6281234567890', text: 'halo' });
    const response = await app.request('/deliver', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, body) },
    });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ECONNREFUSED');
    expect(JSON.parse(text)).toMatchObject({
      status: 'error',
      error: 'internal',
      error_id: expect.any(String),
    });
  });

  it('reports each session state, and health only when every socket is WORKING', async () => {
    const [main, backup] = whatsapp.sockets;
    main?.emit('connection.update', { connection: 'open' });
    const degraded = await host.app.request('/healthz');
    backup?.emit('connection.update', { connection: 'open' });
    const healthy = await host.app.request('/healthz');
    const status = await signedCall('GET', '/session/cadangan/status');

    expect(degraded.status).toBe(503);
    expect(healthy.status).toBe(200);
    expect(await status.json()).toMatchObject({
      session_id: 'cadangan',
      state: 'WORKING',
      bot_number: '6285000000001',
      reconnect_attempts: 0,
    });
  });

  it('sends a signed manual message, and refuses unsigned, forged and replayed ones', async () => {
    const payload = { to: '6281234567890', text: 'Halo dari admin', session_id: 'cadangan' };
    const body = JSON.stringify(payload);
    const headers = { 'content-type': 'application/json', ...signedHeaders(SECRET, body) };

    const sent = await host.app.request('/wa/send', { method: 'POST', body, headers });
    const replayed = await host.app.request('/wa/send', { method: 'POST', body, headers });
    const unsigned = await host.app.request('/wa/send', { method: 'POST', body });
    const forged = await signedPost('/wa/send', payload, 'another-secret-98765');
    const stale = await host.app.request('/wa/send', {
      method: 'POST',
      body,
      headers: signedHeaders(SECRET, body, new Date(Date.now() - 10 * 60_000)),
    });

    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ status: 'sent', sessionId: 'cadangan' });
    expect(whatsapp.sockets[1]?.sent.map((message) => message.text)).toEqual(['Halo dari admin']);
    expect([replayed.status, unsigned.status, forged.status, stale.status]).toEqual([401, 401, 401, 401]);
    expect(await replayed.json()).toMatchObject({ reason: 'replayed' });
    expect(await stale.json()).toMatchObject({ reason: 'expired' });
  });

  it('delivers a signed reply once per outbox id (POST /deliver), and validates the body', async () => {
    const first = await signedPost('/deliver', { to: '6281234567891', text: '✅ Catat', outbox_id: 77 });
    // The API retrying: the same reply, signed again a second later.
    const again = await signedPost(
      '/deliver',
      { to: '6281234567891', text: '✅ Catat', outbox_id: 77 },
      SECRET,
      new Date(Date.now() + 1000),
    );
    const bad = await signedPost('/deliver', { to: '+62 812', text: '' });

    expect(await first.json()).toMatchObject({ status: 'sent' });
    expect(await again.json()).toEqual({ status: 'duplicate' });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { issues: { path: string }[] }).issues.map((issue) => issue.path).sort(),
    ).toEqual(['text', 'to']);
  });

  it('delivers a reply to a household’s group (POST /deliver with a group JID)', async () => {
    const group = '120363000000012345@g.us';
    const response = await signedPost('/deliver', { to: group, text: '✅ Dicatat buat Budi', outbox_id: 78 });

    expect(await response.json()).toMatchObject({ status: 'sent' });
    const sent = whatsapp.sockets.flatMap((socket) => socket.sent);
    expect(sent.filter((message) => message.jid === group).map((message) => message.text)).toEqual([
      '✅ Dicatat buat Budi',
    ]);
  });

  it('publishes Prometheus metrics: messages in and out, reconnects, send queue depth', async () => {
    const response = await host.app.request('/metrics');
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toContain('kantong_wa_messages_out_total{session="cadangan",outcome="sent"} 1');
    expect(text).toContain('# TYPE kantong_wa_messages_in_total counter');
    expect(text).toContain('# TYPE kantong_wa_reconnects_total counter');
    expect(text).toContain('kantong_wa_send_queue_depth 0');
    expect(text).toContain('kantong_wa_session_working{session="main"} 1');
  });
});
