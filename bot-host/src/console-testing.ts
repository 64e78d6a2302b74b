/**
 * The chat console's test stack: the test pipeline (PostgreSQL, ElasticMQ, S3), the real workers,
 * and the console's mailbox delivery from console.fifo into `mailboxDir`.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorkers, type Workers } from '../../functions/src/local/workers.ts';
import { createTestPipeline, type TestPipeline } from '../../functions/src/testing-pipeline.ts';
import { startMailboxDelivery } from './console-mailbox.ts';

export type ConsoleStack = {
  pipe: TestPipeline;
  workers: Workers;
  /** A fresh folder; the mailbox is `mailboxDir`, inside it. */
  dir: string;
  mailboxDir: string;
  stop: () => Promise<void>;
};

export async function startConsoleStack(): Promise<ConsoleStack> {
  const pipe = await createTestPipeline();
  const workers = await startWorkers(pipe.deps, {
    waitTimeSeconds: 1,
    relay: false,
    scheduler: false,
    retryDelaySeconds: 0,
  });
  const dir = await mkdtemp(join(tmpdir(), 'kantong-console-'));
  const mailboxDir = join(dir, 'mailbox');
  const delivery = startMailboxDelivery({ sqs: pipe.sqs, queueUrl: pipe.urls.console, dir: mailboxDir });
  return {
    pipe,
    workers,
    dir,
    mailboxDir,
    stop: async () => {
      await delivery.stop();
      await workers.stop();
      await pipe.close();
    },
  };
}
