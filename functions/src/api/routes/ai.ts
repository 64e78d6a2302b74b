import * as Categories from '@kantong/shared/categories';
import { getConfig } from '@kantong/shared/config';
import { recordAiCall, toWire, understand, WireParseResultSchema } from '@kantong/shared/nlu';
import { isTimeZone } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { resolveUser, validate } from '../http.ts';
import { describe, type RouteDoc, USER_NOT_FOUND } from '../openapi.ts';

const ParseRequestSchema = z.object({
  text: z.string().min(1).max(4000).meta({ description: 'The message, as the user wrote it.' }),
  timezone: z
    .string()
    .refine(isTimeZone, 'unknown timezone')
    .optional()
    .meta({ description: 'IANA timezone for relative dates ("kemarin"), e.g. Asia/Jakarta.' }),
  /** With a user, their own categories and timezone apply. */
  user_id: z.number().int().positive().optional(),
});

const PARSE: RouteDoc = {
  operationId: 'parseText',
  summary: 'Pahami satu pesan',
  description:
    "What Kantong understands from one message, without recording anything: the same object `npm run parse` prints (SPEC.md `POST /ai/parse`). Rules first; the LLM fallback only when configured and the rules are unsure. With `user_id`, that user's categories and timezone apply; `timezone` (IANA) overrides.",
  tags: ['AI'],
  example: { text: 'beli pulsa 50k', timezone: 'Asia/Jakarta' },
  responses: {
    200: {
      description: 'The parse; fields that do not apply are null.',
      schema: WireParseResultSchema,
      example: {
        intent: 'create_transaction',
        direction: 'expense',
        amount: 50000,
        currency: 'IDR',
        description: 'beli pulsa',
        category_suggestion: 'Pulsa & Data',
        datetime: '2024-05-01T08:30:00+07:00',
        saving_name: null,
        target_amount: null,
        period: null,
        category_filter: null,
        question: null,
        confidence: 0.95,
        transactions: null,
        counterparty: null,
        wallet: null,
        to_wallet: null,
      },
    },
    404: USER_NOT_FOUND,
  },
};

/** `POST /ai/parse` (SPEC.md): the parse contract over HTTP — the same object `npm run parse` prints. */
export function aiRoutes(deps: ApiDeps) {
  return new Hono().post('/parse', describe(PARSE), validate('json', ParseRequestSchema), async (c) => {
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
