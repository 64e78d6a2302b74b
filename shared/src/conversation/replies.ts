/**
 * What Kantong says, in SPEC.md's words where SPEC.md gives them, informal friendly Indonesian
 * elsewhere. Kept together so the voice stays one voice.
 */
import { displayName } from '../debts/index.ts';
import { formatRupiah } from '../money/index.ts';
import { addDays, formatDayId, localDate } from '../time/index.ts';
import { DEFAULT_WALLET } from '../wallets/names.ts';

export const WELCOME = "Halo! Aku bot keuanganmu. Contoh: 'beli kopi 20k'.";

export const HELP = [
  'Ini yang bisa aku bantu 👇',
  "• Catat pengeluaran: 'beli pulsa 50k', 'makan siang 25rb kemarin'",
  "• Catat pemasukan: 'gaji 3,5jt', 'bonus 500rb'",
  "• Tabungan: 'buat tabungan laptop 15jt', 'setor laptop 500k', 'tarik laptop 200k', 'cek tabungan'",
  "• Laporan: 'laporan hari ini', 'rekap minggu ini', 'pengeluaran makan bulan ini berapa'",
  "• Budget: 'set budget makan 1,5jt'",
  "• Sekaligus banyak: 'kemarin bakso 25rb, parkir 2rb'",
  "• Utang & piutang: 'hutang ke budi 100rb', 'minjemin andi 50rb', 'bayar hutang ke budi 40rb', 'cek hutang'",
  "• Dompet: 'top up gopay 100rb dari bca', 'tarik tunai 500rb', 'saldo gopay berapa', 'saldo bca sekarang 2,5jt'",
  "• Koreksi: 'ganti transport' (ubah kategori transaksi terakhir), 'hapus transaksi terakhir'",
].join('\n');

const DIRECTION_WORD = { expense: 'pengeluaran', income: 'pemasukan', transfer: 'transfer' } as const;

export function directionWord(direction: keyof typeof DIRECTION_WORD): string {
  return DIRECTION_WORD[direction];
}

/**
 * " (kemarin, 28 Nov)": said after what was booked when its day is not the day of the message, so
 * a back-dated entry never lands silently on a day the user did not mean (issue 12). Today says
 * nothing, so SPEC.md's replies stay word for word.
 */
export function dayNote(when: Date, at: Date, timezone: string): string {
  const day = localDate(when, timezone);
  const today = localDate(at, timezone);
  if (day === today) return '';
  const printed = formatDayId(day);
  // The year only when it is not this year: "28 Nov", but "28 Des 2025" in January.
  const short = day.slice(0, 4) === today.slice(0, 4) ? printed.replace(/ \d{4}$/, '') : printed;
  if (day === addDays(today, -1)) return ` (kemarin, ${short})`;
  if (day === addDays(today, 1)) return ` (besok, ${short})`;
  return ` (${short})`;
}

/** " dari GoPay" / " ke BCA": the wallet a spend came out of or an income went into, when named. */
export function walletNote(direction: 'income' | 'expense', wallet: string | null): string {
  if (!wallet || wallet === DEFAULT_WALLET) return '';
  return direction === 'income' ? ` ke ${wallet}` : ` dari ${wallet}`;
}

/**
 * "✅ Catat pengeluaran Rp50.000 kategori Pulsa & Data. Balas: ganti <kategori> kalau mau ubah."
 * (SPEC.md's words), with " dari GoPay" when a wallet was named and " (kemarin, 28 Nov)" when the
 * day is not today.
 */
export function recorded(
  direction: 'income' | 'expense',
  amount: bigint,
  category: string,
  notes: { wallet?: string | null; day?: string } = {},
): string {
  const wallet = walletNote(direction, notes.wallet ?? null);
  return `✅ Catat ${DIRECTION_WORD[direction]} ${formatRupiah(amount)} kategori ${category}${wallet}${notes.day ?? ''}. Balas: ganti <kategori> kalau mau ubah.`;
}

export type ListedItem = {
  direction: 'income' | 'expense';
  amount: bigint;
  category: string;
  description: string | null;
  wallet: string | null;
  /** This item's own day note when the items do not share one day ("" for today). */
  day: string;
};

/** "2. Transport Rp2.000 (parkir)"; an income says so, since a list may mix both. */
function listedLine(item: ListedItem, index: number): string {
  // "Makan Rp20.000 (makan)" says nothing twice: a description that only repeats the category goes.
  const repeats = item.description?.toLowerCase() === item.category.toLowerCase();
  const what = item.description && !repeats ? ` (${item.description})` : '';
  const income = item.direction === 'income' ? ' — pemasukan' : '';
  return `${index + 1}. ${item.category} ${formatRupiah(item.amount)}${what}${walletNote(item.direction, item.wallet)}${income}${item.day}`;
}

