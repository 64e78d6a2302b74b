/**
 * Operations endpoints on the published API port (issue 14 item 12): /metrics only for a scraper
 * holding METRICS_TOKEN, and /healthz that says up or down without the database's own words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createTestApi, type TestApi } from './testing.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(async () => {
  await api.db.drop();
});

describe('GET /metrics on the API', () => {
  it('is not served without METRICS_TOKEN, and only with its bearer token when set', async () => {
    const closed = createApp({ pool: async () => api.db.pool, llm: null, metricsToken: null });
    expect((await closed.request('/metrics')).status).toBe(404);

    const app = createApp({ pool: async () => api.db.pool, llm: null, metricsToken: TOKEN });
    expect((await app.request('/metrics')).status).toBe(401);
    const wrong = await app.request('/metrics', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await app.request('/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('kantong_http_request_duration_seconds');
  });
});

describe('GET /healthz', () => {
  it('answers 503 with a generic status when the database is down, the reason only in the log', async () => {
    const down = createApp({
      pool: async () => {
        throw new Error(
          'connect ECONNREFUSED 10.0.0.7:5432 (password authentication failed for user "kantong")',
        );
      },
      llm: null,
      metricsToken: null,
    });
    const response = await down.request('/healthz');
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(text)).toEqual({ status: 'error', database: 'unreachable' });
    expect(text).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|kantong/);
    const up = await api.app.request('/healthz');
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ok', database: 'ok' });
  });
});
