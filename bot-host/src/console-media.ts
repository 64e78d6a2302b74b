/**
 * The chat console's `/foto PATH [caption]` and `/suara PATH`: a file on this machine sent as a
 * WhatsApp photo or voice note, through the path the WhatsApp host takes — the bytes into the
 * media bucket under their SHA-256 (inbound.ts's `storeMedia`), an envelope with the media ref on
 * inbound.fifo, then the ocr/transcribe functions and the console's reply queue.
 *
 * The file is checked here first, as the host checks what WhatsApp hands it: it must exist, be no
 * larger than MEDIA_MAX_BYTES, and *be* a photo (JPEG, PNG, WebP) or audio (OGG, MP3, M4A, WAV,
 * AMR) by its content, whatever its name says. A file that fails gets a message in the console
 * and nothing reaches S3, the queue or the ledger.
 */
import { open, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MediaRef } from '@kantong/shared/queue';
import type { SendResult } from './console.ts';
import {
  type ConsoleGroup,
  consoleEnvelope,
  newShown,
  type QueueTarget,
  type Shown,
  sendAndAwaitReply,
} from './console-queue.ts';
import { storeMedia } from './inbound.ts';

export type MediaKind = 'image' | 'audio';

/** A parsed `/foto` or `/suara` line. */
export type MediaCommand = { kind: MediaKind; path: string; caption: string | null };

/** Reading a photo or a voice note can take a while (OCR, Whisper on a busy machine). */
const MEDIA_REPLY_TIMEOUT_MS = 180_000;

const COMMANDS: Record<string, MediaKind> = { '/foto': 'image', '/suara': 'audio' };

