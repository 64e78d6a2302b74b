/**
 * Issue 12 at the parser level: several items per message, debts and receivables, wallets and
 * transfers, the misreads, English and mixed messages, and what is none of these. Each table
 * asserts the whole relevant reading, and every case also checks the wire contract.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage, RULES_CONFIDENT } from './rules.ts';
import { type ParseContext, toWire, type WireParseResult, WireParseResultSchema } from './schema.ts';
import { parseSpokenMessage } from './spoken.ts';

/** Wednesday 1 May 2024, 08:30 in Jakarta (as rules.test.ts). */
const CTX: ParseContext = { now: new Date('2024-05-01T01:30:00Z'), timezone: 'Asia/Jakarta' };
const TODAY = '2024-05-01T08:30:00+07:00';
const YESTERDAY = '2024-04-30T08:30:00+07:00';

function parse(text: string): WireParseResult {
  const wire = toWire(parseMessage(text, CTX));
  expect(WireParseResultSchema.safeParse(wire).success).toBe(true);
  return wire;
}

type Item = [amount: number, direction: 'income' | 'expense', category: string, description: string];

describe('several transactions in one message', () => {
  it.each<[string, Item[], string]>([
    [
      'kemarin makan bakso 25rb, parkir 2rb',
      [
        [25_000, 'expense', 'Makan', 'makan bakso'],
        [2_000, 'expense', 'Transport', 'parkir'],
      ],
      YESTERDAY,
    ],
    [
      'makan 25rb\nparkir 2rb\nbensin 30rb\nkopi 18rb\npulsa 50rb',
      [
        [25_000, 'expense', 'Makan', 'makan'],
        [2_000, 'expense', 'Transport', 'parkir'],
        [30_000, 'expense', 'Transport', 'bensin'],
        [18_000, 'expense', 'Makan', 'kopi'],
        [50_000, 'expense', 'Pulsa & Data', 'pulsa'],
      ],
      TODAY,
    ],
    [
      'beli kopi 20rb sama roti 15rb',
      [
        [20_000, 'expense', 'Makan', 'beli kopi'],
        [15_000, 'expense', 'Makan', 'roti'],
      ],
      TODAY,
    ],
    [
      'kopi 20rb + roti 15rb',
      [
        [20_000, 'expense', 'Makan', 'kopi'],
        [15_000, 'expense', 'Makan', 'roti'],
      ],
      TODAY,
    ],
    [
      'makan 20rb terus parkir 5rb',
      [
        [20_000, 'expense', 'Makan', 'makan'],
        [5_000, 'expense', 'Transport', 'parkir'],
      ],
      TODAY,
    ],
    [
      'bensin 30rb dan tol 15rb kemarin',
      [
        [30_000, 'expense', 'Transport', 'bensin'],
        [15_000, 'expense', 'Transport', 'tol'],
      ],
      YESTERDAY,
    ],
    [
      'gaji 5jt, makan 20rb',
      [
        [5_000_000, 'income', 'Gaji', 'gaji'],
        [20_000, 'expense', 'Makan', 'makan'],
      ],
      TODAY,
    ],
    [
      'kemarin:\n- telur 28rb\n- beras 70rb',
      [
        [28_000, 'expense', 'Belanja', 'telur'],
        [70_000, 'expense', 'Belanja', 'beras'],
      ],
      YESTERDAY,
    ],
    [
      'lunch 45k, coffee 28k',
      [
        [45_000, 'expense', 'Makan', 'lunch'],
        [28_000, 'expense', 'Makan', 'coffee'],
      ],
      TODAY,
    ],
    [
      'lunch 45k and coffee 28k',
      [
        [45_000, 'expense', 'Makan', 'lunch'],
        [28_000, 'expense', 'Makan', 'coffee'],
      ],
      TODAY,
    ],
    [
      'makan 1,5rb, parkir 2rb',
      [
        [1_500, 'expense', 'Makan', 'makan'],
        [2_000, 'expense', 'Transport', 'parkir'],
      ],
      TODAY,
    ],
    [
      'bayar listrik 300rb; bayar air 120rb; wifi 350rb',
      [
        [300_000, 'expense', 'Tagihan', 'bayar listrik'],
        [120_000, 'expense', 'Tagihan', 'bayar air'],
        [350_000, 'expense', 'Pulsa & Data', 'wifi'],
      ],
      TODAY,
    ],
    [
      'jual kue 150rb, beli tepung 40rb',
      [
        [150_000, 'income', 'Usaha', 'jual kue'],
        [40_000, 'expense', 'Belanja', 'beli tepung'],
      ],
      TODAY,
    ],
    [
      'beli sabun 10rb, xyz 5rb',
      [
        [10_000, 'expense', 'Belanja', 'beli sabun'],
        [5_000, 'expense', 'Lainnya', 'xyz'],
      ],
      TODAY,
    ],
    [
      'kmrn nonton 50rb, popcorn 35rb, parkir 5rb',
      [
        [50_000, 'expense', 'Hiburan', 'nonton'],
        [35_000, 'expense', 'Makan', 'popcorn'],
        [5_000, 'expense', 'Transport', 'parkir'],
      ],
      YESTERDAY,
    ],
  ])('"%s"', (text, items, datetime) => {
    const result = parse(text);
    expect(result.intent).toBe('create_transaction');
    expect(
      result.transactions?.map((item) => [
        item.amount,
        item.direction,
        item.category_suggestion,
        item.description,
      ]),
    ).toEqual(items);
    expect(result.transactions?.every((item) => item.datetime === datetime)).toBe(true);
    expect(result.amount).toBe(items.reduce((sum, [amount]) => sum + amount, 0));
    const [amount, direction, category, description] = items[0] as Item;
    expect(amount).toBeGreaterThan(0);
    expect(result).toMatchObject({ direction, category_suggestion: category, description, datetime });
    expect(result.confidence).toBeGreaterThanOrEqual(RULES_CONFIDENT);
  });

  it('an item that says its own date keeps it; the others take the one said once', () => {
    const result = parse('kemarin makan 20rb, tgl 5 bayar kos 1,5jt, parkir 2rb');
    expect(result.transactions?.map((item) => item.datetime)).toEqual([
      YESTERDAY,
      '2024-04-05T12:00:00+07:00',
      YESTERDAY,
    ]);
  });

  it('a comma inside one spoken amount is a pause, not a second item (voice notes)', () => {
    expect(toWire(parseSpokenMessage('makan tiga puluh, dua ribu, lima ratus', CTX))).toMatchObject({
      intent: 'create_transaction',
      amount: 32_500,
      transactions: null,
    });
    const two = toWire(parseSpokenMessage('makan dua puluh ribu, parkir dua ribu', CTX));
    expect(two.transactions?.map((item) => [item.amount, item.category_suggestion])).toEqual([
      [20_000, 'Makan'],
      [2_000, 'Transport'],
    ]);
  });

  it.each<[string, Array<[string, string | null]>, string]>([
    [
      'Belanja kemarin:\n- telur 28rb\n- minyak goreng 35rb',
      [
        ['telur', null],
        ['minyak goreng', null],
      ],
      YESTERDAY,
    ],
    [
      'makan 25rb, parkir 2rb, bayar pake gopay',
      [
        ['makan', 'GoPay'],
        ['parkir', 'GoPay'],
      ],
      TODAY,
    ],
    [
      'pake ovo:\nkopi 20rb\nroti 15rb',
      [
        ['kopi', 'OVO'],
        ['roti', 'OVO'],
      ],
      TODAY,
    ],
    [
      '1. nasi 10rb\n2. es teh 5rb',
      [
        ['nasi', null],
        ['es teh', null],
      ],
      TODAY,
    ],
  ])(
    '"%s": a header or closing line is said for all items, list markers are not descriptions',
    (text, items, datetime) => {
      const result = parse(text);
      expect(result.transactions?.map((item) => [item.description, item.wallet])).toEqual(items);
      expect(result.transactions?.every((item) => item.datetime === datetime)).toBe(true);
    },
  );

  it('each item keeps its own wallet', () => {
    const result = parse('makan 25rb pake gopay, parkir 2rb');
    expect(result.transactions?.map((item) => item.wallet)).toEqual(['GoPay', null]);
  });

  it.each<[string, number, string, string]>([
    ['nasi dan teh 15rb', 15_000, 'Makan', 'nasi dan teh'],
    ['makan sama teman 50rb', 50_000, 'Makan', 'makan sama teman'],
    ['makan 50rb sama teman', 50_000, 'Makan', 'makan sama teman'],
    ['kopi susu dan roti bakar 45rb', 45_000, 'Makan', 'kopi susu dan roti bakar'],
    ['bayar listrik dan air 500rb', 500_000, 'Tagihan', 'bayar listrik dan air'],
    ['es teh, gorengan 10rb', 10_000, 'Makan', 'es teh, gorengan'],
    ['bayar 1jt 200rb', 1_200_000, 'Lainnya', 'bayar'],
    ['belanja sayur terus ke pasar 75rb', 75_000, 'Belanja', 'belanja sayur terus ke pasar'],
  ])('"%s" is one item (no split without an amount on both sides)', (text, amount, category, description) => {
    expect(parse(text)).toMatchObject({
      intent: 'create_transaction',
      direction: 'expense',
      amount,
      category_suggestion: category,
      description,
      transactions: null,
    });
  });

  it.each<[string, string]>([
    ['tarik tunai 500rb, makan 20rb', 'transfer'],
    ['hutang ke budi 100rb, makan 20rb', 'create_debt'],
    ['budget makan 1jt, transport 500rb', 'set_budget'],
  ])('"%s": a part that is not a plain spend keeps the whole message one reading (%s)', (text, intent) => {
    const result = parse(text);
    expect(result.intent).toBe(intent);
    expect(result.transactions).toBeNull();
    expect(result.confidence).toBeLessThanOrEqual(0.7);
  });
});

