/**
 * The receipt reader on the layouts real phones send, one trait per case, on OCR-like text written
 * here (the real photos themselves are read end to end in functions/src/ocr/real-photos.test.ts).
 * Each case is a layout or a trap other shops print too, never one file's quirk.
 */
import { describe, expect, it } from 'vitest';
import { ReceiptContractSchema, toContract } from './index.ts';
import { parseReceiptText } from './parse.ts';

const NOW = new Date('2026-01-10T05:00:00Z');
const read = (lines: string[], ocrConfidence?: number) =>
  parseReceiptText(lines.join('\n'), { now: NOW, ocrConfidence });

describe('totals where no line says TOTAL', () => {
  it("takes Alfamart's old 'Total Item' line when it is the only sum", () => {
    const reading = read([
      'ALFAMART PERMATA GARDENIA',
      'ALFA K.HJ 250G 1 9,600 9,600',
      'INDOMIE KOYA75G 1 2,600 2,600',
      'Total Item 2 12,200',
      'SHOPEEPAY 12,200',
      'Kembalian 0',
      'PPN ( 1,109)',
      'Tgl. 20-11-2020 12:29:58 V.2020.9.3',
    ]);
    expect(reading).toMatchObject({ total: 12_200n, status: 'confirmed', date: '2020-11-20' });
  });

  it("takes Alfamart's newer 'Total Belanja', not the pre-discount 'Total Item' sum", () => {
    const reading = read([
      'PT.SUMBER ALFARIA TRIJAYA,TBK',
      'ROMA KLP 300G 13,500 13,500',
      'QTELA S.BBQ175G 18,800 18,800',
      'Disc. -1,900',
      'Total Item 2 32,300',
      'Total Disc. 1,900',
      'Total Belanja 30,400',
      'Tunai 100,000',
      'Kembalian 69,600',
      'PPN DPP: 29,099 PPN: 3,200',
      'Tgl. 18-12-2025 16:34:00 V.2025.11.0',
    ]);
    expect(reading).toMatchObject({ total: 30_400n, status: 'confirmed', merchant: 'Alfamart' });
    expect(reading.date).toBe('2025-12-18');
  });

  it("reads a fuel slip's 'Amount' and checks it against litres × price", () => {
    const reading = read([
      'SHELL',
      'SPBU 34.123.45 Jl. Raya Serpong',
      'Tanggal: 02/01/2026 07:41',
      'Pompa : 3',
      'Produk : Shell Super',
      'Harga/Liter : Rp 12.850',
      'Volume : 2.335 L',
      'Amount :30000. Rp',
    ]);
    expect(reading).toMatchObject({ total: 30_000n, merchant: 'Shell', status: 'confirmed' });
    expect(reading.checks).toContain('volume-price');
  });

  it('finds the total from cash − change when OCR lost its label', () => {
    const reading = read([
      'TOKO SUMBER REJEKI',
      'GULA PASIR 1KG 18.500',
      'xqz 18.500',
      'Tunai 20.000',
      'Kembali 1.500',
    ]);
    expect(reading).toMatchObject({ total: 18_500n, status: 'confirmed' });
  });
});

