import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  createPool,
  type DatabasePool,
  type Interceptor,
  type QueryResultRow,
  SchemaValidationError,
  sql,
} from 'slonik';
import { z } from 'zod';
import { getConfig } from '../config.ts';
import { fromNumeric } from '../money/index.ts';

export type {
  CommonQueryMethods,
  DatabasePool,
  DatabaseTransactionConnection,
  FragmentSqlToken,
  Interceptor,
} from 'slonik';
export { sql };

/**
 * Row schemas many queries share, made once (issue 16): a zod schema written inside a function is
 * built and compiled again on every call — 50–70 µs here, where a parse with one made once takes
 * about 1 µs. A query's own row schema is a module constant for the same reason.
 */
export const IdRow = z.object({ id: z.number() });
export const CountRow = z.object({ n: z.number() });
export const UserIdRow = z.object({ user_id: z.number() });

/**
 * `sql.type(schema)` queries are validated here: slonik carries the schema, this interceptor
 * applies it to every row (STYLE habit 3: validate the database row at the boundary). It runs
 * synchronously: slonik's asynchronous hook builds a task queue and a promise per row (issue 16:
 * measurable per statement), and Kantong's row schemas have no asynchronous refinements — one
 * that had would be refused here, loudly, rather than skipped.
 */
const validateRows: Interceptor = {
  name: 'kantong-validate-rows',
  transformRow: (context, query, row) => {
    const schema = context.resultParser;
    if (!schema) return row;
    const result = schema['~standard'].validate(row);
    if (result instanceof Promise) throw new TypeError('row schemas must validate synchronously');
    if (result.issues) throw new SchemaValidationError(query, row, result.issues);
    return result.value as QueryResultRow;
  },
};

/**
 * Type parsers: money (`numeric`) becomes bigint rupiah — slonik's default is parseFloat, which
 * DESIGN.md decision 1 forbids; `int8` ids and counts become numbers (they stay far below 2^53);
 * timestamps become Date objects.
 */
const typeParsers = [
  { name: 'numeric', parse: (value: string) => fromNumeric(value) },
  {
    name: 'int8',
    parse: (value: string) => {
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw new RangeError(`int8 out of safe range: ${value}`);
      return n;
    },
  },
  { name: 'timestamptz', parse: (value: string) => new Date(value) },
  { name: 'date', parse: (value: string) => value },
];

/**
 * Slonik's default `DISCARD ALL` on every release of a connection (issue 16): a round trip and a
 * transaction on the server for each query outside a transaction and each transaction — a third
 * of PostgreSQL's transactions per message — and it drops the prepared statements below. Kantong
 * leaves no session state to discard: its only setting is transaction-local
 * (`set_config(..., true)` in `Households.actAs`), it takes no session locks on pooled
 * connections (the migration lock has its own client) and makes no temporary tables;
 * `pool.test.ts` holds that a setting does not leak to the next user of a connection.
 */
const keepSession = async () => {};

/** Distinct statement texts that get a name; past it, new texts run unnamed (see below). */
export const PREPARED_STATEMENT_LIMIT = 500;

/**
 * Each repeated statement as a named prepared statement (issue 16). Unnamed, every execution is
 * parsed, analysed and planned again by PostgreSQL — for the hot path's CTEs most of its CPU per
 * statement. Named, each connection parses a text once and PostgreSQL may keep its plan. The name
 * is derived from the text, so one text always has one name and two texts never share one (pg
 * refuses a name reused for another text). Texts differ only where a query builds itself (a list
 * of values spelled as `$1, $2, …`), so they are few; the limit bounds what a connection keeps
 * even if one does not.
 */
export function namedStatements(limit = PREPARED_STATEMENT_LIMIT): Interceptor {
  const names = new Map<string, string>();
  return {
    name: 'kantong-named-statements',
    transformQuery: (_context, query) => {
      if (query.name) return query;
      let name = names.get(query.sql);
      if (name === undefined) {
        if (names.size >= limit) return query;
        name = `k${createHash('sha1').update(query.sql).digest('base64url').slice(0, 20)}`;
        names.set(query.sql, name);
      }
      return { ...query, name };
    },
  };
}

/** DATABASE_POOL_SIZE, or twice this machine's cores within 4..10 (see config.ts). */
export function defaultPoolSize(): number {
  return getConfig().DATABASE_POOL_SIZE ?? Math.min(10, Math.max(4, 2 * availableParallelism()));
}

/** Creates a pool with Kantong's parsers and row validation. */
export async function createDatabasePool(
  connectionUri: string,
  options: {
    maximumPoolSize?: number;
    interceptors?: readonly Interceptor[];
    /** Default: DATABASE_PREPARED_STATEMENTS (on). */
    preparedStatements?: boolean;
  } = {},
): Promise<DatabasePool> {
  const prepared = options.preparedStatements ?? getConfig().DATABASE_PREPARED_STATEMENTS;
  return createPool(connectionUri, {
    typeParsers,
    // Extra interceptors: `npm run bench:load` counts the statements each message costs.
    interceptors: [validateRows, ...(prepared ? [namedStatements()] : []), ...(options.interceptors ?? [])],
    maximumPoolSize: options.maximumPoolSize ?? defaultPoolSize(),
    statementTimeout: 30_000,
    resetConnection: keepSession,
  });
}

let shared: Promise<DatabasePool> | undefined;

/** The one pool of this process, on DATABASE_URL. */
export function getPool(): Promise<DatabasePool> {
  if (!shared) {
    const url = getConfig().DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set (npm start sets it for the embedded PostgreSQL)');
    shared = createDatabasePool(url);
  }
  return shared;
}

/** Closes the process pool (graceful shutdown, end of a CLI). */
export async function closePool(): Promise<void> {
  if (!shared) return;
  const pool = await shared;
  shared = undefined;
  await pool.end();
}
