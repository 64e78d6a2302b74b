/**
 * `npm run chat -- --from 6281234567890 [--group NAME]`: a local chat console that plays a
 * WhatsApp user, in a personal chat or (`--group`) in the WhatsApp group NAME. While
 * `npm start` runs, each line travels through the queues as a WhatsApp message does (console-queue.ts);
 * otherwise (or with --http) each
 * line goes to `POST /wa/incoming` exactly as the WhatsApp host will send it, and the bot's
 * reply is printed like a chat bubble. With stdin not a terminal (a pipe, CI) it sends the lines
 * in order, one at a time, and exits:
 *
 *   printf 'beli pulsa 50k\nlaporan hari ini\n' | npm run -s chat -- --from 6281234567890
 *
 * KANTONG_API_URL points it at another API (default http://127.0.0.1:8000).
 *
 * In a group (issue 15 item 7) each line is a message from --from in the group NAME, whose JID is
 * derived from the name (console-queue.ts `consoleGroup`), so two terminals with the same --group
 * and two numbers play a couple in one household: each sees the answers to its own lines, and
 * (through npm start's queues) the group's other replies and its own private ones as they come.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { getConfig } from '@kantong/shared/config';
import { createSqsClient } from '@kantong/shared/queue';
import { signedRequestHeaders } from '@kantong/shared/security';
import { createS3Client } from '@kantong/shared/storage';
import { type MediaCommand, parseMediaCommand, sendMedia } from './console-media.ts';
import {
  type ConsoleGroup,
  consoleGroup,
  newShown,
  type Overheard,
  type QueueTarget,
  queueTransport,
  type Shown,
  watchGroup,
} from './console-queue.ts';
import { internalSecretFile, localDataDir, readLocalStack } from './local-stack.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:8000';
export const DEFAULT_FROM = '6281234567890';
const REQUEST_TIMEOUT_MS = 60_000;

/** The body of `POST /wa/incoming` (SPEC.md's contract plus the optional message_id). */
export type IncomingMessage = {
  from_number: string;
  message_type: 'text';
  text: string;
  media_url: null;
  timestamp: number;
  message_id: string;
  group?: { jid: string; name: string; sender_lid: null; sender_name: string | null };
};

export type SendResult =
  | { ok: true; reply: string }
  | { ok: false; kind: 'http'; status: number; body: string }
  | { ok: false; kind: 'network'; message: string }
  /** Not sent at all: a `/foto` or `/suara` file that is missing, of the wrong kind, or too large. */
  | { ok: false; kind: 'refused'; message: string };

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A WhatsApp number as the API takes it: digits only, country code first, 6–20 long. */
export function validateFrom(from: string): string {
  if (!/^[0-9]{6,20}$/.test(from)) {
    throw new UsageError(
      `--from must be a phone number of 6 to 20 digits with the country code, e.g. 6281234567890 (got "${from}")`,
    );
  }
  return from;
}

/** A group name as WhatsApp allows one (1 to 100 characters), and a display name (up to 25). */
export function validateGroup(name: string, senderName: string | undefined): ConsoleGroup {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100) {
    throw new UsageError(`--group needs the group's name, 1 to 100 characters (got "${name}")`);
  }
  if (senderName !== undefined && (senderName.trim() === '' || senderName.trim().length > 25)) {
    throw new UsageError(`--name needs a display name of 1 to 25 characters (got "${senderName}")`);
  }
  return consoleGroup(trimmed, senderName ?? null);
}

export type ConsoleArgs = { from: string; help: boolean; http: boolean; group: ConsoleGroup | null };

export function parseConsoleArgs(argv: string[]): ConsoleArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string', default: DEFAULT_FROM },
      group: { type: 'string' },
      name: { type: 'string' },
      http: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.name !== undefined && values.group === undefined) {
    throw new UsageError('--name only goes with --group (it is how the group sees you)');
  }
  return {
    from: validateFrom(values.from),
    help: values.help,
    http: values.http,
    group: values.group === undefined ? null : validateGroup(values.group, values.name),
  };
}

