/**
 * Voice notes decoded without ffmpeg (AUDIO_DECODER=wasm): WhatsApp's Ogg Opus through
 * ogg-opus-decoder (libopus compiled to WebAssembly, bundled into the function), to the same
 * 16 kHz mono 16-bit samples and WAV file ffmpeg makes. For the `transcribe` Lambda (issue 13,
 * item 4): its runtime has no ffmpeg, and the speech server behind STT_URL then hears this WAV.
 * Limits, as decided: Ogg Opus only (what WhatsApp sends for a voice note; an mp3 sent as a
 * document is refused as unreadable there), and of ffmpeg's clean-up filter only its loudness
 * normalisation (no denoiser): Whisper hears the level it is used to.
 */
import { readFile, writeFile } from 'node:fs/promises';

const RATE_IN = 48_000;
const RATE_OUT = 16_000;

/** 48 kHz float samples → 16 kHz signed 16-bit, averaging each 3 (a plain low-pass for speech). */
function toPcm16(samples: Float32Array): Int16Array {
  const ratio = RATE_IN / RATE_OUT;
  const out = new Int16Array(Math.floor(samples.length / ratio));
  for (let index = 0; index < out.length; index += 1) {
    let sum = 0;
    for (let k = 0; k < ratio; k += 1) sum += samples[index * ratio + k] ?? 0;
    const value = Math.max(-1, Math.min(1, sum / ratio));
    out[index] = Math.round(value * 32767);
  }
  return out;
}

/**
 * The part of ffmpeg's clean-up (CLEANUP_FILTER) that matters most to Whisper, without ffmpeg:
 * the level brought to about -20 dBFS RMS (loudnorm's I=-20), peaks kept under -2 dBFS.
 */
function normalised(samples: Int16Array): Int16Array {
  let sum = 0;
  let peak = 1;
  for (const value of samples) {
    sum += value * value;
    peak = Math.max(peak, Math.abs(value));
  }
  if (sum === 0) return samples;
  const rms = Math.sqrt(sum / samples.length);
  const gain = Math.min((32767 * 10 ** (-20 / 20)) / rms, (32767 * 10 ** (-2 / 20)) / peak);
  return samples.map((value) => Math.round(value * gain));
}

function wavFile(samples: Int16Array): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE_OUT, 24);
  header.writeUInt32LE(RATE_OUT * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

/**
 * Decodes an Ogg Opus file into `output` (and `cleaned`, the same audio) and returns its samples;
 * throws when it is not Ogg Opus audio.
 */
export async function decodeOpusToWav(input: string, output: string, cleaned?: string): Promise<Int16Array> {
  const { OggOpusDecoder } = await import('ogg-opus-decoder');
  const decoder = new OggOpusDecoder({ forceStereo: false });
  try {
    await decoder.ready;
    const bytes = new Uint8Array(await readFile(input));
    // An empty note is a valid Ogg stream with no audio (0 samples, as ffmpeg gives); anything
    // without the Ogg capture pattern is not a voice note at all.
    if (Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== 'OggS') throw new Error('not an Ogg file');
    const decoded = await decoder.decodeFile(bytes);
    if (decoded.errors.length > 0 && decoded.samplesDecoded === 0) {
      throw new Error(`not Ogg Opus audio: ${decoded.errors[0]?.message ?? 'no audio decoded'}`);
    }
    if (decoded.sampleRate !== RATE_IN) throw new Error(`unexpected Opus output rate ${decoded.sampleRate}`);
    const samples = toPcm16(decoded.channelData[0] ?? new Float32Array(0));
    await writeFile(output, wavFile(samples));
    if (cleaned) await writeFile(cleaned, wavFile(normalised(samples)));
    return samples;
  } finally {
    decoder.free();
  }
}
