import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, sign, signedHeaders, TIMESTAMP_HEADER, verify } from './hmac.ts';

const secret = 'a-shared-secret-of-some-length';
const body = '{"to":"6281234567890","text":"halo"}';
const now = new Date('2026-11-25T02:00:00Z');
const nowS = Math.floor(now.getTime() / 1000);

/** Verifies the signed headers of `body` at `now`, with a 300 s window unless changed. */
function check(headers: Record<string, string>, change: Partial<Parameters<typeof verify>[0]> = {}) {
  return verify({
    secret,
    body,
    timestamp: headers[TIMESTAMP_HEADER],
    signature: headers[SIGNATURE_HEADER],
    windowS: 300,
    now,
    ...change,
  });
}

describe('HMAC request signing', () => {
  it('accepts a request signed with the shared secret within the window', () => {
    const result = check(signedHeaders(secret, body, now));

    expect(result).toEqual({ ok: true, timestamp: nowS });
  });

  it('matches the documented construction: hex HMAC-SHA256 of "timestamp.body"', () => {
    // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac key
    expect(sign('key', 1_700_000_000, '{}')).toBe(
      'sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae',
    );
  });

  it.each([
    ['a changed body', { body: body.replace('halo', 'HALO') }],
    ['another secret', { secret: 'another-secret-of-some-length' }],
  ])('refuses %s as a mismatch', (_name, change) => {
    const result = check(signedHeaders(secret, body, now), change);

    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a signature replayed after the window, and one from too far in the future', () => {
    const old = signedHeaders(secret, body, new Date(now.getTime() - 301_000));
    const future = signedHeaders(secret, body, new Date(now.getTime() + 301_000));
    const edge = signedHeaders(secret, body, new Date(now.getTime() - 300_000));

    expect(check(old)).toEqual({ ok: false, reason: 'expired' });
    expect(check(future)).toEqual({ ok: false, reason: 'expired' });
    expect(check(edge).ok).toBe(true);
  });

  it('refuses missing and malformed headers without comparing anything', () => {
    const base = { secret, body, windowS: 300, now };
    expect(verify({ ...base, timestamp: null, signature: 'sha256=00' })).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(verify({ ...base, timestamp: String(nowS), signature: undefined })).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(verify({ ...base, timestamp: '12.5', signature: sign(secret, nowS, body) })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verify({ ...base, timestamp: String(nowS), signature: 'md5=abc' })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('accepts exactly the signature it made, for any body and time', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 4_000_000_000 }), (anyBody, timestamp) => {
        const signature = sign(secret, timestamp, anyBody);
        const at = new Date(timestamp * 1000);
        const ok = verify({
          secret,
          body: anyBody,
          timestamp: String(timestamp),
          signature,
          windowS: 1,
          now: at,
        });
        const tampered = verify({
          secret,
          body: `${anyBody} `,
          timestamp: String(timestamp),
          signature,
          windowS: 1,
          now: at,
        });
        return ok.ok && !tampered.ok;
      }),
    );
  });
});
