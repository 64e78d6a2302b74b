/**
 * What Kantong says, in SPEC.md's words where SPEC.md gives them, informal friendly Indonesian
 * elsewhere. Kept together so the voice stays one voice.
 */
import { formatRupiah } from '../money/index.ts';

export const WELCOME = "Halo! Aku bot keuanganmu. Contoh: 'beli kopi 20k'.";

export const HELP = [
  'Ini yang bisa aku bantu 👇',
  "• Catat pengeluaran: 'beli pulsa 50k', 'makan siang 25rb kemarin'",
  "• Catat pemasukan: 'gaji 3,5jt', 'bonus 500rb'",
  "• Tabungan: 'buat tabungan laptop 15jt', 'setor laptop 500k', 'tarik laptop 200k', 'cek tabungan'",
  "• Laporan: 'laporan hari ini', 'rekap minggu ini', 'pengeluaran makan bulan ini berapa'",
  "• Budget: 'set budget makan 1,5jt'",
  "• Koreksi: 'ganti transport' (ubah kategori transaksi terakhir), 'hapus transaksi terakhir'",
].join('\n');

const DIRECTION_WORD = { expense: 'pengeluaran', income: 'pemasukan', transfer: 'transfer' } as const;

export function directionWord(direction: keyof typeof DIRECTION_WORD): string {
  return DIRECTION_WORD[direction];
}

/** "✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data. Balas: ganti <kategori> kalau mau ubah." */
export function recorded(direction: 'income' | 'expense', amount: bigint, category: string): string {
  return `✅ Catat ${DIRECTION_WORD[direction]} ${formatRupiah(amount)} kategori ${category}. Balas: ganti <kategori> kalau mau ubah.`;
}

export function recordedTransfer(amount: bigint, description: string | null): string {
  const what = description ? ` (${description})` : '';
  return `✅ Catat transfer ${formatRupiah(amount)}${what}. Transfer antar dompet sendiri nggak dihitung sebagai pengeluaran.`;
}

export const SMALLTALK_THANKS = 'Sama-sama! 😊 Kalau ada pemasukan atau pengeluaran, tinggal ketik aja ya.';
export const SMALLTALK_GREETING = "Halo! 👋 Mau catat apa hari ini? Contoh: 'beli kopi 20k'.";
export const SMALLTALK_DEFAULT = "Siap! 😊 Aku bot keuanganmu. Ketik 'bantuan' buat lihat contoh perintah.";

export const TOO_LONG = (max: number) =>
  `Waduh, pesannya kepanjangan (maks ${max} karakter) 😅 Kirim satu transaksi per pesan ya, contoh: 'beli kopi 20k'.`;

export const EMPTY_TEXT = "Pesannya kosong nih 😅 Coba ketik transaksi kamu, contoh: 'beli kopi 20k'.";

export const MEDIA_NOT_READY = {
  audio: "Maaf, voice note belum bisa aku dengerin di sini 🙏 Ketik aja ya, contoh: 'makan siang 35rb'.",
  image:
    "Maaf, foto struk belum bisa aku baca di sini 🙏 Ketik totalnya aja ya, contoh: 'belanja indomaret 132.500'.",
  document: "Maaf, dokumen belum bisa aku baca 🙏 Ketik transaksinya aja ya, contoh: 'bayar listrik 350rb'.",
} as const;

