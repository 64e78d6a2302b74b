/**
 * Signatures already accepted, kept in PostgreSQL (`signature_nonces`, migration 012) so every
 * instance of the API sees them: on Lambda each request may land on a different instance, and a
 * map in one process let a captured signed request be replayed to the next one. A signature is
 * remembered until its replay window has passed; after that `verify` refuses it as expired
 * anyway, so the row can go.
 */
import { z } from 'zod';
import { type DatabasePool, sql } from '../db/pool.ts';
import type { NonceStore } from './hmac.ts';

/** Expired rows removed per check: enough to keep the table at its live size, never a long delete. */
const SWEEP = 50;

const SignatureRow = z.object({ signature: z.string() });

export function postgresNonces(pool: () => Promise<DatabasePool>): NonceStore {
  return async (signature, expiresAt) => {
    const db = await pool();
    await db.query(sql.unsafe`
      DELETE FROM signature_nonces WHERE signature IN (
        SELECT signature FROM signature_nonces WHERE expires_at < now() LIMIT ${SWEEP})`);
    // One statement decides, so two instances checking the same signature at once cannot both win.
    const fresh = await db.maybeOneFirst(sql.type(SignatureRow)`
      INSERT INTO signature_nonces (signature, expires_at) VALUES (${signature}, ${sql.timestamp(expiresAt)})
      ON CONFLICT (signature) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE signature_nonces.expires_at < now()
      RETURNING signature`);
    return fresh !== null;
  };
}
