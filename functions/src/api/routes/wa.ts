import { mintLinks } from '@kantong/shared/auth';
import { handleIncoming, IncomingMessageSchema } from '@kantong/shared/conversation';
import { replyAddress } from '@kantong/shared/messages';
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.ts';
import { validate } from '../http.ts';
import { describeIncoming } from './wa-doc.ts';

/** `POST /wa/incoming` (SPEC.md): one WhatsApp message in, the reply out. */
export function waRoutes(deps: ApiDeps) {
  return new Hono().post(
    '/incoming',
    describeIncoming,
    validate('json', IncomingMessageSchema),
    async (c) => {
      const message = c.req.valid('json');
      const pool = await deps.pool();
      const result = await handleIncoming(
        { pool, llm: deps.llm, ...(deps.now ? { now: deps.now } : {}) },
        message,
      );
      // This response is the delivery: a one-time link is minted now, never stored (issue 14 item 2).
      const reply = await mintLinks(pool, replyAddress(message), result.reply, deps.now?.() ?? new Date());
      return c.json({ ...result, reply }, 200);
    },
  );
}
