/**
 * Replay protection shared by every instance (issue 13, item 5): on Lambda each request may land
 * on another instance, so a signature accepted by one must be refused by the next. The nonces
 * live in PostgreSQL (signature_nonces), not in one process's memory.
 */
import { createDatabasePool, type DatabasePool } from '@kantong/shared/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createTestApi, signFor, TEST_INTERNAL_SECRET, type TestApi } from './testing.ts';

let api: TestApi;
let otherPool: DatabasePool;
let other: ReturnType<typeof createApp>;
const body = JSON.stringify({ from_number: '6281800000077', message_type: 'text', text: 'beli kopi 20k' });
const post = (app: ReturnType<typeof createApp>, headers: Record<string, string>, text = body) =>
  app.request('/wa/incoming', {
    method: 'POST',
    body: text,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

beforeAll(async () => {
  api = await createTestApi();
  // A second instance: its own process state and its own connections to the same database.
  otherPool = await createDatabasePool(api.db.url, { maximumPoolSize: 2 });
  other = createApp({ pool: async () => otherPool, llm: null, internalSecret: TEST_INTERNAL_SECRET });
});
afterAll(async () => {
  await otherPool.end();
  await api.db.drop();
});

describe('a signed request on several instances', () => {
  it('is refused when replayed to a second instance', async () => {
    const headers = signFor('POST', '/wa/incoming', body);
    expect((await post(api.app, headers)).status).toBe(200);
    const replayed = await post(other, headers);
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ reason: 'replayed' });
  });

  it('is refused when two instances get it at the same moment, once accepted', async () => {
    const again = body.replace('20k', '25k');
    const headers = signFor('POST', '/wa/incoming', again);
    const statuses = await Promise.all([post(api.app, headers, again), post(other, headers, again)]).then(
      (responses) => responses.map((response) => response.status).sort(),
    );
    expect(statuses).toEqual([200, 401]);
  });
});
