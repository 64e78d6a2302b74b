/**
 * The request-parsing layer every route shares (issue 14 item 3): whatever a route reads from a
 * request — a JSON body, a form, the query string, a path parameter — comes back with control
 * characters removed (tab and line breaks kept; shared/src/text). PostgreSQL cannot store a NUL at
 * all, so one typed into a login form, a dashboard field or a WhatsApp text answered 500; other
 * control characters only ever hide something from the reader.
 *
 * Cleaned rather than refused: a message with a stray control character still means what the
 * person typed, and a password or a link with one simply does not match. Applied once here, for
 * every route including the ones added later, instead of in each form. The raw body stays as it
 * came for the signature check (`c.req.text()`), which is over the bytes that were signed.
 */
import { sanitizeDeep } from '@kantong/shared/text';
import type { HonoRequest, MiddlewareHandler } from 'hono';

type Readers = Pick<HonoRequest, 'json' | 'parseBody' | 'query' | 'queries' | 'param'>;

export const cleanRequestText: MiddlewareHandler = async (c, next) => {
  const request = c.req;
  const json = request.json.bind(request);
  const parseBody = request.parseBody.bind(request);
  const query = request.query.bind(request) as (key?: string) => unknown;
  const queries = request.queries.bind(request) as (key?: string) => unknown;
  const param = request.param.bind(request) as (key?: string) => unknown;
  const cleaned: Readers = {
    json: (async () => sanitizeDeep(await json())) as Readers['json'],
    parseBody: (async (options?: Parameters<typeof parseBody>[0]) =>
      sanitizeDeep(await parseBody(options))) as Readers['parseBody'],
    query: ((key?: string) => sanitizeDeep(query(key))) as Readers['query'],
    queries: ((key?: string) => sanitizeDeep(queries(key))) as Readers['queries'],
    param: ((key?: string) => sanitizeDeep(param(key))) as Readers['param'],
  };
  Object.assign(request, cleaned);
  await next();
};
