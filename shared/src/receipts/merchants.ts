/**
 * The shop a receipt is from. Chains are found from a lexicon, matched tolerantly against OCR
 * noise anywhere on the receipt: a franchise's header often names only its operating company
 * ("CV Kartika Sejahtera Abadi") and the brand appears garbled in the logo ("Jmdemaret") or only
 * in the footer ("KONTAK@INDOMARET.CO.ID", "WWW.ALFAMARTKU.COM"). Otherwise the shop's own name
 * from the header — never the operating company, an address, a phone line or the customer.
 */
import { fuzzyFind } from './lines.ts';

type Chain = {
  /** Display spelling. */
  name: string;
  /**
   * Squeezed upper-case spellings (letters only) that name it, including operating companies.
   * A leading '=' (and any key under six letters) counts only as a whole word in the header:
   * "INFORMA" hides in "INFORMASI", "RAMAYANA" and "MATAHARI" are street names too.
   */
  keys: readonly string[];
};

const chain = (name: string, ...keys: string[]): Chain => ({
  name,
  keys: keys.length > 0 ? keys : [name.toUpperCase().replace(/[^A-Z]/g, '')],
});

/** Indonesian chains people shop at; the operating company maps to the brand people say. */
export const CHAINS: readonly Chain[] = [
  chain('Indomaret', 'INDOMARET', 'INDOMARCOPRISMATAMA', 'INDOGROSIR'),
  chain('Alfamart', 'ALFAMART', 'SUMBERALFARIATRIJAYA', 'ALFAMARTKU'),
  chain('Alfamidi', 'ALFAMIDI', 'MIDIUTAMAINDONESIA'),
  chain('Alfaexpress', 'ALFAEXPRESS'),
  chain('Lawson'),
  chain('FamilyMart', 'FAMILYMART', 'FAJARMITRAINDAH'),
  chain('Circle K', 'CIRCLEK'),
  chain('Yomart'),
  chain('Superindo', 'SUPERINDO', 'LIONSUPERINDO'),
  chain('Hypermart', 'HYPERMART', 'MATAHARIPUTRAPRIMA'),
  chain('Transmart'),
  chain('Carrefour'),
  chain('Lotte Mart', 'LOTTEMART'),
  chain('Giant'),
  chain('Hero', 'HEROSUPERMARKET'),
  chain('Ranch Market', 'RANCHMARKET'),
  chain('Farmers Market', 'FARMERSMARKET'),
  chain('Foodhall'),
  chain('Tip Top', 'TIPTOPSWALAYAN'),
  chain('Griya', 'GRIYAPASARAYA', '=GRIYA'),
  chain('Yogya', 'TOSERBAYOGYA', 'YOGYADEPARTMENTSTORE', '=YOGYA'),
  chain('Borma', 'BORMATOSERBA', '=BORMA'),
  chain('Lulu', 'LULUHYPERMARKET'),
  chain('Grand Lucky', 'GRANDLUCKY'),
  chain('AEON', 'AEONSTORE', 'AEONMALL'),
  chain('Kimia Farma', 'KIMIAFARMA'),
  chain('K-24', 'APOTEKK'),
  chain('Century', 'CENTURYHEALTHCARE', 'APOTEKCENTURY', '=CENTURY'),
  chain('Guardian'),
  chain('Watsons'),
  chain('Apotek Roxy', 'APOTEKROXY'),
  chain('Viva Apotek', 'VIVAAPOTEK', 'APOTEKVIVA'),
  chain('Pertamina', 'PERTAMINA', 'SPBUPERTAMINA'),
  chain('Shell'),
  chain('BP', 'BPAKR', '=BP'),
  chain('Vivo', 'VIVOENERGY'),
  chain('Kopi Kenangan', 'KOPIKENANGAN'),
  chain('Janji Jiwa', 'JANJIJIWA', 'KOPIJANJIJIWA'),
  chain('Fore Coffee', 'FORECOFFEE'),
  chain('Starbucks'),
  chain('Chatime'),
  chain("McDonald's", 'MCDONALDS', 'MCDONALD'),
  chain('KFC'),
  chain('Burger King', 'BURGERKING'),
  chain('Pizza Hut', 'PIZZAHUT'),
  chain('HokBen', 'HOKBEN', 'HOKABEN'),
  chain('Solaria'),
  chain('Richeese Factory', 'RICHEESEFACTORY'),
  chain('J.CO', 'JCODONUTS'),
  chain('BreadTalk', 'BREADTALK'),
  chain('Holland Bakery', 'HOLLANDBAKERY'),
  chain('Gramedia'),
  chain('Informa', '=INFORMA', 'INFORMAFURNISHINGS'),
  chain('ACE', 'ACEHARDWARE'),
  chain('Miniso'),
  chain('Matahari', 'MATAHARIDEPARTMENTSTORE', '=MATAHARI'),
  chain('Ramayana', '=RAMAYANA'),
  chain('Uniqlo'),
];

