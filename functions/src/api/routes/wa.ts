import { handleIncoming, IncomingMessageSchema } from '@kantong/shared/conversation';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.ts';
import { validate } from '../http.ts';

/** `POST /wa/incoming` (SPEC.md): one WhatsApp message in, the reply out. */
export function waRoutes(deps: ApiDeps) {
  return new Hono().post('/incoming', validate('json', IncomingMessageSchema), async (c) => {
    const message = c.req.valid('json');
    const result = await handleIncoming(
      { pool: await deps.pool(), llm: deps.llm, ...(deps.now ? { now: deps.now } : {}) },
      message,
    );
    return c.json(result, 200);
  });
}
