import { sql } from '@kantong/shared/db';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';

/** `GET /healthz`: 200 when the database answers, 503 (with the reason) when it does not. */
export function healthRoutes(deps: ApiDeps) {
  return new Hono().get('/', async (c) => {
    try {
      const pool = await deps.pool();
      await pool.oneFirst(sql.type(z.object({ ok: z.number() }))`SELECT 1 AS ok`);
      return c.json({ status: 'ok', database: 'ok' }, 200);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return c.json({ status: 'error', database: 'unreachable', error: reason }, 503);
    }
  });
}
