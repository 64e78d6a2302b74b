/**
 * Service-to-service trust for the JSON API: `/wa/incoming`, `/ai/parse`, `/media/*`, and the
 * routes that name a user by `user_id`/`phone` (reports, savings, transactions) are internal —
 * callers are the WhatsApp host, workers and scripts holding INTERNAL_API_SECRET. Each request
 * carries an HMAC of its request line and body with a timestamp (shared/src/security); a
 * signature is refused outside the replay window or when seen before — by any instance: with
 * `nonces` (the app passes PostgreSQL's, shared/src/security/nonces.ts) the seen signatures are
 * shared, as Lambda needs; without, one process remembers its own. People use the dashboard,
 * whose session-authenticated pages are answered before these routes are reached.
 */
import { getConfig } from '@kantong/shared/config';
import {
  createSharedSignatureGuard,
  createSignatureGuard,
  type GuardResult,
  type NonceStore,
  signedRequestInput,
} from '@kantong/shared/security';
import type { MiddlewareHandler } from 'hono';

/** Marks the guard middleware, so openapi.ts can tell which routes it covers from the app's wiring. */
export const SIGNS = Symbol('kantong.signs');

/**
 * `secret` may be a function: the process app is built at import, before `npm start` has set
 * INTERNAL_API_SECRET, so it reads the configuration on each request.
 */
export function requireSignature(
  secret: string | null | (() => string | null),
  now?: () => Date,
  nonces?: NonceStore,
): MiddlewareHandler {
  type Check = (input: {
    body: string;
    timestamp: string | null;
    signature: string | null;
  }) => GuardResult | Promise<GuardResult>;
  let guard: { secret: string; check: Check } | null = null;
  const guardFor = (current: string | null) => {
    if (!current) return null;
    if (guard?.secret !== current) {
      const windowS = getConfig().SIGNATURE_WINDOW_S;
      const options = { secret: current, windowS, ...(now ? { now } : {}) };
      guard = {
        secret: current,
        check: nonces
          ? createSharedSignatureGuard({ ...options, remember: nonces })
          : createSignatureGuard(options),
      };
    }
    return guard.check;
  };
  const guardMiddleware: MiddlewareHandler = async (c, next) => {
    const check = guardFor(typeof secret === 'function' ? secret() : secret);
    if (!check) {
      return c.json(
        { status: 'error', error: 'not_configured', message: 'INTERNAL_API_SECRET belum diatur di server.' },
        503,
      );
    }
    const result = await check(signedRequestInput(c.req, await c.req.text()));
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
  return Object.assign(guardMiddleware, { [SIGNS]: true as const });
}
