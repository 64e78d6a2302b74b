/**
 * Voice note → text, self-hosted. ffmpeg decodes whatever WhatsApp sent (OGG/Opus, usually) to
 * 16 kHz mono PCM; a silence guard measures how much of it is speech, so an empty or silent note
 * never reaches Whisper (which famously hears "terima kasih" in silence); then one of:
 *
 * - **whisper.cpp** (default): the `whisper-cli` that `nodejs-whisper` bundles (whisper.cpp 1.9.1),
 *   built by `npm run models`, with a ggml model of WHISPER_MODEL's size, the language forced to
 *   Indonesian, beam search and a short money-vocabulary prompt. We run the binary with execFile
 *   rather than through `nodewhisper()`: that helper builds a shell command line and
 *   `process.chdir`s the whole process while it runs (unsafe in a worker handling several
 *   records), and it cannot pass `--prompt` or the beam size.
 * - **an OpenAI-compatible server** when STT_URL is set (whisper.cpp's server, speaches):
 *   `POST ${STT_URL}/v1/audio/transcriptions`, multipart, language `id` — the way to run Whisper
 *   large on a GPU host; WHISPER_MODEL picks the local model size (base is the largest the
 *   registries here carry).
 *
 * Trade-offs, measured with `node infra/scripts/bench-voice.ts` and by hand on the 12 noisy
 * notes of NOISY_MONEY_NOTES (espeak-ng voices, 140–195 wpm, babble/hum/pink/brown/white noise at
 * 4–15 dB) with Whisper base, on a 2-core machine shared with other work (load average 16–21, so
 * wall seconds were 3–10× the CPU seconds; CPU seconds of one whisper thread are quoted):
 * - **Audio context** is what makes a short note fast. Whisper's encoder always works on a
 *   30-second window; `-ac` shrinks it to the note plus {@link CONTEXT_MARGIN_SECONDS}. A 4.3 s
 *   note took 7.4 CPU s with the full window and 2.4 fitted (same transcript); over the noisy set
 *   fitted notes took ~2–3 CPU s (6–9 when a failing decode falls back to higher temperatures)
 *   against ~7.6–8 for the full window, with as many amounts heard (5 of 12 fitted, 4 with the
 *   full window). So `audioContext: 'fit'` is the default: bench-voice's 5.3 s note took 3.0
 *   CPU s with one thread (what one idle core needs; two threads take less) — the 3-second
 *   target on two cores — where the full window costs about three times as much.
 * - **Beam 5** stays: greedy decoding saved under 10% on a short note (6.9 vs 7.4 CPU s) and
 *   garbled a clean "gajian lima juta" into "gaji ambil manota".
 * - **Cleanup** (CLEANUP_FILTER) did not earn its place on these notes, so it is off by default:
 *   amounts heard right were 4 of 12 with high-pass + afftdn + loudnorm, 4 with high-pass +
 *   loudnorm, 5 with the raw audio (and on a clean note afftdn turned "lima juta" into "lima
 *   tuta"). Whisper's log-mel input is already level-normalised and afftdn smears consonants.
 *   It stays one setting away (`decode.cleanup`, `bench-voice --compare`) for real recordings.
 * - **Temperature fallback** stays on: it costs time only on notes whose decode failed its
 *   checks, the ones it may rescue; a runaway decode is bounded by STT_TIMEOUT_MS.
 * - What the engine cannot hear, the spoken reader (nlu/spoken.ts) repairs or asks back about.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { getConfig } from '../config.ts';
import { decodeOpusToWav } from './opus.ts';

const run = promisify(execFile);

export type Transcript = {
  text: string;
  language: string;
  duration_s: number;
  /** Seconds that sounded like speech; 0 for a silent note. */
  voiced_s: number;
  engine: string;
};

/** The audio could not be decoded (not audio, or a broken file). */
export class UnreadableAudioError extends Error {
  override name = 'UnreadableAudioError';
}

/** No speech engine is installed here (no whisper-cli or model, and no STT_URL). */
export class SpeechUnavailableError extends Error {
  override name = 'SpeechUnavailableError';
}

/** Longer than VOICE_MAX_SECONDS: refused before any transcription. */
export class AudioTooLongError extends Error {
  override name = 'AudioTooLongError';
  readonly seconds: number;
  constructor(seconds: number) {
    super(`audio is ${seconds.toFixed(1)} s long`);
    this.seconds = seconds;
  }
}

const SAMPLE_RATE = 16_000;

/** Whisper's initial prompt: the words a money note is made of, so "puluh" is not heard as "puh". */
export const STT_PROMPT =
  'Catatan keuangan: makan, beli, bayar, gaji, transport, ribu, puluh, ratus, juta, rupiah.';

