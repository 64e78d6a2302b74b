/**
 * CSRF checks for dashboard forms. Signed-in forms use the synchronizer token inside the session
 * JWT (an attacker's page can neither read it nor forge the signed cookie); the login and
 * onboarding forms, which come before any session, use a double-submit cookie. Both compare in
 * constant time, and a request whose Origin names another site is refused before either.
 */
import { timingSafeEqual } from 'node:crypto';

export function sameToken(expected: string | undefined, given: string | undefined): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * True when the request's Origin header is absent (old browsers, same-origin GET forms) or is
 * one of `allowed` — the origin the request reached and the configured public address.
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || origin === '') return true;
  return allowed.includes(origin);
}
