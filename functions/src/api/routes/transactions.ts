import { recordFromWeb } from '@kantong/shared/entry';
import { exportRows, toCsv } from '@kantong/shared/export';
import * as Ledger from '@kantong/shared/ledger';
import { toJsonAmount } from '@kantong/shared/money';
import { DirectionSchema } from '@kantong/shared/nlu';
import { DAY_RANGE_TEXT, isIsoDate, isSupportedInstant, localDate } from '@kantong/shared/time';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { resolveUser, UserRefSchema, validate } from '../http.ts';
import { AmountSchema } from './savings.ts';

const day = z.string().refine(isIsoDate, `must be YYYY-MM-DD in ${DAY_RANGE_TEXT}`);

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
  wallet: z.string().trim().min(1).max(60).optional(),
  /** A transfer's destination by name; default Tunai. */
  to_wallet: z.string().trim().min(1).max(60).optional(),
  /** ISO 8601 instant; defaults to now. */
  datetime: z.iso
    .datetime({ offset: true })
    .refine(isSupportedInstant, `datetime must be in ${DAY_RANGE_TEXT}`)
    .optional(),
});

export function transactionJson(row: Ledger.Transaction) {
  return {
    id: row.id,
    direction: row.direction,
    amount: toJsonAmount(row.amount),
    currency: row.currency,
    category: row.category,
    description: row.description,
    datetime: row.tx_datetime.toISOString(),
    source: row.source,
    status: row.status,
    merchant: row.merchant,
    /** regular | debt | receivable | adjustment: only 'regular' counts in reports and budgets. */
    kind: row.kind,
    wallet: row.wallet,
    /** A transfer's destination; null otherwise. */
    to_wallet: row.to_wallet,
    /** A loan's person (lower case); null otherwise. */
    counterparty: row.counterparty,
  };
}

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
    .get('/', validate('query', ListQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      const { rows, total } = await Ledger.list(pool, {
        ...filterOf({ ...query, delimiter: 'comma' }, user),
        limit: query.limit,
        offset: query.offset,
      });
      return c.json(
        { items: rows.map(transactionJson), total, limit: query.limit, offset: query.offset },
        200,
      );
    })
    .get('/export', validate('query', ExportQuerySchema), async (c) => {
      const query = c.req.valid('query');
      const pool = await deps.pool();
      const user = await resolveUser(pool, query);
      // More rows than one file holds is refused (400), as on the dashboard, never cut short.
      const rows = await exportRows(pool, filterOf(query, user));
      const csv = toCsv(rows, {
        timezone: user.timezone,
        delimiter: query.delimiter === 'semicolon' ? ';' : ',',
      });
      const name = `kantong-transaksi-${localDate(deps.now?.() ?? new Date(), user.timezone)}.csv`;
      return c.body(csv, 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name}"`,
      });
    })
    .post('/', validate('json', CreateSchema), async (c) => {
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
      return c.json(transactionJson(created), 201);
    });
}
