/**
 * Helpers for the fault tests: the workers as a real child process (so it can be SIGKILLed), a
 * reply collector that counts every copy of a reply, and a short inbound visibility timeout so a
 * message orphaned by a dead consumer comes back in seconds instead of the production 180 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type OutboundMessage, OutboundMessageSchema } from '@kantong/shared/queue';
import { freePort } from '../../../infra/scripts/embedded-postgres.ts';

const workersFile = fileURLToPath(new URL('../local/workers.ts', import.meta.url));

export type ChildWorkers = {
  pid: number;
  /** Sends the signal and waits for the process to end. */
  kill: (signal: NodeJS.Signals) => Promise<void>;
  output: () => string;
};

/** `node functions/src/local/workers.ts` with its own environment. */
export async function spawnWorkers(env: Record<string, string>): Promise<ChildWorkers> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.VITEST;
  childEnv.WORKERS_PORT = String(await freePort());
  childEnv.LOG_LEVEL ??= 'warn';
  childEnv.RATE_LIMIT_PER_MINUTE ??= '100000';
  const child: ChildProcess = spawn(process.execPath, [workersFile], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid ?? 0,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    output: () => output,
  };
}

/** A message left unacknowledged by a dead consumer is visible again after `seconds`. */
export async function shortenVisibility(sqs: SQSClient, queueUrl: string, seconds: number): Promise<void> {
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: { VisibilityTimeout: String(seconds) },
    }),
  );
}

/** Every reply read off outbound.fifo, by the WhatsApp id it answers, with how often it came. */
export type ReplyLog = Map<string, number>;

/**
 * Reads (and deletes) outbound replies into `log` until `done(log)` holds or the time is up, then
 * keeps reading `settleMs` longer so a late duplicate would still be counted.
 */
export async function collectInto(
  sqs: SQSClient,
  queueUrl: string,
  log: ReplyLog,
  done: (log: ReplyLog) => boolean,
  options: { timeoutMs: number; settleMs?: number; onReply?: (reply: OutboundMessage) => void },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let settleUntil: number | undefined;
  while (Date.now() < (settleUntil ?? deadline)) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const messages = out.Messages ?? [];
    for (const message of messages) {
      const reply = OutboundMessageSchema.parse(JSON.parse(message.Body ?? ''));
      const id = reply.in_reply_to ?? '';
      log.set(id, (log.get(id) ?? 0) + 1);
      options.onReply?.(reply);
    }
    if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    if (settleUntil === undefined && done(log)) settleUntil = Date.now() + (options.settleMs ?? 2000);
  }
}

/** The texts of one sender's run: each a ledger movement, savings deposits among them. */
export function movementTexts(count: number): string[] {
  const texts = ['beli kopi 18k', 'setor dana 10k', 'gaji 5jt', 'setor dana 25rb', 'makan siang 25rb'];
  return Array.from({ length: count }, (_, index) => texts[index % texts.length] as string);
}
