/**
 * ElasticMQ, the SQS server a self-hoster runs (docker-compose.yml), for the tests and the local
 * stack without Docker: its jars come from Maven Central (`mvn dependency:copy-dependencies` over
 * infra/elasticmq/pom.xml), are cached once per machine, and run with Java as a child process.
 *
 *   node infra/scripts/elasticmq.ts fetch          # download the jars (CI does this before the tests)
 *   node infra/scripts/elasticmq.ts start [port]   # run one on 127.0.0.1 until Ctrl+C
 *
 * Cache: `${XDG_CACHE_HOME:-~/.cache}/kantong/elasticmq-<version>/lib`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './embedded-postgres.ts';

/** Keep in step with infra/elasticmq/pom.xml and the image tag in docker-compose.yml. */
export const ELASTICMQ_VERSION = '1.7.1';

const pomFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'elasticmq', 'pom.xml');
/** Written last into the cache folder: its presence means every jar arrived. */
const COMPLETE_MARKER = '.complete';

export class ElasticMqError extends Error {
  override name = 'ElasticMqError';
}

/** Where the jars are cached (the folder may not exist yet). */
export function elasticMqLibDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'kantong', `elasticmq-${ELASTICMQ_VERSION}`, 'lib');
}

export function elasticMqJarsCached(): boolean {
  return existsSync(join(elasticMqLibDir(), COMPLETE_MARKER));
}

/** Whether an executable is on PATH (runs `<command> -version`, which java and mvn both know). */
export function commandAvailable(command: string): boolean {
  const result = spawnSync(command, ['-version'], { stdio: 'ignore', timeout: 30_000 });
  return !result.error && result.status === 0;
}

/** Java is there, and the jars are cached or Maven can fetch them. */
export function elasticMqRunnable(): boolean {
  return commandAvailable('java') && (elasticMqJarsCached() || commandAvailable('mvn'));
}

/**
 * Makes sure the ElasticMQ server jars and their dependencies are in the cache; returns the lib
 * folder. Downloads into a temporary sibling folder and renames it into place, so an interrupted
 * download never looks complete.
 */
