/**
 * `npm run bench:parse`: throughput and latency of the rules reader over a realistic mix of chat
 * messages, for BENCH_DURATION_S seconds (default 2.5). Last line:
 * `parse: N msg/s, p50 X µs, p99 Y µs`.
 */
import { performance } from 'node:perf_hooks';
import { parseMessage } from './rules.ts';
import type { ParseContext } from './schema.ts';

const MESSAGES: readonly string[] = [
  'beli pulsa 50k',
  'gaji 3,5jt dari kantor',
  'setor laptop 500k',
  'laporan hari ini',
  'tadi makan di luar tiga puluh lima ribu',
  'buat tabungan haji 25 juta',
  'tarik laptop 200k',
  'pengeluaran makan bulan ini berapa',
  'tadi 50k',
  'makasih ya',
  'gaji 5jt',
  'kmrn bli kopi 25rb',
  'isi bensin pertalite 30rb',
  'grab ke kantor 27.500',
  'Rp 28.000,00 indomaret',
  'bayar kos 1,5jt tgl 5',
  'makan siang nasi padang 25k',
  'ngopi di starbucks 55rb ☕',
  'top up gopay 100k',
  'tarik tunai 500k',
  'nabung dana darurat 1jt',
  'cek tabungan',
  'progress tabungan laptop',
  'rekap minggu ini',
  'laporan bulan lalu',
  'total jajan minggu ini',
  'habis berapa hari ini',
  'set budget makan 1,5jt',
  'anggaran transport sebulan 800rb',
  'ganti transport',
  'salah, harusnya hiburan',
  'hapus transaksi terakhir',
  'batalin yang tadi',
  'help',
  'bisa apa aja?',
  'halo',
  'wkwkwk',
  'besok ada rapat jam 3',
  'aku umur 25 tahun',
  'beli kopi',
  '2 hari lalu bayar listrik 350rb',
  'semalam nonton bioskop 2 tiket 100k',
  'dapet transferan dari ibu 500k',
  'jual baju bekas 150rb',
  'dividen saham 1jt 200rb',
  'parkir goceng',
  'bayar cicilan motor 850rb',
  'tadi pagi sarapan bubur 12rb',
  'beli skincare di shopee 235.000',
  'kirim 3 foto',
];

const ctx: ParseContext = { now: new Date('2024-05-01T01:30:00Z'), timezone: 'Asia/Jakarta' };
const durationS = Number(process.env.BENCH_DURATION_S ?? '2.5');
const durationMs = (Number.isFinite(durationS) && durationS > 0 ? durationS : 2.5) * 1000;

/** Issue 12's forms, measured apart so the first line stays comparable with earlier figures. */
const ISSUE12_MESSAGES: readonly string[] = [
  'kemarin makan bakso 25rb, parkir 2rb',
  'makan 25rb\nparkir 2rb\nbensin 30rb\nkopi 18rb\npulsa 50rb',
  'beli kopi 20rb sama roti 15rb',
  'hutang ke budi 100rb',
  'dimas bayar utang 150rb',
  'lunasin utang mama',
  'top up gopay 100rb dari bca',
  'pindahin 1jt dari bca ke mandiri',
  'saldo bca sekarang 2,5jt',
  'beli kopi 25rb pake gopay',
  'transfer ke adik 200rb',
  'spent 50k on groceries',
];

/** Parses `messages` round-robin for the configured duration; latency per message in nanoseconds. */
function measure(messages: readonly string[]): { count: number; elapsed: number; sorted: Float64Array } {
  // Warm up the JIT and the per-zone formatter caches so the figures describe steady state.
  for (let i = 0; i < 20_000; i += 1) parseMessage(messages[i % messages.length] ?? '', ctx);
  // A typed array keeps the recorder out of the way.
  const samples = new Float64Array(2_000_000);
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs && count < samples.length) {
    for (let i = 0; i < messages.length && count < samples.length; i += 1) {
      const t0 = process.hrtime.bigint();
      parseMessage(messages[i] ?? '', ctx);
      samples[count] = Number(process.hrtime.bigint() - t0);
      count += 1;
    }
    elapsed = performance.now() - started;
  }
  return { count, elapsed, sorted: samples.subarray(0, count).sort() };
}

function summary(label: string, run: ReturnType<typeof measure>): string {
  const percentile = (p: number): number =>
    (run.sorted[Math.min(run.count - 1, Math.floor((p / 100) * run.count))] ?? 0) / 1000;
  const throughput = Math.round(run.count / (run.elapsed / 1000));
  return `${label}: ${throughput} msg/s, p50 ${percentile(50).toFixed(1)} µs, p99 ${percentile(99).toFixed(1)} µs`;
}

const main = measure(MESSAGES);
const rssMb = process.memoryUsage().rss / 1024 / 1024;
console.log(
  `messages: ${MESSAGES.length} distinct, ${main.count} parsed in ${(main.elapsed / 1000).toFixed(2)} s`,
);
console.log(
  `memory: rss ${rssMb.toFixed(1)} MB, heap used ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1)} MB`,
);
console.log(summary('parse', main));
console.log(summary(`issue 12 forms (${ISSUE12_MESSAGES.length} distinct)`, measure(ISSUE12_MESSAGES)));
