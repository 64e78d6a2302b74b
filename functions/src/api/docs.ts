/**
 * `GET /docs`: Swagger UI on `/openapi.json` (issue 18). Its files are served by the app itself
 * from node_modules/swagger-ui-dist (pinned in functions/package.json) and docs/docs.js, as the
 * dashboard's are: no CDN, one origin, and the dashboard's CSP (no inline script or style).
 * Swagger UI rather than Scalar: it ships a plain CSS file and needs no inline <style>, so the
 * strict CSP holds; its standalone preset (a URL bar to load other documents) is left out.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { pageHeaders } from '../dashboard/views.ts';
import { staticFiles } from '../static-files.ts';
import { describe, type RouteDoc } from './openapi.ts';

/** Relative to the repository root (or the Lambda package root); serverless.yml ships each. */
export const DOCS_SOURCES = {
  'swagger-ui.css': 'node_modules/swagger-ui-dist/swagger-ui.css',
  'swagger-ui-bundle.js': 'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'docs.js': 'functions/src/api/docs/docs.js',
} as const;
type DocsAsset = keyof typeof DOCS_SOURCES;

// The bundle's last line points browsers at a source map that is not shipped: dropped, so the
// developer tools do not ask for a file that answers 404.
const files = staticFiles(DOCS_SOURCES, {
  prefix: '/docs/assets',
  label: 'docs',
  clean: (body) => body.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'),
});

const url = (name: DocsAsset): string => files.url(name);

const PAGE: RouteDoc = {
  operationId: 'docsPage',
  summary: 'Halaman dokumentasi API',
  description:
    'Swagger UI on this document. "Try it out" signs requests in the browser: put INTERNAL_API_SECRET in the kantongSignature box of Authorize (leave the other two empty); it never leaves the page. Needs https or localhost (WebCrypto).',
  tags: ['Operations'],
  responses: { 200: { description: 'The page.', contentType: 'text/html' } },
};
const ASSET: RouteDoc = {
  operationId: 'docsAsset',
  summary: 'Berkas halaman dokumentasi',
  description: "The docs page's script and style, served from this origin (no CDN).",
  tags: ['Operations'],
  example: { name: 'docs.js' },
  responses: {
    200: {
      description: 'The file; cacheable for a year (the URL carries its hash).',
      contentType: 'text/javascript',
    },
    404: { description: 'No such file.', contentType: 'text/plain' },
  },
};

export function docsRoutes() {
  return new Hono()
    .get('/', describe(PAGE), (c) =>
      c.html(
        html`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kantong API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${url('swagger-ui.css')}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${url('swagger-ui-bundle.js')}"></script>
<script src="${url('docs.js')}"></script>
</body>
</html>`,
        200,
        // The dashboard's headers and CSP, but cacheable for a minute: the page is the same for everyone.
        pageHeaders({ 'Cache-Control': 'public, max-age=60' }),
      ),
    )
    .get('/assets/:name', describe(ASSET), files.serve);
}
