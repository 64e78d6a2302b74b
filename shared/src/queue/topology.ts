/**
 * The queues of DESIGN.md's data flow, in one place: the local stack and the tests create them
 * from here, and a test holds serverless.yml to the same names, FIFO-ness, redrive and timeouts.
 *
 * - `inbound.fifo`: every WhatsApp message, grouped by sender (per-user order), deduplicated by
 *   the WhatsApp message id. Consumed by `ingest`.
 * - `transcribe` and `ocr`: voice notes and photos/documents, which take seconds to minutes;
 *   standard queues, because a slow receipt must not hold up the sender's next text. One queue per
 *   function: two Lambda mappings on one queue with filters would each drop the other's messages.
 * - `reports`: one job per user and scheduled report, fanned out by the hourly scheduler, so ten
 *   thousand users are ten thousand small invocations of `reportWorker`.
 * - `outbound.fifo`: replies to WhatsApp users, grouped by recipient, deduplicated by outbox id.
 *   Consumed by the WhatsApp host directly — it owns the socket, a function cannot send on it.
 * - `console.fifo`: replies to chat-console users, the same way. Consumed by the local console
 *   delivery of `npm start`. Where a reply goes is part of the reply (its channel, kept in the
 *   outbox row): the host and the console never read each other's replies, whichever of them runs.
 *
 * Every queue has a dead-letter queue after 5 receives, and a visibility timeout of at least six
 * times its consumer's timeout (AWS's advice for Lambda event sources), so a message is never
 * handed to a second consumer while the first is still working on it.
 */
export type QueueKey = 'inbound' | 'transcribe' | 'ocr' | 'reports' | 'outbound' | 'console';

/**
 * Where a message came from, and so where its replies go. An inbound envelope without one came
 * from WhatsApp (every envelope before channels existed did).
 */
export const CHANNELS = ['whatsapp', 'console'] as const;
export type Channel = (typeof CHANNELS)[number];
export const DEFAULT_CHANNEL: Channel = 'whatsapp';

/** The queue each channel's replies travel on. */
export const REPLY_QUEUE: Record<Channel, QueueKey> = {
  whatsapp: 'outbound',
  console: 'console',
};

export type QueueSpec = {
  /** Name without the stage prefix. */
  name: string;
  fifo: boolean;
  /** The timeout of the function that consumes it (seconds). */
  consumerTimeoutS: number;
  visibilityTimeoutS: number;
  deadLetter: string;
  maxReceiveCount: number;
};

export const MAX_RECEIVE_COUNT = 5;

export const QUEUES: Record<QueueKey, QueueSpec> = {
  inbound: {
    name: 'inbound.fifo',
    fifo: true,
    consumerTimeoutS: 30,
    visibilityTimeoutS: 180,
    deadLetter: 'inbound-dlq.fifo',
    maxReceiveCount: MAX_RECEIVE_COUNT,
  },
  transcribe: {
    name: 'transcribe',
    fifo: false,
    consumerTimeoutS: 150,
    visibilityTimeoutS: 900,
    deadLetter: 'transcribe-dlq',
    maxReceiveCount: MAX_RECEIVE_COUNT,
  },
  ocr: {
    name: 'ocr',
    fifo: false,
    consumerTimeoutS: 150,
    visibilityTimeoutS: 900,
    deadLetter: 'ocr-dlq',
    maxReceiveCount: MAX_RECEIVE_COUNT,
  },
  reports: {
    name: 'reports',
    fifo: false,
    consumerTimeoutS: 30,
    visibilityTimeoutS: 180,
    deadLetter: 'reports-dlq',
    maxReceiveCount: MAX_RECEIVE_COUNT,
  },
  outbound: {
    name: 'outbound.fifo',
    fifo: true,
    consumerTimeoutS: 30,
    visibilityTimeoutS: 180,
    deadLetter: 'outbound-dlq.fifo',
    maxReceiveCount: MAX_RECEIVE_COUNT,
  },
  console: {
    name: 'console.fifo',
    fifo: true,
    consumerTimeoutS: 30,
    visibilityTimeoutS: 180,
    deadLetter: 'console-dlq.fifo',
    maxReceiveCount: MAX_RECEIVE_COUNT,
  },
};
