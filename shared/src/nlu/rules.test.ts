import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT } from '../money/index.ts';
import { DEFAULT_CATEGORIES } from './lexicon.ts';
import {
  parseMessage,
  QUESTION_HOW_MUCH,
  QUESTION_TOO_LARGE,
  QUESTION_WHICH_CATEGORY,
  RULES_CONFIDENT,
} from './rules.ts';
import {
  type CategoryOption,
  type ParseContext,
  toWire,
  type WireParseResult,
  WireParseResultSchema,
} from './schema.ts';

/** Wednesday 1 May 2024, 08:30 in Jakarta. */
const NOW = new Date('2024-05-01T01:30:00Z');
const CTX: ParseContext = { now: NOW, timezone: 'Asia/Jakarta' };
const NOW_JAKARTA = '2024-05-01T08:30:00+07:00';

function parse(text: string, ctx: ParseContext = CTX): WireParseResult {
  return toWire(parseMessage(text, ctx));
}

const NULLS = {
  direction: null,
  amount: null,
  currency: 'IDR',
  description: null,
  category_suggestion: null,
  datetime: null,
  saving_name: null,
  target_amount: null,
  period: null,
  category_filter: null,
  question: null,
  // Issue 12's fields: toWire always emits them, null when they do not apply.
  transactions: null,
  counterparty: null,
  wallet: null,
  to_wallet: null,
} as const;

describe('SPEC.md test cases at the parser level', () => {
  it('1: "beli pulsa 50k" is a 50.000 expense in Pulsa & Data', () => {
    expect(parse('beli pulsa 50k')).toEqual({
      ...NULLS,
      intent: 'create_transaction',
      direction: 'expense',
      amount: 50_000,
      description: 'beli pulsa',
      category_suggestion: 'Pulsa & Data',
      datetime: NOW_JAKARTA,
      confidence: 0.95,
    });
  });

  it('2: "gaji 3,5jt dari kantor" is 3.500.000 income in Gaji', () => {
    expect(parse('gaji 3,5jt dari kantor')).toEqual({
      ...NULLS,
      intent: 'create_transaction',
      direction: 'income',
      amount: 3_500_000,
      description: 'gaji dari kantor',
      category_suggestion: 'Gaji',
      datetime: NOW_JAKARTA,
      confidence: 0.95,
    });
  });

  it('3: "setor laptop 500k" deposits 500.000 into laptop', () => {
    expect(parse('setor laptop 500k')).toEqual({
      ...NULLS,
      intent: 'deposit_saving',
      amount: 500_000,
      saving_name: 'laptop',
      confidence: 0.95,
    });
  });

  it('4: "laporan hari ini" asks for today\'s report', () => {
    expect(parse('laporan hari ini')).toEqual({
      ...NULLS,
      intent: 'get_report',
      period: 'today',
      confidence: 0.95,
    });
  });

  it('5: the voice-note transcript "tadi makan di luar tiga puluh lima ribu" is a 35.000 Makan expense', () => {
    expect(parse('tadi makan di luar tiga puluh lima ribu')).toMatchObject({
      intent: 'create_transaction',
      direction: 'expense',
      amount: 35_000,
      description: 'makan di luar',
      category_suggestion: 'Makan',
      datetime: NOW_JAKARTA,
    });
  });

  it('6: a receipt summary "Indomaret total 132.500" is a 132.500 Belanja expense', () => {
    expect(parse('Indomaret total 132.500')).toMatchObject({
      intent: 'create_transaction',
      direction: 'expense',
      amount: 132_500,
      category_suggestion: 'Belanja',
    });
  });

  it('7: "buat tabungan haji 25 juta" creates saving haji with target 25.000.000', () => {
    expect(parse('buat tabungan haji 25 juta')).toEqual({
      ...NULLS,
      intent: 'create_saving',
      saving_name: 'haji',
      target_amount: 25_000_000,
      confidence: 0.95,
    });
  });

  it('8: "tarik laptop 200k" withdraws 200.000 from laptop', () => {
    expect(parse('tarik laptop 200k')).toEqual({
      ...NULLS,
      intent: 'withdraw_saving',
      amount: 200_000,
      saving_name: 'laptop',
      confidence: 0.95,
    });
  });

  it('9: "pengeluaran makan bulan ini berapa" asks this month\'s Makan expenses', () => {
    expect(parse('pengeluaran makan bulan ini berapa')).toEqual({
      ...NULLS,
      intent: 'get_report',
      direction: 'expense',
      period: 'this_month',
      category_filter: 'Makan',
      confidence: 0.95,
    });
  });

  it('10: "tadi 50k" asks which category, keeping the amount', () => {
    expect(parse('tadi 50k')).toEqual({
      ...NULLS,
      intent: 'clarification',
      amount: 50_000,
      datetime: NOW_JAKARTA,
      question: 'Ini pengeluaran kategori apa?',
      confidence: 0.7,
    });
  });

  it('11: "makasih ya" is smalltalk and records nothing', () => {
    expect(parse('makasih ya')).toEqual({ ...NULLS, intent: 'smalltalk', confidence: 0.95 });
  });

  it('12: "gaji 5jt" is 5.000.000 income in Gaji', () => {
    expect(parse('gaji 5jt')).toMatchObject({
      intent: 'create_transaction',
      direction: 'income',
      amount: 5_000_000,
      category_suggestion: 'Gaji',
      confidence: 0.95,
    });
  });
});

