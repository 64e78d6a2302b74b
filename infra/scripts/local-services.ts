/**
 * The SQS and S3 servers for the tests (infra/test/global-setup.ts) and the local stack, chosen
 * once by what the machine has:
 *
 * - SQS: `SQS_ENDPOINT` when set; otherwise the server `LOCAL_SQS_SERVER` names, or the caller's
 *   preference: `elasticmq` when Java is there and its jars are cached or Maven can fetch them —
 *   otherwise fauxqs, with a note saying so — or `fauxqs`. With a data folder either keeps its
 *   messages on disk. The tests prefer ElasticMQ (the server Docker Compose runs); `npm start`
 *   prefers fauxqs (`defaultLocalSqsServer`).
 * - S3: `S3_ENDPOINT` when set; otherwise fauxqs on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

export type SqsServerChoice = 'elasticmq' | 'fauxqs';

/**
 * The queue server `npm start` runs when `LOCAL_SQS_SERVER` does not say (issue 16): fauxqs,
 * durable. Measured side by side with `npm run bench:load` it does ElasticMQ's work for about a
 * quarter of the CPU (the single largest cost per message), and it needs no Java; the whole test
 * suite passes on it (`LOCAL_SQS_SERVER=fauxqs npm test`; CI runs the queue-heavy files so). A
 * `.data` an earlier Kantong filled through ElasticMQ keeps ElasticMQ, where its accepted messages
 * wait.
 */
export function defaultLocalSqsServer(dataDir: string): SqsServerChoice {
  const earlier = existsSync(join(dataDir, 'elasticmq')) && !existsSync(join(dataDir, 'fauxqs'));
  return earlier ? 'elasticmq' : 'fauxqs';
}

export async function startSqsServer(
  options: {
    env?: NodeJS.ProcessEnv;
    log?: (line: string) => void;
    /** Keep the queues on disk under here (`elasticmq/` or `fauxqs/`); default: memory only. */
    dataDir?: string;
    /** The server when `LOCAL_SQS_SERVER` names none (default ElasticMQ). */
    prefer?: SqsServerChoice;
  } = {},
): Promise<LocalServer> {
  const env = options.env ?? process.env;
  if (env.SQS_ENDPOINT) return { endpoint: env.SQS_ENDPOINT, kind: 'external', stop: nothingToStop };
  const wanted = env.LOCAL_SQS_SERVER || options.prefer || 'elasticmq';
  if (wanted !== 'elasticmq' && wanted !== 'fauxqs') {
    throw new Error(`LOCAL_SQS_SERVER must be elasticmq or fauxqs, not ${JSON.stringify(wanted)}`);
  }
  const under = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  const fauxqs = async (note?: string): Promise<LocalServer> => {
    const dataDir = under('fauxqs');
    const server = await startFauxqs(dataDir ? { dataDir } : {});
    return { endpoint: server.endpoint, kind: 'fauxqs', ...(note ? { note } : {}), stop: server.stop };
  };
  if (wanted === 'fauxqs') return fauxqs();
  let note: string;
  if (elasticMqRunnable()) {
    try {
      const persistDir = under('elasticmq');
      const server = await startElasticMq({
        ...(options.log ? { log: options.log } : {}),
        ...(persistDir ? { persistDir } : {}),
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
  return fauxqs(note);
}

/** S3 on fauxqs; with `dataDir`, objects are kept on disk under its `s3/` (default: memory only). */
export async function startS3Server(
  options: { env?: NodeJS.ProcessEnv; dataDir?: string } = {},
): Promise<LocalServer> {
  const env = options.env ?? process.env;
  if (env.S3_ENDPOINT) return { endpoint: env.S3_ENDPOINT, kind: 'external', stop: nothingToStop };
  const fauxqs = await startFauxqs(options.dataDir ? { dataDir: join(options.dataDir, 's3') } : {});
  return { endpoint: fauxqs.endpoint, kind: 'fauxqs', stop: fauxqs.stop };
}