/**
 * One reply for a message with several items (issue 12):
 * "✅ Catat 2 transaksi (kemarin, 28 Nov):\n1. Makan Rp25.000 (bakso)\n2. Transport Rp2.000 (parkir)\n
 * Total pengeluaran Rp27.000. Balas: ganti <kategori> buat ubah yang terakhir."
 * `sharedDay` is the day note when every item has the same day; otherwise each line carries its own.
 */
export function recordedSeveral(items: readonly ListedItem[], sharedDay: string): string {
  const sum = (direction: 'income' | 'expense') =>
    items.filter((item) => item.direction === direction).reduce((total, item) => total + item.amount, 0n);
  const totals = [
    ...(items.some((item) => item.direction === 'income')
      ? [`pemasukan ${formatRupiah(sum('income'))}`]
      : []),
    ...(items.some((item) => item.direction === 'expense')
      ? [`pengeluaran ${formatRupiah(sum('expense'))}`]
      : []),
  ];
  return [
    `✅ Catat ${items.length} transaksi${sharedDay}:`,
    ...items.map(listedLine),
    `Total ${totals.join(', ')}. Balas: ganti <kategori> buat ubah yang terakhir.`,
  ].join('\n');
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

// ---- Debts and receivables (issue 12) ----

type LoanKind = 'debt' | 'receivable';
type LoanNote = { who: string; amount: bigint; outstanding: bigint; wallet: string; day: string };

/** " (masuk BCA)" / " (dari GoPay)": where a loan's cash went, when not Tunai. */
function loanWallet(cashIn: boolean, wallet: string): string {
  if (wallet === DEFAULT_WALLET) return '';
  return cashIn ? ` (masuk ${wallet})` : ` (dari ${wallet})`;
}

export const LOAN_ASK_PERSON: Record<LoanKind, string> = {
  debt: "Utangnya ke siapa? Contoh: 'hutang ke budi 100rb'.",
  receivable: "Yang minjem siapa? Contoh: 'minjemin andi 50rb'.",
};

export function loanAskAmount(kind: LoanKind, who: string): string {
  return kind === 'debt' ? `Utang ke ${who} berapa?` : `${who} pinjam berapa?`;
}

/** "Bayar utang ke siapa? Yang belum lunas: Budi Rp60.000, Mama Rp500.000." */
export function loanAskWhichPerson(
  kind: LoanKind,
  open: readonly { counterparty: string; outstanding: bigint }[],
): string {
  const list = open
    .map((balance) => `${displayName(balance.counterparty)} ${formatRupiah(balance.outstanding)}`)
    .join(', ');
  return kind === 'debt'
    ? `Bayar utang ke siapa? Yang belum lunas: ${list}.`
    : `Siapa yang bayar? Yang masih ngutang ke kamu: ${list}.`;
}

export const NOTHING_OWED: Record<LoanKind, string> = {
  debt: 'Kamu nggak punya utang yang belum lunas 👍',
  receivable: 'Nggak ada yang masih ngutang ke kamu 👍',
};

/** "✅ Catat utang ke Budi Rp100.000. Total utang kamu ke Budi sekarang Rp100.000." */
export function loanOpened(kind: LoanKind, note: LoanNote): string {
  const amount = formatRupiah(note.amount);
  const total = formatRupiah(note.outstanding);
  return kind === 'debt'
    ? `✅ Catat utang ke ${note.who} ${amount}${loanWallet(true, note.wallet)}${note.day}. Total utang kamu ke ${note.who} sekarang ${total}.`
    : `✅ Catat piutang: ${note.who} pinjam ${amount}${loanWallet(false, note.wallet)}${note.day}. Total ${note.who} ngutang ke kamu sekarang ${total}.`;
}

/** "✅ Catat bayar utang ke Budi Rp40.000. Sisa utang kamu ke Budi Rp60.000." */
export function loanRepaid(kind: LoanKind, note: LoanNote): string {
  const amount = formatRupiah(note.amount);
  const rest = formatRupiah(note.outstanding);
  if (kind === 'debt') {
    const head = `✅ Catat bayar utang ke ${note.who} ${amount}${loanWallet(false, note.wallet)}${note.day}.`;
    return note.outstanding > 0n
      ? `${head} Sisa utang kamu ke ${note.who} ${rest}.`
      : `${head} Utang kamu ke ${note.who} udah lunas 🎉`;
  }
  const head = `✅ Catat ${note.who} bayar utang ${amount}${loanWallet(true, note.wallet)}${note.day}.`;
  return note.outstanding > 0n
    ? `${head} Sisa utang ${note.who} ke kamu ${rest}.`
    : `${head} Utang ${note.who} ke kamu udah lunas 🎉`;
}

type OpenBalance = { kind: LoanKind; counterparty: string; total: bigint; outstanding: bigint };

/** Both directions, each with its total; people who settled are left out. */
export function debtsList(open: readonly OpenBalance[]): string {
  if (open.length === 0)
    return "Nggak ada utang atau piutang yang belum lunas 👍 Catat: 'hutang ke budi 100rb' atau 'minjemin andi 50rb'.";
  const section = (kind: LoanKind, title: string, totalLabel: string) => {
    const rows = open.filter((balance) => balance.kind === kind);
    if (rows.length === 0) return [];
    const total = rows.reduce((sum, balance) => sum + balance.outstanding, 0n);
    return [
      title,
      ...rows.map((balance) => `• ${displayName(balance.counterparty)} ${formatRupiah(balance.outstanding)}`),
      `${totalLabel} ${formatRupiah(total)}`,
    ];
  };
  return [
    '📒 Utang & piutang kamu:',
    ...section('debt', 'Kamu ngutang ke:', 'Total utang:'),
    ...section('receivable', 'Yang ngutang ke kamu:', 'Total piutang:'),
  ].join('\n');
}

/** "Kamu masih ngutang ke Budi Rp60.000 (dari Rp100.000)." */
export function debtsWithPerson(who: string, open: readonly OpenBalance[]): string {
  if (open.length === 0) return `Sama ${who} nggak ada utang atau piutang yang belum lunas 👍`;
  return open
    .map((balance) =>
      balance.kind === 'debt'
        ? `Kamu masih ngutang ke ${who} ${formatRupiah(balance.outstanding)} (dari ${formatRupiah(balance.total)}).`
        : `${who} masih ngutang ke kamu ${formatRupiah(balance.outstanding)} (dari ${formatRupiah(balance.total)}).`,
    )
    .join('\n');
}

// ---- Wallets and transfers (issue 12) ----

/** "✅ Catat transfer Rp100.000 dari BCA ke GoPay. Saldo BCA -Rp100.000, GoPay Rp100.000. …" */
export function transferred(input: {
  amount: bigint;
  from: string;
  to: string;
  fromBalance: bigint;
  toBalance: bigint;
  day: string;
}): string {
  // A minus balance only means its opening balance was never told; say how to tell it.
  const minus = input.fromBalance < 0n ? input.from : input.toBalance < 0n ? input.to : null;
  const hint = minus ? ` Kalau saldonya belum pas, atur: 'saldo ${minus.toLowerCase()} sekarang 1jt'.` : '';
  return `✅ Catat transfer ${formatRupiah(input.amount)} dari ${input.from} ke ${input.to}${input.day}. Saldo ${input.from} ${formatRupiah(input.fromBalance)}, ${input.to} ${formatRupiah(input.toBalance)}. Transfer antar dompet sendiri nggak dihitung sebagai pengeluaran.${hint}`;
}

export const TRANSFER_ASK_AMOUNT = "Berapa yang dipindah? Contoh: 'top up gopay 100rb dari bca'.";
export const TRANSFER_ASK_WALLETS = "Dari dompet mana ke mana? Contoh: 'pindahin 1jt dari bca ke mandiri'.";
export const TRANSFER_SAME_WALLET = 'Dompet asal dan tujuannya sama, jadi nggak ada yang pindah 🤔';

export function walletUnknown(name: string): string {
  return `Dompet ${name} belum pernah kamu catat. Atur saldonya dulu: 'saldo ${name.toLowerCase()} sekarang 1jt'.`;
}

/**
 * A balance below zero only means its opening balance was never told (spending recorded from a
 * wallet Kantong thought empty): say how to tell it rather than leave a puzzling minus.
 */
function minusHint(name: string): string {
  return `Saldo minus artinya saldo awal ${name} belum dicatat. Atur: 'saldo ${name.toLowerCase()} sekarang 500rb'.`;
}

export function balanceOne(name: string, balance: bigint): string {
  const line = `💳 Saldo ${name}: ${formatRupiah(balance)}.`;
  return balance < 0n ? `${line} ${minusHint(name)}` : line;
}

export function balanceAll(wallets: readonly { name: string; balance: bigint }[]): string {
  const total = wallets.reduce((sum, wallet) => sum + wallet.balance, 0n);
  const minus = wallets.find((wallet) => wallet.balance < 0n);
  return [
    '💳 Saldo dompet kamu:',
    ...wallets.map((wallet) => `• ${wallet.name} ${formatRupiah(wallet.balance)}`),
    `Total ${formatRupiah(total)}`,
    ...(minus ? [minusHint(minus.name)] : []),
  ].join('\n');
}

export function setBalanceAskAmount(name: string): string {
  return `Saldo ${name} sekarang berapa? Contoh: 'saldo ${name.toLowerCase()} sekarang 2,5jt'.`;
}

/** "✅ Saldo BCA sekarang Rp2.500.000 (sebelumnya Rp0). …" */
export function balanceSet(name: string, previous: bigint, balance: bigint): string {
  if (previous === balance)
    return `Saldo ${name} memang udah ${formatRupiah(balance)}, nggak ada yang diubah 👍`;
  return `✅ Saldo ${name} sekarang ${formatRupiah(balance)} (sebelumnya ${formatRupiah(previous)}). Selisihnya dicatat sebagai penyesuaian saldo, bukan pemasukan atau pengeluaran.`;
}
