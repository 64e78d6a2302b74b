import * as Categories from '@kantong/shared/categories';
import { getConfig } from '@kantong/shared/config';
import { recordAiCall, toWire, understand } from '@kantong/shared/nlu';
import { isTimeZone } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { resolveUser, validate } from '../http.ts';

const ParseRequestSchema = z.object({
  text: z.string().min(1).max(4000),
  timezone: z.string().refine(isTimeZone, 'unknown timezone').optional(),
  /** With a user, their own categories and timezone apply. */
  user_id: z.number().int().positive().optional(),
});

/** `POST /ai/parse` (SPEC.md): the parse contract over HTTP — the same object `npm run parse` prints. */
export function aiRoutes(deps: ApiDeps) {
  return new Hono().post('/parse', validate('json', ParseRequestSchema), async (c) => {
    const body = c.req.valid('json');
    const pool = await deps.pool();
    const user = body.user_id === undefined ? null : await resolveUser(pool, { user_id: body.user_id });
    const categories = user ? await Categories.optionsForUser(pool, user.id) : undefined;
    const calls: Parameters<typeof recordAiCall>[2][] = [];
    const result = await understand(
      body.text,
      {
        now: deps.now?.() ?? new Date(),
        timezone: body.timezone ?? user?.timezone ?? getConfig().DEFAULT_TIMEZONE,
        ...(categories ? { categories } : {}),
      },
      { llm: deps.llm, onAiCall: (call) => calls.push(call) },
    );
    for (const call of calls) await recordAiCall(pool, user?.id ?? null, call);
    return c.json(toWire(result), 200);
  });
}