describe('decoys are never the total', () => {
  it('skips TUNAI, KEMBALI, DPP, PPN, HARGA JUAL, ANDA HEMAT, NPWP, phone and card numbers', () => {
    const reading = read([
      'CV.KARTIKA SEJAHTERA ABADI',
      'NPWP:05.333.424.7-390.1000',
      '16.12.25-16:37/4.1.4/FFG0-15314/RIZKA/02',
      'LE MINERALE 600ML 1 3600 3,600',
      'VOUCHER : (600)',
      'PEPSODENT ACT COM190 1 29900 29,900',
      'VOUCHER : (7,000)',
      'TOTAL BELANJA : 25,900',
      'TUNAI : 26,000',
      'KEMBALI : 100',
      'ANDA HEMAT : 7,600',
      'PPN : DPP=27,665 PPN=3,320',
      'HARGA JUAL : 30,190',
      'DEBIT BCA 5307-95**-****-4667',
      'SMS/WA 0811.1500.280 TELP 1500280',
      'KONTAK@INDOMARET.CO.ID',
    ]);
    expect(reading).toMatchObject({ total: 25_900n, status: 'confirmed', merchant: 'Indomaret' });
    expect(reading.date).toBe('2025-12-16');
  });

  it('subtracts vouchers and discounts in parentheses or with a minus from the items', () => {
    const reading = read([
      'INDOMARET',
      'POP MIE KRI 3 5800 17,400',
      'DISKON : (1,000)',
      'ROMA SANDWICH 1 11000 11,000',
      'Potongan -400',
      'TOTAL : 27,000',
    ]);
    expect(reading).toMatchObject({ total: 27_000n, status: 'confirmed' });
    expect(reading.checks).toContain('items-sum');
  });

  it('never takes a cash withdrawal at the till, nor the loyalty points', () => {
    const reading = read([
      'INDOMARET',
      'TOTAL : 135,600',
      'NON TUNAI : 135,600',
      'AMBIL TUNAI : 200,000',
      'POIN MEMBER ANDA 15075',
    ]);
    expect(reading).toMatchObject({ total: 135_600n, status: 'confirmed' });
  });

  it('reads OCR-slipped labels: TOTRL BELANJA, Kerbalian', () => {
    const reading = read(['TOTRL BELANJA: 16,600', 'TUNAI : 50,000', 'Kerbalian: 33,400']);
    expect(reading).toMatchObject({ total: 16_600n, status: 'confirmed' });
  });
});

describe('totals after rounding, service and tax', () => {
  it('applies a signed PEMBULATAN under the total', () => {
    const reading = read(['TOTAL 50.150', 'PEMBULATAN -150', 'TUNAI 50.000', 'KEMBALI 0']);
    expect(reading).toMatchObject({ total: 50_000n, status: 'confirmed' });
  });

  it('takes the sign of an unsigned Adjustment from what was paid', () => {
    const reading = read(['Total 24.950', 'Adjustment 50', 'Cash 50.000', 'Change 25.000']);
    expect(reading).toMatchObject({ total: 25_000n, status: 'confirmed' });
  });

  it('adds service and PB1 to the subtotal: the Grand Total is the total, the subtotal a decoy', () => {
    const reading = read([
      'Warung Pasta',
      'Table # 32',
      'Cheezy Freezy 25.000',
      'Red Bull 25.000',
      'Lemon Tea 11.000',
      'Cappucino Frozen 19.000',
      'Subtotal 80.000',
      'Serv 5% 4.000',
      'PB1 10% 8.400',
      'Grand Total 92.400',
      'Monday 16-11-25 16:04:52',
    ]);
    expect(reading).toMatchObject({ total: 92_400n, status: 'confirmed', merchant: 'Warung Pasta' });
    expect(reading.checks).toContain('subtotal-adds-up');
  });

  it('does not confirm a total with a service charge printed below it', () => {
    const reading = read(['Nasi Goreng 40.000', 'Total 40.000', 'Service 10% 4.000', 'Cash 50.000']);
    expect(reading.status).toBe('pending');
  });
});

