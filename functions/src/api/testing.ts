/**
 * Route tests run the real app against a fresh PostgreSQL database (no mocks): `app.request()`
 * goes through validation, the domain and SQL exactly as a deployed request would.
 */
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import type { LlmFallback } from '@kantong/shared/nlu';
import { signedRequestHeaders } from '@kantong/shared/security';
import { createApp } from './app.ts';

/** The secret route tests sign internal calls with. */
export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789';

/** The bearer token route tests scrape GET /metrics with. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

/** Headers that sign an internal call to `path` with `body` (see signature.ts). */
export function signFor(method: string, path: string, body: string, now?: Date): Record<string, string> {
  return signedRequestHeaders(TEST_INTERNAL_SECRET, { method, pathAndQuery: path, body }, now);
}

export type TestApi = {
  app: ReturnType<typeof createApp>;
  db: TestDatabase;
  /** POSTs JSON and returns status + parsed body. */
  post: (path: string, body: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;
  get: (path: string) => Promise<{ status: number; body: Record<string, unknown> }>;
  /** Sends a WhatsApp text through `POST /wa/incoming`. */
  say: (from: string, text: string, messageId?: string) => Promise<Record<string, unknown>>;
};

let counter = 0;

export async function createTestApi(
  options: { now?: () => Date; llm?: LlmFallback | null; maximumPoolSize?: number } = {},
): Promise<TestApi> {
  const db = await createTestDatabase(
    options.maximumPoolSize === undefined ? {} : { maximumPoolSize: options.maximumPoolSize },
  );
  const app = createApp({
    pool: async () => db.pool,
    llm: options.llm ?? null,
    internalSecret: TEST_INTERNAL_SECRET,
    metricsToken: TEST_METRICS_TOKEN,
    ...(options.now ? { now: options.now } : {}),
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const response = await app.request(path, {
      method,
      headers: {
        ...signFor(method, path, raw, options.now?.()),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: raw }),
    });
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { raw: text };
    }
    return { status: response.status, body: parsed };
  };
  return {
    app,
    db,
    post: (path, body) => call('POST', path, body),
    get: (path) => call('GET', path),
    say: async (from, text, messageId) => {
      counter += 1;
      const response = await call('POST', '/wa/incoming', {
        from_number: from,
        message_type: 'text',
        text,
        media_url: null,
        timestamp: Math.floor((options.now?.() ?? new Date()).getTime() / 1000),
        message_id: messageId ?? `test-${process.pid}-${counter}`,
      });
      if (response.status !== 200)
        throw new Error(`wa/incoming ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body;
    },
  };
}
