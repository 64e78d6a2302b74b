/**
 * Local delivery for the chat console. `npm start` consumes `console.fifo` — the replies to
 * messages the console sent (channel `console`), and nothing meant for WhatsApp — the way the
 * WhatsApp host consumes `outbound.fifo`, and "delivers" each reply by appending it to a mailbox
 * file per recipient (`.data/console/<number>.jsonl`); each console reads its own. Nothing is
 * dropped and several consoles (several numbers) can chat at once — peeking at a shared queue
 * instead would push other numbers' replies towards the dead-letter queue.
 *
 * A reply to a household's group is addressed to the group JID, so it lands in the group's own
 * mailbox (`.data/console/120363…@g.us.jsonl`), which every console playing that group reads
 * (console-queue.ts `watchGroup`); a reply sent to a member privately lands in their number's.
 */
import { appendFile, chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { logger } from '@kantong/shared/logger';
import { type OutboundMessage, OutboundMessageSchema } from '@kantong/shared/queue';

export function mailboxFile(dir: string, to: string): string {
  return join(dir, `${to}.jsonl`);
}

/** Consumes the console's reply queue (`console.fifo`) into mailbox files until stopped. */
export function startMailboxDelivery(options: { sqs: SQSClient; queueUrl: string; dir: string }) {
  let running = true;
  const loop = (async () => {
    // Replies are private: the folder and files are the owner's alone (issue 14 item 2).
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await chmod(options.dir, 0o700);
    while (running) {
      try {
        const out = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        const messages = out.Messages ?? [];
        for (const message of messages) {
          const reply = OutboundMessageSchema.parse(JSON.parse(message.Body ?? 'null'));
          await appendFile(mailboxFile(options.dir, reply.to), `${JSON.stringify(reply)}\n`, { mode: 0o600 });
        }
        if (messages.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: messages.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
        }
      } catch (error) {
        if (!running) break;
        logger.error({ err: error }, 'console delivery failed; retrying in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Replies in `to`'s mailbox, oldest first. */
export async function readMailbox(dir: string, to: string): Promise<OutboundMessage[]> {
  let text: string;
  try {
    text = await readFile(mailboxFile(dir, to), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => OutboundMessageSchema.parse(JSON.parse(line)));
}