/** A fresh message id per line: the API is idempotent on (sender, message id). */
export function buildIncoming(
  from: string,
  text: string,
  now: Date = new Date(),
  group: ConsoleGroup | null = null,
): IncomingMessage {
  return {
    from_number: from,
    message_type: 'text',
    text,
    media_url: null,
    timestamp: Math.floor(now.getTime() / 1000),
    message_id: `console-${randomBytes(8).toString('hex')}`,
    ...(group
      ? { group: { jid: group.jid, name: group.name, sender_lid: null, sender_name: group.senderName } }
      : {}),
  };
}

/** `${apiUrl}/wa/incoming`, keeping any path prefix the API is mounted under. */
export function incomingUrl(apiUrl: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/wa/incoming`;
}

/**
 * Sends one typed line as a WhatsApp text message and returns the bot's reply. Never throws for
 * an HTTP error or an unreachable API: the console prints those and goes on.
 */
export async function sendLine(
  apiUrl: string,
  from: string,
  text: string,
  secret: string | null = internalSecret(),
  group: ConsoleGroup | null = null,
): Promise<SendResult> {
  const url = incomingUrl(apiUrl);
  const payload = JSON.stringify(buildIncoming(from, text, new Date(), group));
  // /wa/incoming is an internal endpoint: the console signs like the WhatsApp host would.
  const signature = secret
    ? signedRequestHeaders(secret, { method: 'POST', pathAndQuery: new URL(url).pathname, body: payload })
    : {};
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...signature },
      body: payload,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const message = error instanceof Error ? `${error.message}${cause}` : String(error);
    return { ok: false, kind: 'network', message };
  }
  const body = await response.text();
  if (!response.ok) return { ok: false, kind: 'http', status: response.status, body };
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'reply' in parsed && typeof parsed.reply === 'string') {
      return { ok: true, reply: parsed.reply };
    }
  } catch {
    // Falls through: a 2xx answer that is not the contract is reported like an error.
  }
  return {
    ok: false,
    kind: 'http',
    status: response.status,
    body: `unexpected answer (no "reply"): ${body}`,
  };
}

/** "🤖 Kantong: …" with the reply's further lines indented under the first. */
export function formatReply(reply: string): string {
  const [first = '', ...rest] = reply.split('\n');
  return [`🤖 Kantong: ${first}`, ...rest.map((line) => (line === '' ? '' : `            ${line}`))].join(
    '\n',
  );
}

/** A reply the console overheard: one to its group, or one sent to its number privately. */
export function formatOverheard(reply: Overheard, group: ConsoleGroup): string {
  const where = reply.to === 'group' ? `di grup "${group.name}"` : 'ke chat pribadimu / privately';
  return `📣 ${where}:\n${formatReply(reply.text)}`;
}

export function formatFailure(result: Exclude<SendResult, { ok: true }>, apiUrl: string): string {
  if (result.kind === 'refused') return `⚠️  ${result.message}`;
  if (result.kind === 'network') {
    return (
      `⚠️  Tidak bisa menghubungi Kantong di ${apiUrl} (${result.message}).\n` +
      `    Cannot reach the API. Is it running? Start it with: npm start`
    );
  }
  let body = result.body;
  try {
    body = JSON.stringify(JSON.parse(result.body), null, 2);
  } catch {
    // Not JSON: print it as it came.
  }
  return `⚠️  HTTP ${result.status} dari/from ${incomingUrl(apiUrl)}:\n${body}`;
}

export type ConsoleOptions = {
  apiUrl: string;
  /**
   * How a line travels; by default `POST /wa/incoming`. `npm start` makes the console use the
   * queues instead (see console-queue.ts), the path a real WhatsApp message takes.
   */
  transport?: {
    describe: string;
    send: (text: string) => Promise<SendResult>;
    /** `/foto` and `/suara`: only where media can travel as WhatsApp's does (S3 + the queues). */
    sendMedia?: (command: MediaCommand) => Promise<SendResult>;
    /** In a group: shows the replies this console did not ask for, until stopped. */
    watch?: (show: (reply: Overheard) => void) => { stop: () => Promise<void> };
  };
  from: string;
  /** The group the console plays in (`--group`); none: a personal chat. */
  group?: ConsoleGroup | null;
  input: Readable;
  output: Writable;
  /** Prompt and greet (a terminal); otherwise echo each line sent, for a readable transcript. */
  interactive: boolean;
};

/**
 * Reads lines from `input` and sends them one at a time, in order, printing each reply.
 * Returns the exit code: 0, or 1 when the API could not be reached at all in non-interactive use
 * (an HTTP error is an answer, printed, and the next line is sent).
 */
export async function runConsole(options: ConsoleOptions): Promise<number> {
  const { apiUrl, from, input, output, interactive } = options;
  const group = options.group ?? null;
  const write = (text: string) => output.write(`${text}\n`);
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive });
  const speaker = group ? `${from} @ ${group.name}` : from;
  rl.setPrompt(`👤 ${speaker}: `);
  // In terminal mode readline catches Ctrl+C itself and would only pause; leave like Ctrl+D.
  rl.on('SIGINT', () => rl.close());
  const watch =
    group && options.transport?.watch
      ? options.transport.watch((reply) => {
          write(formatOverheard(reply, group));
          if (interactive) rl.prompt(true);
        })
      : null;
  if (interactive) {
    write(
      `Kantong chat console → ${options.transport?.describe ?? incomingUrl(apiUrl)}, sebagai/as ${from}` +
        (group ? ` di grup/in group "${group.name}" (${group.jid}).` : '.'),
    );
    if (group)
      write('Grup baru? Ketik "aktifkan kantong" dulu. / A new group: type "aktifkan kantong" first.');
    write('Ketik pesan seperti di WhatsApp (mis. "beli pulsa 50k"); Ctrl+D untuk keluar / to quit.');
    write('Kirim foto struk: /foto PATH [caption] · voice note: /suara PATH');
    rl.prompt();
  }
  let exitCode = 0;
  try {
    for await (const raw of rl) {
      const text = raw.trim();
      if (text === '') {
        if (interactive) rl.prompt();
        continue;
      }
      if (!interactive) write(`👤 ${speaker}: ${text}`);
      const result = await sendOne(options, text);
      if (result.ok) {
        write(formatReply(result.reply));
      } else {
        write(formatFailure(result, apiUrl));
        if (result.kind === 'network' && !interactive) {
          exitCode = 1;
          break;
        }
      }
      if (interactive) rl.prompt();
    }
  } finally {
    rl.close();
    await watch?.stop();
  }
  if (interactive) write('\nSampai jumpa! 👋');
  return exitCode;
}

/** The message `/foto` and `/suara` get where only text can travel (--http, no npm start). */
export const MEDIA_NEEDS_QUEUES =
  '/foto dan /suara cuma bisa lewat Kantong yang jalan dengan `npm start` (antrean + S3), bukan mode --http. ' +
  'Jalankan `npm start`, lalu `npm run chat` tanpa --http. / Photos and voice notes need the running npm start stack.';

/** One line: a `/foto` or `/suara` command, or a text message. */
async function sendOne(options: ConsoleOptions, text: string): Promise<SendResult> {
  const media = parseMediaCommand(text);
  if (media?.kind === 'usage') return { ok: false, kind: 'refused', message: media.message };
  if (media) {
    const sendMediaCommand = options.transport?.sendMedia;
    if (!sendMediaCommand) return { ok: false, kind: 'refused', message: MEDIA_NEEDS_QUEUES };
    return sendMediaCommand(media);
  }
  return options.transport
    ? options.transport.send(text)
    : sendLine(options.apiUrl, options.from, text, undefined, options.group ?? null);
}

const usage = `Usage: npm run chat -- [--from 6281234567890] [--group NAME [--name BUDI]] [--http]

Chats with Kantong as the WhatsApp number --from (digits, country code first; default ${DEFAULT_FROM}).
With --group NAME the lines are messages from that number in the WhatsApp group NAME (the same name
is the same group, in any terminal: start two with two numbers to play a couple). A new group starts
with "aktifkan kantong"; the group's replies, and those sent to the number privately, show in every
console of the group (with npm start; --http shows only the answers to your own lines). --name is
your WhatsApp display name there, by which Kantong names you in the group's replies.

  e.g.  npm run chat -- --from 6281234567890 --group "Keluarga Santoso" --name Budi
        npm run chat -- --from 6281298765432 --group "Keluarga Santoso" --name Ani   (another terminal)
Needs Kantong running (npm start). While npm start runs, lines travel through the queues as WhatsApp
messages do (inbound.fifo → functions → console.fifo); --http sends them to POST /wa/incoming instead,
at KANTONG_API_URL (default ${DEFAULT_API_URL}). With stdin from a pipe it sends each line in order and exits,
waiting for each answer.

  /foto PATH [caption]   sends the image at PATH as a WhatsApp photo (a receipt), with an optional caption
  /suara PATH            sends the audio at PATH as a WhatsApp voice note
Both need npm start (the file goes to S3, its envelope to inbound.fifo, then the ocr/transcribe functions).`;

/**
 * The secret to sign internal calls with: INTERNAL_API_SECRET, or the one `npm start` made for
 * the local stack (.data/internal-secret).
 */
function internalSecret(): string | null {
  if (process.env.INTERNAL_API_SECRET) return process.env.INTERNAL_API_SECRET;
  try {
    return readFileSync(internalSecretFile(localDataDir()), 'utf8').trim();
  } catch {
    return null;
  }
}

/** The queues (and, for /foto and /suara, the S3 server and media bucket) of a running stack. */
type StackTarget = QueueTarget & { s3Endpoint?: string; mediaBucket?: string };

/** The queues of a running `npm start`, if there is one and --http was not asked for. */
async function queueTarget(http: boolean): Promise<StackTarget | null> {
  if (http || process.env.KANTONG_API_URL) return null;
  const data = localDataDir();
  // A file left by an npm start that was killed is no stack: the console says npm start is not running.
  const stack = await readLocalStack(data);
  return stack.status === 'running' ? { ...stack.info, mailboxDir: join(data, 'console') } : null;
}

/** `/foto` and `/suara` against the running stack: its S3 server and media bucket, its queues. */
function mediaSender(
  target: StackTarget,
  s3Endpoint: string,
  from: string,
  group: ConsoleGroup | null,
  shown: Shown,
) {
  const config = getConfig();
  const sqs = createSqsClient({ endpoint: target.sqsEndpoint, region: target.region });
  const mediaTarget = {
    ...target,
    s3: createS3Client({ endpoint: s3Endpoint, region: target.region }),
    bucket: target.mediaBucket ?? config.MEDIA_BUCKET,
    maxBytes: config.MEDIA_MAX_BYTES,
  };
  return (command: MediaCommand) => sendMedia(mediaTarget, sqs, from, command, group, shown);
}

if (import.meta.main) {
  let args: ConsoleArgs;
  try {
    args = parseConsoleArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const target = await queueTarget(args.http);
  const { group, from } = args;
  const shown = newShown();
  const code = await runConsole({
    apiUrl: process.env.KANTONG_API_URL || DEFAULT_API_URL,
    ...(target
      ? {
          transport: {
            describe: `inbound.fifo → console.fifo at ${target.sqsEndpoint}`,
            send: queueTransport(target, from, group, shown),
            ...(target.s3Endpoint
              ? { sendMedia: mediaSender(target, target.s3Endpoint, from, group, shown) }
              : {}),
            ...(group ? { watch: (show) => watchGroup(target, { from, group }, shown, show) } : {}),
          },
        }
      : {}),
    from,
    group,
    input: process.stdin,
    output: process.stdout,
    interactive: process.stdin.isTTY === true,
  });
  process.exitCode = code;
}
