/**
 * Static files the app serves itself — the dashboard's (Chart.js, htmx, its CSS/JS) and the API
 * docs' (Swagger UI): no CDN (self-hosted, and a phone on a flaky network gets everything from
 * one origin). Each URL carries a hash of the file, so browsers may keep it for a year.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logger } from '@kantong/shared/logger';
import type { Context } from 'hono';

export type StaticFile = { body: string; type: string; version: string };

/**
 * Looks for `path` in this module's folder and each folder above it, the way Node finds
 * node_modules: it works from the sources (functions/src) and from the Lambda bundle
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

/**
 * A set of named files, each read once on first use. `sources`: where each lives, relative to
 * the repository root (or the Lambda package root); `prefix`: the URL they are served under.
 */
export function staticFiles<Name extends string>(
  sources: Readonly<Record<Name, string>>,
  options: { prefix: string; label: string; clean?: (body: string) => string },
) {
  const cache = new Map<Name, StaticFile | null>();
  const isName = (name: string): name is Name => Object.hasOwn(sources, name);

  function load(name: Name): StaticFile | null {
    if (cache.has(name)) return cache.get(name) ?? null;
    const file = findUp(sources[name]);
    if (!file)
      logger.error({ asset: name, path: sources[name] }, `${options.label} asset missing from the package`);
    const raw = file ? readFileSync(file, 'utf8') : null;
    const body = raw !== null && options.clean ? options.clean(raw) : raw;
    const loaded =
      body === null
        ? null
        : {
            body,
            type: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
            version: createHash('sha256').update(body).digest('hex').slice(0, 12),
          };
    cache.set(name, loaded);
    return loaded;
  }

  return {
    load,
    /** "/assets/chart.js?v=3f2a…": the URL pages link to (a missing file still renders the page). */
    url: (name: Name) => `${options.prefix}/${name}?v=${load(name)?.version ?? 'missing'}`,
    /** The handler of `GET <prefix>/:name`. */
    serve: (c: Context) => {
      const name = c.req.param('name') ?? '';
      const file = isName(name) ? load(name) : null;
      if (!file) return c.text('Tidak ditemukan.', 404);
      return c.body(file.body, 200, {
        'Content-Type': file.type,
        'Cache-Control': 'public, max-age=31536000, immutable',
        'X-Content-Type-Options': 'nosniff',
      });
    },
  };
}
