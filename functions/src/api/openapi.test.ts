/**
 * The OpenAPI document against the app it describes (issue 18), with a real PostgreSQL, S3
 * emulator and OCR engine behind the routes:
 *   (a) every route the app registers is in the document (the dashboard's HTML pages aside), and
 *       every operation in the document is a route;
 *   (b) for each operation, the document's own example is valid by the document's JSON Schema and
 *       the route accepts it (documented status, body matching the documented response schema);
 *       requests the document calls invalid — generated from its schemas: a required field
 *       dropped, a field of the wrong type, a query value out of its schema — get 400. Each is
 *       signed correctly, so the signature is never what refuses it;
 *   (c) GET /openapi.json is a valid OpenAPI 3.1 document;
 *   (d) GET /docs and its files come from this origin only; in a real browser (when chromium is
 *       installed) Swagger UI renders every operation under the CSP and signs a request itself.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { serve } from '@hono/node-server';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { renderReceipts } from '@kantong/shared/receipts/fixtures';
import { localWhisperReady } from '@kantong/shared/speech';
import { speakVoiceNote } from '@kantong/shared/speech/fixtures';
import { createS3Client, ensureBuckets } from '@kantong/shared/storage';
import { needsProgram } from '@kantong/shared/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Hono } from 'hono';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dashboardRoutes } from '../dashboard/index.ts';
import { createApp } from './app.ts';
import { openApiDocument } from './openapi.ts';
import { signFor, TEST_INTERNAL_SECRET, TEST_METRICS_TOKEN } from './testing.ts';

type Json = Record<string, unknown>;
type Schema = Json;
type Parameter = { name: string; in: string; required: boolean; schema: Schema; example?: unknown };
type Operation = {
  operationId: string;
  security: Json[];
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema; example?: unknown } } };
  responses: Record<string, Json>;
};
type Located = { method: string; path: string; op: Operation };

const s3 = createS3Client({ endpoint: inject('s3Endpoint') });
/** The bucket the document's media examples name (s3://wa-media/…), as MEDIA_BUCKET defaults. */
const MEDIA_BUCKET = 'wa-media';
let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let doc: Json & { paths: Record<string, Record<string, Operation>>; components: Json };

const strict = new Ajv2020({ strict: false, allErrors: true });
// Query values arrive as text: "50" is a valid integer there, as Hono's coercing schemas read it.
const query = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });
// ajv-formats is CommonJS: under Node's ESM loader its plugin is the default export's `default`.
type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
const formats = ((addFormats as unknown as { default?: FormatsPlugin }).default ??
  addFormats) as unknown as FormatsPlugin;
formats(strict);
formats(query);

/** Follows `$ref`s inside the document. */
function resolve<T>(node: T): T {
  let current = node as Json;
  while (current && typeof current.$ref === 'string') {
    current = (current.$ref as string)
      .slice(2)
      .split('/')
      .reduce<Json>((at, key) => at[key] as Json, doc as Json);
  }
  return current as T;
}

function validBy(schema: Schema, value: unknown, ajv = strict): boolean {
  return ajv.validate(resolve(schema), value) as boolean;
}

function queryValueValid(schema: Schema, value: unknown): boolean {
  return validBy({ type: 'object', properties: { v: schema } }, { v: value }, query);
}

function operations(): Located[] {
  const order = [
    'waIncoming',
    'createSavingsAccount',
    'depositSavings',
    'withdrawSavings',
    'createTransaction',
  ];
  const rank = (op: Operation) => {
    const index = order.indexOf(op.operationId);
    return index === -1 ? order.length : index;
  };
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    )
    .sort((a, b) => rank(a.op) - rank(b.op));
}

function isSigned(op: Operation): boolean {
  return op.security.some((requirement) => 'kantongSignature' in requirement);
}

