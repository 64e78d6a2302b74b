/**
 * The total of a receipt and the receipt's own arithmetic that corroborates it.
 *
 * Every line with money gets a role from its label, read tolerantly (OCR prints "TOTRL BELANJA",
 * "Anourt", "Kerbalian"): a total (GRAND TOTAL > TOTAL BELANJA/BAYAR/NETT > TOTAL or a fuel slip's
 * Amount > Alfamart's old "Total Item" > a lone subtotal), a payment, change, discount, rounding,
 * service, tax, admin fee, or a figure that is never the total (DPP, HARGA JUAL, ANDA HEMAT, a cash
 * withdrawal, points). The strongest total label wins, the last one on a tie (the final figure
 * prints last); a rounding line after it adjusts it. Then every check the receipt allows is tried:
 * cash − change, a payment equal to it, the items (with their vouchers) adding up, subtotal +
 * service + tax − discount, top-up amount + fee, price per litre × litres.
 */
import { endingNumber, fuzzyFind, type Line, withoutMoney } from './lines.ts';

export type Role =
  | 'info'
  | 'subtotal'
  | 'itemcount'
  | 'total'
  | 'saving'
  | 'discount'
  | 'rounding'
  | 'service'
  | 'tax'
  | 'fee'
  | 'change'
  | 'noncash'
  | 'cash'
  | 'nominal';

/** `word` appears in the squeezed label, allowing OCR slips for longer words. */
function has(
  line: Line,
  word: string,
  tolerance = word.length >= 7 ? 1 : word.length >= 5 ? 0.5 : 0,
): boolean {
  return tolerance === 0 ? line.squeezed.includes(word) : fuzzyFind(word, line.squeezed) <= tolerance;
}

/** The start of the label says TOTAL, however OCR spelled it ("TOTRL", "YOTAL", "TUTAL", "4Total"). */
function saysTotal(line: Line): boolean {
  return fuzzyFind('total', line.squeezed.slice(0, 7)) <= 1 && !line.squeezed.startsWith('sub');
}

const STRONG_TOTAL =
  /^.{0,2}ta.?l?.?(belanja|bayar|tagihan|pembayaran|nett?|amount|akhir|harga|penjualan|transaksi|due)/;

/** A line's role, or null for an item or a line with nothing to say. */
export function roleOf(line: Line): Role | null {
  const { squeezed, lower } = line;
  if (
    /\bdp[pf]\b|dp[pf]\s*[=:]|\bn?bkp\b|bebas\s*ppn|non\s*ppn|\bpoin|\bpoint|kupon|coupon|hutang|piutang|deposit/.test(
      lower,
    ) ||
    has(line, 'hargajual', 1) ||
    has(line, 'ambiltunai', 1) ||
    has(line, 'tariktunai', 1)
  )
    return 'info';
  if (/hemat|(total|tot)\s*\.?\s*(disc|diskon|potongan|voucher|promo|saving)|you\s*save/.test(lower))
    return 'saving';
  if (
    squeezed.startsWith('sub') ||
    has(line, 'subtotal') ||
    has(line, 'totalgross') ||
    /^(jumlah|gross)/.test(squeezed)
  )
    return /jumlah\s*(bayar|tagihan)/.test(lower) ? 'total' : 'subtotal';
  if (/^.{0,2}ta.?l?.?(item|qty|barang|jumlahitem)|^(jumlah|jml)\s*(item|barang|qty)|^qty/.test(squeezed))
    return 'itemcount';
  if (has(line, 'grandtotal', 1)) return 'total';
  if (/pembulatan|adjust|round|rounding|\badj\b/.test(lower) || has(line, 'pembulatan', 1)) return 'rounding';
  // "Total (termasuk PPN)" is a total that mentions its tax, not a tax line.
  const included = /termasuk|incl|sudah/.test(lower);
  if (!included && /\b(serv|svc|service|servis)(?![a-z])|\bsc\b\s*\d/.test(lower)) return 'service';
  if (!included && /\b(ppn|pb\s?1|pbi|pajak|tax|vat)(?![a-z])/.test(lower)) return 'tax';
  if (/\b(admin|fee|biaya)\b/.test(lower)) return 'fee';
  if (saysTotal(line) || STRONG_TOTAL.test(squeezed) || /^.{0,3}belanja/.test(squeezed)) return 'total';
  if (/\b(amount|jumlah\s*bayar|tagihan)\b/.test(lower) || has(line, 'amount', 1)) return 'total';
  if (/\b(diskon|disc|discount|potongan|promo|cashback)\b/.test(lower) || has(line, 'voucher', 1.5))
    return 'discount';
  if (/kembal|\bchange\b|\bsusuk\b/.test(lower) || has(line, 'kembalian', 1)) return 'change';
  if (
    /\b(non\s*tunai|debit|kredit|credit|card|kartu|gopay|ovo|dana|qris|shopee\s?pay|linkaja|flazz|e-?money|brizzi|tapcash|edc|bca|mandiri|bri|bni|transfer)\b/.test(
      lower,
    )
  )
    return 'noncash';
  if (/\b(tunai|cash|bayar|dibayar|payment|pembayaran|uang|paid|tendered|nominal\s*bayar)\b/.test(lower))
    return 'cash';
  if (/\b(nominal|jumlah)\b/.test(lower)) return 'nominal';
  return null;
}