type Tx = [
  text: string,
  direction: 'income' | 'expense' | 'transfer',
  amount: number,
  category: string | null,
];

describe('create_transaction: direction, amount and category', () => {
  it.each<Tx>([
    ['beli kopi 20k', 'expense', 20_000, 'Makan'],
    ['ngopi 18rb', 'expense', 18_000, 'Makan'],
    ['sarapan nasi uduk 15.000', 'expense', 15_000, 'Makan'],
    ['bakso 25 ribu', 'expense', 25_000, 'Makan'],
    ['gofood 45k', 'expense', 45_000, 'Makan'],
    ['grabfood martabak 65rb', 'expense', 65_000, 'Makan'],
    ['warteg 12rb', 'expense', 12_000, 'Makan'],
    ['jajan cilok goceng', 'expense', 5_000, 'Makan'],
    ['ngopi di starbucks 55rb ☕', 'expense', 55_000, 'Makan'],
    ['isi bensin 30rb', 'expense', 30_000, 'Transport'],
    ['pertalite 50k', 'expense', 50_000, 'Transport'],
    ['gojek ke kantor 23rb', 'expense', 23_000, 'Transport'],
    ['grab ke kantor 25k', 'expense', 25_000, 'Transport'],
    ['parkir 2000', 'expense', 2_000, 'Transport'],
    ['parkir 500', 'expense', 500, 'Transport'],
    ['bayar tol 15.500', 'expense', 15_500, 'Transport'],
    ['naik krl 5rb', 'expense', 5_000, 'Transport'],
    ['ganti oli 150k', 'expense', 150_000, 'Transport'],
    ['beli kuota 100rb', 'expense', 100_000, 'Pulsa & Data'],
    ['paket data 75k', 'expense', 75_000, 'Pulsa & Data'],
    ['bayar wifi 350rb', 'expense', 350_000, 'Pulsa & Data'],
    ['belanja bulanan di indomaret 250rb', 'expense', 250_000, 'Belanja'],
    ['beli baju 150rb', 'expense', 150_000, 'Belanja'],
    ['checkout shopee 235.000', 'expense', 235_000, 'Belanja'],
    ['bayar listrik 300rb', 'expense', 300_000, 'Tagihan'],
    ['beli token listrik 100k', 'expense', 100_000, 'Tagihan'],
    ['bayar bpjs 150rb', 'expense', 150_000, 'Tagihan'],
    ['bayar kos 1,5jt', 'expense', 1_500_000, 'Rumah'],
    ['beli galon 20rb', 'expense', 20_000, 'Rumah'],
    ['tabung gas 3kg 25k', 'expense', 25_000, 'Rumah'],
    ['laundry 35rb', 'expense', 35_000, 'Rumah'],
    ['beli obat 45rb', 'expense', 45_000, 'Kesehatan'],
    ['ke dokter gigi 300rb', 'expense', 300_000, 'Kesehatan'],
    ['nonton bioskop 50k', 'expense', 50_000, 'Hiburan'],
    ['langganan netflix 54rb', 'expense', 54_000, 'Hiburan'],
    ['top up diamond ml 100k', 'expense', 100_000, 'Hiburan'],
    ['bayar spp 500rb', 'expense', 500_000, 'Pendidikan'],
    ['beli buku 85rb', 'expense', 85_000, 'Pendidikan'],
    ['kondangan 100rb', 'expense', 100_000, 'Sosial'],
    ['zakat 2,5jt', 'expense', 2_500_000, 'Sosial'],
    ['kirim ortu 500k', 'expense', 500_000, 'Sosial'],
    ['bayar cicilan motor 800k', 'expense', 800_000, 'Cicilan'],
    ['bayar paylater 300rb', 'expense', 300_000, 'Cicilan'],
    ['beli laptop 5 juta', 'expense', 5_000_000, 'Lainnya'],
    ['bayar 1jt 200rb', 'expense', 1_200_000, 'Lainnya'],
    ['gajian 7,5jt', 'income', 7_500_000, 'Gaji'],
    ['gaji masuk 5jt', 'income', 5_000_000, 'Gaji'],
    ['dapat bonus 1jt', 'income', 1_000_000, 'Bonus'],
    ['thr 2jt', 'income', 2_000_000, 'Bonus'],
    ['jual hp 2jt', 'income', 2_000_000, 'Usaha'],
    ['omzet jualan hari ini 850rb', 'income', 850_000, 'Usaha'],
    ['dividen 500rb', 'income', 500_000, 'Investasi'],
    ['cashback 20rb', 'income', 20_000, 'Pemasukan Lain'],
    ['dapet transferan 200k', 'income', 200_000, 'Pemasukan Lain'],
    ['terima uang 300rb', 'income', 300_000, 'Pemasukan Lain'],
    ['uang masuk 500k', 'income', 500_000, 'Pemasukan Lain'],
    ['refund tiket 300k', 'income', 300_000, 'Pemasukan Lain'],
  ])('"%s" → %s %d %s', (text, direction, amount, category) => {
    expect(parse(text)).toMatchObject({
      intent: 'create_transaction',
      direction,
      amount,
      category_suggestion: category,
    });
  });

  // Issue 12's contract moved these from create_transaction/transfer to their own intent.
  it.each<Tx>([
    ['top up gopay 100k', 'transfer', 100_000, null],
    ['topup ovo 50rb', 'transfer', 50_000, null],
    ['isi saldo dana 200rb', 'transfer', 200_000, null],
    ['tarik tunai 500k', 'transfer', 500_000, null],
    ['tarik atm 1jt', 'transfer', 1_000_000, null],
    ['setor tunai 1jt', 'transfer', 1_000_000, null],
    ['transfer ke rekening sendiri 2jt', 'transfer', 2_000_000, null],
  ])('"%s" → the transfer intent, %s %d %s', (text, direction, amount, category) => {
    expect(parse(text)).toMatchObject({
      intent: 'transfer',
      direction,
      amount,
      category_suggestion: category,
    });
  });
});