/** Sends `request` as the document says to: signed, or with the metrics bearer token. */
async function send(
  located: Located,
  request: { params?: Record<string, unknown>; body?: unknown },
): Promise<{ status: number; type: string; body: unknown }> {
  const { method, op } = located;
  const params = request.params ?? {};
  const search = new URLSearchParams();
  let path = located.path;
  for (const parameter of op.parameters ?? []) {
    const value = params[parameter.name];
    if (value === undefined) continue;
    if (parameter.in === 'path')
      path = path.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
    else search.set(parameter.name, String(value));
  }
  if (search.size > 0) path = `${path}?${search}`;
  const raw = request.body === undefined ? '' : JSON.stringify(request.body);
  const response = await app.request(path, {
    method,
    headers: {
      ...(isSigned(op) ? signFor(method, path, raw) : {}),
      ...(op.security.some((requirement) => 'metricsToken' in requirement)
        ? { authorization: `Bearer ${TEST_METRICS_TOKEN}` }
        : {}),
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(request.body === undefined ? {} : { body: raw }),
  });
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return { status: response.status, type, body: type.includes('json') ? JSON.parse(text) : text };
}

/** The operation's example request: the JSON body, or each parameter's example. */
function exampleOf(op: Operation): { params: Record<string, unknown>; body?: unknown } {
  const params = Object.fromEntries(
    (op.parameters ?? []).filter((p) => p.example !== undefined).map((p) => [p.name, p.example]),
  );
  const body = op.requestBody?.content['application/json'].example;
  return body === undefined ? { params } : { params, body };
}

/** A value the parameter's schema refuses, or null when none of these is refused. */
function badQueryValue(schema: Schema): unknown {
  const candidates: unknown[] = ['abc', '-1', '0', '__nope__', '2024-02-30'];
  if (typeof schema.maxLength === 'number') candidates.push('x'.repeat(schema.maxLength + 1));
  return candidates.find((value) => !queryValueValid(schema, value)) ?? null;
}

/** Bodies the document calls invalid: each required field dropped, each field given a wrong type. */
function badBodies(schema: Schema, example: Json): { why: string; body: Json }[] {
  const resolved = resolve(schema) as { properties?: Record<string, Schema>; required?: string[] };
  const bodies: { why: string; body: Json }[] = [];
  for (const name of resolved.required ?? []) {
    const { [name]: _, ...rest } = example;
    bodies.push({ why: `without ${name}`, body: rest });
  }
  for (const name of Object.keys(resolved.properties ?? {})) {
    const wrong = [12345, 'abc', true, { a: 1 }, [1]].find(
      (value) => !validBy(schema, { ...example, [name]: value }),
    );
    if (wrong !== undefined)
      bodies.push({ why: `${name}: ${JSON.stringify(wrong)}`, body: { ...example, [name]: wrong } });
  }
  if ('phone' in example || 'user_id' in example) {
    const { phone: _, user_id: __, ...rest } = example;
    bodies.push({ why: 'without user_id and phone', body: rest });
  }
  return bodies;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureBuckets(s3, [MEDIA_BUCKET]);
  // The OCR example's key holds a real rendered receipt, so its 200 answer is checked too.
  const photos = await renderReceipts();
  const receipt = photos.find((photo) => photo.id === 'superindo' && photo.variant === 'clean')?.file ?? '';
  await s3.send(
    new PutObjectCommand({ Bucket: MEDIA_BUCKET, Key: 'struk-xyz.jpg', Body: await readFile(receipt) }),
  );
  if (localWhisperReady()) {
    const dir = mkdtempSync(join(tmpdir(), 'kantong-openapi-'));
    await speakVoiceNote('tadi makan di luar tiga puluh lima ribu', join(dir, 'note.ogg'));
    await s3.send(
      new PutObjectCommand({
        Bucket: MEDIA_BUCKET,
        Key: 'abc123.ogg',
        Body: await readFile(join(dir, 'note.ogg')),
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  }
  app = createApp({
    pool: async () => db.pool,
    llm: null,
    s3,
    mediaBucket: MEDIA_BUCKET,
    internalSecret: TEST_INTERNAL_SECRET,
    metricsToken: TEST_METRICS_TOKEN,
  });
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  doc = (await response.json()) as typeof doc;
}, 120_000);

afterAll(async () => {
  s3.destroy();
  await db?.drop();
});

describe('GET /openapi.json', () => {
  it('(c) is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.valid, JSON.stringify(result.errors, null, 2)).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('(a) describes every route the app registers, and only those', () => {
    const pages = new Set(
      dashboardRoutes({ pool: async () => db.pool, llm: null }).routes.map((r) => `${r.method} ${r.path}`),
    );
    const documented = new Set(operations().map(({ method, path }) => `${method} ${path}`));
    const routes = new Set(
      app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const missing = [...routes].filter(
      (route) => !documented.has(route) && !pages.has(route.replace(/\{(\w+)\}/g, ':$1')),
    );
    expect(missing).toEqual([]);
    expect([...documented].filter((operation) => !routes.has(operation))).toEqual([]);
    // SPEC.md's JSON routes, by name, so the walk above cannot pass by finding nothing.
    for (const route of [
      'POST /wa/incoming',
      'POST /ai/parse',
      'POST /media/ocr',
      'POST /media/stt',
      'GET /reports/daily',
      'GET /reports/weekly',
      'GET /reports/monthly',
      'POST /savings/accounts',
      'POST /savings/deposit',
      'POST /savings/withdraw',
      'GET /savings',
      'GET /transactions',
      'POST /transactions',
      'GET /transactions/export',
      'GET /healthz',
    ])
      expect(documented).toContain(route);
  });

  it('(a) lists a route without its description as undocumented', () => {
    const bare = new Hono().get('/undocumented', (c) => c.text('x'));
    expect(openApiDocument(bare).undocumented).toEqual(['GET /undocumented']);
  });

  it('names the signature headers as security schemes of every internal route', () => {
    const schemes = (doc.components.securitySchemes ?? {}) as Record<string, { name?: string }>;
    expect(schemes.kantongSignature?.name).toBe('x-kantong-signature');
    expect(schemes.kantongTimestamp?.name).toBe('x-kantong-timestamp');
    expect(schemes.kantongNonce?.name).toBe('x-kantong-nonce');
    for (const { path, op } of operations()) {
      const internal = /^\/(wa|ai|media|reports|savings|transactions)(\/|$)/.test(path);
      expect(isSigned(op), path).toBe(internal);
      if (internal) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '503']));
    }
  });

  it('has examples that its own schemas accept', () => {
    for (const { path, op } of operations()) {
      const body = op.requestBody?.content['application/json'];
      if (body?.example !== undefined)
        expect(validBy(body.schema, body.example), `${path} request`).toBe(true);
      for (const parameter of op.parameters ?? [])
        if (parameter.example !== undefined)
          expect(queryValueValid(parameter.schema, parameter.example), `${path} ${parameter.name}`).toBe(
            true,
          );
      for (const [status, response] of Object.entries(op.responses)) {
        for (const content of Object.values((resolve(response).content ?? {}) as Record<string, Json>)) {
          if (content.schema && content.example !== undefined)
            expect(validBy(content.schema as Schema, content.example), `${path} ${status}`).toBe(true);
        }
      }
    }
  });
});