/**
 * How far a spelling may be from the key and still name the chain: short names must be exact
 * (one letter off "GIANT" or "HERO" is another word), long ones survive a slip or two.
 */
function tolerance(key: string): number {
  if (key.length >= 9) return 2;
  if (key.length === 8) return 1.5;
  return 0;
}

/** Short brand names are only trusted as a whole word in the header, where the shop prints its name. */
const SHORT = 6;
const HEADER_LINES = 6;

function chainIn(line: string, inHeader: boolean): Chain | null {
  const upper = line.toUpperCase();
  const squeezed = upper.replace(/[^A-Z]/g, '');
  const lowered = squeezed.toLowerCase();
  let best: { chain: Chain; cost: number } | null = null;
  for (const candidate of CHAINS) {
    for (const key of candidate.keys) {
      let cost: number;
      if (key === 'APOTEKK') {
        cost = /\bK\s?-?\s?24\b/.test(upper) && /APOTEK|APOTIK/.test(upper) ? 0 : 99;
      } else if (key.startsWith('=') || key.length < SHORT) {
        if (!inHeader) continue;
        cost = upper.split(/[^A-Z0-9]+/).includes(key.replace('=', '')) ? 0 : 99;
      } else if (squeezed.includes(key)) {
        cost = 0;
      } else {
        const allowed = tolerance(key);
        cost =
          allowed > 0 && squeezed.length >= key.length - allowed ? fuzzyFind(key.toLowerCase(), lowered) : 99;
      }
      if (cost <= tolerance(key) && (!best || cost < best.cost)) best = { chain: candidate, cost };
    }
  }
  return best?.chain ?? null;
}

const COMPANY = /\b(pt|cv|tbk|ud|koperasi|persero)\b|^(pt|cv)[.\s]/i;
const ADDRESS =
  /\b(jl|jln|jalan|raya|kota|kec|kel|kab|kp|rt|rw|blok|no|gedung|gd|lt|ruko|komplek|kompleks|perum|desa|lantai|mall|plaza|kav)\b|^(jl|jln|jalan)/i;
const NOT_NAME =
  /\b(npwp|telp|tel|phone|hp|fax|wa|kasir|cashier|struk|nota|faktur|invoice|kwitansi|receipt|bon|copy|slip|tanggal|tgl|date|waktu|pelanggan|customer|member|table|meja|guest|order|no)\b|www|\.com|\.id|@|\d{2}[/.:-]\d{2}|:/i;

function titleCase(text: string): string {
  return text
    .toLowerCase()
    .split(' ')
    .map((word) =>
      word.length <= 2 ? word.toUpperCase() : `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`,
    )
    .join(' ');
}

/** The shop's own name from the header: a line of words, not a company, address, phone or label. */
function headerName(lines: readonly string[]): string | null {
  for (const line of lines.slice(0, HEADER_LINES)) {
    const letters = line
      .replace(/[^A-Za-z .&']/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const visible = line.replace(/\s/g, '').length;
    if (letters.replace(/[ .&']/g, '').length < 4 || letters.length < visible * 0.7) continue;
    if (COMPANY.test(line) || ADDRESS.test(line) || NOT_NAME.test(line)) continue;
    // OCR noise from a logo reads as a row of one- and two-letter scraps ("PE IN ES BE YY AE").
    const words = letters.split(/[ .&']+/).filter((word) => word.length > 0);
    if (words.filter((word) => word.length >= 3).length * 2 < words.length) continue;
    const name = letters
      // "TOKO.H.ENDANG": a dot after an initial stays, a dot between words is a space.
      .replace(/\b([A-Za-z])\s*\.\s*/g, '$1. ')
      .replace(/\s*\.\s*/g, ' ')
      .replace(/^[.\s]+|[.\s]+$/g, '')
      .replace(/\s+/g, ' ');
    return titleCase(name);
  }
  return null;
}

/**
 * A known chain anywhere on the receipt (the header first, then the rest), else the header's shop
 * name. `known` says whether it came from the lexicon.
 */
export function findMerchant(lines: readonly string[]): { name: string; known: boolean } | null {
  for (const [index, line] of lines.entries()) {
    const found = chainIn(line, index < HEADER_LINES);
    if (found) return { name: found.name, known: true };
  }
  const name = headerName(lines);
  return name ? { name, known: false } : null;
}
