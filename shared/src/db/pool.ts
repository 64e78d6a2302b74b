import {
  createPool,
  type DatabasePool,
  type Interceptor,
  type QueryResultRow,
  SchemaValidationError,
  sql,
} from 'slonik';
import { getConfig } from '../config.ts';
import { fromNumeric } from '../money/index.ts';

export type { CommonQueryMethods, DatabasePool, DatabaseTransactionConnection, Interceptor } from 'slonik';
export { sql };

/**
 * `sql.type(schema)` queries are validated here: slonik carries the schema, this interceptor
 * applies it to every row (STYLE habit 3: validate the database row at the boundary).
 */
const validateRows: Interceptor = {
  name: 'kantong-validate-rows',
  transformRowAsync: async (context, query, row) => {
    const schema = context.resultParser;
    if (!schema) return row;
    const result = await schema['~standard'].validate(row);
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

/** Creates a pool with Kantong's parsers and row validation. */
export async function createDatabasePool(
  connectionUri: string,
  options: { maximumPoolSize?: number; interceptors?: readonly Interceptor[] } = {},
): Promise<DatabasePool> {
  return createPool(connectionUri, {
    typeParsers,
    // Extra interceptors: `npm run bench:load` counts the statements each message costs.
    interceptors: [validateRows, ...(options.interceptors ?? [])],
    maximumPoolSize: options.maximumPoolSize ?? 10,
    statementTimeout: 30_000,
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
