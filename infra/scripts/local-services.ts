/**
 * The SQS and S3 servers for the tests (infra/test/global-setup.ts) and the local stack, chosen
 * once by what the machine has:
 *
 * - SQS: `SQS_ENDPOINT` when set; otherwise ElasticMQ (the real server self-hosters run) when Java
 *   is there and its jars are cached or Maven can fetch them; otherwise fauxqs, with a note saying so.
 * - S3: `S3_ENDPOINT` when set; otherwise fauxqs on 127.0.0.1.
 */
import { elasticMqRunnable, startElasticMq } from './elasticmq.ts';
import { startFauxqs } from './fauxqs.ts';

export type ServerKind = 'external' | 'elasticmq' | 'fauxqs';

export type LocalServer = {
  endpoint: string;
  kind: ServerKind;
  /** Why a fallback was taken (one line), when it was. */
  note?: string;
  /** Stops the server this module started; a no-op for an external endpoint. */
  stop(): Promise<void>;
};

const nothingToStop = async () => undefined;

export async function startSqsServer(
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; persistDir?: string } = {},
): Promise<LocalServer> {
  const env = options.env ?? process.env;
  if (env.SQS_ENDPOINT) return { endpoint: env.SQS_ENDPOINT, kind: 'external', stop: nothingToStop };
  let note: string;
  if (elasticMqRunnable()) {
    try {
      const server = await startElasticMq({
        ...(options.log ? { log: options.log } : {}),
        ...(options.persistDir ? { persistDir: options.persistDir } : {}),
      });
      return { endpoint: server.endpoint, kind: 'elasticmq', stop: server.stop };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      note = `SQS ran against fauxqs, not ElasticMQ: ElasticMQ did not start (${reason})`;
    }
  } else {
    note =
      'SQS ran against fauxqs, not ElasticMQ, because Java (or Maven to fetch ElasticMQ) is missing: ' +
      'install a JRE and Maven (apt-get install default-jre-headless maven) to test against the real server';
  }
  const fauxqs = await startFauxqs();
  return { endpoint: fauxqs.endpoint, kind: 'fauxqs', note, stop: fauxqs.stop };
}

export async function startS3Server(options: { env?: NodeJS.ProcessEnv } = {}): Promise<LocalServer> {
  const env = options.env ?? process.env;
  if (env.S3_ENDPOINT) return { endpoint: env.S3_ENDPOINT, kind: 'external', stop: nothingToStop };
  const fauxqs = await startFauxqs();
  return { endpoint: fauxqs.endpoint, kind: 'fauxqs', stop: fauxqs.stop };
}