describe('never a wrong total without asking', () => {
  it('keeps a total pending when cash − change disagrees with it', () => {
    const reading = read([
      'SEDAAP MIE SOTO 1 3200 3,200',
      'INDOMI GRG PEDAS 2 3400 6,800',
      'TOTAL BELANJA : 16,800',
      'TUNAI : 50,000',
      'KEMBALI : 33,400',
    ]);
    expect(reading.status).toBe('pending');
  });

  it('takes the arithmetic over a misread label, but asks', () => {
    const reading = read([
      'HRD SHPAD170 1 26,000 26,000',
      'Total Item 1 26,030',
      'Tunai 30,000',
      'Kembalian 4,000',
    ]);
    expect(reading).toMatchObject({ total: 26_000n, status: 'pending' });
  });

  it("takes what was due, not a 'Total Bayar' that was the money handed over", () => {
    const reading = read([
      'Es Teh 10.000',
      'Total Belanja 90.000',
      'Total Bayar 100.000',
      'Kembalian 10.000',
    ]);
    expect(reading).toMatchObject({ total: 90_000n, status: 'confirmed' });
  });

  it('asks when the only sum read is a subtotal with tax or a discount printed after it', () => {
    const reading = read([
      'Nasi Goreng 40.000',
      'Es Teh 8.000',
      'Sub Total 48.000',
      'PB1 10% 4.800',
      'Gr4nd T0t4l 52.800',
    ]);
    expect(reading.total === 52_800n || reading.status === 'pending').toBe(true);
    const garbled = read([
      'Nasi Goreng 40.000',
      'Es Teh 8.000',
      'Sub Total 48.000',
      'PB1 10% 4.800',
      '~~ 52.800',
    ]);
    expect(garbled).toMatchObject({ total: 48_000n, status: 'pending' });
  });

  it('asks when the total needed a letter read as a digit (B for 8)', () => {
    const reading = read([
      'MR.BREAD 1 8500 8,500',
      'TOTAL BELANJA : B,500',
      'TUNAI : 20,000',
      'KEMBALI : 11,500',
    ]);
    expect(reading).toMatchObject({ total: 8_500n, status: 'pending' });
  });

  it('asks when nothing on the receipt corroborates the total', () => {
    const reading = read(['WARUNG BU SRI', 'TOTAL 35.000']);
    expect(reading).toMatchObject({ total: 35_000n, status: 'pending' });
    expect(reading.confidence).toBeLessThan(0.75);
  });

  it('asks when the OCR engine itself doubts the text', () => {
    const reading = read(['TOTAL 20.000', 'TUNAI 50.000', 'KEMBALI 30.000'], 25);
    expect(reading.status).toBe('pending');
  });
});

describe('dates', () => {
  const dateOf = (...lines: string[]) => read(['TOKO', ...lines, 'TOTAL 10.000']).date;
  it('reads them inside code lines, with month names, and day-first', () => {
    expect(dateOf('16.12.25-18:50/4.1.4/FFG0-97336/R1ZKA/02')).toBe('2025-12-16');
    expect(dateOf('16. 12.25-18:47/4. 1.4/FFG0-9739')).toBe('2025-12-16');
    expect(dateOf('14 Des 2025 10:33')).toBe('2025-12-14');
    expect(dateOf('10 May 19 16:32:47')).toBe('2019-05-10');
    expect(dateOf('06/07/25 12:01')).toBe('2025-07-06');
    expect(dateOf('Tgl. 18-12-2025 16:34:00')).toBe('2025-12-18');
    expect(dateOf('Tanggal :25-12-202509:49')).toBe('2025-12-25');
  });

  it('reads a two-digit or ISO year with the time glued on, and a zero for the o of Okt', () => {
    // PaddleOCR reads "30/07/25 15:20" as one word when the print leaves no gap.
    expect(dateOf('30/07/2515:20 #A-0142')).toBe('2025-07-30');
    expect(dateOf('Waktu : 01.10.2507:12')).toBe('2025-10-01');
    expect(dateOf('2025-08-2117:05:33 KASIR: RINA')).toBe('2025-08-21');
    expect(dateOf('12 0kt :2025 12:41 Meja 05')).toBe('2025-10-12');
    expect(dateOf('120kt 202512:41 Meja 05')).toBe('2025-10-12');
    expect(dateOf('20kt 202512:41')).toBeNull();
  });

  it('reads US style only when day-first is impossible', () => {
    expect(dateOf('Cashier: DYRENDY 3/25/16 6:23 PM')).toBe('2016-03-25');
    expect(dateOf('3/11/16 6:23 PM')).toBe('2016-11-03');
    expect(dateOf('Cashier: DYRENDY 3/25/166:23 PM')).toBe('2016-03-25');
  });

  it('skips version strings and a registration date in the header', () => {
    expect(dateOf('V.2025.11.0', '2.0.35')).toBeNull();
    expect(dateOf('TGL.PENGUKUHAN :01-04-2012', 'Kasir 3/25/16 6:23 PM')).toBe('2016-03-25');
    expect(dateOf('Tgl.22-01-2019 16:50:17V.2018.10.6')).toBe('2019-01-22');
    expect(dateOf('2 MARLBORO 20 35.000')).toBeNull();
  });
});

