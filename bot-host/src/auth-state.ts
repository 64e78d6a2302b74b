/**
 * Baileys' authentication state in PostgreSQL (DESIGN.md decision 6): the credentials of a
 * session in `wa_auth_creds` and every Signal key family in `wa_auth_keys`, one row per key.
 * Baileys' own docs warn that `useMultiFileAuthState` is not for production; this is the store
 * they ask for. Values are serialised with Baileys' BufferJSON, so the Buffers and Uint8Arrays
 * inside keys come back as bytes.
 *
 * Baileys wraps `keys` in its own transaction layer (addTransactionCapability), which batches a
 * message's key writes into one `set`; each `set` here is one PostgreSQL transaction.
 */
import type { DatabasePool } from '@kantong/shared/db';
import { sql } from '@kantong/shared/db';
import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
} from 'baileys';
import { z } from 'zod';

export type PostgresAuthState = {
  state: AuthenticationState;
  /** Writes the current credentials (Baileys emits `creds.update` after changing them in place). */
  saveCreds: () => Promise<void>;
  /** Forgets the session (after a logout): the next start shows a new QR code. */
  clear: () => Promise<void>;
};

export function serialise(value: unknown): string {
  return JSON.stringify(value, BufferJSON.replacer);
}

export function deserialise<T>(text: string): T {
  return JSON.parse(text, BufferJSON.reviver) as T;
}

const KeyRowSchema = z.object({ key_id: z.string(), value: z.string() });

/** Whether credentials were ever stored for this session (a logged-in or half-paired number). */
export async function hasCreds(pool: DatabasePool, sessionId: string): Promise<boolean> {
  return pool.exists(sql.unsafe`SELECT 1 FROM wa_auth_creds WHERE session_id = ${sessionId}`);
}

/**
 * The auth state of one session, loaded from PostgreSQL (fresh credentials when none are stored).
 *
 * @example
 *   const auth = await usePostgresAuthState(pool, 'main');
 *   const sock = makeWASocket({ auth: auth.state });
 *   sock.ev.on('creds.update', auth.saveCreds);
 */
export async function usePostgresAuthState(
  pool: DatabasePool,
  sessionId: string,
): Promise<PostgresAuthState> {
  const stored = await pool.maybeOneFirst(
    sql.type(
      z.object({ creds: z.string() }),
    )`SELECT creds FROM wa_auth_creds WHERE session_id = ${sessionId}`,
  );
  const creds: AuthenticationCreds = stored ? deserialise<AuthenticationCreds>(stored) : initAuthCreds();

  const get = async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    if (ids.length === 0) return result;
    const rows = await pool.any(sql.type(KeyRowSchema)`
      SELECT key_id, value FROM wa_auth_keys
      WHERE session_id = ${sessionId} AND family = ${type} AND key_id = ANY(${sql.array(ids, 'text')})`);
    for (const row of rows) {
      let value: unknown = deserialise(row.value);
      // Baileys reads this family as a protobuf object, not a plain one.
      if (type === 'app-state-sync-key') {
        value = proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>);
      }
      result[row.key_id] = value as SignalDataTypeMap[T];
    }
    return result;
  };

  const set = async (data: SignalDataSet) => {
    const families: string[] = [];
    const ids: string[] = [];
    const values: string[] = [];
    const deletes: { family: string; id: string }[] = [];
    for (const [family, entries] of Object.entries(data)) {
      for (const [id, value] of Object.entries(entries ?? {})) {
        if (value === null || value === undefined) {
          deletes.push({ family, id });
        } else {
          families.push(family);
          ids.push(id);
          values.push(serialise(value));
        }
      }
    }
    if (families.length === 0 && deletes.length === 0) return;
    await pool.transaction(async (tx) => {
      if (families.length > 0) {
        await tx.query(sql.unsafe`
          INSERT INTO wa_auth_keys (session_id, family, key_id, value)
          SELECT ${sessionId}, f, k, v
          FROM unnest(${sql.array(families, 'text')}, ${sql.array(ids, 'text')}, ${sql.array(values, 'text')})
            AS t(f, k, v)
          ON CONFLICT (session_id, family, key_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`);
      }
      if (deletes.length > 0) {
        await tx.query(sql.unsafe`
          DELETE FROM wa_auth_keys
          WHERE session_id = ${sessionId}
            AND (family, key_id) IN (
              SELECT * FROM unnest(
                ${sql.array(
                  deletes.map((entry) => entry.family),
                  'text',
                )},
                ${sql.array(
                  deletes.map((entry) => entry.id),
                  'text',
                )}))`);
      }
    });
  };

  const saveCreds = async () => {
    await pool.query(sql.unsafe`
      INSERT INTO wa_auth_creds (session_id, creds) VALUES (${sessionId}, ${serialise(creds)})
      ON CONFLICT (session_id) DO UPDATE SET creds = EXCLUDED.creds, updated_at = now()`);
  };

  const clear = async () => {
    await pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`DELETE FROM wa_auth_keys WHERE session_id = ${sessionId}`);
      await tx.query(sql.unsafe`DELETE FROM wa_auth_creds WHERE session_id = ${sessionId}`);
    });
  };

  return {
    state: {
      creds,
      keys: {
        get,
        set,
        clear: async () => {
          await pool.query(sql.unsafe`DELETE FROM wa_auth_keys WHERE session_id = ${sessionId}`);
        },
      },
    },
    saveCreds,
    clear,
  };
}
