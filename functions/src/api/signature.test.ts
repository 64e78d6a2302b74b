/**
 * Service-to-service trust: the internal JSON API answers only requests signed with the shared
 * secret, inside the replay window, once.
 */
import { signedRequestHeaders } from '@kantong/shared/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createTestApi, signFor, TEST_INTERNAL_SECRET, TEST_METRICS_TOKEN, type TestApi } from './testing.ts';

let api: TestApi;
const body = JSON.stringify({ from_number: '6281800000001', message_type: 'text', text: 'beli kopi 20k' });
const post = (headers: Record<string, string>) =>
  api.app.request('/wa/incoming', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.db.drop();
});

describe('signed internal calls', () => {
  it('accepts a correctly signed request', async () => {
    expect((await post(signFor('POST', '/wa/incoming', body))).status).toBe(200);
  });

  it('refuses a request without a signature', async () => {
    const response = await post({});
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized', reason: 'missing' });
  });

  it('refuses a signature made with another secret', async () => {
    const headers = signedRequestHeaders('not-the-secret-at-all-0000', {
      method: 'POST',
      pathAndQuery: '/wa/incoming',
      body,
    });
    expect(await (await post(headers)).json()).toMatchObject({ reason: 'mismatch' });
  });

  it('refuses a body changed after signing', async () => {
    const headers = signFor('POST', '/wa/incoming', body.replace('20k', '2jt'));
    expect(await (await post(headers)).json()).toMatchObject({ reason: 'mismatch' });
  });

  it('refuses a signature older than the replay window', async () => {
    const headers = signFor('POST', '/wa/incoming', body, new Date(Date.now() - 10 * 60_000));
    expect(await (await post(headers)).json()).toMatchObject({ reason: 'expired' });
  });

  it('refuses the same signed request a second time', async () => {
    const headers = signFor('POST', '/wa/incoming', body);
    expect((await post(headers)).status).toBe(200);
    expect(await (await post(headers)).json()).toMatchObject({ reason: 'replayed' });
  });

  it('does not let a signature for one path open another', async () => {
    const headers = signFor('GET', '/reports/daily?user_id=1', '');
    const response = await api.app.request('/reports/daily?user_id=2', { headers });
    expect(await response.json()).toMatchObject({ reason: 'mismatch' });
  });

  it('answers 503 when the server has no secret configured', async () => {
    const open = createApp({ pool: async () => api.db.pool, llm: null, internalSecret: null });
    const response = await open.request('/wa/incoming', {
      method: 'POST',
      body,
      headers: signFor('POST', '/wa/incoming', body),
    });
    expect(response.status).toBe(503);
    expect(TEST_INTERNAL_SECRET.length).toBeGreaterThanOrEqual(16);
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus metrics with request latency and queue figures', async () => {
    await api.get('/healthz');
    const response = await api.app.request('/metrics', {
      headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('kantong_http_request_duration_seconds_bucket');
    expect(text).toMatch(
      /kantong_http_request_duration_seconds_count\{method="GET",route="\/healthz\/?\*?",status="200"\} \d+/,
    );
    expect(text).toContain('# TYPE kantong_queue_lag_seconds histogram');
  });
});