describe('(b) the routes agree with the document', () => {
  it('accepts each documented example and answers as documented', async () => {
    const checked: string[] = [];
    for (const located of operations()) {
      const { op } = located;
      const label = `${located.method} ${located.path}`;
      const answer = await send(located, exampleOf(op));
      expect(answer.status, `${label}: ${JSON.stringify(answer.body)}`).not.toBe(400);
      expect(Object.keys(op.responses), label).toContain(String(answer.status));
      if (op.operationId === 'transcribeAudio' && !localWhisperReady()) {
        console.warn(
          'WHISPER MODEL NOT INSTALLED: the /media/stt example was checked against its documented 503',
        );
        expect(answer.status).toBe(503);
      } else {
        expect(answer.status, `${label}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
      }
      const documented = resolve(op.responses[String(answer.status)] as Json).content as Record<string, Json>;
      const [type, content] = Object.entries(documented)[0] ?? ['', {}];
      expect(answer.type, label).toContain(type);
      if (content.schema)
        expect(
          validBy(content.schema as Schema, answer.body),
          `${label} answered ${JSON.stringify(answer.body)}: ${JSON.stringify(strict.errors)}`,
        ).toBe(true);
      checked.push(label);
    }
    expect(checked.length).toBeGreaterThanOrEqual(19);
  }, 120_000);

  it('refuses with 400 each request the document calls invalid', async () => {
    let refused = 0;
    for (const located of operations()) {
      const { op } = located;
      const label = `${located.method} ${located.path}`;
      const example = exampleOf(op);
      const body = op.requestBody?.content['application/json'];
      const cases: { why: string; params?: Record<string, unknown>; body?: unknown }[] = [];
      if (body) {
        for (const bad of badBodies(body.schema, example.body as Json)) {
          expect(validBy(body.schema, bad.body), `${label} ${bad.why} is invalid by the document`).toBe(
            false,
          );
          cases.push({ why: bad.why, params: example.params, body: bad.body });
        }
      }
      for (const parameter of op.parameters ?? []) {
        if (parameter.in !== 'query') continue;
        const wrong = badQueryValue(parameter.schema);
        if (wrong !== null)
          cases.push({
            why: `${parameter.name}=${wrong}`,
            params: { ...example.params, [parameter.name]: wrong },
          });
      }
      // An operation that validates input has at least one refusal to check.
      if (op.responses['400']) expect(cases.length, label).toBeGreaterThan(0);
      for (const bad of cases) {
        const answer = await send(located, bad);
        expect(answer.status, `${label} ${bad.why}: ${JSON.stringify(answer.body)}`).toBe(400);
        expect(validBy({ $ref: '#/components/schemas/Error' }, answer.body), `${label} ${bad.why}`).toBe(
          true,
        );
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(40);
  }, 120_000);
});

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = needsProgram(
  `Chromium (${CHROMIUM}) for the /docs page`,
  existsSync(CHROMIUM),
  'apt-get install chromium (.ci/run installs it)',
);

describe('(d) GET /docs', () => {
  it('serves its page and files from this origin, under the dashboard CSP', async () => {
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((match) => match[1] ?? '')
      .filter((file) => file !== 'data:,'); // the empty favicon: no request for /favicon.ico
    expect(files).toHaveLength(3);
    for (const file of files) {
      expect(file).toMatch(/^\/docs\/assets\/[\w.-]+\?v=[0-9a-f]{12}$/);
      const asset = await app.request(file);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/(css|javascript)/);
      const text = await asset.text();
      expect(text.length).toBeGreaterThan(500);
      if (file.includes('docs.js')) expect(text).not.toMatch(/https?:\/\//);
    }
    expect((await app.request('/docs/assets/index.html')).status).toBe(404);
  });

  it.skipIf(!hasChromium)(
    'renders every operation in a real browser, loads nothing elsewhere, and signs a request',
    async () => {
      // The examples' user (the WhatsApp example signs them up), whichever tests ran before.
      const incoming = operations().find(({ op }) => op.operationId === 'waIncoming');
      if (incoming) expect((await send(incoming, exampleOf(incoming.op))).status).toBe(200);
      let base = '';
      let close: () => Promise<void> = async () => {};
      await new Promise<void>((ready) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
          base = `http://127.0.0.1:${info.port}`;
          close = () => new Promise((done) => server.close(() => done()));
          ready();
        });
      });
      const profile = mkdtempSync(join(tmpdir(), 'kantong-docs-chromium-'));
      const browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      });
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        const elsewhere: string[] = [];
        const problems: string[] = [];
        page.on('request', (request) => {
          if (!request.url().startsWith(base) && !request.url().startsWith('data:'))
            elsewhere.push(request.url());
        });
        page.on('response', (response) => {
          if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
        });
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(String(error)));
        await page.goto(`${base}/docs`);
        await page.waitForSelector('.opblock', { timeout: 20_000 });
        expect(await page.locator('.opblock').count()).toBe(operations().length);
        // The secret goes in, a signed request comes out, and the API accepts it.
        const status = await page.evaluate(async (secret) => {
          const sign = (globalThis as unknown as { kantongSign: (r: Json) => Promise<Json> }).kantongSign;
          const request = await sign({
            url: '/reports/daily?phone=6281234567890',
            method: 'GET',
            headers: { 'x-kantong-signature': secret },
          });
          const response = await fetch(String(request.url), {
            headers: request.headers as Record<string, string>,
          });
          return response.status;
        }, TEST_INTERNAL_SECRET);
        expect(status).toBe(200);
        // And through the page as a person uses it: Authorize with the secret, Try it out, Execute.
        await page.locator('button.authorize').first().click();
        const scheme = page.locator('.auth-container').filter({ hasText: 'kantongSignature' });
        await scheme.locator('input').fill(TEST_INTERNAL_SECRET);
        await scheme.locator('button.authorize').click();
        await page.locator('.btn-done').first().click();
        const operation = page.locator('#operations-Reports-getDailyReport');
        await operation.locator('.opblock-summary').first().click();
        await operation.locator('.try-out__btn').click();
        await operation.locator('button.execute').click();
        await expect
          .poll(
            () => operation.locator('.live-responses-table tbody .response-col_status').first().textContent(),
            {
              timeout: 10_000,
            },
          )
          .toContain('200');
        expect(elsewhere).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
        await close();
        rmSync(profile, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
