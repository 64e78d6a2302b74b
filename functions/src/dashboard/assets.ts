/**
 * Static files of the dashboard, served by the app itself from node_modules and this folder:
 * no CDN (self-hosted, and a phone on a flaky network gets everything from one origin). Each URL
 * carries a hash of the file, so browsers may keep it for a year.
 */
import { Hono } from 'hono';
import { staticFiles } from '../static-files.ts';

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

const files = staticFiles(SOURCES, { prefix: '/assets', label: 'dashboard' });

/** "/assets/chart.js?v=3f2a…": the URL pages link to (a missing file still renders the page). */
export function assetUrl(name: AssetName): string {
  return files.url(name);
}

export function assetRoutes() {
  return new Hono().get('/:name', files.serve);
}
