/**
 * The API on AWS Lambda behind an HTTP API (serverless.yml, function `api`): the same Hono app
 * that local.ts serves on a port.
 */
import { registry } from '@kantong/shared/metrics';
import { withEmfMetrics } from '@kantong/shared/metrics/emf';
import { handle } from 'hono/aws-lambda';
import { app } from './app.ts';
import { requireSecrets } from './secrets.ts';

// At init, before any request: a missing secret stops the function here (secrets.ts).
requireSecrets();

/** Metrics reach CloudWatch as EMF log lines after each request (shared/src/metrics/emf.ts). */
export const handler = withEmfMetrics(registry, handle(app));
