/**
 * Turns a chat message into tokens the rules can reason about, without losing where each token
 * came from (descriptions are cut out of the original text, so offsets must point into it).
 *
 * Normalisation is per word: lower case, runs of three or more equal letters squeezed to one
 * ("makasihhh" → "makasih", "bangettt" → "banget"; doubles stay so "maaf" survives), then the chat
 * spellings in {@link SLANG} map to one canonical word ("bli" → "beli", "kmrn" → "kemarin").
 */

/** Only this many characters of a message are read: nobody types a transaction longer than this, and it bounds the work per message. */
export const MAX_PARSE_CHARS = 2000;

export type TokenKind = 'word' | 'number' | 'symbol';

export type Token = {
  kind: TokenKind;
  /** The text as typed. */
  raw: string;
  /** Lower case, squeezed, slang mapped (words); the digits and separators as typed (numbers). */
  norm: string;
  /** Offsets into the (possibly truncated) original text. */
  start: number;
  end: number;
};

/**
 * Words, numbers with their `.`/`,` separators, and the few symbols that carry meaning (dates,
 * times, signs, "?"). Every alternative consumes at least one character and the number part needs a
 * digit after each separator, so the expression is linear: no catastrophic backtracking.
 */
const TOKEN_RE = /\p{L}[\p{L}\p{M}]*|[0-9]+(?:[.,][0-9]+)*|[-/:?&@%+]/gu;

const SQUEEZE_RE = /(\p{L})\1{2,}/gu;

/** Chat spellings → the one word the rules look for. Keys are already squeezed and lower case. */
const SLANG: ReadonlyMap<string, string> = new Map([
  // spend / receive verbs
  ['bli', 'beli'],
  ['beliin', 'beli'],
  ['bliin', 'beli'],
  ['membeli', 'beli'],
  ['dibeli', 'beli'],
  ['byr', 'bayar'],
  ['bayarin', 'bayar'],
  ['membayar', 'bayar'],
  ['dibayarin', 'bayar'],
  ['blnj', 'belanja'],
  ['blanja', 'belanja'],
  ['belanjain', 'belanja'],
  ['mkn', 'makan'],
  ['mkan', 'makan'],
  ['maem', 'makan'],
  ['mnm', 'minum'],
  ['dpt', 'dapat'],
  ['dapet', 'dapat'],
  ['dpet', 'dapat'],
  ['mendapat', 'dapat'],
  ['mendapatkan', 'dapat'],
  ['trima', 'terima'],
  ['trma', 'terima'],
  ['nerima', 'terima'],
  ['menerima', 'terima'],
  ['diterima', 'terima'],
  ['tf', 'transfer'],
  ['trf', 'transfer'],
  ['trnsfr', 'transfer'],
  ['transfr', 'transfer'],
  ['gajih', 'gaji'],
  ['gajiku', 'gaji'],
  ['gajinya', 'gaji'],
  // savings verbs
  ['menabung', 'nabung'],
  ['nabungin', 'nabung'],
  ['tabungin', 'nabung'],
  ['nyetor', 'setor'],
  ['setorin', 'setor'],
  ['menyetor', 'setor'],
  ['setoran', 'setor'],
  ['narik', 'tarik'],
  ['tarikin', 'tarik'],
  ['menarik', 'tarik'],
  ['penarikan', 'tarik'],
  ['ngambil', 'ambil'],
  ['ambilin', 'ambil'],
  ['mengambil', 'ambil'],
  ['tabunganku', 'tabungan'],
  ['tabunganmu', 'tabungan'],
  ['tabungannya', 'tabungan'],
  ['tbgn', 'tabungan'],
  ['celengan', 'tabungan'],
  ['celenganku', 'tabungan'],
  ['bkin', 'bikin'],
  ['bikinin', 'bikin'],
  ['membuat', 'buat'],
  ['bwt', 'buat'],
  // time words
  ['tdi', 'tadi'],
  ['td', 'tadi'],
  ['kmrn', 'kemarin'],
  ['yesterday', 'kemarin'],
  ['kmarin', 'kemarin'],
  ['kemaren', 'kemarin'],
  ['kmren', 'kemarin'],
  ['kmaren', 'kemarin'],
  ['kmrin', 'kemarin'],
  ['bln', 'bulan'],
  ['tgl', 'tanggal'],
  ['tggl', 'tanggal'],
  ['tangal', 'tanggal'],
  ['hr', 'hari'],
  ['mgg', 'minggu'],
  ['mg', 'minggu'],
  ['mingu', 'minggu'],
  ['pekan', 'minggu'],
  ['pgi', 'pagi'],
  ['mlm', 'malam'],
  ['malem', 'malam'],
  ['brusan', 'barusan'],
  ['bsk', 'besok'],
  ['sblm', 'sebelum'],
  // function words
  ['yg', 'yang'],
  ['gk', 'tidak'],
  ['ga', 'tidak'],
  ['gak', 'tidak'],
  ['nggak', 'tidak'],
  ['ngga', 'tidak'],
  ['enggak', 'tidak'],
  ['engga', 'tidak'],
  ['tdk', 'tidak'],
  ['nda', 'tidak'],
  ['udh', 'sudah'],
  ['udah', 'sudah'],
  ['sdh', 'sudah'],
  ['dah', 'sudah'],
  ['blm', 'belum'],
  ['belom', 'belum'],
  ['dr', 'dari'],
  ['utk', 'untuk'],
  ['untk', 'untuk'],
  ['sm', 'sama'],
  ['ama', 'sama'],
  ['dgn', 'dengan'],
  ['dg', 'dengan'],
  ['lg', 'lagi'],
  ['aj', 'aja'],
  ['ajah', 'aja'],
  ['saja', 'aja'],
  ['brp', 'berapa'],
  ['brapa', 'berapa'],
  ['berapaan', 'berapa'],
  ['bs', 'bisa'],
  ['gmn', 'gimana'],
  ['gmna', 'gimana'],
  ['bagaimana', 'gimana'],
  ['sy', 'saya'],
  ['aq', 'aku'],
  ['ak', 'aku'],
  ['gw', 'aku'],
  ['gue', 'aku'],
  ['gua', 'aku'],
  ['sya', 'saya'],
  ['krn', 'karena'],
  ['karna', 'karena'],
  ['trs', 'terus'],
  ['trus', 'terus'],
  ['jd', 'jadi'],
  ['jdi', 'jadi'],
  ['hrsnya', 'harusnya'],
  ['harusny', 'harusnya'],
  ['seharusnya', 'harusnya'],
  ['mestinya', 'harusnya'],
  ['semestinya', 'harusnya'],
  ['ktgr', 'kategori'],
  ['kat', 'kategori'],
  ['kategorinya', 'kategori'],
  ['pls', 'tolong'],
  ['plis', 'tolong'],
  ['please', 'tolong'],
  ['tlg', 'tolong'],
  ['trx', 'transaksi'],
  ['transaksinya', 'transaksi'],
  ['terakhirnya', 'terakhir'],
  ['lapor', 'laporan'],
  ['laporannya', 'laporan'],
  ['rekapan', 'rekap'],
  ['rekapnya', 'rekap'],
  ['pengeluaranku', 'pengeluaran'],
  ['pengeluarannya', 'pengeluaran'],
  ['pemasukanku', 'pemasukan'],
  ['pemasukannya', 'pemasukan'],
  ['anggarannya', 'anggaran'],
  ['bujet', 'budget'],
  ['budjet', 'budget'],
  ['bajet', 'budget'],
  ['budgetnya', 'budget'],
  // smalltalk
  ['makasi', 'makasih'],
  ['mksh', 'makasih'],
  ['mks', 'makasih'],
  ['maksih', 'makasih'],
  ['makasiw', 'makasih'],
  ['maacih', 'makasih'],
  ['thx', 'makasih'],
  ['thanks', 'makasih'],
  ['thank', 'makasih'],
  ['tq', 'makasih'],
  ['ty', 'makasih'],
  ['tengkyu', 'makasih'],
  ['trims', 'makasih'],
  ['trimakasih', 'makasih'],
  ['terimakasih', 'makasih'],
  ['okey', 'oke'],
  ['okay', 'oke'],
  ['okee', 'oke'],
  ['ok', 'oke'],
  ['okk', 'oke'],
  ['sipp', 'sip'],
  ['mantab', 'mantap'],
  ['mantul', 'mantap'],
  ['mantaps', 'mantap'],
  ['hallo', 'halo'],
  ['hello', 'halo'],
  ['helo', 'halo'],
  ['hlo', 'halo'],
  ['hay', 'hai'],
  ['hi', 'hai'],
  ['hei', 'hai'],
  ['hey', 'hai'],
  ['iy', 'iya'],
  ['iyaa', 'iya'],
  ['yaa', 'ya'],
  ['yup', 'ya'],
  // units and currency spellings the amount reader wants in one form
  ['rbu', 'rb'],
  ['rban', 'rb'],
  ['rebu', 'ribu'],
  ['rebuan', 'ribu'],
  ['ribuan', 'ribu'],
  ['jtan', 'jt'],
  ['jutaan', 'juta'],
  ['jeti', 'juta'],
  ['milyar', 'miliar'],
  ['milliar', 'miliar'],
  ['miliaran', 'miliar'],
  ['ceceng', 'seceng'],
  ['nyeceng', 'seceng'],
  // e-wallets spelt apart
  ['spay', 'shopeepay'],
]);

