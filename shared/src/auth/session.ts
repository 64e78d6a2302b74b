/**
 * Dashboard sessions are a JWT (HS256, jose) in an HttpOnly cookie. The token names the user,
 * carries the session's CSRF token, and the user's session version (`users.session_version`):
 * logout and a new password ("lupa password") bump it, which voids every older session on the
 * server without a session table (issue 14 item 10: a JWT alone stays valid for 7 days).
 */
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { ConfigError, getConfig } from '../config.ts';
import { logger } from '../logger.ts';

export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
const ISSUER = 'kantong';
const AUDIENCE = 'kantong-dashboard';

export type Session = {
  userId: number;
  /** The synchronizer token every dashboard form and HTMX request must send back. */
  csrf: string;
  /** `users.session_version` when the session began; a bump since ends the session. */
  sessionVersion: number;
};

const ClaimsSchema = z.object({
  sub: z.string().regex(/^[1-9][0-9]*$/),
  csrf: z.string().min(16),
  sv: z.number().int().nonnegative(),
});

let generatedSecret: Uint8Array | undefined;

function secret(): Uint8Array {
  const configured = getConfig().SESSION_SECRET;
  if (configured) return new TextEncoder().encode(configured);
  // On Lambda every instance would invent its own key: sessions and CSRF tokens made on one
  // instance would fail on the next (issue 13). There a missing secret is an error, never a key.
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) {
    throw new ConfigError('SESSION_SECRET is not set: a Lambda instance will not invent a session key');
  }
  if (!generatedSecret) {
    logger.warn('SESSION_SECRET is not set: dashboard sessions use a random key and end at restart');
    generatedSecret = randomBytes(32);
  }
  return generatedSecret;
}

/** A random URL-safe token (CSRF tokens, one-time links). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export async function signSession(
  input: { userId: number; sessionVersion: number },
  now: Date = new Date(),
): Promise<{ token: string; session: Session }> {
  const session = { userId: input.userId, csrf: randomToken(), sessionVersion: input.sessionVersion };
  const issuedAt = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ csrf: session.csrf, sv: session.sessionVersion })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(input.userId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + SESSION_TTL_SECONDS)
    .sign(secret());
  return { token, session };
}

/** The session in `token`, or null when it is forged, tampered with, expired or malformed. */
export async function verifySession(token: string, now: Date = new Date()): Promise<Session | null> {
  try {
    const { payload } = await jwtVerify(token, secret(), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
    });
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) return null;
    return { userId: Number(claims.data.sub), csrf: claims.data.csrf, sessionVersion: claims.data.sv };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