/** How strongly a total-like line says "this is what was paid". */
function priority(line: Line, role: Role | null): number {
  if (role === 'subtotal') return 0.5;
  if (role === 'itemcount') return 1;
  if (role !== 'total') return 0;
  if (has(line, 'grandtotal', 1)) return 4;
  // "Jumlah bayar" is the amount due on some receipts and the cash handed over on others.
  if (/jumlah\s*(bayar|tagihan)/.test(line.lower)) return 1.5;
  if (STRONG_TOTAL.test(line.squeezed) || /^.{0,3}belanja/.test(line.squeezed)) return 3;
  return 2;
}

export type TotalFound = { total: bigint; index: number; priority: number; doubtful: boolean };

/** The amount a label line stands for: on its own line, or alone on the next (narrow printers). */
function amountFor(lines: readonly Line[], roles: readonly (Role | null)[], index: number): bigint | null {
  const line = lines[index];
  const own = line?.amounts.at(-1);
  if (own !== undefined) return own;
  const next = lines[index + 1];
  if (!next || roles[index + 1] !== null || next.amounts.length !== 1) return null;
  // The next line must be the amount alone, not an item with a name.
  return /[a-z]{3,}/.test(withoutMoney(next.lower).replace(/\brp\b/g, '')) ? null : (next.amounts[0] ?? null);
}

export function rolesOf(lines: readonly Line[]): (Role | null)[] {
  return lines.map((line) => (line.amounts.length > 0 || /[a-z]{3,}/.test(line.lower) ? roleOf(line) : null));
}

/**
 * A total's label stands before its amount: "TOTAL 70,000", "Amount :30000. Rp". A column header
 * ("… 7124 TOTAL") has words after its number.
 */
function labelBeforeAmount(line: Line): boolean {
  if (line.amounts.length === 0) return true;
  const tail = line.lower.replace(/^.*\d/, '');
  return !/[a-z]{3,}/.test(tail.replace(/\b(rp|idr)\b/g, ''));
}

export function findTotal(lines: readonly Line[], roles: readonly (Role | null)[]): TotalFound | null {
  let best: TotalFound | null = null;
  const candidates: TotalFound[] = [];
  for (const [index, line] of lines.entries()) {
    const rank = priority(line, roles[index] ?? null);
    if (rank === 0) continue;
    const amount = amountFor(lines, roles, index);
    if (amount === null || !labelBeforeAmount(line)) continue;
    const fromNext = line.amounts.length === 0;
    const doubtful = (fromNext ? lines[index + 1]?.repaired : line.repaired) ?? false;
    const candidate = { total: amount, index, priority: rank, doubtful };
    candidates.push(candidate);
    if (!best || rank >= best.priority) best = candidate;
  }
  return best ? dueNotTendered(lines, roles, best, candidates) : null;
}

