/**
 * The OpenAPI 3.1 document of the JSON API (issue 18), generated from the running app itself:
 * it walks the routes Hono has registered and reads, from each route's own middleware chain,
 *   - the zod schema its validator checks (http.ts `validate` marks it), turned into JSON Schema
 *     by zod 4's `z.toJSONSchema` — the same instance that answers 400, never a second copy;
 *   - whether the signature guard covers it (signature.ts marks the guard);
 *   - the words and examples a `describe(...)` middleware carries (summary, responses).
 * Chosen over @hono/zod-openapi, which would rewrite every route into `createRoute` objects and
 * replace the validator hook, for the same result: here the routes stay as they are, and a route
 * without `describe` is listed by {@link openApiDocument} as undocumented (openapi.test.ts fails).
 */
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@kantong/shared/security';
import type { MiddlewareHandler } from 'hono';
import type { RouterRoute } from 'hono/types';
import { z } from 'zod';
import { VALIDATES, type Validates } from './http.ts';
import { SIGNS } from './signature.ts';

export const DESCRIBES = Symbol('kantong.describes');

export type ResponseDoc = {
  description: string;
  /** The body's shape; JSON unless `contentType` says otherwise. */
  schema?: z.ZodType;
  example?: unknown;
  contentType?: string;
};

export type RouteDoc = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** A request the route accepts: the JSON body, or the query parameters as strings. */
  example?: unknown;
  responses: Record<number, ResponseDoc>;
  /** Auth besides the request signature (which is read from the app's wiring). */
  security?: 'metrics-token';
};

/** A no-op middleware that carries a route's description for {@link openApiDocument}. */
export function describe(doc: RouteDoc): MiddlewareHandler {
  const middleware: MiddlewareHandler = async (_c, next) => {
    await next();
  };
  return Object.assign(middleware, { [DESCRIBES]: doc });
}

/** Every JSON error Kantong answers (app.ts, http.ts, signature.ts, the routes' `fail`). */
export const ErrorSchema = z.object({
  status: z.literal('error'),
  error: z.string().meta({
    description:
      'A stable code: invalid_request (validation), invalid (a domain rule), not_found, conflict, insufficient_funds, unauthorized, not_configured, payload_too_large, internal, and per-route codes.',
    examples: ['invalid_request'],
  }),
  message: z
    .string()
    .meta({ description: 'For a person, in Indonesian.', examples: ['Request tidak valid.'] }),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .meta({ description: 'Validation errors only: each field refused and why.' }),
  reason: z
    .enum(['missing', 'malformed', 'expired', 'mismatch', 'replayed'])
    .optional()
    .meta({ description: 'Signature refusals only (401).' }),
});

/** An error answer a route documents besides the shared ones (those openApiDocument adds itself). */
export function errorDoc(description: string, error: string, message: string): ResponseDoc {
  return { description, schema: ErrorSchema, example: { status: 'error', error, message } };
}

export const USER_NOTE =
  'Name the user by `user_id` or by `phone` (WhatsApp number): one of the two is required, or the answer is 400.';
export const USER_NOT_FOUND = errorDoc(
  'No user with that id or phone.',
  'not_found',
  'User tidak ditemukan.',
);

/** A rupiah amount in JSON: a whole number, or its decimal string beyond 2^53 (money/index.ts toJsonAmount). */
export const AmountJsonSchema = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);

const SIGNATURE_SCHEMES = {
  kantongSignature: SIGNATURE_HEADER,
  kantongTimestamp: TIMESTAMP_HEADER,
  kantongNonce: NONCE_HEADER,
} as const;

const SIGNING = `Every route under /wa, /ai, /media, /reports, /savings and /transactions is service-to-service: the caller holds INTERNAL_API_SECRET and signs each request with three headers (shared/src/security/hmac.ts \`signedRequestHeaders\` does it):

1. \`X-Kantong-Nonce\`: a fresh random string for this request (e.g. 24 hex characters).
2. \`X-Kantong-Timestamp\`: Unix time in seconds, now. It must be within SIGNATURE_WINDOW_S (default 300 s) of the server's clock.
3. \`X-Kantong-Signature\`: \`sha256=\` followed by the lower-case hex HMAC-SHA256, under INTERNAL_API_SECRET, of the UTF-8 string

   \`<timestamp>.<nonce>\\n<METHOD> <path and query>\\n<raw body>\`

   e.g. \`1730368902.3f9c…\\nPOST /wa/incoming\\n{"from_number":…}\` — the method in capitals, the path with its query string exactly as sent, the body byte for byte (empty for a GET).

A signature is accepted once: a replay of the same signature is refused even on another instance (seen signatures are kept in PostgreSQL). Refusals answer 401 with \`reason\` missing, malformed, expired, mismatch or replayed; a server without INTERNAL_API_SECRET answers 503 not_configured.`;

