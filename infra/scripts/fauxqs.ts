/**
 * fauxqs: SQS and S3 in one Node process (npm package `fauxqs`). The S3 server of the tests and
 * the local stack, and their SQS server where Java is missing (ElasticMQ needs it).
 *
 * fauxqs's own `startFauxqs` listens on every interface; this builds the same app and binds it to
 * 127.0.0.1 only.
 */
import { buildApp } from 'fauxqs';

export type RunningFauxqs = {
  /** e.g. http://127.0.0.1:38211 — the SQS and the S3 endpoint (use path-style S3 requests). */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
};

export async function startFauxqs(options: { port?: number; host?: string } = {}): Promise<RunningFauxqs> {
  const host = options.host ?? '127.0.0.1';
  // Queue URLs take the host and port the client called; ARNs take this region.
  const app = buildApp({ logger: false, defaultRegion: 'ap-southeast-3' });
  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new Error(`fauxqs could not listen on ${host}:${options.port ?? 0}: ${String(error)}`, {
      cause: error,
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    stop: async () => {
      await app.close();
    },
  };
}