type Debt = [
  text: string,
  intent: 'create_debt' | 'create_receivable' | 'pay_debt' | 'receive_debt_payment',
  amount: number | null,
  counterparty: string | null,
];
const CASH_FLOW = {
  create_debt: 'income',
  create_receivable: 'expense',
  pay_debt: 'expense',
  receive_debt_payment: 'income',
} as const;

describe('debts and receivables', () => {
  it.each<Debt>([
    ['hutang ke budi 100rb', 'create_debt', 100_000, 'budi'],
    ['utang ke budi 100rb', 'create_debt', 100_000, 'budi'],
    ['pinjem duit ke mama 500rb', 'create_debt', 500_000, 'mama'],
    ['pinjam uang ke bu ani 300rb', 'create_debt', 300_000, 'bu ani'],
    ['hutang ke pak budi 100rb', 'create_debt', 100_000, 'pak budi'],
    ['ngutang di warung 35rb', 'create_debt', 35_000, 'warung'],
    ['ngutang makan di warteg 20rb', 'create_debt', 20_000, 'warteg'],
    ['aku pinjam uang dari budi 200rb', 'create_debt', 200_000, 'budi'],
    ['minjem duit sama andi 150rb', 'create_debt', 150_000, 'andi'],
    ['dipinjemin budi 100rb', 'create_debt', 100_000, 'budi'],
    ['budi minjemin aku 100rb', 'create_debt', 100_000, 'budi'],
    ['hutang 100rb buat beli bensin', 'create_debt', 100_000, null],
    ['hutang ke budi', 'create_debt', null, 'budi'],
    ['kasbon kantor 500rb', 'create_debt', 500_000, 'kantor'],
    ['borrowed 100k from budi', 'create_debt', 100_000, 'budi'],
    ['minjemin andi 50rb', 'create_receivable', 50_000, 'andi'],
    ['rina pinjam uang 200rb', 'create_receivable', 200_000, 'rina'],
    ['budi ngutang 50rb', 'create_receivable', 50_000, 'budi'],
    ['uangku dipinjam budi 100rb', 'create_receivable', 100_000, 'budi'],
    ['kasih pinjam ke andi 100rb', 'create_receivable', 100_000, 'andi'],
    ['piutang ke budi 100rb', 'create_receivable', 100_000, 'budi'],
    ['pinjemin adik 75rb', 'create_receivable', 75_000, 'adik'],
    ['lent andi 50k', 'create_receivable', 50_000, 'andi'],
    ['bayar hutang ke budi 40rb', 'pay_debt', 40_000, 'budi'],
    ['lunasin utang mama', 'pay_debt', null, 'mama'],
    ['nyicil utang ke budi 100rb', 'pay_debt', 100_000, 'budi'],
    ['cicil hutang budi 50rb', 'pay_debt', 50_000, 'budi'],
    ['balikin duit budi 50rb', 'pay_debt', 50_000, 'budi'],
    ['ngembaliin pinjaman ke mama 200rb', 'pay_debt', 200_000, 'mama'],
    ['bayar utang di warung 35rb', 'pay_debt', 35_000, 'warung'],
    ['paid back budi 40k', 'pay_debt', 40_000, 'budi'],
    ['dimas bayar utang 150rb', 'receive_debt_payment', 150_000, 'dimas'],
    ['Dimas bayar utang 150rb', 'receive_debt_payment', 150_000, 'dimas'],
    ['rina balikin duit 50rb', 'receive_debt_payment', 50_000, 'rina'],
    ['budi udah lunasin utangnya', 'receive_debt_payment', null, 'budi'],
    ['dapat bayaran utang dari budi 100rb', 'receive_debt_payment', 100_000, 'budi'],
    ['terima cicilan utang dari andi 100rb', 'receive_debt_payment', 100_000, 'andi'],
    ['andi nyicil utang 50rb', 'receive_debt_payment', 50_000, 'andi'],
    ['transfer 200rb ke budi buat bayar utang', 'pay_debt', 200_000, 'budi'],
    ['budi transfer 200rb bayar utang', 'receive_debt_payment', 200_000, 'budi'],
    ['tadi budi bayar utangnya 50rb', 'receive_debt_payment', 50_000, 'budi'],
    ['mama balikin 100rb', 'receive_debt_payment', 100_000, 'mama'],
    ['balikin ke mama 100rb', 'pay_debt', 100_000, 'mama'],
    ['bayar hutang 500rb', 'pay_debt', 500_000, null],
    ['saya berhutang 1jt kepada pak andi', 'create_debt', 1_000_000, 'pak andi'],
    ['minjem ke temen 100rb', 'create_debt', 100_000, 'temen'],
    ['budi hutang 50rb', 'create_receivable', 50_000, 'budi'],
    ['ngasih pinjem budi 100rb', 'create_receivable', 100_000, 'budi'],
  ])('"%s" → %s %s %s', (text, intent, amount, counterparty) => {
    expect(parse(text)).toMatchObject({
      intent,
      direction: CASH_FLOW[intent],
      amount,
      counterparty,
      category_suggestion: null,
      transactions: null,
      wallet: null,
      to_wallet: null,
      datetime: TODAY,
    });
  });

  it.each<[string, string | null]>([
    ['cek hutang', null],
    ['utang', null],
    ['daftar piutang', null],
    ['siapa aja yang masih ngutang ke aku', null],
    ['hutang ke budi berapa', 'budi'],
    ['sisa utang ke budi berapa', 'budi'],
    ['berapa hutangku', null],
    ['list utang', null],
  ])('"%s" asks for the list of debts (counterparty %s)', (text, counterparty) => {
    expect(parse(text)).toMatchObject({ intent: 'get_debts', counterparty, amount: null });
  });

  it('a loan the day before, paid with a wallet', () => {
    expect(parse('kemarin minjemin andi 50rb pake gopay')).toMatchObject({
      intent: 'create_receivable',
      counterparty: 'andi',
      amount: 50_000,
      wallet: 'GoPay',
      datetime: YESTERDAY,
    });
  });

  it('paying back with no amount and no "lunas" asks how much instead of settling everything', () => {
    expect(parse('bayar utang ke budi')).toMatchObject({
      intent: 'clarification',
      counterparty: 'budi',
      question: 'Berapa nominalnya?',
      amount: null,
    });
  });

  it.each<[string, string, number]>([
    ['cicilan motor 1,2jt', 'Cicilan', 1_200_000],
    ['bayar cicilan hp 500rb', 'Cicilan', 500_000],
    ['bayar utang kartu kredit 2jt', 'Cicilan', 2_000_000],
    ['bayar pinjol 500rb', 'Cicilan', 500_000],
    ['bayar hutang paylater 300rb', 'Cicilan', 300_000],
    ['pinjaman online 1jt', 'Cicilan', 1_000_000],
  ])('"%s": an instalment or a bill to an institution stays an expense in %s', (text, category, amount) => {
    expect(parse(text)).toMatchObject({
      intent: 'create_transaction',
      direction: 'expense',
      category_suggestion: category,
      amount,
      counterparty: null,
    });
  });
});