export const NOTHING_TO_EDIT = 'Belum ada transaksi yang bisa diganti kategorinya.';
export const NOTHING_TO_DELETE = 'Belum ada transaksi yang bisa dihapus.';
export const TRANSFER_NO_CATEGORY = 'Transaksi terakhir itu transfer, jadi nggak pakai kategori.';
export const NO_SAVINGS = "Kamu belum punya tabungan. Bikin dulu, contoh: 'buat tabungan laptop 15jt'.";
export const BUDGET_NEEDS_CATEGORY = "Budget-nya buat kategori apa? Contoh: 'set budget makan 1,5jt'.";
export const SAVING_NEEDS_NAME = "Tabungannya namanya apa? Contoh: 'buat tabungan laptop 15jt'.";
export const DEPOSIT_NEEDS_DETAILS = "Setor ke tabungan mana dan berapa? Contoh: 'setor laptop 500k'.";
export const WITHDRAW_NEEDS_DETAILS = "Tarik dari tabungan mana dan berapa? Contoh: 'tarik laptop 200k'.";
export const ASK_CATEGORY = 'Ini pengeluaran kategori apa?';
export const ASK_AMOUNT = 'Berapa nominalnya?';

// ---- Voice notes and receipt photos (issue 5) ----

/** The first quick answer when reading a photo or a voice note takes more than a moment. */
export const ACK_LISTENING = '⏳ sebentar, aku dengerin dulu ya';
export const ACK_READING = '⏳ sebentar, aku baca struknya dulu ya';

/** SPEC.md flow 2: the transcript, then the answer to it. */
export function heard(transcript: string, reply: string): string {
  return `🎤 aku dengar: "${transcript}"\n${reply}`;
}

/** "Aku baca struk Indomaret total Rp132.500 tanggal 16-10-2025" (SPEC.md's words). */
function receiptSummary(merchant: string | null, total: bigint, date: string | null): string {
  const shop = merchant ? ` ${merchant}` : '';
  const day = date ? ` tanggal ${date.slice(8, 10)}-${date.slice(5, 7)}-${date.slice(0, 4)}` : '';
  return `Aku baca struk${shop} total ${formatRupiah(total)}${day}`;
}

export function receiptRecorded(merchant: string | null, total: bigint, date: string | null): string {
  return `${receiptSummary(merchant, total, date)}. ✅ Sudah dicatat sebagai pengeluaran. Balas: ganti <kategori> untuk koreksi.`;
}

/** The question every unsure reading ends with (issue 11): one wording for receipts and voice. */
const CONFIRM_ASK = 'bener? Balas *ya*, atau ketik jumlah yang benar.';

/**
 * "Aku baca struk Indomaret total Rp33.000, bener? Balas *ya*, atau ketik jumlah yang benar." When
 * the caption named another amount, that one is what is booked, and the reply says both.
 */
export function receiptQuestion(input: {
  merchant: string | null;
  total: bigint;
  date: string | null;
  booked: bigint;
}): string {
  const read = receiptSummary(input.merchant, input.total, input.date);
  if (input.booked === input.total) return `${read}, ${CONFIRM_ASK}`;
  return `${read}, tapi kamu tulis ${formatRupiah(input.booked)}. Aku catat ${formatRupiah(input.booked)} dulu, ${CONFIRM_ASK}`;
}

type TopUpSlip = {
  wallet: string;
  amount: bigint;
  fee: bigint;
  merchant: string | null;
  date: string | null;
};

/** "top up DANA Rp100.000 (biaya admin Rp1.500) di Alfamart tanggal 07-12-2025" */
function topUpSummary(slip: TopUpSlip): string {
  const fee = slip.fee > 0n ? ` (biaya admin ${formatRupiah(slip.fee)})` : '';
  const shop = slip.merchant ? ` di ${slip.merchant}` : '';
  const day = slip.date
    ? ` tanggal ${slip.date.slice(8, 10)}-${slip.date.slice(5, 7)}-${slip.date.slice(0, 4)}`
    : '';
  return `Aku baca struk top up ${slip.wallet} ${formatRupiah(slip.amount)}${fee}${shop}${day}`;
}

export function topUpRecorded(slip: TopUpSlip): string {
  const fee =
    slip.fee > 0n
      ? ` Biaya adminnya ${formatRupiah(slip.fee)} dicatat sebagai pengeluaran kategori Tagihan.`
      : '';
  return `${topUpSummary(slip)}. ✅ Dicatat sebagai transfer ke ${slip.wallet}, bukan pengeluaran (uangnya cuma pindah ke dompet digital kamu).${fee}`;
}