/**
 * "Total Belanja 90.000 / Total Bayar 100.000 / Kembalian 10.000": the last total-like line was the
 * money handed over. When it minus the change printed under it is an earlier total, that one is due.
 */
function dueNotTendered(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  best: TotalFound,
  candidates: readonly TotalFound[],
): TotalFound {
  const change = valuesAfter(lines, roles, best.index, ['change']).filter((value) => value > 0n);
  const due = candidates.find(
    (candidate) =>
      candidate.index < best.index && change.some((back) => best.total - back === candidate.total),
  );
  return due ?? best;
}

/** Money lines of a role after `from` (payments and change print below the total). */
function valuesAfter(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  from: number,
  wanted: Role[],
): bigint[] {
  return lines.flatMap((line, index) => {
    const amount = line.amounts.at(-1);
    return index > from && wanted.includes(roles[index] as Role) && amount !== undefined ? [amount] : [];
  });
}

/** Unlabelled pair right under the total (OCR lost the words "Bayar" and "Kembali"): paid, change. */
function bareAmountsAfter(lines: readonly Line[], roles: readonly (Role | null)[], from: number): bigint[] {
  const bare: bigint[] = [];
  for (const [index, line] of lines.entries()) {
    if (index <= from || bare.length === 2) continue;
    const amount = line.amounts.at(-1);
    if (amount === undefined || roles[index] !== null || line.amounts.length > 1) break;
    if (/[a-z]{3,}/.test(withoutMoney(line.lower).replace(/\brp\b/g, ''))) break;
    bare.push(amount);
  }
  return bare;
}

export type ItemLine = { line: Line; price: bigint; deduction: boolean };

const NOT_ITEM =
  /\b(no|bon|kasir|cashier|npwp|telp|tel|check|table|meja|guest|trx|kode|ref|member|pos|tgl|tanggal|date|waktu|struk|nota|faktur|shift|pompa|pulau|operator|volume|liter|jl|jln|jalan)\b|harga\s*\/|\/\s*l(iter)?\b/;
const DATE_OR_TIME = /\d{1,2}[/.:-]\d{2}(?![\d])|\d{1,2}:\d{2}/;

/** Priced lines above the first total or subtotal line; discount and voucher lines are deductions. */
export function findItemLines(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  totalIndex: number,
): ItemLine[] {
  const firstSum = roles.findIndex(
    (role, index) => role === 'subtotal' || role === 'itemcount' || role === 'total' || index >= totalIndex,
  );
  const end = firstSum === -1 ? totalIndex : firstSum;
  const items: ItemLine[] = [];
  for (const [index, line] of lines.entries()) {
    if (index >= end) break;
    const price = line.amounts.at(-1);
    const role = roles[index] ?? null;
    if (price === undefined) continue;
    if (role === 'discount' || (role === null && line.negative)) {
      items.push({ line, price, deduction: true });
      continue;
    }
    if (role !== null || NOT_ITEM.test(line.lower)) continue;
    if (DATE_OR_TIME.test(withoutMoney(line.text))) continue;
    // The price ends the line (a tax flag or "=" may trail it).
    if (!/(\d{1,3}(?:[.,]\d{3})+|\d{3,9})(?:[.,]\d{2})?\s*[*A-Za-z]?\s*$/.test(line.text)) continue;
    items.push({ line, price, deduction: false });
  }
  return items;
}

export function itemsSum(items: readonly ItemLine[]): bigint {
  return items.reduce((sum, item) => (item.deduction ? sum - item.price : sum + item.price), 0n);
}

type Adjustment = { role: Role; amount: bigint; negative: boolean };