describe('chat spellings and abbreviations', () => {
  it.each<[string, Partial<WireParseResult>]>([
    ['BELI KOPI 20K', { intent: 'create_transaction', amount: 20_000, category_suggestion: 'Makan' }],
    ['bli kopiii 20rb', { intent: 'create_transaction', amount: 20_000, category_suggestion: 'Makan' }],
    [
      'kmrn byr listrik 250rb',
      { amount: 250_000, category_suggestion: 'Tagihan', datetime: '2024-04-30T08:30:00+07:00' },
    ],
    ['tdi mkn siang 30rb', { amount: 30_000, category_suggestion: 'Makan', datetime: NOW_JAKARTA }],
    ['makaaan 25rbu', { amount: 25_000, category_suggestion: 'Makan' }],
    ['go-food 40k', { amount: 40_000, category_suggestion: 'Makan' }],
    ['dpt gaji 4jt', { direction: 'income', amount: 4_000_000, category_suggestion: 'Gaji' }],
    ['tf ke rek sendiri 1jt', { direction: 'transfer', amount: 1_000_000 }],
  ])('"%s"', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });
});

describe('descriptions are the message without amount and date words, as typed', () => {
  it.each<[string, string]>([
    ['beli pulsa 50k', 'beli pulsa'],
    ['gaji 3,5jt dari kantor', 'gaji dari kantor'],
    ['tadi makan di luar 35 ribu', 'makan di luar'],
    ['kemarin isi bensin Rp 30.000 di SPBU', 'isi bensin di SPBU'],
    ['Beli Kopi Kenangan 25k', 'Beli Kopi Kenangan'],
    ['makan siang - 25rb', 'makan siang'],
    ['2 hari lalu makan bakso 15rb', 'makan bakso'],
    ['beli 2 kopi 40rb', 'beli 2 kopi'],
    ['kopi -20k', 'kopi'],
  ])('"%s" → "%s"', (text, description) => {
    expect(parse(text).description).toBe(description);
  });
});