describe('wallets and transfers', () => {
  it.each<[string, number, string | null, string | null]>([
    ['top up gopay 100rb dari bca', 100_000, 'BCA', 'GoPay'],
    ['top up gopay pake bca 100rb', 100_000, 'BCA', 'GoPay'],
    ['isi saldo ovo 50rb', 50_000, null, 'OVO'],
    ['topup dana 50rb', 50_000, null, 'DANA'],
    ['top up shopee pay 75rb', 75_000, null, 'ShopeePay'],
    ['tarik tunai 500rb', 500_000, null, 'Tunai'],
    ['tarik tunai 500rb dari bca', 500_000, 'BCA', 'Tunai'],
    ['setor tunai 1jt', 1_000_000, 'Tunai', null],
    ['setor tunai ke bca 1jt', 1_000_000, 'Tunai', 'BCA'],
    ['pindahin 1jt dari bca ke mandiri', 1_000_000, 'BCA', 'Mandiri'],
    ['tf dari bca ke gopay 200rb', 200_000, 'BCA', 'GoPay'],
    ['transfer ke gopay 100rb', 100_000, null, 'GoPay'],
    ['transfer ke rekening sendiri 2jt', 2_000_000, null, null],
    ['kirim 250k dari tabungan ke e money buat top up', 250_000, null, 'e-money'],
    ['pindahin 500rb dari rekening jago ke ovo', 500_000, 'Jago', 'OVO'],
    ['kemarin top up ovo 50rb', 50_000, null, 'OVO'],
    ['transfer bca ke bni 1jt', 1_000_000, 'BCA', 'BNI'],
    ['tarik di atm 500rb', 500_000, null, 'Tunai'],
    ['ambil uang di atm bca 300rb', 300_000, 'BCA', 'Tunai'],
    ['isi flazz 100rb', 100_000, null, 'e-money'],
    ['top up e-money 50rb', 50_000, null, 'e-money'],
  ])('"%s" moves %d from %s to %s', (text, amount, wallet, toWallet) => {
    const result = parse(text);
    expect(result).toMatchObject({
      intent: 'transfer',
      direction: 'transfer',
      amount,
      wallet,
      to_wallet: toWallet,
      category_suggestion: null,
      counterparty: null,
      transactions: null,
    });
    expect(result.datetime).toBe(text.startsWith('kemarin') ? YESTERDAY : TODAY);
  });

  it('a transfer without an amount asks for it and keeps the wallets', () => {
    expect(parse('top up gopay dari bca')).toMatchObject({
      intent: 'clarification',
      wallet: 'BCA',
      to_wallet: 'GoPay',
      amount: null,
    });
  });

  it.each<[string, string | null]>([
    ['saldo gopay berapa', 'GoPay'],
    ['berapa saldo bca', 'BCA'],
    ['sisa saldo dana berapa', 'DANA'],
    ['gopay ku sisa berapa', 'GoPay'],
    ['cek saldo', null],
    ['saldo', null],
    ['balance', null],
    ['cek saldo ovo', 'OVO'],
  ])('"%s" asks the balance of %s', (text, wallet) => {
    expect(parse(text)).toMatchObject({ intent: 'get_balance', wallet, amount: null });
  });

  it.each<[string, string | null, number]>([
    ['saldo bca sekarang 2,5jt', 'BCA', 2_500_000],
    ['saldo ovo 150rb', 'OVO', 150_000],
    ['saldo awal gopay 300rb', 'GoPay', 300_000],
    ['saldo tunai 200rb', 'Tunai', 200_000],
    ['saldo 500rb', null, 500_000],
  ])('"%s" sets the balance of %s to %d', (text, wallet, amount) => {
    expect(parse(text)).toMatchObject({ intent: 'set_balance', wallet, amount });
  });

  it.each<[string, string, number, string, string]>([
    ['beli kopi 25rb pake gopay', 'expense', 25_000, 'Makan', 'GoPay'],
    ['gaji masuk bca 8jt', 'income', 8_000_000, 'Gaji', 'BCA'],
    ['bayar listrik via bca 300rb', 'expense', 300_000, 'Tagihan', 'BCA'],
    ['bayar pakai dana 20rb', 'expense', 20_000, 'Lainnya', 'DANA'],
    ['makan 30rb bayar cash', 'expense', 30_000, 'Makan', 'Tunai'],
    ['bayar pake saldo gopay 50rb', 'expense', 50_000, 'Lainnya', 'GoPay'],
    ['belanja di indomaret 120rb pakai ovo', 'expense', 120_000, 'Belanja', 'OVO'],
    ['bensin 30rb lewat shopeepay', 'expense', 30_000, 'Transport', 'ShopeePay'],
    ['beli pulsa 50rb dari rekening mandiri', 'expense', 50_000, 'Pulsa & Data', 'Mandiri'],
    ['dapat bonus 1jt masuk ke bri', 'income', 1_000_000, 'Bonus', 'BRI'],
    ['transfer gaji ke bca 5jt', 'income', 5_000_000, 'Gaji', 'BCA'],
  ])('"%s": a %s of %d in %s paid with %s', (text, direction, amount, category, wallet) => {
    expect(parse(text)).toMatchObject({
      intent: 'create_transaction',
      direction,
      amount,
      category_suggestion: category,
      wallet,
      to_wallet: null,
    });
  });

  it.each<[string, string]>([
    ['beli dompet 100rb', 'Lainnya'],
    ['dana darurat 1jt', ''],
    ['bayar uang kas 20rb', 'Lainnya'],
    ['makan di dana point 50rb', 'Makan'],
  ])('"%s": a word that is also a wallet name is no wallet without "pake/dari/ke"', (text) => {
    expect(parse(text).wallet).toBeNull();
  });
});

