/**
 * Who may use this Kantong (SPEC.md security; REGISTRATION_POLICY):
 * - `open` (default): a new number becomes a *pending* user, gets the welcome guide, and its
 *   transactions are recorded as pending until it replies "ya" — then they are confirmed.
 * - `allowlist`: only numbers in `allowed_numbers` (or ALLOWED_NUMBERS) become users, active at once.
 * - `closed`: no new users.
 * A number that is refused gets a polite answer, and nothing but the message log is stored.
 */
import { z } from 'zod';
import { type CommonQueryMethods, IdRow, sql } from '../db/pool.ts';
import { answerWords } from '../nlu/text.ts';

export type RegistrationPolicy = 'open' | 'allowlist' | 'closed';
export type Admission = 'pending' | 'active' | 'refused';

export const REFUSED =
  'Maaf, nomor kamu belum terdaftar di Kantong ini 🙏 Hubungi pemilik bot kalau mau didaftarkan ya.';
export const BLOCKED = 'Maaf, akun kamu sedang dinonaktifkan. Hubungi pemilik bot ya 🙏';
export const ACTIVATE_HINT =
  'Balas *YA* buat aktifin akun kamu. Sampai itu, transaksi kamu dicatat sebagai pending.';
export const PENDING_NOTE = 'Transaksi ini masih pending sampai kamu balas *YA* buat aktifin akun.';

const PhoneRow = z.object({ phone: z.string() });

/** How an unknown number is let in under `policy`. */
export async function admit(
  db: CommonQueryMethods,
  phone: string,
  policy: RegistrationPolicy,
  allowed: readonly string[],
): Promise<Admission> {
  if (policy === 'open') return 'pending';
  if (policy === 'closed') return 'refused';
  if (allowed.includes(phone)) return 'active';
  const listed = await db.maybeOneFirst(sql.type(PhoneRow)`
    SELECT phone FROM allowed_numbers WHERE phone = ${phone}`);
  return listed === null ? 'refused' : 'active';
}

// Not "ok"/"oke": those confirm a pending receipt (conversation/media.ts), which a new user may have.
const ACTIVATION_WORDS = new Set([
  'ya',
  'iya',
  'iyaa',
  'y',
  'yes',
  'setuju',
  'aktif',
  'aktifkan',
  'daftar',
  'mau',
]);

/** "ya", "Iya!", "ya dong" — a pending user's confirmation. */
export function isActivation(text: string): boolean {
  const words = answerWords(text);
  return (
    words.length > 0 &&
    words.length <= 2 &&
    words.every((word) => ACTIVATION_WORDS.has(word) || word === 'dong')
  );
}

/** Activates a pending user and confirms the transactions recorded while pending; returns how many. */
export async function activate(tx: CommonQueryMethods, userId: number): Promise<number> {
  await tx.query(sql.unsafe`UPDATE users SET status = 'active', updated_at = now() WHERE id = ${userId}`);
  const confirmed = await tx.anyFirst(sql.type(IdRow)`
    UPDATE transactions SET status = 'confirmed', updated_at = now()
    WHERE user_id = ${userId} AND status = 'pending' AND source = 'whatsapp' AND deleted_at IS NULL
      AND media_asset_id IS NULL
    RETURNING id`);
  return confirmed.length;
}
