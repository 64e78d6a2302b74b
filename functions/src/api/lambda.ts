/**
 * The API on AWS Lambda behind an HTTP API (serverless.yml, function `api`): the same Hono app
 * that local.ts serves on a port.
 */
import { handle } from 'hono/aws-lambda';
import { app } from './app.ts';

export const handler = handle(app);
