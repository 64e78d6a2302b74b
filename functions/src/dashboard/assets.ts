/**
 * Static files of the dashboard, served by the app itself from node_modules and this folder:
 * no CDN (self-hosted, and a phone on a flaky network gets everything from one origin). Each URL
 * carries a hash of the file, so browsers may keep it for a year.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logger } from '@kantong/shared/logger';
import { Hono } from 'hono';

type Asset = { body: string; type: string; version: string };

/**
 * Where each file lives, relative to the repository root (or the Lambda package root). Pinned in
 * functions/package.json: chart.js 4.6.1, htmx.org 2.0.11.
 */
const SOURCES = {
  'chart.js': 'node_modules/chart.js/dist/chart.umd.min.js',
  'htmx.js': 'node_modules/htmx.org/dist/htmx.min.js',
  'app.css': 'functions/src/dashboard/assets/app.css',
  'dashboard.js': 'functions/src/dashboard/assets/dashboard.js',
} as const;
export type AssetName = keyof typeof SOURCES;

/**
 * Looks for `path` in this module's folder and each folder above it, the way Node finds
 * node_modules: it works from the sources (functions/src/dashboard) and from the Lambda bundle
 * (functions/src/api/lambda.mjs, with the files shipped by serverless.yml's package patterns).
 */
function findUp(path: string): string | null {
  let dir = dirname(new URL(import.meta.url).pathname);
  for (;;) {
    const candidate = join(dir, path);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

const cache = new Map<AssetName, Asset | null>();

function load(name: AssetName): Asset | null {
  if (cache.has(name)) return cache.get(name) ?? null;
  const file = findUp(SOURCES[name]);
  if (!file) logger.error({ asset: name, path: SOURCES[name] }, 'dashboard asset missing from the package');
  const body = file ? readFileSync(file, 'utf8') : null;
  const asset =
    body === null
      ? null
      : {
          body,
          type: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
          version: createHash('sha256').update(body).digest('hex').slice(0, 12),
        };
  cache.set(name, asset);
  return asset;
}

/** "/assets/chart.js?v=3f2a…": the URL pages link to (a missing file still renders the page). */
export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${load(name)?.version ?? 'missing'}`;
}

function isAssetName(name: string): name is AssetName {
  return Object.hasOwn(SOURCES, name);
}

export function assetRoutes() {
  return new Hono().get('/:name', (c) => {
    const name = c.req.param('name');
    const asset = isAssetName(name) ? load(name) : null;
    if (!asset) return c.text('Tidak ditemukan.', 404);
    return c.body(asset.body, 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
  });
}
