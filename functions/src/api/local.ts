/**
 * Serves the API + dashboard on a local port with @hono/node-server (`npm start`, the chat
 * console, tests that need a real socket). In the cloud the same app runs through lambda.ts.
 */
import { serve } from '@hono/node-server';
import { getConfig } from '@kantong/shared/config';
import { logger } from '@kantong/shared/logger';
import { app } from './app.ts';

export type RunningServer = { port: number; close: () => Promise<void> };

export async function startApiServer(options: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const config = getConfig();
  const port = options.port ?? config.PORT;
  const hostname = options.host ?? config.HOST;
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      logger.info({ port: info.port, host: hostname }, 'api listening');
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

if (import.meta.main) {
  await startApiServer();
}