type Operation = {
  method: string;
  path: string;
  doc: RouteDoc | undefined;
  validators: Validates[];
  signed: boolean;
};

type JsonSchema = Record<string, unknown>;

/** JSON Schema of what a caller sends (`io: 'input'`: before transforms and defaults). */
function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return json;
}

/** JSON Schema of what Kantong answers (`io: 'output'`: objects list every field they may hold). */
function outputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  return json;
}

/** Hono's `/x/*` matches `/x` and everything below it (app.ts mounts the guard that way). */
function covers(pattern: string, path: string): boolean {
  if (!pattern.endsWith('/*')) return pattern === path;
  const prefix = pattern.slice(0, -2);
  return path === prefix || path.startsWith(`${prefix}/`);
}

type Marked = { [DESCRIBES]?: RouteDoc; [VALIDATES]?: Validates; [SIGNS]?: true };

/** The operations of `app`: each method + path with what its middleware chain declares. */
export function operationsOf(app: { routes: readonly RouterRoute[] }): Operation[] {
  const { routes } = app;
  const guards = routes.filter((route) => (route.handler as Marked)[SIGNS]).map((route) => route.path);
  const operations = new Map<string, Operation>();
  for (const route of routes) {
    if (route.method === 'ALL') continue;
    const key = `${route.method} ${route.path}`;
    let operation = operations.get(key);
    if (!operation) {
      operation = {
        method: route.method,
        path: route.path,
        doc: undefined,
        validators: [],
        signed: guards.some((pattern) => covers(pattern, route.path)),
      };
      operations.set(key, operation);
    }
    const marked = route.handler as Marked;
    operation.doc ??= marked[DESCRIBES];
    if (marked[VALIDATES]) operation.validators.push(marked[VALIDATES]);
  }
  return [...operations.values()];
}

const errorResponse = (description: string, example: unknown) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example } },
});

/** Responses every operation of a kind shares, so no route can forget them. */
const COMMON_RESPONSES = {
  ValidationError: errorResponse(
    'The request does not match the schema (query or body); `issues` says which field.',
    {
      status: 'error',
      error: 'invalid_request',
      message: 'Request tidak valid.',
      issues: [{ path: 'amount', message: 'amount must be more than zero' }],
    },
  ),
  Unauthorized: errorResponse('The request signature is missing, malformed, expired, wrong or replayed.', {
    status: 'error',
    error: 'unauthorized',
    reason: 'expired',
    message: 'Tanda tangan request tidak valid.',
  }),
  NotConfigured: errorResponse('INTERNAL_API_SECRET is not set on the server.', {
    status: 'error',
    error: 'not_configured',
    message: 'INTERNAL_API_SECRET belum diatur di server.',
  }),
  PayloadTooLarge: errorResponse('The body is over 256 KB.', {
    status: 'error',
    error: 'payload_too_large',
    message: 'Request terlalu besar (maks 256 KB).',
  }),
  Internal: errorResponse('An unexpected failure (logged and counted on the server).', {
    status: 'error',
    error: 'internal',
    message: 'Maaf, ada gangguan di server. Coba lagi ya.',
  }),
};

/** `/assets/:name` → `/assets/{name}`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function capitalised(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function parametersOf(operation: Operation, example: unknown) {
  const examples = (example ?? {}) as Record<string, unknown>;
  const parameters: JsonSchema[] = [];
  for (const { target, schema } of operation.validators) {
    if (target !== 'query' && target !== 'param') continue;
    const json = inputSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property;
      parameters.push({
        name,
        in: target === 'param' ? 'path' : 'query',
        required: target === 'param' || (json.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
        ...(examples[name] === undefined ? {} : { example: examples[name] }),
      });
    }
  }
  for (const match of operation.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    if (!parameters.some((parameter) => parameter.name === match[1] && parameter.in === 'path'))
      parameters.push({
        name: match[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
        ...(examples[match[1] ?? ''] === undefined ? {} : { example: examples[match[1] ?? ''] }),
      });
  }
  return parameters;
}

export type OpenApiDocument = {
  openapi: '3.1.0';
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema> } & Record<string, unknown>;
} & Record<string, unknown>;

/**
 * The document for `app`, and the routes it could not describe (no `describe` middleware).
 * `skip` names routes that are not part of the JSON API (the dashboard's HTML pages).
 */
