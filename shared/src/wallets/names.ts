/**
 * The wallets Indonesians name in chat, as they are spelled in print, and what kind each is.
 * Shared by the reader (which words are a wallet) and the ledger (what a new wallet is).
 * A name not listed still makes a wallet when a message clearly names one ("dari rekening
 * jago"), kind 'other' until it is known.
 */

/** The wallet every user has without naming it: cash. A transaction with no wallet is here. */
export const DEFAULT_WALLET = 'Tunai';

export type WalletKind = 'bank' | 'ewallet' | 'other';

type KnownWallet = { name: string; kind: WalletKind; aliases: readonly string[] };

/** Lower-case aliases (one or two words, as normalised text has them) → the printed name. */
const KNOWN: readonly KnownWallet[] = [
  {
    name: DEFAULT_WALLET,
    kind: 'other',
    aliases: ['tunai', 'cash', 'kas', 'dompet', 'uang tunai', 'duit tunai'],
  },
  { name: 'BCA', kind: 'bank', aliases: ['bca', 'klikbca', 'mybca', 'm-bca', 'mbca'] },
  { name: 'Mandiri', kind: 'bank', aliases: ['mandiri', 'livin', 'bank mandiri'] },
  { name: 'BRI', kind: 'bank', aliases: ['bri', 'brimo'] },
  { name: 'BNI', kind: 'bank', aliases: ['bni'] },
  { name: 'BSI', kind: 'bank', aliases: ['bsi'] },
  { name: 'BTN', kind: 'bank', aliases: ['btn'] },
  { name: 'CIMB Niaga', kind: 'bank', aliases: ['cimb', 'cimb niaga', 'octo'] },
  { name: 'Permata', kind: 'bank', aliases: ['permata'] },
  { name: 'Danamon', kind: 'bank', aliases: ['danamon'] },
  { name: 'Jago', kind: 'bank', aliases: ['jago', 'bank jago'] },
  { name: 'Jenius', kind: 'bank', aliases: ['jenius'] },
  { name: 'SeaBank', kind: 'bank', aliases: ['seabank', 'sea bank'] },
  { name: 'blu', kind: 'bank', aliases: ['blu', 'blu bca'] },
  { name: 'GoPay', kind: 'ewallet', aliases: ['gopay', 'go pay', 'gopay later'] },
  { name: 'OVO', kind: 'ewallet', aliases: ['ovo'] },
  { name: 'DANA', kind: 'ewallet', aliases: ['dana'] },
  { name: 'ShopeePay', kind: 'ewallet', aliases: ['shopeepay', 'shopee pay', 'spay'] },
  { name: 'LinkAja', kind: 'ewallet', aliases: ['linkaja', 'link aja'] },
  { name: 'i.saku', kind: 'ewallet', aliases: ['isaku', 'i.saku'] },
  {
    name: 'e-money',
    kind: 'ewallet',
    aliases: ['emoney', 'e-money', 'e money', 'flazz', 'brizzi', 'tapcash'],
  },
];

const BY_ALIAS = new Map<string, KnownWallet>(
  KNOWN.flatMap((wallet) => wallet.aliases.map((alias) => [alias, wallet] as const)),
);

/** Every alias, longest first (two-word aliases before their first word). */
export const WALLET_ALIASES: readonly string[] = [...BY_ALIAS.keys()].sort((a, b) => b.length - a.length);

/** The printed name of a known wallet alias ("gopay" → "GoPay"), or null. */
export function knownWallet(alias: string): { name: string; kind: WalletKind } | null {
  const found = BY_ALIAS.get(alias.trim().toLowerCase().replace(/\s+/g, ' '));
  return found ? { name: found.name, kind: found.kind } : null;
}

/**
 * How a wallet named in a message is stored: known aliases take their printed name, any other
 * name is trimmed and title-cased ("rekening jago 2" → "Rekening Jago 2"), at most 50 characters.
 */
export function canonicalWallet(name: string): { name: string; kind: WalletKind } {
  const known = knownWallet(name);
  if (known) return known;
  const cleaned = name
    .trim()
    .replace(/\s+/g, ' ')
    .slice(0, 50)
    .replace(/(^|\s)(\p{L})/gu, (_, space: string, letter: string) => space + letter.toUpperCase());
  return { name: cleaned, kind: 'other' };
}

/** True for the default cash wallet, whatever alias names it. */
export function isDefaultWallet(name: string): boolean {
  return canonicalWallet(name).name === DEFAULT_WALLET;
}