describe('transaction dates follow the date words in the user zone', () => {
  it.each<[string, string, string]>([
    ['kemarin beli kopi 20k', 'Asia/Jakarta', '2024-04-30T08:30:00+07:00'],
    ['kemarin beli kopi 20k', 'Asia/Makassar', '2024-04-30T09:30:00+08:00'],
    ['kemarin beli kopi 20k', 'Asia/Jayapura', '2024-04-30T10:30:00+09:00'],
    ['beli kopi 20k', 'Asia/Makassar', '2024-05-01T09:30:00+08:00'],
    ['beli kopi 20k', 'Asia/Jayapura', '2024-05-01T10:30:00+09:00'],
    ['tadi pagi sarapan 20k', 'Asia/Jakarta', '2024-05-01T07:00:00+07:00'],
    ['semalam nonton 50k', 'Asia/Jayapura', '2024-04-30T19:00:00+09:00'],
    ['tgl 5 bayar kos 1,5jt', 'Asia/Makassar', '2024-04-05T12:00:00+08:00'],
    ['5/4 bayar listrik 300rb', 'Asia/Jakarta', '2024-04-05T12:00:00+07:00'],
    ['2 hari lalu makan 15rb', 'Asia/Jakarta', '2024-04-29T08:30:00+07:00'],
  ])('"%s" in %s → %s', (text, timezone, datetime) => {
    expect(parse(text, { now: NOW, timezone })).toMatchObject({ intent: 'create_transaction', datetime });
  });

  it('does not read the day of "tgl 5" as money', () => {
    expect(parse('tgl 5 bayar kos 1,5jt').amount).toBe(1_500_000);
  });
});

