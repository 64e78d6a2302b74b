/**
 * The voice half of `npm run bench:media` (which calls {@link benchVoice}); runnable alone:
 * `node infra/scripts/bench-voice.ts [--compare]`.
 *
 * Over noisy voice notes in several espeak-ng voices, speeds, noises and SNRs
 * (NOISY_MONEY_NOTES): amounts right / asked back / booked wrong, real-time factor, p50/p95
 * seconds per note, and the seconds for a 5-second note (the target: answered within 3 s on two
 * cores). Wall seconds on a shared machine are noisy, so the CPU seconds of ffmpeg + whisper-cli
 * are printed beside them: with WHISPER_THREADS=1 they are what the note takes on an idle core
 * (with two threads on a busy machine whisper.cpp's threads spin-wait and inflate them).
 * `--compare` runs the set once per decoding setting (cleanup, beam size,
 * audio context) — the figures behind the trade-offs at the top of shared/src/speech/index.ts.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getConfig } from '@kantong/shared/config';
import { type DecodeSettings, localWhisperReady, transcribeFile } from '@kantong/shared/speech';
import { childCpuSeconds, describeRow, scoreVoiceNotes } from '../../shared/src/speech/evaluate.ts';
import { NOISY_MONEY_NOTES, noisyVoiceNote } from '../../shared/src/speech/fixtures/index.ts';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** The settings `--compare` measures; the first is the default. */
const COMPARED: readonly { name: string; decode: Partial<DecodeSettings> }[] = [
  { name: 'default', decode: {} },
  { name: 'cleanup (high-pass, afftdn, loudnorm)', decode: { cleanup: true } },
  { name: 'greedy (beam 1)', decode: { beamSize: 1, bestOf: 1 } },
  { name: 'full 30 s context', decode: { audioContext: 'full' } },
];

async function scoreSetting(name: string, decode: Partial<DecodeSettings>, verbose: boolean): Promise<void> {
  const score = await scoreVoiceNotes(NOISY_MONEY_NOTES, {
    decode,
    onRow: verbose ? (row) => console.log(`    ${describeRow(row)}`) : undefined,
  });
  const { counts, rows } = score;
  const seconds = rows.map((row) => row.seconds);
  const cpu = rows.map((row) => row.cpuSeconds);
  const heard = rows.filter((row) => row.outcome !== 'failed');
  const audio = heard.reduce((sum, row) => sum + row.audioSeconds, 0);
  const wall = heard.reduce((sum, row) => sum + row.seconds, 0);
  console.log(
    `  ${name}: right ${counts.right}, asked ${counts['asked-right']} (right amount) + ${counts['asked-wrong']} (wrong amount) + ${counts['no-amount']} (no amount), failed ${counts.failed}, booked wrong ${counts['wrong-booked']} — of ${rows.length}`,
  );
  console.log(
    `    seconds per note p50 ${percentile(seconds, 50).toFixed(2)} / p95 ${percentile(seconds, 95).toFixed(2)}, real-time factor ${(wall / audio).toFixed(2)}; CPU seconds per note p50 ${percentile(cpu, 50).toFixed(2)} / p95 ${percentile(cpu, 95).toFixed(2)}`,
  );
}

/** A 5-second note (pink noise, 15 dB), transcribed three times: the latency a user waits. */
async function fiveSecondNote(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kantong-bench-5s-'));
  try {
    const file = join(work, 'five.ogg');
    await noisyVoiceNote('makan bakso sama es teh dua puluh tiga ribu lima ratus', file, {
      voice: 'id+m3',
      speed: 150,
      noise: 'pink',
      snrDb: 15,
    });
    const walls: number[] = [];
    const cpu: number[] = [];
    let heard = '';
    let duration = 0;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const started = performance.now();
      const before = childCpuSeconds();
      const result = await transcribeFile(file);
      walls.push((performance.now() - started) / 1000);
      cpu.push(childCpuSeconds() - before);
      heard = result.text;
      duration = result.duration_s;
    }
    console.log(
      `  a ${duration.toFixed(1)} s note: best ${Math.min(...walls).toFixed(2)} s, median ${percentile(walls, 50).toFixed(2)} s wall; ${percentile(cpu, 50).toFixed(2)} CPU s (what one idle core would take with one thread; two threads take less) → "${heard}"`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Prints the voice benchmark (see the module comment). */
export async function benchVoice(options: { compare?: boolean; verbose?: boolean } = {}): Promise<void> {
  const config = getConfig();
  console.log(
    `voice notes: whisper.cpp ${config.WHISPER_MODEL}${config.STT_URL ? ` via ${config.STT_URL}` : ''}, ${config.WHISPER_THREADS ?? 'default'} threads; machine ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)} (wall seconds are noisy when the machine is shared)`,
  );
  if (!config.STT_URL && !localWhisperReady()) {
    console.log('  no whisper model installed: run `npm run models`');
    return;
  }
  console.log(`  ${NOISY_MONEY_NOTES.length} noisy notes in several voices, speeds, noises and SNRs:`);
  const settings = options.compare ? COMPARED : COMPARED.slice(0, 1);
  for (const setting of settings) await scoreSetting(setting.name, setting.decode, options.verbose ?? false);
  await fiveSecondNote();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchVoice({
    compare: process.argv.includes('--compare'),
    verbose: process.argv.includes('--verbose'),
  });
}
