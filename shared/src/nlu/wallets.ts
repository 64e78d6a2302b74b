/**
 * Which wallets a message names, and in what role (issue 12). Works on the normalised words of a
 * message (see text.ts) and returns printed names from wallets/names.ts ("gopay" → "GoPay").
 *
 * Some aliases are ordinary words too: "dana" (a fund: "dana darurat"), "jago" (good at), "kas"
 * (a class fund), "dompet" (a purse one buys), "blu", "permata". Those count as a wallet only right
 * after a word that introduces one ("pake dana", "dari dompet", "saldo dana", "top up dana");
 * brand names (BCA, GoPay, OVO, …) count anywhere.
 */
import { canonicalWallet, knownWallet } from '../wallets/names.ts';

export type WalletMention = {
  /** Printed name ("GoPay", "BCA", "Tunai", or a title-cased unknown account name). */
  name: string;
  /** Index of its first word in the word list, and how many words it spans. */
  start: number;
  length: number;
  /** The word just before it ("dari", "ke", "pake", …), null at the start. */
  before: string | null;
};

/** Aliases that are everyday words as well; they need an introducing word (see above). */
const AMBIGUOUS = new Set(['dana', 'jago', 'kas', 'dompet', 'blu', 'permata', 'livin', 'octo']);

/** Words that introduce a wallet: paid with, from, to, its balance, a top-up of it. */
export const WALLET_INTRO = new Set([
  'pake',
  'pakai',
  'pakek',
  'pk',
  'via',
  'lewat',
  'dari',
  'ke',
  'dengan',
  'dgn',
  'from',
  'to',
  'using',
  'with',
  'by',
  'saldo',
  'isi',
  'topup',
  'up',
  'rekening',
  'rek',
  'akun',
  'masuk',
  'di',
  'balance',
]);
/**
 * The introducers that make an everyday word a wallet: not "di" or "masuk" ("makan di dana point",
 * "dana masuk" are places and funds), which only accompany brand names.
 */
const STRONG_INTRO = new Set([
  'pake',
  'pakai',
  'pakek',
  'pk',
  'via',
  'lewat',
  'dari',
  'ke',
  'from',
  'to',
  'using',
  'saldo',
  'isi',
  'topup',
  'up',
  'rekening',
  'rek',
  'akun',
]);
/** "dari rekening jago 2": words after which an unknown name is still an account. */
const ACCOUNT_WORDS = new Set(['rekening', 'rek', 'akun', 'account']);
const SOURCE_INTRO = new Set(['dari', 'pake', 'pakai', 'pakek', 'via', 'lewat', 'from', 'using']);
/** Words that never name an account, even after "rekening" ("rekening sendiri", "rekening budi" is a person). */
const NOT_ACCOUNT_NAMES = new Set([
  'sendiri',
  'pribadi',
  'saya',
  'aku',
  'ku',
  'lain',
  'orang',
  'ini',
  'itu',
  'yang',
  'nya',
  'ke',
  'dari',
]);

/** Wallet aliases in the words, in order; two-word aliases ("shopee pay", "e money") first. */
export function findWallets(norms: readonly string[]): WalletMention[] {
  const found: WalletMention[] = [];
  for (let index = 0; index < norms.length; index += 1) {
    const word = norms[index] ?? '';
    const before = index > 0 ? (norms[index - 1] ?? null) : null;
    const pair = index + 1 < norms.length ? `${word} ${norms[index + 1]}` : null;
    const two = pair === null ? null : knownWallet(pair);
    if (two !== null) {
      found.push({ name: two.name, start: index, length: 2, before });
      index += 1;
      continue;
    }
    const one = knownWallet(word);
    if (one !== null) {
      if (AMBIGUOUS.has(word) && (before === null || !STRONG_INTRO.has(before))) continue;
      found.push({ name: one.name, start: index, length: 1, before });
      continue;
    }
    // "dari rekening jago2", "pake akun seabank": an account we do not know by name yet. Only as a
    // source: "ke rekening budi" is more often money sent to Budi than to an account of one's own.
    const twoBack = norms[index - 2];
    const source = twoBack !== undefined && SOURCE_INTRO.has(twoBack);
    if (source && before !== null && ACCOUNT_WORDS.has(before) && /^\p{L}[\p{L}\d]*$/u.test(word)) {
      if (NOT_ACCOUNT_NAMES.has(word)) continue;
      found.push({ name: canonicalWallet(word).name, start: index, length: 1, before });
    }
  }
  return found;
}

/** The first mention right after one of `intro` (e.g. "dari"), or null. */
export function walletAfter(
  mentions: readonly WalletMention[],
  norms: readonly string[],
  intro: ReadonlySet<string>,
): WalletMention | null {
  return (
    mentions.find((mention) => {
      const before = mention.before;
      if (before === null) return false;
      if (intro.has(before)) return true;
      // "dari rekening bca": the word before "rekening" introduces it.
      const twoBack = norms[mention.start - 2];
      return ACCOUNT_WORDS.has(before) && twoBack !== undefined && intro.has(twoBack);
    }) ?? null
  );
}
