import { recordFromWeb } from '@kantong/shared/entry';
import { authorOf, authorsFor, exportRows, toCsv, transactionJson } from '@kantong/shared/export';
import * as Ledger from '@kantong/shared/ledger';
import { DirectionSchema } from '@kantong/shared/nlu';
import { DAY_RANGE_TEXT, isIsoDate, isSupportedInstant, localDate } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { NEEDS_USER_REF, resolveUser, UserRefSchema, validate } from '../http.ts';
import { AmountJsonSchema, describe, type RouteDoc, USER_NOT_FOUND, USER_NOTE } from '../openapi.ts';
import { AmountSchema } from './savings.ts';

const day = z
  .string()
  .refine(isIsoDate, `must be YYYY-MM-DD in ${DAY_RANGE_TEXT}`)
  .meta({ format: 'date', description: "A day, YYYY-MM-DD, in the user's timezone." });

const ListQuerySchema = UserRefSchema.extend({
  from: day.optional(),
  to: day.optional(),
  category: z.string().max(80).optional(),
  direction: DirectionSchema.optional(),
  source: Ledger.SourceSchema.optional(),
  status: Ledger.TxStatusSchema.optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const ExportQuerySchema = ListQuerySchema.omit({ limit: true, offset: true }).extend({
  delimiter: z.enum(['comma', 'semicolon']).default('comma'),
});

const CreateSchema = UserRefSchema.extend({
  direction: DirectionSchema,
  amount: AmountSchema,
  category: z.string().trim().min(1).max(80).optional(),
  description: z.string().trim().max(500).optional(),
  /** Paid from / received into, a transfer's source, by name ("BCA", "gopay"); default Tunai. */
  wallet: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .optional()
    .meta({ description: 'Paid from / received into (a transfer: from), by name; default Tunai.' }),
  /** A transfer's destination by name; default Tunai. */
  to_wallet: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .optional()
    .meta({ description: "A transfer's destination, by name; default Tunai." }),
  /** ISO 8601 instant; defaults to now. */
  datetime: z.iso
    .datetime({ offset: true })
    .refine(isSupportedInstant, `datetime must be in ${DAY_RANGE_TEXT}`)
    .optional()
    .meta({ description: 'ISO 8601 instant with offset; default now.' }),
}).meta(NEEDS_USER_REF);

/** What {@link transactionJson} answers: the ledger row's own fields, amount as a JSON number. */
const TransactionJsonSchema = Ledger.TransactionSchema.pick({
  id: true,
  direction: true,
  currency: true,
  category: true,
  description: true,
  source: true,
  status: true,
  merchant: true,
  kind: true,
  wallet: true,
  to_wallet: true,
  counterparty: true,
}).extend({
  amount: AmountJsonSchema,
  datetime: z.string().meta({ description: 'ISO 8601, UTC.' }),
  author: z.string().nullable().meta({
    description: 'Who wrote it in a household’s books; null in personal books and for rows made here.',
  }),
});

const PULSA = {
  id: 101,
  direction: 'expense',
  amount: 50000,
  currency: 'IDR',
  category: 'Pulsa & Data',
  description: 'beli pulsa',
  datetime: '2024-05-01T01:30:00.000Z',
  source: 'web',
  status: 'confirmed',
  merchant: null,
  kind: 'regular',
  wallet: 'Tunai',
  to_wallet: null,
  counterparty: null,
  author: null,
};

const PULSA_ROW: Ledger.Transaction = {
  ...PULSA,
  direction: 'expense',
  source: 'web',
  status: 'confirmed',
  kind: 'regular',
  amount: 50000n,
  user_id: 1,
  category_id: 7,
  tx_datetime: new Date(PULSA.datetime),
  created_at: new Date(PULSA.datetime),
  wallet_id: null,
  to_wallet_id: null,
  wa_message_row_id: null,
};

const LIST: RouteDoc = {
  operationId: 'listTransactions',
  summary: 'Daftar transaksi',
  description: `The user's transactions, newest first, filtered and paged (SPEC.md \`GET /transactions?user_id=&from=&to=&category=\`); \`from\`/\`to\` are days in the user's timezone, \`q\` searches descriptions. ${USER_NOTE}`,
  tags: ['Transactions'],
  example: {
    phone: '6281234567890',
    from: '2024-05-01',
    to: '2024-05-31',
    category: 'Pulsa & Data',
    limit: '50',
  },
  responses: {
    200: {
      description: 'One page of transactions and the total that match.',
      schema: z.object({
        items: z.array(TransactionJsonSchema),
        total: z.number().int(),
        limit: z.number().int(),
        offset: z.number().int(),
      }),
      example: { items: [PULSA], total: 1, limit: 50, offset: 0 },
    },
    404: USER_NOT_FOUND,
  },
};
const EXPORT: RouteDoc = {
  operationId: 'exportTransactions',
  summary: 'Export CSV',
  description: `The same filters as the list, every matching row as a CSV file (SPEC.md "Export"). A filter matching more rows than one file holds is refused with 400, never cut short. ${USER_NOTE}`,
  tags: ['Transactions'],
  example: { phone: '6281234567890', from: '2024-05-01', to: '2024-05-31', delimiter: 'semicolon' },
  responses: {
    200: {
      description: 'A CSV attachment (UTF-8), named kantong-transaksi-<today>.csv.',
      contentType: 'text/csv',
      schema: z.string(),
      // Written by toCsv itself, so the example's columns are the file's.
      example: toCsv([PULSA_ROW], { timezone: 'Asia/Jakarta', delimiter: ';' }),
    },
    404: USER_NOT_FOUND,
  },
};
const CREATE: RouteDoc = {
  operationId: 'createTransaction',
  summary: 'Catat transaksi',
  description: `Records an income, expense or transfer from outside WhatsApp (source \`web\`), with the same rules as the bot: the category is matched or created, the wallet by name. ${USER_NOTE}`,
  tags: ['Transactions'],
  example: {
    phone: '6281234567890',
    direction: 'expense',
    amount: 50000,
    category: 'Pulsa & Data',
    description: 'beli pulsa',
    datetime: '2024-05-01T08:30:00+07:00',
  },
  responses: {
    201: { description: 'The recorded transaction.', schema: TransactionJsonSchema, example: PULSA },
    404: USER_NOT_FOUND,
  },
};

/** `GET /transactions`, `POST /transactions`, `GET /transactions/export` (SPEC.md). */
export function transactionRoutes(deps: ApiDeps) {
  const filterOf = (query: z.infer<typeof ExportQuerySchema>, user: { id: number; timezone: string }) => ({
    userId: user.id,
    timezone: user.timezone,
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
    ...(query.category ? { category: query.category } : {}),
    ...(query.direction ? { direction: query.direction } : {}),
    ...(query.source ? { source: query.source } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.q ? { search: query.q } : {}),
  });
  return new Hono()
    .get('/', describe(LIST), validate('query', ListQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      const { rows, total } = await Ledger.list(pool, {
        ...filterOf({ ...query, delimiter: 'comma' }, user),
        limit: query.limit,
        offset: query.offset,
      });
      const authors = await authorsFor(pool, user, rows);
      const items = rows.map((row) => ({ ...transactionJson(row), author: authorOf(row, authors) }));
      return c.json({ items, total, limit: query.limit, offset: query.offset }, 200);
    })
    .get('/export', describe(EXPORT), validate('query', ExportQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      // More rows than one file holds is refused (400), as on the dashboard, never cut short.
      const rows = await exportRows(pool, filterOf(query, user));
      const authors = await authorsFor(pool, user, rows);
      const csv = toCsv(rows, {
        timezone: user.timezone,
        ...(authors ? { authors } : {}),
        delimiter: query.delimiter === 'semicolon' ? ';' : ',',
      });
      const name = `kantong-transaksi-${localDate(deps.now?.() ?? new Date(), user.timezone)}.csv`;
      return c.body(csv, 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name}"`,
      });
    })
    .post('/', describe(CREATE), validate('json', CreateSchema), async (c) => {
      const body = c.req.valid('json');
      const pool = await deps.pool();
      const user = await resolveUser(pool, body);
      const created = await pool.transaction((tx) =>
        recordFromWeb(tx, {
          userId: user.id,
          direction: body.direction,
          amount: body.amount,
          category: body.category ? { name: body.category } : null,
          description: body.description ?? null,
          datetime: body.datetime ? new Date(body.datetime) : (deps.now?.() ?? new Date()),
          wallet: body.wallet ? { name: body.wallet } : null,
          toWallet: body.to_wallet ? { name: body.to_wallet } : null,
        }),
      );
      return c.json({ ...transactionJson(created), author: null }, 201);
    });
}