/** `"my receipt.jpg" makan siang` → the quoted path and the rest; otherwise the first word. */
function splitPath(rest: string): { path: string; tail: string } {
  const quoted = /^(["'])(.*?)\1(?:\s+|$)(.*)$/s.exec(rest);
  if (quoted) return { path: quoted[2] ?? '', tail: quoted[3] ?? '' };
  const [path = '', ...tail] = rest.split(/\s+/);
  return { path, tail: tail.join(' ') };
}

/**
 * `/foto PATH [caption]` or `/suara PATH`; null for any other line (sent as text). A voice note
 * has no caption on WhatsApp, so `/suara` takes the whole rest as its path (spaces allowed).
 */
export function parseMediaCommand(line: string): MediaCommand | { kind: 'usage'; message: string } | null {
  const match = /^(\/\S+)(?:\s+(.*))?$/s.exec(line.trim());
  const kind = match ? COMMANDS[match[1]?.toLowerCase() ?? ''] : undefined;
  if (!match || !kind) return null;
  const rest = (match[2] ?? '').trim();
  if (rest === '') return { kind: 'usage', message: USAGE[kind] };
  if (kind === 'audio') {
    const unquoted = /^(["'])(.*)\1$/s.exec(rest);
    return { kind, path: unquoted ? (unquoted[2] ?? '') : rest, caption: null };
  }
  const { path, tail } = splitPath(rest);
  return { kind, path, caption: tail.trim() === '' ? null : tail.trim() };
}

const USAGE: Record<MediaKind, string> = {
  image: 'Cara pakai: /foto PATH [caption], contoh: /foto struk.jpg makan siang',
  audio: 'Cara pakai: /suara PATH, contoh: /suara catatan.ogg',
};

/**
 * Where a relative path starts: the directory `npm run chat` was typed in (npm runs scripts from
 * the package root and keeps the original one in INIT_CWD).
 */
export function resolvePath(path: string, cwd = process.env.INIT_CWD ?? process.cwd()): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(cwd, path);
}

/** The MIME type a file's first bytes prove, as WhatsApp would label it; null when none fits. */
export function sniffMime(head: Uint8Array): { kind: MediaKind; mime: string } | null {
  const bytes = Buffer.from(head);
  const ascii = (start: number, end: number) => bytes.subarray(start, end).toString('latin1');
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return { kind: 'image', mime: 'image/jpeg' };
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return { kind: 'image', mime: 'image/png' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { kind: 'image', mime: 'image/webp' };
  // WhatsApp's own voice notes are OGG/Opus; phones and recorders make the others.
  if (ascii(0, 4) === 'OggS') return { kind: 'audio', mime: 'audio/ogg' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return { kind: 'audio', mime: 'audio/wav' };
  if (ascii(0, 6) === '#!AMR\n') return { kind: 'audio', mime: 'audio/amr' };
  if (ascii(0, 3) === 'ID3') return { kind: 'audio', mime: 'audio/mpeg' };
  // An MPEG audio frame starts with 11 set bits (and a layer that is not "reserved").
  if (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0 && ((bytes[1] ?? 0) & 0x06) !== 0)
    return { kind: 'audio', mime: 'audio/mpeg' };
  if (ascii(4, 8) === 'ftyp' && /^(M4A |M4B |mp42|isom|3gp)/.test(ascii(8, 12)))
    return { kind: 'audio', mime: 'audio/mp4' };
  return null;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toLocaleString('id-ID', { maximumFractionDigits: 1 })} MB`;
}

export type LoadedMedia = { ok: true; bytes: Buffer; mime: string } | { ok: false; message: string };

/** Reads and checks the file a command names; never throws for a bad file. */
export async function loadMedia(command: MediaCommand, maxBytes: number): Promise<LoadedMedia> {
  const what = command.kind === 'image' ? 'foto' : 'voice note';
  const file = resolvePath(command.path);
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile())
      return { ok: false, message: `${command.path} bukan file (folder?). Kirim file ${what}-nya ya.` };
    size = info.size;
  } catch {
    return {
      ok: false,
      message: `File ${command.path} nggak ketemu (dicari di ${file}). Cek lagi path-nya ya.`,
    };
  }
  if (size > maxBytes) {
    return {
      ok: false,
      message: `File ${command.path} kegedean (${megabytes(size)}, maks ${megabytes(maxBytes)}), jadi nggak aku kirim.`,
    };
  }
  if (size === 0) return { ok: false, message: `File ${command.path} kosong, jadi nggak aku kirim.` };
  const handle = await open(file, 'r');
  let bytes: Buffer;
  try {
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  // The size may have grown since the stat; the limit holds for what was read.
  if (bytes.byteLength > maxBytes)
    return { ok: false, message: `File ${command.path} kegedean, jadi nggak aku kirim.` };
  const sniffed = sniffMime(bytes.subarray(0, 16));
  if (sniffed?.kind !== command.kind) {
    const expected =
      command.kind === 'image'
        ? 'foto (JPEG, PNG atau WebP)'
        : 'rekaman suara (OGG/Opus seperti voice note WhatsApp, MP3, M4A, WAV atau AMR)';
    const found = sniffed ? ` (isinya ${sniffed.kind === 'image' ? 'foto' : 'audio'}, ${sniffed.mime})` : '';
    return { ok: false, message: `File ${command.path} bukan ${expected}${found}, jadi nggak aku kirim.` };
  }
  return { ok: true, bytes, mime: sniffed.mime };
}

export type MediaTarget = QueueTarget & { s3: S3Client; bucket: string; maxBytes: number };

/**
 * Sends one `/foto` or `/suara` command and waits for its *answer* (not only the "⏳ sebentar"):
 * a bad file answers at once with `kind: 'refused'` and sends nothing.
 */
export async function sendMedia(
  target: MediaTarget,
  sqs: SQSClient,
  from: string,
  command: MediaCommand,
  group: ConsoleGroup | null = null,
  shown: Shown = newShown(),
): Promise<SendResult> {
  const loaded = await loadMedia(command, target.maxBytes);
  if (!loaded.ok) return { ok: false, kind: 'refused', message: loaded.message };
  let media: MediaRef;
  try {
    media = await storeMedia({ s3: target.s3, bucket: target.bucket }, loaded.bytes, loaded.mime);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'network', message: `S3 (${target.bucket}): ${message}` };
  }
  const envelope = consoleEnvelope(
    from,
    { type: command.kind, text: command.caption, media },
    new Date(),
    group,
  );
  return sendAndAwaitReply(target, sqs, envelope, MEDIA_REPLY_TIMEOUT_MS, shown);
}