function adjustmentsBetween(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  from: number,
  to: number,
) {
  const adjustments: Adjustment[] = [];
  for (let index = from + 1; index < to; index += 1) {
    const role = roles[index];
    const line = lines[index];
    const amount = role === 'rounding' ? (line ? endingNumber(line.text) : null) : line?.amounts.at(-1);
    if (!line || amount === undefined || amount === null || amount === 0n || !role) continue;
    if (['service', 'tax', 'fee', 'discount', 'saving', 'rounding'].includes(role))
      adjustments.push({ role, amount, negative: line.negative });
  }
  return adjustments;
}

/** subtotal + service + tax + fee − discount (± rounding) = total, trying a rounding's unsigned sign both ways. */
function addsUp(subtotal: bigint, adjustments: readonly Adjustment[], total: bigint): boolean {
  let sums = [subtotal];
  for (const adjustment of adjustments) {
    const down = adjustment.role === 'discount' || adjustment.role === 'saving' || adjustment.negative;
    const signs = adjustment.role === 'rounding' && !adjustment.negative ? [1n, -1n] : [down ? -1n : 1n];
    sums = sums.flatMap((sum) => signs.map((sign) => sum + sign * adjustment.amount));
  }
  return sums.includes(total);
}

/** A subtotal or the items' sum, with the lines between it and the total applied. */
function subtotalChecks(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  found: TotalFound,
  items: readonly ItemLine[],
): string[] {
  const checks: string[] = [];
  for (const [index, role] of roles.entries()) {
    if (index >= found.index || (role !== 'subtotal' && role !== 'itemcount')) continue;
    const subtotal = amountFor(lines, roles, index);
    if (subtotal === null) continue;
    if (addsUp(subtotal, adjustmentsBetween(lines, roles, index, found.index), found.total))
      checks.push('subtotal-adds-up');
  }
  const goods = items.filter((item) => !item.deduction);
  if (goods.length > 0) {
    const sum = itemsSum(items);
    const lastItem = items.at(-1)?.line.index ?? 0;
    if (sum === found.total) checks.push('items-sum');
    else if (addsUp(sum, adjustmentsBetween(lines, roles, lastItem, found.index), found.total))
      checks.push('items-adds-up');
  }
  return checks;
}

/** Fuel slips: price per litre × litres, within the rounding of the printed litres. */
function fuelCheck(lines: readonly Line[], total: bigint): boolean {
  const text = lines.map((line) => line.lower).join('\n');
  const litres =
    /volume[^\d\n]{0,12}(\d{1,3}[.,]\d{1,3})/.exec(text)?.[1] ??
    /(?<![\d.,])(\d{1,3}[.,]\d{1,3})\s*(?:l|ltr|liter|litre)\b/.exec(text)?.[1];
  const price =
    /(?:harga\s*\/\s*l(?:iter)?|price\s*\/\s*l|harga\s*per\s*liter|rp\s*\/\s*l)[^\d\n]{0,12}([\d.,]{4,9})/.exec(
      text,
    )?.[1];
  if (!litres || !price) return false;
  const volume = Number(litres.replace(',', '.'));
  const perLitre = Number(price.replace(/[.,](?=\d{3}\b)/g, '').replace(/[.,]\d{1,2}$/, ''));
  if (!Number.isFinite(volume) || !Number.isFinite(perLitre) || perLitre < 1000) return false;
  return Math.abs(volume * perLitre - Number(total)) <= perLitre * 0.006 + 1;
}

export type Corroboration = { checks: string[]; contradicted: boolean; notFinal: boolean };

