/**
 * Dashboard passwords: argon2id with OWASP's baseline parameters (19 MiB, 2 passes, 1 lane),
 * about 20 ms per hash on a server core — slow for a guesser, quick enough for a Lambda login.
 */
import zxcvbnCore from '@zxcvbn-ts/core';
import zxcvbnCommon from '@zxcvbn-ts/language-common';
import zxcvbnId from '@zxcvbn-ts/language-id';
import argon2 from 'argon2';
import { DomainError } from '../errors/index.ts';

const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

/** True when `password` matches `hash`; a malformed hash is a mismatch, never an exception. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification against nothing, so a login for an unknown phone takes as
 * long as a wrong password for a known one (no user enumeration by timing).
 */
export async function burnVerification(password: string): Promise<void> {
  dummyHash ??= hashPassword('kantong-dummy-password');
  await verifyPassword(await dummyHash, password);
}

/** The rule as the password form states it. */
export const PASSWORD_RULE = `min. ${PASSWORD_MIN_LENGTH} karakter, bukan password umum atau gampang ditebak seperti 12345678`;

/**
 * zxcvbn's lowest acceptable score. 2 ("somewhat guessable": about 10^8 guesses) refuses the
 * common and patterned passwords (12345678, password, qwertyuiop, bismillah, rahasia123) while
 * a few joined words pass (kopi-susu-2025); with the lockout (5 tries per 15 minutes) an online
 * guesser cannot get near 10^8, and the hash is argon2id for an offline one.
 */
export const MIN_PASSWORD_SCORE = 2;

let estimator: InstanceType<typeof zxcvbnCore.ZxcvbnFactory> | undefined;

/** English-language common passwords and patterns plus the Indonesian dictionary; built once. */
function passwordEstimator() {
  estimator ??= new zxcvbnCore.ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnId.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnId.translations,
  });
  return estimator;
}

/** True when `password` is common or easy to guess (zxcvbn score below {@link MIN_PASSWORD_SCORE}). */
export function isGuessable(password: string, userInputs: readonly string[] = []): boolean {
  return passwordEstimator().check(password, [...userInputs]).score < MIN_PASSWORD_SCORE;
}

/** The rules a new password must meet; the message is shown on the form as it is. */
export function checkNewPassword(
  password: string,
  confirmation: string,
  /** Words of this account a guesser knows (its phone, its email), counted as guessable. */
  userInputs: readonly string[] = [],
): void {
  if (password.length < PASSWORD_MIN_LENGTH)
    throw new DomainError('invalid', `Password minimal ${PASSWORD_MIN_LENGTH} karakter ya.`);
  if (password.length > PASSWORD_MAX_LENGTH)
    throw new DomainError('invalid', `Password maksimal ${PASSWORD_MAX_LENGTH} karakter ya.`);
  if (password.trim().length === 0) throw new DomainError('invalid', 'Password nggak boleh cuma spasi.');
  if (password !== confirmation)
    throw new DomainError('invalid', 'Konfirmasi password-nya beda. Coba ketik ulang.');
  if (isGuessable(password, userInputs))
    throw new DomainError(
      'invalid',
      'Password ini gampang ditebak (terlalu umum atau berpola). Coba gabungan beberapa kata dan angka, misalnya kopi-susu-2025.',
    );
}