/**
 * The cleanup before Whisper: a high-pass under the voice (hum, rumble, wind), FFT denoise
 * against a measured noise floor, then loudness normalisation so a quiet note and a shouted one
 * reach Whisper alike.
 */
export const CLEANUP_FILTER = 'highpass=f=90,afftdn=nf=-25,loudnorm=I=-20:TP=-2';

const PCM = ['-ar', String(SAMPLE_RATE), '-ac', '1', '-c:a', 'pcm_s16le'];

/**
 * Decodes any audio ffmpeg reads into 16 kHz mono signed 16-bit PCM samples (a WAV file too).
 * With `cleaned`, the same ffmpeg run also writes the audio through `filter` there, for Whisper;
 * the samples returned are always the untouched ones, for the silence guard (normalising would
 * raise a hum to speech level).
 */
export async function decodeToWav(
  input: string,
  output: string,
  options: { cleaned?: string; filter?: string } = {},
): Promise<Int16Array> {
  // No ffmpeg (the transcribe Lambda): Ogg Opus decoded in WebAssembly (opus.ts).
  if (getConfig().AUDIO_DECODER === 'wasm') {
    try {
      return await decodeOpusToWav(input, output, options.cleaned);
    } catch (error) {
      throw new UnreadableAudioError('the voice note could not be decoded', { cause: error });
    }
  }
  const cleanup =
    options.cleaned === undefined
      ? []
      : [
          '-filter_complex',
          `[0:a]asplit=2[raw][clean];[clean]${options.filter ?? CLEANUP_FILTER}[cleaned]`,
          '-map',
          '[raw]',
          ...PCM,
          output,
          '-map',
          '[cleaned]',
          ...PCM,
          options.cleaned,
        ];
  try {
    await run(
      getConfig().FFMPEG_BIN,
      [
        '-nostdin',
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-i',
        input,
        ...(cleanup.length > 0 ? cleanup : [...PCM, output]),
      ],
      { timeout: 60_000 },
    );
  } catch (error) {
    // A 0-second note is a valid container with no audio packets: ffmpeg stops at "End of file".
    const stderr = (error as { stderr?: unknown }).stderr;
    if (typeof stderr === 'string' && /End of file/.test(stderr)) return new Int16Array(0);
    throw new UnreadableAudioError('the voice note could not be decoded', { cause: error });
  }
  const wav = await readFile(output);
  const data = wav.indexOf('data');
  if (data < 0) throw new UnreadableAudioError('decoded audio has no data chunk');
  const start = data + 8;
  const bytes = wav.subarray(start, start + Math.floor((wav.length - start) / 2) * 2);
  return new Int16Array(new Uint8Array(bytes).buffer);
}

/**
 * Seconds of the signal that sound like speech: 30 ms frames whose loudness is above a floor
 * (−45 dBFS) and within 30 dB of the loudest frame. Silence, room hum and a 0-second note give 0.
 */
export function voicedSeconds(samples: Int16Array): number {
  const frame = Math.round(SAMPLE_RATE * 0.03);
  const levels: number[] = [];
  for (let start = 0; start + frame <= samples.length; start += frame) {
    let sum = 0;
    for (let index = start; index < start + frame; index += 1) {
      const value = (samples[index] ?? 0) / 32768;
      sum += value * value;
    }
    levels.push(10 * Math.log10(sum / frame + 1e-12));
  }
  if (levels.length === 0) return 0;
  const loudest = Math.max(...levels);
  const floor = Math.max(-45, loudest - 30);
  return (levels.filter((level) => level > floor).length * frame) / SAMPLE_RATE;
}

/** Whisper's stock phrases for silence or noise, and its bracketed sound annotations. */
const HALLUCINATIONS = [
  /^\s*[[(][^\])]*[\])]\s*$/,
  /^(terima kasih|makasih)( (telah|sudah) (menonton|mendengarkan))?[.!]*$/i,
  /^(thank you|thanks)( for watching)?[.!]*$/i,
  /^(sampai jumpa|subscribe)[.!]*$/i,
];

/** Cleans a transcript: annotations out, number words kept together ("tiga puluh, lima ribu"). */
export function cleanTranscript(text: string): string {
  const cleaned = collapseRepeats(
    text
      .replace(/[[(][^\])]*[\])]/g, ' ')
      .replace(/(\b(?:puluh|ratus|ribu|juta|belas|se?ratus|seribu)),(?=\s)/gi, '$1')
      .replace(/\s+/g, ' ')
      .trim(),
  ).replace(/[.,。]+$/, '');
  return HALLUCINATIONS.some((pattern) => pattern.test(cleaned)) ? '' : cleaned;
}