/** Which of the receipt's own sums agree with the total, and whether any disagrees. */
export function corroborate(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  found: TotalFound,
  items: readonly ItemLine[],
): Corroboration {
  const checks: string[] = [];
  const total = found.total;
  const paid = valuesAfter(lines, roles, found.index, ['cash', 'noncash']);
  const change = valuesAfter(lines, roles, found.index, ['change']).filter((value) => value > 0n);
  const bare = bareAmountsAfter(lines, roles, found.index);
  // A total-like line under the chosen one ("Total Bayar" after "Total Belanja") was money handed over.
  const tendered = [...paid, ...valuesAfter(lines, roles, found.index, ['total'])];
  if (tendered.some((value) => change.some((back) => value - back === total))) checks.push('cash-change');
  else if (bare.length === 2 && (bare[0] ?? 0n) - (bare[1] ?? 0n) === total) checks.push('cash-change');
  if (paid.includes(total)) checks.push('payment');
  checks.push(...subtotalChecks(lines, roles, found, items));
  if (fuelCheck(lines, total)) checks.push('volume-price');
  // Cash and change both printed but not adding up to it: one of the three is misread.
  const contradicted =
    paid.length > 0 &&
    change.length > 0 &&
    !checks.includes('cash-change') &&
    !paid.includes(total + (change[0] ?? 0n));
  // Service or tax printed below the total and above the payment: this total is not the last word.
  const firstPayment = roles.findIndex(
    (role, index) => index > found.index && (role === 'cash' || role === 'noncash' || role === 'change'),
  );
  // Below a mere subtotal or item count, a discount or tax line means the sum changed after it.
  const changesSum: Role[] =
    found.priority < 2 ? ['service', 'fee', 'tax', 'discount', 'saving'] : ['service', 'fee', 'tax'];
  const notFinal = roles.some(
    (role, index) =>
      index > found.index &&
      (firstPayment === -1 || index < firstPayment) &&
      changesSum.includes(role as Role) &&
      (lines[index]?.amounts.at(-1) ?? 0n) > 0n,
  );
  return { checks: [...new Set(checks)], contradicted, notFinal };
}

/**
 * A rounding line under the total and above the payment (PEMBULATAN, Adjustment, Round) that no
 * later total line already applied: the amount due is the total with it, its sign as printed, or
 * else the sign the payment agrees with (rounding goes either way: down, or up as a donation).
 */
export function applyRounding(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  found: TotalFound,
): TotalFound {
  const firstPayment = roles.findIndex(
    (role, index) => index > found.index && (role === 'cash' || role === 'noncash' || role === 'change'),
  );
  const end = firstPayment === -1 ? lines.length : firstPayment;
  for (let index = found.index + 1; index < end; index += 1) {
    const line = lines[index];
    if (roles[index] !== 'rounding' || !line) continue;
    const rounding = endingNumber(line.text);
    if (!rounding) continue;
    const paid = valuesAfter(lines, roles, found.index, ['cash', 'noncash']);
    const change = valuesAfter(lines, roles, found.index, ['change']);
    const due = new Set([...paid, ...paid.flatMap((value) => change.map((back) => value - back))]);
    const down = found.total - rounding;
    const up = found.total + rounding;
    const total = line.negative ? down : due.has(up) && !due.has(down) ? up : down;
    return { ...found, total, index, doubtful: found.doubtful || line.repaired };
  }
  return found;
}

/**
 * The labelled total disagrees with cash − change, and that difference is printed on the receipt
 * (an item, another total line): the label's digits are the likelier misread. The difference is
 * taken, never confirmed (the receipt disagrees with itself).
 */
export function totalFromContradiction(
  lines: readonly Line[],
  roles: readonly (Role | null)[],
  found: TotalFound,
): TotalFound | null {
  const alternative = totalFromChange(lines, roles);
  return alternative && alternative.total !== found.total ? { ...alternative, doubtful: true } : null;
}

/**
 * No total label could be read: a printed amount equal to what was paid minus the change is the
 * total (the arithmetic itself points at it).
 */
export function totalFromChange(lines: readonly Line[], roles: readonly (Role | null)[]): TotalFound | null {
  const paid = valuesAfter(lines, roles, -1, ['cash', 'noncash']);
  const change = valuesAfter(lines, roles, -1, ['change']).filter((value) => value > 0n);
  for (const value of paid)
    for (const back of change) {
      const total = value - back;
      if (total <= 0n) continue;
      const index = lines.findIndex(
        (line, at) =>
          line.amounts.includes(total) && !['cash', 'noncash', 'change', 'info'].includes(roles[at] as Role),
      );
      const line = lines[index];
      if (line) return { total, index, priority: 1, doubtful: line.repaired };
    }
  return null;
}