export function openApiDocument(
  app: { routes: readonly RouterRoute[] },
  skip: (method: string, path: string) => boolean = () => false,
): { document: OpenApiDocument; undocumented: string[] } {
  const schemas: Record<string, JsonSchema> = { Error: outputSchema(ErrorSchema) };
  const paths: OpenApiDocument['paths'] = {};
  const undocumented: string[] = [];
  for (const operation of operationsOf(app)) {
    const { doc } = operation;
    if (!doc) {
      if (!skip(operation.method, operation.path)) undocumented.push(`${operation.method} ${operation.path}`);
      continue;
    }
    const name = capitalised(doc.operationId);
    const body = operation.validators.find((validator) => validator.target === 'json');
    if (body) schemas[`${name}Request`] = inputSchema(body.schema);
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(doc.responses)) {
      const type = response.contentType ?? 'application/json';
      let schema: JsonSchema | undefined;
      if (response.schema === ErrorSchema) {
        schema = { $ref: '#/components/schemas/Error' };
      } else if (response.schema) {
        schemas[`${name}${status}`] = outputSchema(response.schema);
        schema = { $ref: `#/components/schemas/${name}${status}` };
      }
      responses[status] = {
        description: response.description,
        content: {
          [type]: {
            ...(schema ? { schema } : {}),
            ...(response.example === undefined ? {} : { example: response.example }),
          },
        },
      };
    }
    const shared = (status: number, ref: keyof typeof COMMON_RESPONSES) => {
      responses[String(status)] ??= { $ref: `#/components/responses/${ref}` };
    };
    if (operation.validators.length > 0) shared(400, 'ValidationError');
    if (operation.signed) {
      shared(401, 'Unauthorized');
      shared(503, 'NotConfigured');
    }
    if (body) shared(413, 'PayloadTooLarge');
    shared(500, 'Internal');
    const security = operation.signed
      ? [Object.fromEntries(Object.keys(SIGNATURE_SCHEMES).map((scheme) => [scheme, []]))]
      : doc.security === 'metrics-token'
        ? [{ metricsToken: [] }]
        : [];
    const parameters = parametersOf(operation, body ? undefined : doc.example);
    const path = openApiPath(operation.path);
    paths[path] ??= {};
    paths[path][operation.method.toLowerCase()] = {
      operationId: doc.operationId,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: doc.tags,
      security,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: { $ref: `#/components/schemas/${name}Request` },
                  ...(doc.example === undefined ? {} : { example: doc.example }),
                },
              },
            },
          }
        : {}),
      responses,
    };
  }
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'Kantong API',
      version: '0.1.0',
      description:
        'The JSON API of Kantong, the self-hosted Indonesian personal-finance WhatsApp bot (SPEC.md "Spesifikasi API"). ' +
        'Generated at run time from the zod schemas the routes validate with. Amounts are whole rupiah (IDR). ' +
        "The web dashboard's HTML pages (session cookie) share this origin and are not listed.\n\n" +
        SIGNING,
    },
    tags: [
      { name: 'WhatsApp', description: 'Messages from the WhatsApp host.' },
      { name: 'AI', description: 'The parser, OCR and speech-to-text over HTTP.' },
      { name: 'Reports', description: 'Daily, weekly and monthly summaries in the user’s timezone.' },
      { name: 'Savings', description: 'Savings goals: create, deposit, withdraw.' },
      { name: 'Transactions', description: 'The ledger: list, record, export CSV.' },
      { name: 'Operations', description: 'Health, metrics and this description.' },
    ],
    paths,
    components: {
      schemas,
      responses: COMMON_RESPONSES,
      securitySchemes: {
        ...Object.fromEntries(
          Object.entries(SIGNATURE_SCHEMES).map(([scheme, header]) => [
            scheme,
            {
              type: 'apiKey',
              in: 'header',
              name: header,
              description: `One of the three headers of a signed request (all three are required together):\n\n${SIGNING}`,
            },
          ]),
        ),
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'METRICS_TOKEN, for a Prometheus scraper. Without it configured, /metrics answers 404.',
        },
      },
    },
  };
  return { document, undocumented };
}
