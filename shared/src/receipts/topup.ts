/**
 * E-wallet top-up slips: money paid at a minimarket till into DANA, OVO, GoPay, ShopeePay or
 * LinkAja. They are a transfer plus an admin fee, not groceries. The slip names the wallet
 * ("Merchant/Biller : GOPAY", "TOPUP GOPAY"), the amount that goes in (Amount, Nominal) and the fee
 * (Biaya Admin); the till's total is amount + fee.
 */
import { fuzzyFind, type Line } from './lines.ts';

export type Topup = { wallet: string; amount: bigint; fee: bigint };

const WALLETS: readonly [key: string, name: string][] = [
  ['GOPAY', 'GoPay'],
  ['SHOPEEPAY', 'ShopeePay'],
  ['LINKAJA', 'LinkAja'],
  ['OVO', 'OVO'],
  ['DANA', 'DANA'],
];

/** Words that make a wallet's name on a slip a top-up rather than the way a purchase was paid. */
const TOPUP_WORD = /top\s?-?\s?up|isi\s*(ulang\s*)?saldo|biller|saldo/i;

function walletOn(line: Line): string | null {
  const upper = line.text.toUpperCase();
  const squeezed = upper.replace(/[^A-Z]/g, '');
  for (const [key, name] of WALLETS) {
    // Three- and four-letter names only as whole words ("DANA" hides in "DANAMON").
    const found =
      key.length <= 4
        ? upper.split(/[^A-Z]+/).includes(key)
        : fuzzyFind(key, squeezed) <= (key.length >= 7 ? 1 : 0.5);
    if (found) return name;
  }
  return null;
}

/** The top-up this slip is, or null for a purchase. `total` is what the till charged. */
export function findTopup(lines: readonly Line[], total: bigint | null): Topup | null {
  const marked = lines.filter((line) => TOPUP_WORD.test(line.text) || /topup|topu?p/.test(line.squeezed));
  const wallet = [...marked, ...lines].map(walletOn).find((name) => name !== null);
  if (marked.length === 0 || !wallet) return null;
  const amountWhere = (pattern: RegExp) =>
    lines.find((line) => pattern.test(line.lower) && line.amounts.length > 0)?.amounts.at(-1) ?? null;
  const stated = amountWhere(/^(?!.*total)(.*\b(amount|nominal|jumlah|top\s?up)\b|an[o0]u?r?n?t|am[o0]urt)/);
  const walletLine = lines.find((line) => walletOn(line) && line.amounts.length > 0)?.amounts.at(-1) ?? null;
  const fee = amountWhere(/\b(admin|fee|biaya)\b/);
  const amount = stated ?? walletLine ?? (total !== null && fee !== null ? total - fee : total);
  if (amount === null) return null;
  return {
    wallet,
    amount,
    fee: fee ?? (total !== null && total >= amount ? total - amount : 0n),
  };
}