const wordKey = (word: string): string => word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/**
 * Whisper's decoding loops: a word said three times or more in a row ("rupiah, rupiah, rupiah…")
 * and a run of two or more words said again at once (the whole sentence twice) are kept once.
 * Someone repeating an amount says the same amount, so nothing is lost; a loop left in would read
 * as several amounts.
 */
export function collapseRepeats(text: string): string {
  const words = text.split(' ').filter((word) => word !== '');
  const keys = words.map(wordKey);
  const kept: number[] = [];
  for (let index = 0; index < words.length; index += 1) {
    // A run of one word three times or more.
    let run = 1;
    while (keys[index + run] === keys[index]) run += 1;
    if (run >= 3) {
      kept.push(index + run - 1);
      index += run - 1;
      continue;
    }
    // Two or more words said again right after themselves.
    const tail = kept.map((at) => keys[at]);
    let repeated = 0;
    for (let size = Math.min(40, tail.length); size >= 2 && repeated === 0; size -= 1) {
      if (keys.slice(index, index + size).join(' ') === tail.slice(-size).join(' ')) repeated = size;
    }
    if (repeated > 0) {
      index += repeated - 1;
      continue;
    }
    kept.push(index);
  }
  return kept.map((at) => words[at]).join(' ');
}

/** Where nodejs-whisper keeps its whisper.cpp; `npm run models` builds whisper-cli there. */
export function whisperCliPath(): string {
  const configured = getConfig().WHISPER_CLI;
  if (configured) return configured;
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('nodejs-whisper/package.json'));
    return join(root, 'cpp', 'whisper.cpp', 'build', 'bin', 'whisper-cli');
  } catch {
    return ''; // a bundle without node_modules (a Lambda zip): no local whisper.cpp
  }
}

export function whisperModelPath(size = getConfig().WHISPER_MODEL): string {
  return join(getConfig().WHISPER_MODEL_DIR, `ggml-${size}.bin`);
}

/** Whether local whisper.cpp can run (binary built, model present). */
export function localWhisperReady(size = getConfig().WHISPER_MODEL): boolean {
  return existsSync(whisperCliPath()) && existsSync(whisperModelPath(size));
}

// One whisper.cpp at a time per process: it uses every core it is given.
let queue: Promise<unknown> = Promise.resolve();
function serially<T>(work: () => Promise<T>): Promise<T> {
  const next = queue.then(work, work);
  queue = next.catch(() => undefined);
  return next;
}

/**
 * How Whisper decodes (see the trade-offs at the top of this file). `audioContext: 'fit'`
 * shrinks the encoder's window from 30 s to the note's length: the encoder is most of the work
 * on a short note, so this is the one setting that makes a 5-second note fast on two cores.
 */
export type DecodeSettings = {
  /** Run {@link CLEANUP_FILTER} (or this filter) before Whisper; `false` for the raw audio. */
  cleanup: boolean | string;
  beamSize: number;
  bestOf: number;
  /** Temperature fallback when a decode fails Whisper's entropy/log-prob checks. */
  fallback: boolean;
  prompt: string;
  audioContext: 'fit' | 'full';
};

/** What transcribeFile uses unless told otherwise; the figures behind each are at the top. */
export const DEFAULT_DECODE: DecodeSettings = {
  cleanup: false,
  beamSize: 5,
  bestOf: 5,
  fallback: true,
  prompt: STT_PROMPT,
  audioContext: 'fit',
};

/** Encoder frames per second of audio (1500 for Whisper's 30-second window). */
const FRAMES_PER_SECOND = 50;

/**
 * Four seconds of margin past the note: with one second, Whisper never saw the audio end and
 * repeated the sentence until its token limit (a 4.3 s note: 13.8 CPU s and the sentence 13
 * times, against 2.4 CPU s and one clean sentence with four).
 */
const CONTEXT_MARGIN_SECONDS = 4;

function audioContextFor(seconds: number): number {
  return Math.min(1500, Math.ceil((seconds + CONTEXT_MARGIN_SECONDS) * FRAMES_PER_SECOND));
}

function whisperArguments(decode: DecodeSettings, seconds: number): string[] {
  return [
    '-bs',
    String(decode.beamSize),
    '-bo',
    String(decode.bestOf),
    ...(decode.fallback ? [] : ['-nf']),
    ...(decode.prompt ? ['--prompt', decode.prompt] : []),
    ...(decode.audioContext === 'fit' ? ['-ac', String(audioContextFor(seconds))] : []),
  ];
}