describe('the misreads of issue 12', () => {
  it.each<[string, string, number, string]>([
    ['tiket masuk 50rb', 'expense', 50_000, 'Hiburan'],
    ['tiket masuk museum 20rb', 'expense', 20_000, 'Hiburan'],
    ['beli tiket konser 500rb', 'expense', 500_000, 'Hiburan'],
    ['tiket kereta 150rb', 'expense', 150_000, 'Transport'],
    ['transfer ke adik 200rb', 'expense', 200_000, 'Sosial'],
    ['kirim uang ke ibu 300rb', 'expense', 300_000, 'Sosial'],
    ['tf ke budi 100rb', 'expense', 100_000, 'Sosial'],
    ['transfer ke rekening budi 200rb', 'expense', 200_000, 'Sosial'],
    ['transfer 200k to mom', 'expense', 200_000, 'Sosial'],
    ['transfer dari budi 500rb', 'income', 500_000, 'Pemasukan Lain'],
    ['uang masuk 500k', 'income', 500_000, 'Pemasukan Lain'],
    ['kirim paket ke jakarta 50rb', 'expense', 50_000, 'Belanja'],
  ])('"%s" is %s %d in %s', (text, direction, amount, category) => {
    expect(parse(text)).toMatchObject({
      intent: 'create_transaction',
      direction,
      amount,
      category_suggestion: category,
      counterparty: null,
    });
  });
});

