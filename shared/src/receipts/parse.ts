/**
 * The receipt reader: OCR text in, total / date / merchant / items out, with a status that says
 * whether Kantong may book it without asking. Deterministic rules, like the chat reader
 * (DESIGN.md decision 5): the LLM clean-up may fill gaps, never replace the total read here.
 *
 * The parts: lines.ts (numbers repaired, amounts, labels), totals.ts (which line is the total and
 * which of the receipt's own sums agree with it), dates.ts, merchants.ts, topup.ts.
 *
 * A total is `confirmed` only when the receipt's own arithmetic corroborates it (cash − change, a
 * payment equal to it, the items adding up with their vouchers, subtotal + service + tax −
 * discount, top-up amount + fee, litres × price), nothing on the receipt contradicts it, and its
 * digits were read without guessing. Anything else is `pending`: Kantong asks before booking.
 */
import { findDate } from './dates.ts';
import { type Line, toLines } from './lines.ts';
import { findMerchant } from './merchants.ts';
import { findTopup, type Topup } from './topup.ts';
import {
  applyRounding,
  corroborate,
  findItemLines,
  findTotal,
  type ItemLine,
  rolesOf,
  totalFromChange,
  totalFromContradiction,
} from './totals.ts';

export { findDate } from './dates.ts';
export { amountsIn } from './lines.ts';
export { findMerchant } from './merchants.ts';
export type { Topup } from './topup.ts';

export type ReceiptItem = { name: string; price: bigint };

export type ReceiptReading = {
  total: bigint | null;
  /** YYYY-MM-DD as printed (the shop's local date). */
  date: string | null;
  merchant: string | null;
  items: ReceiptItem[];
  raw_text: string;
  /** 0–1: label found, arithmetic agrees, date and merchant found, OCR sure of its words. */
  confidence: number;
  /** confirmed: the receipt's own arithmetic corroborates the total; pending: ask before booking. */
  status: 'confirmed' | 'pending';
  /** A purchase, or an e-wallet top-up paid at a till (amount + admin fee, not groceries). */
  kind: 'purchase' | 'topup';
  topup: Topup | null;
  /** Which cross-checks confirmed the total, if any (for the audit trail and tests). */
  checks: string[];
};

/**
 * A confirmed reading's confidence is at least this and a pending one's below it, so callers that
 * compare confidence (conversation/media.ts) and callers that read `status` agree.
 */
export const RECEIPT_CONFIDENT = 0.75;

/** Below this mean word confidence (0–100) the engine itself doubts the text: nothing is confirmed. */
const OCR_TOO_UNSURE = 40;

function itemName(item: ItemLine, lines: readonly Line[]): string | null {
  const own = item.line.text
    // Prices out; a number with a unit glued on ("600ML", "175G") is part of the name.
    .replace(/(?<![\d.,])-?(?:rp\.?\s*)?(\d{1,3}(?:[.,]\d{3})+|\d{3,})(?:[.,]\d{2})?(?![\dA-Za-z])/gi, ' ')
    .replace(/\b\d+\s*[xX@]\s*/g, ' ')
    .replace(/^\s*\d+\s*[xX]?\s+/, '')
    .replace(/\s+\d+\s*[xX@]?\s*$/, '')
    .replace(/[:=@()]+/g, ' ')
    // A zero between letters is OCR's O ("BERAS RAM0S"); inside "500G" it stays a digit.
    .replace(/(?<=[A-Za-z])0(?=[A-Za-z])/g, 'O')
    .replace(/\s+/g, ' ')
    .trim();
  if (/[A-Za-z]{2,}/.test(own)) return own;
  // A wrapped layout prints the name on the line above the price ("NISSIN …" / "18853868 1x 5.500").
  const above = lines[item.line.index - 1];
  return above && above.amounts.length === 0 && /[A-Za-z]{3,}/.test(above.text) ? above.text : null;
}

/**
 * Reads OCR text. `ocrConfidence` is the engine's mean word confidence (0–100), when known.
 *
 * @example
 * parseReceiptText('INDOMARET\n16-10-2025\nTOTAL 132.500\nTUNAI 150.000\nKEMBALI 17.500', { now })
 * // → { total: 132500n, date: '2025-10-16', merchant: 'Indomaret', status: 'confirmed',
 * //     checks: ['cash-change'], kind: 'purchase', … }
 */
export function parseReceiptText(
  rawText: string,
  options: { now: Date; ocrConfidence?: number | null },
): ReceiptReading {
  const lines = toLines(rawText);
  const roles = rolesOf(lines);
  const labelled = findTotal(lines, roles);
  const rounded = labelled ? applyRounding(lines, roles, labelled) : totalFromChange(lines, roles);
  let itemLines = findItemLines(lines, roles, rounded?.index ?? lines.length);
  let corroboration = rounded
    ? corroborate(lines, roles, rounded, itemLines)
    : { checks: [], contradicted: false, notFinal: false };
  let found = rounded;
  const instead =
    rounded && corroboration.contradicted ? totalFromContradiction(lines, roles, rounded) : null;
  if (instead) {
    found = instead;
    itemLines = findItemLines(lines, roles, Math.max(instead.index, rounded?.index ?? 0));
    corroboration = { ...corroborate(lines, roles, instead, itemLines), contradicted: true };
  }
  const checks = corroboration.checks;
  const date = findDate(lines.map((line) => line.text).join('\n'), options.now);
  const merchant = findMerchant(lines.map((line) => line.text));
  const topup = findTopup(lines, found?.total ?? null);
  if (topup && found && topup.amount + topup.fee === found.total && topup.fee > 0n) checks.push('topup-sum');

  const ocr = options.ocrConfidence;
  const confirmed =
    found !== null &&
    checks.length > 0 &&
    !corroboration.contradicted &&
    !corroboration.notFinal &&
    !found.doubtful &&
    (ocr === null || ocr === undefined || ocr >= OCR_TOO_UNSURE);

  let score = 0;
  if (found) score += found.priority >= 2 ? 0.45 : 0.35;
  if (checks.length > 0) score += 0.25;
  if (date) score += 0.1;
  if (merchant) score += merchant.known ? 0.1 : 0.07;
  // Clear print reads at 85–95; a faded or blurred photo lower, and its digits are less sure.
  const ocrFactor = ocr === null || ocr === undefined ? 1 : Math.max(0, Math.min(1, (ocr - 45) / 40));
  const measured = Math.round(score * ocrFactor * 100) / 100;
  const confidence = !found
    ? 0
    : confirmed
      ? Math.max(measured, RECEIPT_CONFIDENT)
      : Math.min(measured, RECEIPT_CONFIDENT - 0.05);
  return {
    total: found?.total ?? null,
    date,
    merchant: merchant?.name ?? null,
    items: itemLines.flatMap((item) => {
      const name = item.deduction ? null : itemName(item, lines);
      return name ? [{ name, price: item.price }] : [];
    }),
    raw_text: rawText,
    confidence,
    status: confirmed ? 'confirmed' : 'pending',
    kind: topup ? 'topup' : 'purchase',
    topup,
    checks,
  };
}
