/**
 * OCR text → receipt lines: numbers repaired where OCR slipped a letter into them, money amounts
 * picked out, and the words left over (the line's label) kept for the readers of totals, dates
 * and merchants. Shared by parse.ts, totals.ts, dates.ts and merchants.ts.
 */

export type Line = {
  /** Position in the receipt, top to bottom. */
  index: number;
  /** The line with its numbers repaired. */
  text: string;
  /** `text` in lower case, with a 0 between letters read back as o. */
  lower: string;
  /** The label: lower-case letters only, no spaces ("totalbelanja"). */
  squeezed: string;
  amounts: bigint[];
  /** A money amount on this line needed a letter read as a digit (B.400 → 8.400): its value is a guess. */
  repaired: boolean;
  /** The last amount is printed as a deduction: "(5.000)" or "-1,900". */
  negative: boolean;
};

/** OCR's usual slips inside numbers: O for 0, l/I for 1, spaces around separators. */
export function cleanNumbers(text: string): string {
  return text
    .replace(/(?<=[\d.,])[Oo](?=[\d.,]|\b)|(?<=\b)[Oo](?=[\d.,]\d)/g, '0')
    .replace(/(?<=\d[.,]?)[Il|](?=[\d.,])|(?<=[.,])[Il|](?=\d)/g, '1')
    .replace(/(\d)\s*([.,])\s+(\d{3})(?!\d)/g, '$1$2$3')
    .replace(/(\d)\s+([.,])(\d{3})(?!\d)/g, '$1$2$3');
}

/**
 * A thermal printer's 8 often reads as B ("B.400", "PPN= B42"); only inside what is otherwise a
 * money-shaped number, so product codes like "BB6" stay letters.
 */
function repairEights(text: string): { text: string; repaired: boolean } {
  let repaired = false;
  const fixed = text.replace(/(?<![A-Za-z\d])[\dB][\dB.,]*[\dB](?![A-Za-z\d])/g, (token) => {
    const digits = token.replace(/B/g, '8');
    const real = token.replace(/[^\d]/g, '').length;
    if (!token.includes('B') || real < 2 || !/^(\d{1,3}([.,]\d{3})+|\d{3,9})$/.test(digits)) return token;
    repaired = true;
    return digits;
  });
  return { text: fixed, repaired };
}

const MONEY =
  /(?<![\d.,])-?(?:rp\.?\s*)?(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{2})?|\d{3,9}(?:[.,]\d{2})?)(?![\d.,]*\d)(?!\s*(?:l\b|liter|kg|gr?\b|ml\b|%))/gi;

/** Money amounts on a line, in order: "Rp 132.500", "132.500,00", "132,500", "58000". */
export function amountsIn(text: string): bigint[] {
  const amounts: bigint[] = [];
  for (const match of text.matchAll(MONEY)) {
    const digits = match[1] ?? '';
    // "34.123.45" (a station number) is no money: cents never share the thousands separator.
    if (/^\d{1,3}([.,])\d{3}(?:\1\d{3})*\1\d{2}$/.test(digits)) continue;
    const whole = digits.replace(/[.,]\d{2}$/, (cents) =>
      /^\d{1,3}([.,]\d{3})+$/.test(digits) ? cents : '',
    );
    const value = BigInt(whole.replace(/[.,]/g, '') || '0');
    if (value >= 100n) amounts.push(value);
  }
  return amounts;
}

/**
 * The number ending a line, however small: rounding lines print "PEMBULATAN -50" or "Round 0",
 * below the 100-rupiah floor of {@link amountsIn}. Null when the line ends in no number.
 */
export function endingNumber(text: string): bigint | null {
  const match = /(\d{1,3}(?:[.,]\d{3})+|\d{1,9})(?:[.,]\d{2})?\s*\)?\s*$/.exec(text);
  return match ? BigInt((match[1] ?? '0').replace(/[.,]/g, '')) : null;
}

/** The text with its money taken out: what the line says, not what it costs. */
export function withoutMoney(text: string): string {
  return text.replace(MONEY, ' ');
}

export function toLines(text: string): Line[] {
  return text
    .split(/\r?\n/)
    .map((raw) => raw.replace(/\s+/g, ' ').trim())
    .filter((line) => line.length > 0)
    .map((line, index) => {
      // A masked card number ("5307-95**-****-4667") is no money.
      const unmasked = line.replace(/\b\d{4}[- ]?[\d*xX]{2,4}[*xX][\d*xX -]*/g, ' ');
      const eights = repairEights(cleanNumbers(unmasked));
      const cleaned = eights.text;
      const lower = cleaned.toLowerCase().replace(/(?<=[a-z])0(?=[a-z])/g, 'o');
      const amounts = amountsIn(cleaned);
      return {
        index,
        text: cleaned,
        lower,
        squeezed: withoutMoney(lower).replace(/[^a-z]/g, ''),
        amounts,
        repaired: eights.repaired && amounts.length > 0,
        negative: /\(\s*(?:rp\.?\s*)?\d[\d.,]*\s*\)?\s*$|(?:^|[\s:=])-\s?(?:rp\.?\s*)?\d[\d.,]*\s*$/i.test(
          cleaned,
        ),
      };
    });
}

/** OCR's look-alike letters (O/0/D/Q/U, I/J/L/1, M/N/H, …): swapping one for another costs half. */
const LOOK_ALIKE = ['o0dqu', 'ijl1!|', 'mnh', 'eaos', 'b8r', 'gc6', 'z2', 's5', 'vy', 'ft', 'rn'];
const HALF = new Set(
  LOOK_ALIKE.flatMap((group) => [...group].flatMap((a) => [...group].map((b) => `${a}${b}`))),
);

/**
 * The cheapest way `key` appears somewhere inside `text` (approximate substring match, look-alike
 * letters at half cost): "jmdemaret" holds "indomaret" at 1.5, "kontakindomaretcoid" at 0.
 */
export function fuzzyFind(key: string, text: string): number {
  let previous = new Float64Array(text.length + 1);
  let row = new Float64Array(text.length + 1);
  for (let i = 1; i <= key.length; i += 1) {
    row[0] = i;
    const k = key[i - 1] ?? '';
    for (let j = 1; j <= text.length; j += 1) {
      const t = text[j - 1] ?? '';
      const swap = k === t ? 0 : HALF.has(`${k}${t}`) ? 0.5 : 1;
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + swap);
    }
    [previous, row] = [row, previous];
  }
  return Math.min(...previous);
}