describe('merchants', () => {
  const merchantOf = (...lines: string[]) => read([...lines, 'TOTAL 10.000']).merchant;
  it('finds a chain through OCR noise, in the header or only in the footer', () => {
    expect(merchantOf('CV.KARTIKA SEJAHTERA', 'ABADI Jmdemaret', 'JALAN BUANA RAYA NO40')).toBe('Indomaret');
    expect(merchantOf('TANGKUBAN PERAHU NO 111D', 'ITEM 10.000', 'KONTAK@INDOMARET.CO.ID')).toBe('Indomaret');
    expect(merchantOf('TEGAL BUAH [TEBH]', 'WWW.ALFAMARTKU.COM')).toBe('Alfamart');
    expect(merchantOf('Apotek K-24 Kemang', 'Jl. Kemang Raya 5')).toBe('K-24');
    expect(merchantOf('KIMIA FARMA APOTEK', 'Jl. Merdeka 3')).toBe('Kimia Farma');
  });

  it('maps the operating company of a chain, and otherwise never names a company', () => {
    expect(merchantOf('PT.SUMBER ALFARIA TRIJAYA,TBK', 'JL GUNUNG TANGKUBAN PERAHU')).toBe('Alfamart');
    expect(merchantOf('CV Kartika Sejahtera Abadi', 'Jl. Buana Raya No 40', 'Kopi Senja')).toBe('Kopi Senja');
  });

  it('takes the shop name from the header, not an address, the customer or a near-miss chain', () => {
    expect(merchantOf('ARYS MART', 'JL TANGKUBAN PERAHU')).toBe('Arys Mart');
    expect(merchantOf('Jl. Raya Mustika Jaya No. 5', 'Toko Maju Jaya')).toBe('Toko Maju Jaya');
    expect(merchantOf('FAKTUR TUNAI', 'Pelanggan : ESTE MART', 'Tanggal : 2023-05-08')).toBeNull();
  });
});

describe('e-wallet top-up slips', () => {
  it('reads a GoPay top-up: amount into the wallet, admin fee, total at the till', () => {
    const reading = read([
      'INDOMARET',
      'SLIP PEMBAYARAN',
      'Merchant/Biller : GOPAY',
      'Deskripsi : TOPUP GOPAY',
      'Amount : 100,000',
      'Biaya Admin : 1,500',
      'Total Amount : 101,500',
      'TOTAL BELANJA : 101,500',
      'TUNAI : 102,000',
      'KEMBALI : 500',
    ]);
    expect(reading).toMatchObject({
      kind: 'topup',
      total: 101_500n,
      status: 'confirmed',
      topup: { wallet: 'GoPay', amount: 100_000n, fee: 1_500n },
    });
    expect(reading.checks).toContain('topup-sum');
  });

  it('is a purchase when the wallet only paid for goods', () => {
    const reading = read(['ALFAMART', 'INDOMIE 2,600', 'Total Item 1 2,600', 'SHOPEEPAY 2,600']);
    expect(reading).toMatchObject({ kind: 'purchase', topup: null });
  });
});

describe('the contract JSON', () => {
  it('carries status, kind and top-up as plain numbers', () => {
    const reading = read(['TOP UP DANA', 'Nominal 50.000', 'Admin 1.000', 'TOTAL 51.000', 'TUNAI 51.000']);
    const contract = ReceiptContractSchema.parse(toContract(reading));
    expect(contract).toMatchObject({
      total: 51_000,
      status: 'confirmed',
      kind: 'topup',
      topup: { wallet: 'DANA', amount: 50_000, fee: 1_000 },
    });
  });
});

describe('items', () => {
  it('reads a zero between letters as the O it is, and keeps digits in sizes', () => {
    const reading = read(['TOKO ABC', 'BERAS RAM0S 5KG 68.500', 'AQUA 600ML 3.500', 'TOTAL 72.000']);
    expect(reading.items.map((item) => item.name)).toEqual(['BERAS RAMOS 5KG', 'AQUA 600ML']);
  });
});
