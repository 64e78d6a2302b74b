/**
 * Voice notes through the whole voice path — ffmpeg, the silence guard, cleanup, Whisper and the
 * spoken reader — scored the way a user would feel it: the amount booked right, asked back
 * (confidence below SPOKEN_SURE, or no amount so Kantong asks how much), or booked wrong (the
 * one outcome that must never happen). Shared by speech/noisy.test.ts and `bench:media`.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpoken, SPOKEN_SURE } from '../nlu/spoken.ts';
import type { NoisyMoneyNote } from './fixtures/index.ts';
import { noisyVoiceNote } from './fixtures/index.ts';
import { type DecodeSettings, transcribeFile } from './index.ts';

/** `failed`: the transcription itself failed (a timeout): Kantong says it could not hear, books nothing. */
export type VoiceOutcome = 'right' | 'asked-right' | 'asked-wrong' | 'no-amount' | 'failed' | 'wrong-booked';

export type VoiceRow = {
  note: NoisyMoneyNote;
  heard: string;
  read: string;
  amount: bigint | null;
  confidence: number;
  outcome: VoiceOutcome;
  /** Wall seconds from the file to the reading, and the CPU seconds its child processes used. */
  seconds: number;
  cpuSeconds: number;
  audioSeconds: number;
};

export type VoiceScore = { rows: VoiceRow[]; counts: Record<VoiceOutcome, number> };

/** CPU seconds used so far by this process's finished children (ffmpeg, whisper-cli); Linux only. */
export function childCpuSeconds(): number {
  try {
    const fields = (readFileSync('/proc/self/stat', 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

function outcomeOf(expected: bigint, amount: bigint | null, confidence: number): VoiceOutcome {
  if (amount === null) return 'no-amount';
  if (confidence < SPOKEN_SURE) return amount === expected ? 'asked-right' : 'asked-wrong';
  return amount === expected ? 'right' : 'wrong-booked';
}

/** Makes each note (OGG/Opus, in a temporary folder) and scores it; `onRow` sees each as it comes. */
export async function scoreVoiceNotes(
  notes: readonly NoisyMoneyNote[],
  options: { decode?: Partial<DecodeSettings>; model?: string; onRow?: (row: VoiceRow) => void } = {},
): Promise<VoiceScore> {
  const work = await mkdtemp(join(tmpdir(), 'kantong-voice-score-'));
  const counts: Record<VoiceOutcome, number> = {
    right: 0,
    'asked-right': 0,
    'asked-wrong': 0,
    'no-amount': 0,
    failed: 0,
    'wrong-booked': 0,
  };
  const rows: VoiceRow[] = [];
  const ctx = { now: new Date(), timezone: 'Asia/Jakarta' };
  try {
    for (const [index, note] of notes.entries()) {
      const file = join(work, `note-${index}.ogg`);
      await noisyVoiceNote(note.text, file, note.options);
      const started = performance.now();
      const cpu = childCpuSeconds();
      const heard = await transcribeFile(file, { decode: options.decode, model: options.model }).catch(
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      const failed = heard instanceof Error;
      const reading = readSpoken(failed ? '' : heard.text, ctx);
      const row: VoiceRow = {
        note,
        heard: failed ? `(failed: ${heard.message.split('\n')[0]?.slice(0, 80)})` : heard.text,
        read: reading.text,
        amount: failed ? null : reading.result.amount,
        confidence: reading.result.confidence,
        outcome: failed ? 'failed' : outcomeOf(note.amount, reading.result.amount, reading.result.confidence),
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: childCpuSeconds() - cpu,
        audioSeconds: failed ? 0 : heard.duration_s,
      };
      counts[row.outcome] += 1;
      rows.push(row);
      options.onRow?.(row);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { rows, counts };
}

/** One line per note for logs: outcome, amount, what was said and heard. */
export function describeRow(row: VoiceRow): string {
  const { voice, speed, noise, snrDb } = row.note.options;
  const setting = `${voice} ${speed}wpm ${noise === 'none' ? 'clean' : `${noise} ${snrDb}dB`}`;
  return `${row.outcome.padEnd(12)} ${String(row.amount ?? '-').padStart(8)} @${row.confidence.toFixed(2)} ${row.seconds.toFixed(1)}s (cpu ${row.cpuSeconds.toFixed(1)}s) [${setting}] "${row.note.text}" → "${row.heard}"`;
}
