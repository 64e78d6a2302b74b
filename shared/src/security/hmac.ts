/**
 * Signed internal calls: the sender puts the Unix time and an HMAC-SHA256 of `timestamp.body`
 * (hex, under a shared secret) in two headers; the receiver recomputes it and refuses a request
 * whose signature differs or whose time is outside the replay window. The WhatsApp host checks
 * `POST /deliver` and `POST /wa/send` this way; the API signs its calls with the same helpers.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-kantong-timestamp';
export const SIGNATURE_HEADER = 'x-kantong-signature';
const PREFIX = 'sha256=';

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function sign(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `${PREFIX}${mac}`;
}

/**
 * The two headers that sign `body` now.
 *
 * @example
 *   fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signedHeaders(secret, body) } })
 */
export function signedHeaders(secret: string, body: string, now: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: sign(secret, timestamp, body) };
}

export type VerifyFailure = 'missing' | 'malformed' | 'expired' | 'mismatch';
export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };

/**
 * Checks a signature in constant time. `windowS` bounds the clock difference either way, so a
 * captured request cannot be replayed later (within the window, the receiver's own
 * deduplication, such as an outbox id, must hold).
 */
export function verify(input: {
  secret: string;
  body: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  windowS: number;
  now?: Date;
}): VerifyResult {
  if (!input.timestamp || !input.signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(input.timestamp) || !/^sha256=[0-9a-f]{64}$/.test(input.signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const timestamp = Number(input.timestamp);
  const nowS = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowS - timestamp) > input.windowS) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(sign(input.secret, timestamp, input.body), 'utf8');
  const given = Buffer.from(input.signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'mismatch' };
  }
  return { ok: true, timestamp };
}

export type GuardResult = { ok: true } | { ok: false; reason: VerifyFailure | 'replayed' };

/**
 * A verifier that also refuses a signature it has already accepted inside the replay window, so
 * a captured request cannot be sent again (per process; receivers stay idempotent besides).
 */
export function createSignatureGuard(options: { secret: string; windowS: number; now?: () => Date }) {
  const seen = new Map<string, number>();
  return (input: { body: string; timestamp: string | null; signature: string | null }): GuardResult => {
    const now = options.now?.() ?? new Date();
    const result = verify({ ...input, secret: options.secret, windowS: options.windowS, now });
    const nowMs = now.getTime();
    for (const [signature, expires] of seen) if (expires < nowMs) seen.delete(signature);
    if (!result.ok) return result;
    if (!input.signature || seen.has(input.signature)) return { ok: false, reason: 'replayed' };
    seen.set(input.signature, nowMs + 2 * options.windowS * 1000);
    return { ok: true };
  };
}

export const NONCE_HEADER = 'x-kantong-nonce';

/**
 * What the API signs: a nonce, the method and the path with its query, then the body. Binding
 * the request line means a signature captured on one call (a GET has no body) cannot be reused on
 * another; the nonce lets a caller repeat the very same request within one second (a retry)
 * while a captured one still cannot be replayed.
 */
export function requestPayload(method: string, pathAndQuery: string, body: string, nonce: string): string {
  return `${nonce}\n${method.toUpperCase()} ${pathAndQuery}\n${body}`;
}

/**
 * What a received request offers for checking its request signature: the payload
 * {@link requestPayload} builds from its method, path, query, body and nonce header, and its
 * timestamp and signature headers. One reading for the API and the WhatsApp host.
 */
export function signedRequestInput(
  request: { method: string; url: string; header(name: string): string | undefined },
  body: string,
): { body: string; timestamp: string | null; signature: string | null } {
  const url = new URL(request.url);
  return {
    body: requestPayload(
      request.method,
      `${url.pathname}${url.search}`,
      body,
      request.header(NONCE_HEADER) ?? '',
    ),
    timestamp: request.header(TIMESTAMP_HEADER) ?? null,
    signature: request.header(SIGNATURE_HEADER) ?? null,
  };
}

/** The three headers that sign an API request now (signature.ts checks them). */
export function signedRequestHeaders(
  secret: string,
  request: { method: string; pathAndQuery: string; body: string },
  now: Date = new Date(),
): Record<string, string> {
  const nonce = randomBytes(12).toString('hex');
  return {
    [NONCE_HEADER]: nonce,
    ...signedHeaders(secret, requestPayload(request.method, request.pathAndQuery, request.body, nonce), now),
  };
}

/** Remembers an accepted signature until `expiresAt`; false when it was already remembered. */
export type NonceStore = (signature: string, expiresAt: Date) => Promise<boolean>;

/**
 * {@link createSignatureGuard} with the seen signatures kept in `remember` (nonces.ts: in
 * PostgreSQL), so several processes — Lambda instances — refuse a replay together.
 */
export function createSharedSignatureGuard(options: {
  secret: string;
  windowS: number;
  remember: NonceStore;
  now?: () => Date;
}) {
  return async (input: {
    body: string;
    timestamp: string | null;
    signature: string | null;
  }): Promise<GuardResult> => {
    const now = options.now?.() ?? new Date();
    const result = verify({ ...input, secret: options.secret, windowS: options.windowS, now });
    if (!result.ok) return result;
    if (!input.signature) return { ok: false, reason: 'replayed' };
    const fresh = await options.remember(
      input.signature,
      new Date(now.getTime() + 2 * options.windowS * 1000),
    );
    return fresh ? { ok: true } : { ok: false, reason: 'replayed' };
  };
}
