/**
 * Small pieces every route shares: how a user is named in a request, how domain errors become
 * HTTP answers, and the validator hook that turns zod issues into a clear 400.
 */
import { zValidator } from '@hono/zod-validator';
import type { DatabasePool } from '@kantong/shared/db';
import { DomainError } from '@kantong/shared/errors';
import * as Users from '@kantong/shared/users';
import type { ValidationTargets } from 'hono';
import { z } from 'zod';

/** Routes name the user by id or by WhatsApp number (the dashboard's session replaces this later). */
export const UserRefSchema = z.object({
  user_id: z.coerce.number().int().positive().optional().meta({ description: "Kantong's user id." }),
  phone: z
    .string()
    .max(32)
    .optional()
    .meta({ description: 'The WhatsApp number, e.g. 6281234567890 (08… and +62… are read the same).' }),
});
export type UserRef = z.infer<typeof UserRefSchema>;

export async function resolveUser(pool: DatabasePool, ref: UserRef): Promise<Users.User> {
  const user =
    ref.user_id !== undefined
      ? await Users.findById(pool, ref.user_id)
      : ref.phone !== undefined
        ? await Users.findByPhone(pool, Users.normalisePhone(ref.phone))
        : null;
  if (ref.user_id === undefined && ref.phone === undefined) {
    throw new DomainError('invalid', 'user_id atau phone wajib diisi.');
  }
  if (!user) throw new DomainError('not_found', 'User tidak ditemukan.');
  return user;
}

/**
 * Marks a validator middleware with what it checks, so openapi.ts can describe the request from
 * the very schema instance the route validates with (no second copy that could drift).
 */
export const VALIDATES = Symbol('kantong.validates');
export type Validates = { target: keyof ValidationTargets; schema: z.ZodType };

/** zod validation with Kantong's error shape: `{ status: 'error', error: 'invalid_request', issues }`. */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  const middleware = zValidator(target, schema, (result, c) => {
    if (!result.success) {
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      }));
      return c.json(
        { status: 'error', error: 'invalid_request', message: 'Request tidak valid.', issues },
        400,
      );
    }
  });
  return Object.assign(middleware, { [VALIDATES]: { target, schema } satisfies Validates });
}

/**
 * A user named by `user_id` or `phone`: at least one is needed (resolveUser answers 400
 * otherwise). The rule lives in the JSON Schema as `anyOf` so the OpenAPI document says it too;
 * zod ignores this metadata when validating.
 */
export const NEEDS_USER_REF = {
  anyOf: [{ required: ['user_id'] }, { required: ['phone'] }],
} as const;

export const DOMAIN_STATUS = {
  not_found: 404,
  conflict: 409,
  invalid: 400,
  insufficient_funds: 422,
} as const satisfies Record<DomainError['code'], number>;