export async function ensureElasticMqJars(): Promise<string> {
  const libDir = elasticMqLibDir();
  if (elasticMqJarsCached()) return libDir;
  const parent = dirname(libDir);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(join(parent, 'lib-download-'));
  try {
    const result = spawnSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pomFile,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      { encoding: 'utf8', timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    if (result.error) {
      throw new ElasticMqError(
        `could not run Maven to fetch ElasticMQ ${ELASTICMQ_VERSION} (is \`mvn\` installed?): ${result.error.message}`,
        { cause: result.error },
      );
    }
    if (result.status !== 0) {
      const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-20).join('\n');
      throw new ElasticMqError(
        `mvn dependency:copy-dependencies for ElasticMQ ${ELASTICMQ_VERSION} failed (exit ${result.status}):\n${output}`,
      );
    }
    const serverJar = join(staging, `elasticmq-server_2.13-${ELASTICMQ_VERSION}.jar`);
    if (!existsSync(serverJar)) {
      throw new ElasticMqError(`Maven finished but ${serverJar} is missing`);
    }
    await writeFile(join(staging, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
    try {
      await rm(libDir, { recursive: true, force: true });
      await rename(staging, libDir);
    } catch (error) {
      // Another process finished the same download first: theirs is as good as ours.
      if (!elasticMqJarsCached()) throw error;
    }
    return libDir;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The JVM's flags; ELASTICMQ_JAVA_OPTS replaces them (space-separated), e.g. to measure others
 * with `npm run bench:load`. A small heap and the serial collector: one process on a small
 * machine. C1 only (TieredStopAtLevel=1): measured with bench:load (issue 16), the C2 compiler's
 * work never pays for itself at a chat bot's volume — ElasticMQ spent 20 instead of 38 CPU ms per
 * message over the first few thousand messages, and starts faster.
 */
export const ELASTICMQ_JAVA_OPTIONS = ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

export type RunningElasticMq = {
  /** e.g. http://127.0.0.1:39231 — queue URLs carry the same host and port. */
  endpoint: string;
  port: number;
  pid: number;
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
};

export type StartElasticMqOptions = {
  /** Port on 127.0.0.1; default: a free one (retried a few times if taken meanwhile). */
  port?: number;
  /** Longest wait for the first answer (default 60 s: a JVM on a busy 2-core machine). */
  startTimeoutMs?: number;
  /** Keep messages and queues on disk here, so a restart loses nothing (default: memory only). */
  persistDir?: string;
  /** Every log line of the server (default: kept only for error messages). */
  log?: (line: string) => void;
};

/** The server's configuration: SQS on 127.0.0.1 only, no predefined queues. */
export function elasticMqConf(port: number, persistDir?: string): string {
  return `include classpath("application.conf")

node-address {
  protocol = http
  host = "127.0.0.1"
  port = ${port}
  context-path = ""
}
generate-node-address = false

rest-sqs {
  enabled = true
  bind-port = ${port}
  bind-hostname = "127.0.0.1"
  sqs-limits = strict
}

# ElasticMQ ${ELASTICMQ_VERSION}'s server jar has no statistics UI; older ones read this block.
rest-stats {
  enabled = false
}

aws {
  region = ap-southeast-3
  accountId = "000000000000"
}

# Created by the tests and the local stack from shared/src/queue/topology.ts (ensureQueues).
queues {}
${persistDir ? persistence(persistDir) : ''}`;
}

/**
 * Durable queues: messages in an H2 database and the queues' definitions in a file, so a restart
 * of the server loses nothing that was accepted (ElasticMQ keeps both in memory otherwise).
 */
function persistence(dir: string): string {
  return `
messages-storage {
  enabled = true
  uri = "jdbc:h2:${join(dir, 'messages')}"
}
queues-storage {
  enabled = true
  path = "${join(dir, 'queues.conf')}"
}
`;
}

/** Starts ElasticMQ on 127.0.0.1 and resolves once it answers ListQueues. */
export async function startElasticMq(options: StartElasticMqOptions = {}): Promise<RunningElasticMq> {
  const libDir = await ensureElasticMqJars();
  const attempts = options.port === undefined ? 5 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnce(libDir, port, options);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw lastError;
}

class PortTakenError extends ElasticMqError {}

async function startOnce(
  libDir: string,
  port: number,
  options: StartElasticMqOptions,
): Promise<RunningElasticMq> {
  const confDir = await mkdtemp(join(tmpdir(), 'kantong-elasticmq-'));
  const confFile = join(confDir, 'elasticmq.conf');
  if (options.persistDir) await mkdir(options.persistDir, { recursive: true });
  await writeFile(confFile, elasticMqConf(port, options.persistDir));

  const child = spawn(
    'java',
    [
      ...(process.env.ELASTICMQ_JAVA_OPTS?.split(/\s+/).filter(Boolean) ?? ELASTICMQ_JAVA_OPTIONS),
      `-Dconfig.file=${confFile}`,
      '-cp',
      `${libDir}/*`,
      'org.elasticmq.server.Main',
    ],
    // Its own process group: a Ctrl+C in npm start's terminal reaches npm start, which stops the
    // pollers first and then this server, instead of killing the queue under running pollers.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const recent: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      options.log?.(line);
      // Stack frames crowd out the message that says what went wrong.
      if (/^\s+(at |\.\.\. \d+ more)/.test(line)) continue;
      recent.push(line);
      if (recent.length > 30) recent.shift();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  // If this process dies without calling stop(), leave neither a JVM nor its config behind.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(confDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await terminate(child, exited);
    await rm(confDir, { recursive: true, force: true });
  };

  const lastLines = () => (recent.length ? `\nlast log lines:\n  ${recent.slice(-12).join('\n  ')}` : '');
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let exitedEarly: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((status) => {
    exitedEarly = status;
  });
  while (true) {
    if (spawnError) {
      await stop();
      throw new ElasticMqError(`could not start java for ElasticMQ: ${spawnError.message}`, {
        cause: spawnError,
      });
    }
    if (exitedEarly) {
      await stop();
      const Failure = portTaken(recent) ? PortTakenError : ElasticMqError;
      throw new Failure(
        `ElasticMQ exited before answering on ${endpoint} (code ${exitedEarly.code}, signal ${exitedEarly.signal})${lastLines()}`,
      );
    }
    // A failed bind does not end the JVM: it logs the error and keeps running without a listener.
    if (recent.some((line) => /Cannot start SQS rest server|Uncaught exception in thread: main/.test(line))) {
      await stop();
      const Failure = portTaken(recent) ? PortTakenError : ElasticMqError;
      throw new Failure(`ElasticMQ could not start on ${endpoint}${lastLines()}`);
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      const Failure = portTaken(recent) ? PortTakenError : ElasticMqError;
      throw new Failure(
        `ElasticMQ did not answer on ${endpoint} within ${options.startTimeoutMs ?? 60_000} ms${lastLines()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { endpoint, port, pid: child.pid ?? 0, stop };
}

function portTaken(lines: string[]): boolean {
  return lines.some((line) => /address already in use|failed to bind|BindException/i.test(line));
}

/** ElasticMQ has no health endpoint; ListQueues answering 200 is the maintainers' suggestion. */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/?Action=ListQueues`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function terminate(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

if (import.meta.main) {
  const [command = 'fetch', portArgument] = process.argv.slice(2);
  if (command === 'fetch') {
    const cached = elasticMqJarsCached();
    const started = Date.now();
    try {
      const libDir = await ensureElasticMqJars();
      console.log(
        cached
          ? `ElasticMQ ${ELASTICMQ_VERSION} jars already cached in ${libDir}`
          : `ElasticMQ ${ELASTICMQ_VERSION} jars fetched into ${libDir} in ${Date.now() - started} ms`,
      );
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    }
  } else if (command === 'start') {
    const server = await startElasticMq({
      ...(portArgument ? { port: Number(portArgument) } : {}),
      log: (line) => console.log(line),
    });
    console.log(
      `ElasticMQ ${ELASTICMQ_VERSION} answering on ${server.endpoint} (pid ${server.pid}); Ctrl+C stops it`,
    );
    const shutdown = () => void server.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  } else {
    console.error('usage: node infra/scripts/elasticmq.ts fetch | start [port]');
    process.exit(2);
  }
}
