/**
 * The transcriber's own rules (silence guard, transcript clean-up) and real whisper.cpp on
 * espeak-ng voice notes. Without whisper.cpp and its model the model-backed test says so plainly.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../nlu/index.ts';
import { needsProgram } from '../testing/index.ts';
import { silentVoiceNote, speakVoiceNote } from './fixtures/index.ts';
import {
  cleanTranscript,
  localWhisperReady,
  SpeechUnavailableError,
  transcribeFile,
  voicedSeconds,
} from './index.ts';

describe('the silence guard and the transcript clean-up', () => {
  it('finds no speech in silence, a 0-second note, or a hum', () => {
    expect(voicedSeconds(new Int16Array(16_000 * 3))).toBe(0);
    expect(voicedSeconds(new Int16Array(0))).toBe(0);
    const hum = Int16Array.from({ length: 16_000 }, (_, index) => Math.round(40 * Math.sin(index / 5)));
    expect(voicedSeconds(hum)).toBe(0);
  });

  it('drops Whisper’s stock phrases and annotations, and keeps number words together', () => {
    expect(cleanTranscript(' Terima kasih telah menonton!')).toBe('');
    expect(cleanTranscript('[Musik]')).toBe('');
    expect(cleanTranscript(' Tadi makan di luar tiga puluh, lima ribu.')).toBe(
      'Tadi makan di luar tiga puluh lima ribu',
    );
  });

  it('keeps one copy of what a decoding loop repeats', () => {
    expect(cleanTranscript('Tarih, rupiah, rupiah, rupiah, rupiah, rupiah.')).toBe('Tarih, rupiah');
    expect(cleanTranscript('Isi bensin lima puluh ribu. Isi bensin lima puluh ribu')).toBe(
      'Isi bensin lima puluh ribu',
    );
    // Said twice in a row is still speech: "ribu ribu" stays for the reader to doubt.
    expect(cleanTranscript('tiga puluh dua ribu ribu lima ratus')).toBe(
      'tiga puluh dua ribu ribu lima ratus',
    );
  });

  it('answers a silent note with empty text without calling Whisper', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kantong-silent-'));
    for (const seconds of [0, 2]) {
      await silentVoiceNote(seconds, join(dir, `s${seconds}.ogg`));
      expect(await transcribeFile(join(dir, `s${seconds}.ogg`))).toMatchObject({ text: '', voiced_s: 0 });
    }
  });
});

describe('whisper.cpp on Indonesian voice notes', () => {
  it('hears the amounts people say', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kantong-voice-'));
    const notes: [string, bigint][] = [
      ['tadi makan di luar tiga puluh lima ribu', 35_000n],
      ['beli bensin lima puluh ribu', 50_000n],
    ];
    for (const [index, [text]] of notes.entries()) await speakVoiceNote(text, join(dir, `${index}.ogg`));
    if (!needsProgram('whisper.cpp and its model', localWhisperReady(), 'run `npm run models`')) {
      await expect(transcribeFile(join(dir, '0.ogg'))).rejects.toBeInstanceOf(SpeechUnavailableError);
      return;
    }
    for (const [index, [spoken, amount]] of notes.entries()) {
      const started = performance.now();
      const heard = await transcribeFile(join(dir, `${index}.ogg`));
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `whisper ${heard.engine}: "${spoken}" → "${heard.text}" (${heard.duration_s} s audio, ${seconds.toFixed(1)} s)`,
      );
      expect(heard.language).toBe('id');
      expect(parseMessage(heard.text, { now: new Date(), timezone: 'Asia/Jakarta' }).amount).toBe(amount);
    }
  }, 300_000);
});
