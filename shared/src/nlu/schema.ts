import { z } from 'zod';

/** What a message asks Kantong to do. */
export const IntentSchema = z.enum([
  'create_transaction',
  'create_saving',
  'deposit_saving',
  'withdraw_saving',
  'get_savings',
  'get_report',
  'set_budget',
  'edit_category',
  'delete_last',
  // Debts and receivables (issue 12): the person is `counterparty`.
  'create_debt',
  'create_receivable',
  'pay_debt',
  'receive_debt_payment',
  'get_debts',
  // Wallets (issue 12): `wallet` is the source, `to_wallet` the destination.
  'transfer',
  'get_balance',
  'set_balance',
  'smalltalk',
  'help',
  'clarification',
]);
export type Intent = z.infer<typeof IntentSchema>;

/**
 * Intents that record, move, settle or overwrite money with the message's amount. Where that
 * amount must be sure, these are the ones that care: the LLM's pick needs an amount read from the
 * user's own words (nlu/index.ts), an unsure voice amount is asked back (conversation/media.ts).
 */
export const AMOUNT_INTENTS: ReadonlySet<Intent> = new Set<Intent>([
  'create_transaction',
  'deposit_saving',
  'withdraw_saving',
  'set_budget',
  'create_debt',
  'create_receivable',
  'pay_debt',
  'receive_debt_payment',
  'transfer',
  'set_balance',
]);

export const DirectionSchema = z.enum(['income', 'expense', 'transfer']);
export type Direction = z.infer<typeof DirectionSchema>;

export const PeriodSchema = z.enum([
  'today',
  'yesterday',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
]);
export type Period = z.infer<typeof PeriodSchema>;

export const CategoryKindSchema = z.enum(['expense', 'income']);
export type CategoryKind = z.infer<typeof CategoryKindSchema>;

/**
 * One transaction of a message that names several ("makan bakso 25rb, parkir 2rb"), in message
 * order. `datetime` is the date said once for all ("kemarin …") unless an item says its own.
 */
export type ParsedItem = {
  amount: bigint;
  direction: 'income' | 'expense';
  description: string | null;
  category_suggestion: string | null;
  datetime: string | null;
  /** The wallet this item was paid from / received into ("pake gopay"), null: the default (Tunai). */
  wallet: string | null;
};

/**
 * The understanding of one message. Field names are the parse contract of `npm run -s parse` and
 * `POST /ai/parse`; amounts are whole rupiah as `bigint` here and numbers on the wire
 * (see {@link toWire}). Fields that do not apply are `null`.
 */
export type ParseResult = {
  intent: Intent;
  direction: Direction | null;
  /** Transaction, deposit, withdrawal or budget amount. */
  amount: bigint | null;
  currency: 'IDR';
  description: string | null;
  /** Category name for create_transaction / set_budget / edit_category (the new category). */
  category_suggestion: string | null;
  /** ISO 8601 with offset, in the user's timezone. */
  datetime: string | null;
  saving_name: string | null;
  target_amount: bigint | null;
  period: Period | null;
  /** Category named in a report question ("pengeluaran makan bulan ini"). */
  category_filter: string | null;
  /** What to ask back when intent is clarification. */
  question: string | null;
  /** 0..1: how sure the reader is. Rules give high values; the LLM fallback lower ones. */
  confidence: number;
  /**
   * create_transaction naming several items: each item, in message order; `amount` is then their
   * sum and `direction`/`category_suggestion` those of the first item. Absent or null for one.
   */
  transactions?: ParsedItem[] | null;
  /** Debt intents: the person, lower case ("budi", "mama", "warung"). */
  counterparty?: string | null;
  /**
   * Wallet names as written, canonicalised where known ("gopay" → "GoPay", "bca" → "BCA"):
   * the wallet paid from / received into, a transfer's source, the one asked about or set.
   */
  wallet?: string | null;
  /** transfer: the destination wallet. */
  to_wallet?: string | null;
};

/** A reading of `intent` with every field empty: what the readers fill in. */
export function blankReading(intent: Intent, confidence: number): ParseResult {
  return {
    intent,
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
    confidence,
  };
}

/** A category the reader may pick: the defaults plus each user's own, with their keywords. */
export type CategoryOption = {
  name: string;
  kind: CategoryKind;
  keywords: readonly string[];
};

/** What the reader needs to know beyond the text itself. */
export type ParseContext = {
  /** The moment the message was sent; relative dates ("kemarin") count from here. */
  now: Date;
  /** IANA timezone of the user, e.g. Asia/Jakarta. */
  timezone: string;
  /** The user's categories (defaults included once a user exists); absent → the default lexicon only. */
  categories?: readonly CategoryOption[];
};

/** The JSON shape of a ParseResult on the wire (stdout of `npm run parse`, `POST /ai/parse`). */
export const WireParseResultSchema = z.object({
  intent: IntentSchema,
  direction: DirectionSchema.nullable(),
  amount: z.number().int().nullable(),
  currency: z.literal('IDR'),
  description: z.string().nullable(),
  category_suggestion: z.string().nullable(),
  datetime: z.string().nullable(),
  saving_name: z.string().nullable(),
  target_amount: z.number().int().nullable(),
  period: PeriodSchema.nullable(),
  category_filter: z.string().nullable(),
  question: z.string().nullable(),
  confidence: z.number().min(0).max(1),
  transactions: z
    .array(
      z.object({
        amount: z.number().int(),
        direction: z.enum(['income', 'expense']),
        description: z.string().nullable(),
        category_suggestion: z.string().nullable(),
        datetime: z.string().nullable(),
        wallet: z.string().nullable(),
      }),
    )
    .nullable(),
  counterparty: z.string().nullable(),
  wallet: z.string().nullable(),
  to_wallet: z.string().nullable(),
});
export type WireParseResult = z.infer<typeof WireParseResultSchema>;

export function toWire(result: ParseResult): WireParseResult {
  // Keys spelt out in contract order: a spread would put the optional fields wherever a reader
  // happened to set them, and `npm run parse` promises one key order.
  return {
    intent: result.intent,
    direction: result.direction,
    amount: result.amount === null ? null : Number(result.amount),
    currency: result.currency,
    description: result.description,
    category_suggestion: result.category_suggestion,
    datetime: result.datetime,
    saving_name: result.saving_name,
    target_amount: result.target_amount === null ? null : Number(result.target_amount),
    period: result.period,
    category_filter: result.category_filter,
    question: result.question,
    confidence: result.confidence,
    transactions: result.transactions
      ? result.transactions.map((item) => ({ ...item, amount: Number(item.amount) }))
      : null,
    counterparty: result.counterparty ?? null,
    wallet: result.wallet ?? null,
    to_wallet: result.to_wallet ?? null,
  };
}
