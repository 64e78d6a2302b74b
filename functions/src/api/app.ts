/**
 * The Hono app behind `httpApi` (lambda.ts) and the local server (local.ts): SPEC.md's JSON API
 * and the web dashboard (functions/src/dashboard).
 * Routes parse, call one domain function, map the result (DESIGN.md decision 7); this file only
 * mounts them and maps errors once.
 */
import { timingSafeEqual } from 'node:crypto';
import { getConfig } from '@kantong/shared/config';
import { getPool } from '@kantong/shared/db';
import { DomainError } from '@kantong/shared/errors';
import { logger } from '@kantong/shared/logger';
import { errors, httpDuration, registry } from '@kantong/shared/metrics';
import { configuredFallback } from '@kantong/shared/nlu';
import { postgresNonces } from '@kantong/shared/security';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { dashboardRoutes } from '../dashboard/index.ts';
import { cleanRequestText } from './clean-input.ts';
import type { ApiDeps } from './deps.ts';
import { docsRoutes } from './docs.ts';
import { DOMAIN_STATUS } from './http.ts';
import { describe, type OpenApiDocument, openApiDocument, type RouteDoc } from './openapi.ts';
import { aiRoutes } from './routes/ai.ts';
import { healthRoutes } from './routes/health.ts';
import { mediaRoutes } from './routes/media.ts';
import { reportRoutes } from './routes/reports.ts';
import { savingsRoutes } from './routes/savings.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { waRoutes } from './routes/wa.ts';
import { requireSignature } from './signature.ts';

/** Largest request body: a WhatsApp text is at most 65 536 characters; nothing Kantong takes is larger. */
export const MAX_BODY_BYTES = 256 * 1024;

const METRICS: RouteDoc = {
  operationId: 'metrics',
  summary: 'Metrics Prometheus',
  description: 'Prometheus text for a scraper holding METRICS_TOKEN; 404 when no token is configured.',
  tags: ['Operations'],
  security: 'metrics-token',
  responses: {
    200: { description: 'Prometheus exposition format.', contentType: 'text/plain' },
    401: {
      description: 'Wrong or missing bearer token.',
      example: { status: 'error', error: 'unauthorized', message: 'Token metrics tidak valid.' },
    },
    404: {
      description: 'METRICS_TOKEN is not configured.',
      example: { status: 'error', error: 'not_found', message: 'Alamat tidak ditemukan.' },
    },
  },
};

const OPENAPI: RouteDoc = {
  operationId: 'openApi',
  summary: 'Dokumen OpenAPI ini',
  description: 'This description, generated from the routes and their zod schemas when first asked for.',
  tags: ['Operations'],
  responses: { 200: { description: 'The OpenAPI 3.1 document.' } },
};

export function createApp(deps: ApiDeps) {
  // The dashboard's HTML pages are not part of the JSON API the document describes.
  const dashboard = dashboardRoutes(deps);
  const dashboardPages = new Set(dashboard.routes.map((route) => `${route.method} ${route.path}`));
  let document: OpenApiDocument | null = null;
  const signed = requireSignature(
    deps.internalSecret === undefined ? () => getConfig().INTERNAL_API_SECRET ?? null : deps.internalSecret,
    deps.now,
    // Seen signatures in PostgreSQL, so a replay to another instance is refused too (issue 13).
    postgresNonces(deps.pool),
  );
  const app = new Hono()
    // Control characters out of every value a route reads (issue 14 item 3): clean-input.ts.
    .use(cleanRequestText)
    .use(
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: (c) =>
          c.json(
            { status: 'error', error: 'payload_too_large', message: 'Request terlalu besar (maks 256 KB).' },
            413,
          ),
      }),
    )
    .use(async (c, next) => {
      const started = performance.now();
      await next();
      httpDuration.observe(
        { method: c.req.method, route: c.req.routePath, status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    })
    // Prometheus text for a scraper holding METRICS_TOKEN only: this port is the published one,
    // and the figures (routes, error counts, queue lag) are for operators (issue 14 item 12).
    .get('/metrics', describe(METRICS), async (c) => {
      const token = deps.metricsToken === undefined ? (getConfig().METRICS_TOKEN ?? null) : deps.metricsToken;
      if (!token)
        return c.json({ status: 'error', error: 'not_found', message: 'Alamat tidak ditemukan.' }, 404);
      if (!bearerMatches(c.req.header('authorization'), token))
        return c.json({ status: 'error', error: 'unauthorized', message: 'Token metrics tidak valid.' }, 401);
      return c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
    })
    // First: GET /transactions, /transactions/export and /savings are dashboard pages for a
    // browser with a session, and pass through to the JSON routes below for API calls.
    .route('/', dashboard)
    .route('/healthz', healthRoutes(deps))
    .route('/docs', docsRoutes())
    // Everything below is service-to-service and must be signed (signature.ts). Hono's `/x/*`
    // also matches `/x` itself: one pattern per prefix, or the guard would see its own signature twice.
    .use('/wa/*', signed)
    .use('/ai/*', signed)
    .use('/media/*', signed)
    .use('/reports/*', signed)
    .use('/savings/*', signed)
    .use('/transactions/*', signed)
    .route('/wa', waRoutes(deps))
    .route('/ai', aiRoutes(deps))
    .route('/media', mediaRoutes(deps))
    .route('/reports', reportRoutes(deps))
    .route('/savings', savingsRoutes(deps))
    .route('/transactions', transactionRoutes(deps));

  // The API describes itself (issue 18): built from this app's own routes on first request.
  app.get('/openapi.json', describe(OPENAPI), (c) => {
    document ??= openApiDocument(app, (method, path) => dashboardPages.has(`${method} ${path}`)).document;
    return c.json(document, 200, { 'Cache-Control': 'public, max-age=60' });
  });
  app.notFound((c) =>
    c.json({ status: 'error', error: 'not_found', message: 'Alamat tidak ditemukan.' }, 404),
  );
  app.onError((error, c) => {
    if (error instanceof DomainError) {
      return c.json(
        { status: 'error', error: error.code, message: error.message },
        DOMAIN_STATUS[error.code],
      );
    }
    if (error instanceof HTTPException) {
      // Hono raises these for malformed bodies ("Malformed JSON in request body").
      return c.json({ status: 'error', error: 'invalid_request', message: error.message }, error.status);
    }
    logger.error({ err: error, path: c.req.path }, 'request failed');
    errors.inc({ component: 'api' });
    return c.json(
      { status: 'error', error: 'internal', message: 'Maaf, ada gangguan di server. Coba lagi ya.' },
      500,
    );
  });
  return app;
}

/** Whether an Authorization header carries `token` as its bearer token (compared in constant time). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The process app: the process pool (DATABASE_URL) and the configured LLM fallback. */
export const app = createApp({ pool: getPool, llm: configuredFallback() });