/** Normalises one word: lower case, squeezed, slang mapped. */
export function normalizeWord(word: string): string {
  const lower = word.toLowerCase();
  const squeezed = lower.length > 2 ? lower.replace(SQUEEZE_RE, '$1') : lower;
  return SLANG.get(squeezed) ?? squeezed;
}

/**
 * Splits a message into tokens. Emoji and punctuation other than `- / : ? & @ % +` vanish;
 * letters glued to digits split ("50rb" → "50", "rb"; "tgl5" → "tanggal", "5").
 * Reads at most {@link MAX_PARSE_CHARS} characters.
 */
export function tokenize(text: string): Token[] {
  const source = text.length > MAX_PARSE_CHARS ? text.slice(0, MAX_PARSE_CHARS) : text;
  const tokens: Token[] = [];
  for (const match of source.matchAll(TOKEN_RE)) {
    const raw = match[0];
    const start = match.index;
    const first = raw.charCodeAt(0);
    const kind: TokenKind =
      first >= 48 && first <= 57
        ? 'number'
        : raw.length === 1 && '-/:?&@%+'.includes(raw)
          ? 'symbol'
          : 'word';
    tokens.push({
      kind,
      raw,
      norm: kind === 'word' ? normalizeWord(raw) : raw,
      start,
      end: start + raw.length,
    });
  }
  return tokens;
}

/** Splits a keyword or category name into normalised words ("Pulsa & Data" → ["pulsa", "data"]). */
export function keywordWords(keyword: string): string[] {
  return tokenize(keyword)
    .filter((token) => token.kind !== 'symbol')
    .map((token) => token.norm);
}

/** Title-cases words as typed ("uang kucing" → "Uang Kucing") for a category the user names anew. */
export function titleCase(text: string): string {
  return text
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join(' ');
}

/** The letters-only words of a short chat answer ("Iya, bener!" → ["iya", "bener"]). */
export function answerWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}
