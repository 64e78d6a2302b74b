import { sql } from '@kantong/shared/db';
import { logger } from '@kantong/shared/logger';
import { errors } from '@kantong/shared/metrics';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { describe, type RouteDoc } from '../openapi.ts';

const HEALTH: RouteDoc = {
  operationId: 'health',
  summary: 'Cek kesehatan',
  description: 'Whether the API and its database answer. Public, unsigned; says nothing else (issue 14).',
  tags: ['Operations'],
  responses: {
    200: {
      description: 'The database answers.',
      schema: z.object({ status: z.literal('ok'), database: z.literal('ok') }),
      example: { status: 'ok', database: 'ok' },
    },
    503: {
      description: 'The database does not answer (the reason is logged, not shown).',
      schema: z.object({ status: z.literal('error'), database: z.literal('unreachable') }),
      example: { status: 'error', database: 'unreachable' },
    },
  },
};

const OkRow = z.object({ ok: z.number() });

/**
 * `GET /healthz`: 200 when the database answers, 503 when it does not. The answer says only that
 * (it is public, and a driver's message can name hosts, users and paths: issue 14 item 12); the
 * reason goes to the log, as an error, and is counted.
 */
export function healthRoutes(deps: ApiDeps) {
  return new Hono().get('/', describe(HEALTH), async (c) => {
    try {
      const pool = await deps.pool();
      await pool.oneFirst(sql.type(OkRow)`SELECT 1 AS ok`);
      return c.json({ status: 'ok', database: 'ok' }, 200);
    } catch (error) {
      logger.error({ err: error }, 'health check: the database does not answer');
      errors.inc({ component: 'healthz' });
      return c.json({ status: 'error', database: 'unreachable' }, 503);
    }
  });
}
