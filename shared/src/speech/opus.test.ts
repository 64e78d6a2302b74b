/**
 * The WebAssembly decoder (AUDIO_DECODER=wasm, the transcribe Lambda) hears a voice note as ffmpeg
 * does: same length, same voiced seconds, within a frame or two.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { speakVoiceNote } from './fixtures/index.ts';
import { decodeToWav, voicedSeconds } from './index.ts';
import { decodeOpusToWav } from './opus.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kantong-opus-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Ogg Opus without ffmpeg', () => {
  it('decodes a WhatsApp-style voice note to the samples ffmpeg gives', async () => {
    const note = join(work, 'note.ogg');
    await speakVoiceNote('tadi makan di luar tiga puluh lima ribu', note);
    const wasm = await decodeOpusToWav(note, join(work, 'wasm.wav'));
    const ffmpeg = await decodeToWav(note, join(work, 'ffmpeg.wav'));
    expect(Math.abs(wasm.length - ffmpeg.length)).toBeLessThan(16_000 * 0.05);
    expect(voicedSeconds(wasm)).toBeGreaterThan(1);
    expect(Math.abs(voicedSeconds(wasm) - voicedSeconds(ffmpeg))).toBeLessThan(0.2);
  });

  it('refuses what is not Ogg Opus', async () => {
    const junk = join(work, 'junk.ogg');
    await writeFile(junk, 'bukan audio sama sekali');
    await expect(decodeOpusToWav(junk, join(work, 'junk.wav'))).rejects.toThrow();
  });
});