export function topUpQuestion(slip: TopUpSlip): string {
  return `${topUpSummary(slip)}, ${CONFIRM_ASK}`;
}

export function receiptConfirmed(total: bigint, corrected: boolean): string {
  return corrected
    ? `✅ Oke, total struknya aku ganti jadi ${formatRupiah(total)} dan sudah dikonfirmasi.`
    : `✅ Oke, struk ${formatRupiah(total)} sudah dikonfirmasi.`;
}

type Spoken = { direction: string; amount: bigint; category: string | null };

/** "Rp32.500 buat Makan", "pemasukan Rp3.500.000 kategori Gaji", "transfer Rp100.000" */
function spokenWhat(spoken: Spoken): string {
  if (spoken.direction === 'transfer') return `transfer ${formatRupiah(spoken.amount)}`;
  if (spoken.direction === 'income')
    return `pemasukan ${formatRupiah(spoken.amount)} kategori ${spoken.category ?? 'Pemasukan Lain'}`;
  return `${formatRupiah(spoken.amount)} buat ${spoken.category ?? 'Lainnya'}`;
}

/** "Aku dengar: 'makan siang tiga puluh dua ribu lima ratus'. Rp32.500 buat Makan, bener? …" */
export function spokenQuestion(transcript: string, spoken: Spoken): string {
  return `Aku dengar: '${transcript}'. ${spokenWhat(spoken)}, ${CONFIRM_ASK}`;
}

/** An unsure amount in a savings or budget command: nothing is done, the user types it instead. */
export function spokenTypeIt(transcript: string, amount: bigint | null): string {
  const heardAmount = amount === null ? '' : ` (kedengarannya ${formatRupiah(amount)})`;
  return `Aku dengar: '${transcript}'${heardAmount}, tapi aku belum yakin jumlahnya 🙏 Ketik aja ya biar nggak salah catat.`;
}

export function spokenConfirmed(spoken: Spoken, corrected: boolean): string {
  return corrected
    ? `✅ Oke, jumlahnya aku ganti jadi ${formatRupiah(spoken.amount)} dan sudah dikonfirmasi: ${spokenWhat(spoken)}.`
    : `✅ Oke, ${spokenWhat(spoken)} sudah dikonfirmasi.`;
}

export const MEDIA_PROBLEM = {
  not_a_receipt:
    "Hmm, aku nggak nemu struk di foto ini 🤔 Kalau ini struk, coba foto ulang lebih dekat dan terang ya, atau ketik totalnya aja, contoh: 'belanja indomaret 132.500'.",
  unreadable_image:
    "Maaf, fotonya nggak bisa aku buka 🙏 Coba kirim ulang ya, atau ketik totalnya aja, contoh: 'belanja indomaret 132.500'.",
  silent_audio:
    "Voice note-nya kosong atau suaranya nggak kedengeran 🙉 Coba rekam ulang ya, atau ketik aja, contoh: 'makan siang 35rb'.",
  unreadable_audio:
    "Maaf, voice note-nya nggak bisa aku putar 🙏 Coba kirim ulang, atau ketik aja, contoh: 'makan siang 35rb'.",
  too_large:
    'Waduh, filenya kegedean buat aku baca 😅 Kirim foto struk atau voice note yang lebih kecil ya (maks 16 MB).',
  too_long:
    "Voice note-nya kepanjangan 😅 Kirim yang pendek aja, satu transaksi per pesan, contoh: 'makan siang 35rb'.",
} as const;
export type MediaProblem = keyof typeof MEDIA_PROBLEM;

export const SLOW_DOWN =
  'Pelan-pelan ya 🙏 Pesannya kebanyakan dalam semenit. Tunggu sebentar, pesan berikutnya aku catat lagi.';