describe('savings', () => {
  it.each<[string, Partial<WireParseResult>]>([
    [
      'bikin tabungan laptop target 15jt',
      { intent: 'create_saving', saving_name: 'laptop', target_amount: 15_000_000, amount: null },
    ],
    [
      'tabungan baru nikah 50jt',
      { intent: 'create_saving', saving_name: 'nikah', target_amount: 50_000_000 },
    ],
    [
      'buat tabungan dana darurat 10jt',
      { intent: 'create_saving', saving_name: 'dana darurat', target_amount: 10_000_000 },
    ],
    ['nabung laptop 500rb', { intent: 'deposit_saving', saving_name: 'laptop', amount: 500_000 }],
    ['setor ke tabungan laptop 500k', { intent: 'deposit_saving', saving_name: 'laptop', amount: 500_000 }],
    ['tabung 100k ke laptop', { intent: 'deposit_saving', saving_name: 'laptop', amount: 100_000 }],
    ['nyetor haji sejuta', { intent: 'deposit_saving', saving_name: 'haji', amount: 1_000_000 }],
    ['ambil tabungan laptop 200rb', { intent: 'withdraw_saving', saving_name: 'laptop', amount: 200_000 }],
    ['tarik dari tabungan haji 1jt', { intent: 'withdraw_saving', saving_name: 'haji', amount: 1_000_000 }],
    ['tabungan aku', { intent: 'get_savings', saving_name: null }],
    ['cek tabungan', { intent: 'get_savings', saving_name: null }],
    ['lihat tabungan', { intent: 'get_savings', saving_name: null }],
    ['saldo tabungan', { intent: 'get_savings', saving_name: null }],
    ['tabunganku gimana', { intent: 'get_savings', saving_name: null }],
    ['progress tabungan laptop', { intent: 'get_savings', saving_name: 'laptop' }],
  ])('"%s"', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  it.each<[string, string, Partial<WireParseResult>]>([
    ['nabung 500k', 'Mau setor ke tabungan yang mana?', { amount: 500_000 }],
    ['buat tabungan haji', 'Berapa target tabungan haji?', { saving_name: 'haji' }],
    ['setor laptop', 'Berapa yang mau disetor ke tabungan laptop?', { saving_name: 'laptop' }],
    ['tarik 500k', 'Mau tarik dari tabungan yang mana?', { amount: 500_000 }],
  ])('"%s" asks "%s"', (text, question, expected) => {
    expect(parse(text)).toMatchObject({ intent: 'clarification', question, ...expected });
  });
});

describe('reports', () => {
  it.each<[string, Partial<WireParseResult>]>([
    ['laporan', { period: 'today', category_filter: null, direction: null }],
    ['laporan kemarin', { period: 'yesterday' }],
    ['rekap minggu ini', { period: 'this_week' }],
    ['laporan minggu lalu', { period: 'last_week' }],
    ['laporan pekan lalu', { period: 'last_week' }],
    ['laporan bulan ini', { period: 'this_month' }],
    ['laporan bulan lalu', { period: 'last_month' }],
    ['laporan bln kmrn', { period: 'last_month' }],
    ['pemasukan bulan ini', { period: 'this_month', direction: 'income' }],
    ['total jajan minggu ini', { period: 'this_week', category_filter: 'Makan', direction: 'expense' }],
    ['habis berapa hari ini', { period: 'today', direction: 'expense', category_filter: null }],
    [
      'berapa pengeluaran transport bulan lalu',
      { period: 'last_month', category_filter: 'Transport', direction: 'expense' },
    ],
    ['laporan makan', { period: 'this_month', category_filter: 'Makan' }],
    ['pengeluaran bulan ini berapa', { period: 'this_month', direction: 'expense', category_filter: null }],
  ])('"%s"', (text, expected) => {
    expect(parse(text)).toMatchObject({ intent: 'get_report', amount: null, ...expected });
  });
});

describe('budgets', () => {
  it.each<[string, string, number]>([
    ['set budget makan 1,5jt', 'Makan', 1_500_000],
    ['budget transport 500rb', 'Transport', 500_000],
    ['anggaran makan sebulan 2jt', 'Makan', 2_000_000],
    ['batas belanja 1jt', 'Belanja', 1_000_000],
    ['budget pulsa 100rb', 'Pulsa & Data', 100_000],
    ['bujet jajan 300k', 'Makan', 300_000],
  ])('"%s" sets %s to %d', (text, category, amount) => {
    expect(parse(text)).toMatchObject({ intent: 'set_budget', category_suggestion: category, amount });
  });

  it('keeps a budget for an unknown category title-cased for the caller to create', () => {
    expect(parse('budget kucing 200k')).toMatchObject({
      intent: 'set_budget',
      category_suggestion: 'Kucing',
      amount: 200_000,
      confidence: 0.75,
    });
  });

  it('asks which category when a budget has only an amount', () => {
    expect(parse('budget 5jt')).toMatchObject({ intent: 'clarification', amount: 5_000_000 });
  });

  it('asks how much when a budget has only a category', () => {
    expect(parse('budget makan')).toMatchObject({
      intent: 'clarification',
      category_suggestion: 'Makan',
      question: 'Berapa budget Makan sebulan?',
    });
  });
});

describe('edit_category resolves the new category to its canonical name', () => {
  it.each<[string, string]>([
    ['ganti transport', 'Transport'],
    ['ganti ke makan', 'Makan'],
    ['ubah kategori jadi belanja', 'Belanja'],
    ['salah, harusnya hiburan', 'Hiburan'],
    ['harusnya jajan', 'Makan'],
    ['bukan makan tapi transport', 'Transport'],
    ['kategori hiburan', 'Hiburan'],
    ['ganti ke pulsa & data', 'Pulsa & Data'],
    ['ganti pulsa', 'Pulsa & Data'],
    ['ganti Gaji', 'Gaji'],
    ['ganti kucing', 'Kucing'],
    ['ganti ke uang kucing', 'Uang Kucing'],
  ])('"%s" → %s', (text, category) => {
    expect(parse(text)).toMatchObject({
      intent: 'edit_category',
      category_suggestion: category,
      amount: null,
    });
  });

  it('asks for the category when "ganti" comes alone', () => {
    expect(parse('ganti')).toMatchObject({ intent: 'clarification', category_suggestion: null });
  });

  it('reads "ganti oli" without an amount as a spend that lacks its amount', () => {
    expect(parse('ganti oli')).toMatchObject({
      intent: 'clarification',
      category_suggestion: 'Transport',
      question: QUESTION_HOW_MUCH,
    });
  });
});

describe('delete_last', () => {
  it.each<[string]>([
    ['hapus transaksi terakhir'],
    ['hapus yang tadi'],
    ['hapus yg td'],
    ['batalin yang tadi'],
    ['batal'],
    ['undo'],
    ['hapus'],
    ['cancel'],
  ])('"%s" deletes the last transaction', (text) => {
    expect(parse(text)).toEqual({ ...NULLS, intent: 'delete_last', confidence: 0.95 });
  });

  it('asks a second opinion before deleting on a guess', () => {
    expect(parse('hapus kopi kemarin').confidence).toBeLessThan(RULES_CONFIDENT);
  });
});

describe('help', () => {
  it.each<[string]>([
    ['help'],
    ['bantuan'],
    ['menu'],
    ['cara pakai'],
    ['bisa apa aja?'],
    ['?'],
    ['HELP!!'],
    ['gimana cara pakainya'],
  ])('"%s" asks for help', (text) => {
    expect(parse(text)).toMatchObject({ intent: 'help', amount: null });
  });
});

describe('smalltalk never records a transaction', () => {
  it.each<[string]>([
    ['makasih ya'],
    ['terima kasih'],
    ['terimakasih banyak'],
    ['thanks'],
    ['halo'],
    ['hai'],
    ['pagi'],
    ['selamat pagi'],
    ['ok'],
    ['oke'],
    ['sip'],
    ['sippp'],
    ['mantap'],
    ['wkwk'],
    ['wkwkwkwk'],
    ['hahaha'],
    ['assalamualaikum'],
  ])('"%s" is confident smalltalk', (text) => {
    expect(parse(text)).toEqual({ ...NULLS, intent: 'smalltalk', confidence: 0.95 });
  });

  it.each<[string]>([['👍'], ['🙏🙏'], ['...']])('"%s" (no words) is smalltalk', (text) => {
    expect(parse(text)).toMatchObject({ intent: 'smalltalk', amount: null });
  });
});

describe('numbers that are not money never become transactions', () => {
  it.each<[string]>([
    ['besok ada rapat jam 3'],
    ['aku umur 25 tahun'],
    ['kamar nomor 12'],
    ['kirim 3 foto'],
    ['jam 10 ketemu'],
    ['tahun 2024 harus lebih baik'],
    ['nomor hp aku 081234567890'],
    ['lantai 5 ruang 502'],
    ['kuota sisa 10 gb'],
    ['lari 5 km pagi ini'],
  ])('"%s" is smalltalk without an amount', (text) => {
    const result = parse(text);
    expect(result.intent).toBe('smalltalk');
    expect(result.amount).toBeNull();
  });
});

describe('clarification', () => {
  it.each<[string, string | null]>([
    ['beli kopi', 'Makan'],
    ['makan', 'Makan'],
    ['bayar listrik', 'Tagihan'],
    ['beli kopi 3', 'Makan'],
    ['beli sesuatu', 'Lainnya'],
  ])('"%s" has a spend but no amount: asks how much, suggesting %s', (text, category) => {
    expect(parse(text)).toMatchObject({
      intent: 'clarification',
      amount: null,
      category_suggestion: category,
      question: QUESTION_HOW_MUCH,
    });
  });

  it.each<[string]>([['50k'], ['Rp50.000'], ['kemarin 25rb'], ['-50k']])(
    '"%s" has an amount only: asks which category with the amount kept',
    (text) => {
      const result = parse(text);
      expect(result).toMatchObject({
        intent: 'clarification',
        question: QUESTION_WHICH_CATEGORY,
        direction: null,
      });
      expect(result.amount).toBeGreaterThan(0);
      expect(result.confidence).toBeGreaterThanOrEqual(RULES_CONFIDENT);
    },
  );

  it('leaves an amount with unknown words to the LLM (confidence below RULES_CONFIDENT)', () => {
    const result = parse('xyz abc 50k');
    expect(result).toMatchObject({
      intent: 'clarification',
      amount: 50_000,
      question: QUESTION_WHICH_CATEGORY,
    });
    expect(result.confidence).toBeLessThan(RULES_CONFIDENT);
  });

  it('does not take a plain bare number alone as confident money', () => {
    expect(parse('50000')).toMatchObject({ intent: 'clarification', amount: 50_000, confidence: 0.45 });
  });

  it('asks again when a spend names an amount beyond MAX_AMOUNT', () => {
    expect(parse('beli kopi 99999999999999999999rb')).toMatchObject({
      intent: 'clarification',
      amount: null,
      category_suggestion: 'Makan',
      question: QUESTION_TOO_LARGE,
    });
  });

  it('asks how much for "makan 25", below RULES_CONFIDENT since 25 ribu is only a guess', () => {
    const result = parse('makan 25');
    expect(result).toMatchObject({
      intent: 'clarification',
      amount: null,
      category_suggestion: 'Makan',
      question: QUESTION_HOW_MUCH,
    });
    expect(result.confidence).toBeLessThan(RULES_CONFIDENT);
  });

  it('keeps the date of a spend that lacks its amount', () => {
    expect(parse('kemarin makan')).toMatchObject({
      intent: 'clarification',
      question: QUESTION_HOW_MUCH,
      datetime: '2024-04-30T08:30:00+07:00',
    });
  });

  it('reads "menu makan siang apa ya" as talk about lunch, not a call for help', () => {
    expect(parse('menu makan siang apa ya').intent).toBe('smalltalk');
  });

  it('does not treat a question about food as a spend', () => {
    expect(parse('udah makan belum?')).toMatchObject({ intent: 'smalltalk', amount: null });
  });
});

describe('negative and odd amounts', () => {
  it('records "kopi -20k" as a positive expense with lowered confidence', () => {
    expect(parse('kopi -20k')).toMatchObject({
      intent: 'create_transaction',
      direction: 'expense',
      amount: 20_000,
      confidence: 0.7,
    });
  });

  it('caps confidence when a message holds two amounts and records the first', () => {
    expect(parse('makan 20k parkir 5k')).toMatchObject({
      amount: 20_000,
      category_suggestion: 'Makan',
      confidence: 0.7,
    });
  });

  it('prefers the written amount over a count', () => {
    expect(parse('beli 3 kopi 60rb')).toMatchObject({ amount: 60_000, confidence: 0.95 });
  });
});

describe('user categories come before the default lexicon', () => {
  const categories: readonly CategoryOption[] = [
    ...DEFAULT_CATEGORIES,
    { name: 'Ngopi', kind: 'expense', keywords: ['kopi', 'ngopi', 'kopi susu'] },
    { name: 'Kucing', kind: 'expense', keywords: ['whiskas', 'pasir kucing'] },
  ];
  const ctx: ParseContext = { ...CTX, categories };

  it.each<[string, string]>([
    ['beli kopi 20k', 'Ngopi'],
    ['beli whiskas 50k', 'Kucing'],
    ['pasir kucing 40rb', 'Kucing'],
    ['makan siang 30rb', 'Makan'],
  ])('"%s" → %s', (text, category) => {
    expect(parse(text, ctx)).toMatchObject({ intent: 'create_transaction', category_suggestion: category });
  });

  it('matches a user category by its name in an edit', () => {
    expect(parse('ganti kucing', ctx)).toMatchObject({
      intent: 'edit_category',
      category_suggestion: 'Kucing',
      confidence: 0.95,
    });
  });
});

describe('hostile input', () => {
  it.each<[string, string]>([
    ['SQL', "'; DROP TABLE transactions; -- 50k"],
    ['HTML', '<script>alert(1)</script> beli kopi 20k'],
    ['null bytes', 'beli\u0000kopi\u0000 20k'],
    ['bidi override', '\u202ebeli kopi 20k'],
    ['zalgo', 'b̸̢e̵l̷i̴ k̷o̵p̶i̶ 20k'],
    ['mixed scripts', '咖啡 قهوة кофе 20k'],
    ['only symbols', '!@#$%^&*()_+-=[]{}|;:,.<>?/~`'],
    ['lone surrogate', '\ud800 beli kopi 20k'],
  ])('%s is read without throwing and gives a valid result', (_name, text) => {
    const result = parse(text);
    expect(WireParseResultSchema.safeParse(result).success).toBe(true);
    if (result.amount !== null) expect(result.amount).toBe(20_000 + (text.includes('50k') ? 30_000 : 0));
  });

  it('reads a 100 KB message in well under a second', () => {
    const text = `${'beli kopi 20k '.repeat(7500)}`;
    expect(text.length).toBeGreaterThan(100_000);
    const started = performance.now();
    const result = parse(text);
    expect(performance.now() - started).toBeLessThan(200);
    expect(WireParseResultSchema.safeParse(result).success).toBe(true);
  });

  it('reads 100 KB of digits and dots without catastrophic backtracking', () => {
    const started = performance.now();
    parse(`${'9.'.repeat(50_000)}k`);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('survives an invalid timezone by using Asia/Jakarta', () => {
    expect(parse('beli kopi 20k', { now: NOW, timezone: 'Nowhere/Void' }).datetime).toBe(NOW_JAKARTA);
  });

  it('survives an invalid now', () => {
    const result = parse('kemarin beli kopi 20k', { now: new Date(Number.NaN), timezone: 'Asia/Jakarta' });
    expect(result).toMatchObject({ intent: 'create_transaction', amount: 20_000 });
  });
});

describe('parser properties', () => {
  const assertValid = (result: WireParseResult): void => {
    expect(WireParseResultSchema.safeParse(result).success).toBe(true);
    for (const amount of [result.amount, result.target_amount]) {
      if (amount !== null) expect(amount > 0 && BigInt(amount) <= MAX_AMOUNT).toBe(true);
    }
    if (result.intent === 'create_transaction') {
      expect(result.direction).not.toBeNull();
      expect(result.amount).not.toBeNull();
      expect(result.datetime).not.toBeNull();
    }
  };

  it('never throws and always returns a valid result on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        assertValid(parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on messages built from its own vocabulary', () => {
    const word = fc.constantFrom(
      'beli',
      'kopi',
      'gaji',
      'tabungan',
      'setor',
      'tarik',
      'tunai',
      'laporan',
      'bulan',
      'ini',
      'lalu',
      'kemarin',
      'tgl',
      '5',
      '/',
      '-',
      '50k',
      '1,5jt',
      'rp',
      'ribu',
      'juta',
      'dua',
      'puluh',
      'setengah',
      'ganti',
      'hapus',
      'budget',
      'top',
      'up',
      'gopay',
      'jam',
      '3',
      '99999999999999999999',
      '?',
      '😀',
    );
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 12 }),
        fc.constantFrom('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'),
        (words, timezone) => {
          assertValid(parse(words.join(' '), { now: NOW, timezone }));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('"beli kopi Xk" is always an expense of X × 1000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999 }), (x) => {
        expect(parse(`beli kopi ${x}k`)).toMatchObject({
          intent: 'create_transaction',
          direction: 'expense',
          amount: x * 1000,
          category_suggestion: 'Makan',
        });
      }),
    );
  });

  it('a message with money never turns into a transaction below zero', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom('-', '- ', '−', '--'),
        (x, minus) => {
          const result = parse(`beli kopi ${minus}${x}rb`);
          if (result.amount !== null) expect(result.amount).toBe(x * 1000);
        },
      ),
    );
  });
});