async function whisperCpp(
  wav: string,
  size: string,
  decode: DecodeSettings,
  seconds: number,
): Promise<string> {
  const cli = whisperCliPath();
  const model = whisperModelPath(size as ReturnType<typeof getConfig>['WHISPER_MODEL']);
  if (!existsSync(cli) || !existsSync(model)) {
    throw new SpeechUnavailableError(
      `whisper.cpp is not installed here (${existsSync(cli) ? model : cli} missing): run \`npm run models\``,
    );
  }
  const language = size.endsWith('.en') ? 'en' : 'id';
  const threads = getConfig().WHISPER_THREADS;
  const { stdout } = await serially(() =>
    run(
      cli,
      [
        '-m',
        model,
        '-f',
        wav,
        '-l',
        language,
        '-nt',
        '-np',
        ...whisperArguments(decode, seconds),
        ...(threads ? ['-t', String(threads)] : []),
      ],
      { timeout: getConfig().STT_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
    ),
  );
  return stdout;
}

async function openAiCompatible(wav: string, decode: DecodeSettings): Promise<string> {
  const config = getConfig();
  const form = new FormData();
  form.set('file', new Blob([await readFile(wav)], { type: 'audio/wav' }), 'voice.wav');
  form.set('model', config.STT_MODEL);
  form.set('language', 'id');
  if (decode.prompt) form.set('prompt', decode.prompt);
  form.set('response_format', 'json');
  const url = `${(config.STT_URL ?? '').replace(/\/+$/, '')}/v1/audio/transcriptions`;
  const response = await fetch(url, {
    method: 'POST',
    body: form,
    signal: AbortSignal.timeout(config.STT_TIMEOUT_MS),
  });
  if (!response.ok)
    throw new Error(`speech server answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  const body = (await response.json()) as { text?: unknown };
  if (typeof body.text !== 'string') throw new Error('speech server answered without text');
  return body.text;
}

/** The engine name `ai_audit` records: `whisper.cpp:base` or `openai-compatible:whisper-1`. */
export function speechEngine(size: string = getConfig().WHISPER_MODEL): string {
  const config = getConfig();
  return config.STT_URL ? `openai-compatible:${config.STT_MODEL}` : `whisper.cpp:${size}`;
}

/**
 * Transcribes an audio file (Indonesian). A silent or empty note gives `text: ''` without calling
 * the engine; a note over VOICE_MAX_SECONDS throws {@link AudioTooLongError}.
 *
 * @example
 * await transcribeFile('/tmp/note.ogg') // → { text: 'tadi makan di luar tiga puluh lima ribu', language: 'id', duration_s: 3.3, … }
 */
export async function transcribeFile(
  file: string,
  options: { model?: string; decode?: Partial<DecodeSettings> } = {},
): Promise<Transcript> {
  const config = getConfig();
  const decode: DecodeSettings = { ...DEFAULT_DECODE, ...options.decode };
  const work = await mkdtemp(join(tmpdir(), 'kantong-stt-'));
  try {
    const wav = join(work, 'voice.wav');
    const cleaned = join(work, 'clean.wav');
    const filter = typeof decode.cleanup === 'string' ? decode.cleanup : CLEANUP_FILTER;
    const samples = await decodeToWav(file, wav, decode.cleanup === false ? {} : { cleaned, filter });
    const heard = decode.cleanup === false ? wav : cleaned;
    const duration = Math.round((samples.length / SAMPLE_RATE) * 100) / 100;
    if (duration > config.VOICE_MAX_SECONDS) throw new AudioTooLongError(duration);
    const voiced = Math.round(voicedSeconds(samples) * 100) / 100;
    const size = options.model ?? config.WHISPER_MODEL;
    const engine = speechEngine(size);
    const language = size.endsWith('.en') && !config.STT_URL ? 'en' : 'id';
    if (voiced < 0.3) return { text: '', language, duration_s: duration, voiced_s: voiced, engine };
    const raw = config.STT_URL
      ? await openAiCompatible(heard, decode)
      : await whisperCpp(heard, size, decode, duration);
    return { text: cleanTranscript(raw), language, duration_s: duration, voiced_s: voiced, engine };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function transcribeBuffer(
  audio: Uint8Array,
  options: { model?: string; decode?: Partial<DecodeSettings> } = {},
): Promise<Transcript> {
  const work = await mkdtemp(join(tmpdir(), 'kantong-voice-'));
  try {
    const file = join(work, 'voice');
    await writeFile(file, audio);
    return await transcribeFile(file, options);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
