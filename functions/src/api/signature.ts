/**
 * Service-to-service trust for the JSON API: `/wa/incoming`, `/ai/parse`, `/media/*`, and the
 * routes that name a user by `user_id`/`phone` (reports, savings, transactions) are internal —
 * callers are the WhatsApp host, workers and scripts holding INTERNAL_API_SECRET. Each request
 * carries an HMAC of its request line and body with a timestamp (shared/src/security); a
 * signature is refused outside the replay window or when seen before. People use the dashboard,
 * whose session-authenticated pages are answered before these routes are reached.
 */
import { getConfig } from '@kantong/shared/config';
import {
  createSignatureGuard,
  NONCE_HEADER,
  requestPayload,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from '@kantong/shared/security';
import type { MiddlewareHandler } from 'hono';

/**
 * `secret` may be a function: the process app is built at import, before `npm start` has set
 * INTERNAL_API_SECRET, so it reads the configuration on each request.
 */
export function requireSignature(
  secret: string | null | (() => string | null),
  now?: () => Date,
): MiddlewareHandler {
  let guard: { secret: string; check: ReturnType<typeof createSignatureGuard> } | null = null;
  const guardFor = (current: string | null) => {
    if (!current) return null;
    if (guard?.secret !== current) {
      const windowS = getConfig().SIGNATURE_WINDOW_S;
      guard = {
        secret: current,
        check: createSignatureGuard({ secret: current, windowS, ...(now ? { now } : {}) }),
      };
    }
    return guard.check;
  };
  return async (c, next) => {
    const check = guardFor(typeof secret === 'function' ? secret() : secret);
    if (!check) {
      return c.json(
        { status: 'error', error: 'not_configured', message: 'INTERNAL_API_SECRET belum diatur di server.' },
        503,
      );
    }
    const url = new URL(c.req.url);
    const body = await c.req.text();
    const result = check({
      body: requestPayload(
        c.req.method,
        `${url.pathname}${url.search}`,
        body,
        c.req.header(NONCE_HEADER) ?? '',
      ),
      timestamp: c.req.header(TIMESTAMP_HEADER) ?? null,
      signature: c.req.header(SIGNATURE_HEADER) ?? null,
    });
    if (!result.ok) {
      return c.json(
        {
          status: 'error',
          error: 'unauthorized',
          reason: result.reason,
          message: 'Tanda tangan request tidak valid.',
        },
        401,
      );
    }
    await next();
  };
}