describe('English and mixed messages', () => {
  it.each<[string, 'income' | 'expense', number, string, string]>([
    ['lunch 45k', 'expense', 45_000, 'Makan', TODAY],
    ['coffee 28k', 'expense', 28_000, 'Makan', TODAY],
    ['dinner 80k', 'expense', 80_000, 'Makan', TODAY],
    ['breakfast 25k', 'expense', 25_000, 'Makan', TODAY],
    ['salary 8jt', 'income', 8_000_000, 'Gaji', TODAY],
    ['grab to office 32k', 'expense', 32_000, 'Transport', TODAY],
    ['uber to airport 150k', 'expense', 150_000, 'Transport', TODAY],
    ['spent 50k on groceries', 'expense', 50_000, 'Belanja', TODAY],
    ['groceries 300k', 'expense', 300_000, 'Belanja', TODAY],
    ['paid electricity 350k', 'expense', 350_000, 'Tagihan', TODAY],
    ['rent 2jt', 'expense', 2_000_000, 'Rumah', TODAY],
    ['received 2jt from client', 'income', 2_000_000, 'Usaha', TODAY],
    ['earned 1jt from freelance', 'income', 1_000_000, 'Usaha', TODAY],
    ['got paid 5jt', 'income', 5_000_000, 'Pemasukan Lain', TODAY],
    ['bought shoes 500k', 'expense', 500_000, 'Lainnya', TODAY],
    ['yesterday lunch 50k', 'expense', 50_000, 'Makan', YESTERDAY],
    ['movie tickets 100k', 'expense', 100_000, 'Hiburan', TODAY],
    ['medicine 45k', 'expense', 45_000, 'Kesehatan', TODAY],
    ['paid rent 2,5jt', 'expense', 2_500_000, 'Rumah', TODAY],
    ['makan siang with client 150k', 'expense', 150_000, 'Makan', TODAY],
  ])('"%s" → %s %d %s', (text, direction, amount, category, datetime) => {
    expect(parse(text)).toMatchObject({
      intent: 'create_transaction',
      direction,
      amount,
      category_suggestion: category,
      datetime,
    });
  });

  it.each<[string, Partial<WireParseResult>]>([
    ['report today', { intent: 'get_report', period: 'today' }],
    ['report yesterday', { intent: 'get_report', period: 'yesterday' }],
    ['expenses this month', { intent: 'get_report', period: 'this_month', direction: 'expense' }],
    ['how much did i spend this week', { intent: 'get_report', period: 'this_week', direction: 'expense' }],
    ['income last month', { intent: 'get_report', period: 'last_month', direction: 'income' }],
    ['delete last', { intent: 'delete_last' }],
    ['help', { intent: 'help' }],
    ['my balance', { intent: 'get_balance', wallet: null }],
  ])('"%s"', (text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });
});

/** Intents that change the books when acted on. */
const RECORDS = [
  'create_transaction',
  'transfer',
  'create_debt',
  'create_receivable',
  'pay_debt',
  'receive_debt_payment',
  'set_balance',
  'deposit_saving',
  'withdraw_saving',
];

describe('none of these: no transaction, no loan, no transfer', () => {
  it.each<[string]>([
    ['aku lagi nabung buat beli motor'],
    ['besok ada rapat jam 3'],
    ['dan'],
    ['sama'],
    ['terus'],
    ['kirim 3 foto'],
    ['pinjam buku ke perpustakaan'],
    ['balikin barang ke budi'],
    ['transfer'],
    ['top up'],
    ['dompet ketinggalan'],
    ['jago banget kamu'],
    ['kas kosong nih wkwk'],
    ['ibu lagi di warung'],
    ['nanti aku transfer ya'],
  ])('"%s"', (text) => {
    const result = parse(text);
    expect(RECORDS).not.toContain(result.intent);
    expect(result.transactions).toBeNull();
    expect(result.amount).toBeNull();
  });
});
