/**
 * Who is signed in, and whether a form really comes from the dashboard. The session is a JWT in
 * an HttpOnly, SameSite=Lax cookie (Secure when PUBLIC_URL is https); every dashboard page and
 * endpoint reads the user from it and from nowhere else.
 */
import * as Auth from '@kantong/shared/auth';
import { getConfig } from '@kantong/shared/config';
import type { DatabaseTransactionConnection } from '@kantong/shared/db';
import * as Households from '@kantong/shared/households';
import type * as Users from '@kantong/shared/users';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { ApiDeps } from '../api/deps.ts';
import { BOOK_PARAM, BookParamSchema, type OpenBook, personalBook } from './book.ts';
import { errorPage, render } from './views.ts';

export const SESSION_COOKIE = 'kantong_session';
/** Double-submit cookie of the forms shown before a session exists (login, onboarding). */
export const FORM_COOKIE = 'kantong_csrf';

export type DashboardEnv = {
  Variables: {
    user: Users.User;
    session: Auth.Session;
    book: OpenBook;
    /** The households the person belongs to, for the book switcher. */
    books: readonly Households.Book[];
  };
};

/** The book `choice` names for `user`, or null when it is not theirs to open (never was, or they left). */
export async function resolveBook(
  db: Parameters<typeof Households.membership>[0],
  user: Users.User,
  choice: string | undefined,
  books: readonly Households.Book[],
): Promise<OpenBook | null> {
  if (choice === undefined || choice === '' || choice === 'pribadi') return personalBook(user);
  if (!BookParamSchema.test(choice)) return null;
  const bookId = Number(choice);
  if (!books.some((book) => book.book_id === bookId)) return null;
  const [member, household] = await Promise.all([
    Households.membership(db, bookId, user.id),
    Households.findByBook(db, bookId),
  ]);
  if (!member || !household) return null;
  return {
    id: bookId,
    kind: 'household',
    name: household.name,
    timezone: household.timezone,
    role: member.role,
    memberId: member.id,
  };
}

/**
 * Runs a write in the open book: in a household every booking it makes is tagged with the person
 * (Households.actAs, transaction-local, so a pooled connection never carries it on).
 */
export async function writeInBook<T>(
  deps: ApiDeps,
  book: OpenBook,
  work: (tx: DatabaseTransactionConnection) => Promise<T>,
): Promise<T> {
  const pool = await deps.pool();
  return pool.transaction(async (tx) => {
    if (book.memberId !== null) await Households.actAs(tx, book.memberId);
    return work(tx);
  });
}

function secure(): boolean {
  return getConfig().PUBLIC_URL.startsWith('https://');
}

export function nowOf(deps: ApiDeps): Date {
  return deps.now?.() ?? new Date();
}

export async function startSession(c: Context, deps: ApiDeps, userId: number, sessionVersion: number) {
  const { token } = await Auth.signSession({ userId, sessionVersion }, nowOf(deps));
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(),
    path: '/',
    maxAge: Auth.SESSION_TTL_SECONDS,
  });
}

/** Logout: ends the session on the server (a copied cookie stops working too), then drops the cookie. */
export async function endSession(c: Context<DashboardEnv>, deps: ApiDeps) {
  await Auth.endSessions(await deps.pool(), c.get('session'));
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure() });
}

/** The signed-in user, or null (no cookie, bad signature, expired, logged out or the password changed since). */
export async function currentUser(
  c: Context,
  deps: ApiDeps,
): Promise<{ user: Users.User; session: Auth.Session } | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const session = await Auth.verifySession(token, nowOf(deps));
  if (!session) return null;
  const user = await Auth.sessionUser(await deps.pool(), session);
  return user ? { user, session } : null;
}

/** A browser request without a session: pages go to the login, forms and HTMX calls get a 401. */
function signInFirst(c: Context) {
  if (c.req.method === 'GET' && c.req.header('hx-request') !== 'true') return c.redirect('/login', 302);
  return render(c, errorPage('Sesi habis', 'Sesi kamu sudah habis. Silakan masuk lagi.'), 401, {
    'HX-Redirect': '/login',
  });
}

/** The allowed origins of a form post: the one the request reached and the public address. */
function allowedOrigins(c: Context): string[] {
  return [new URL(c.req.url).origin, new URL(getConfig().PUBLIC_URL).origin];
}

async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/x-www-form-urlencoded') && !type.includes('multipart/form-data'))
    return undefined;
  const value = (await c.req.parseBody())[name];
  return typeof value === 'string' ? value : undefined;
}

function isWrite(c: Context): boolean {
  return c.req.method !== 'GET' && c.req.method !== 'HEAD';
}

/** A book that is not the person's: 404, as another person's row is, so its existence is not told. */
function bookRefused(c: Context, user: Users.User, csrf: string) {
  return render(
    c,
    errorPage(
      'Buku tidak ditemukan',
      'Buku ini nggak ada atau kamu bukan anggotanya (lagi). Pilih buku lain di atas ya.',
      user,
      csrf,
    ),
    404,
  );
}

/** A viewer's form post: refused before any work, whatever the route. */
function viewerRefused(c: Context<DashboardEnv>, book: OpenBook) {
  return render(
    c,
    errorPage(
      'Cuma bisa lihat',
      `Di buku ${book.name} kamu cuma bisa lihat, belum bisa nambah atau ubah. Minta pemilik buku jadikan kamu anggota ya.`,
      c.get('user'),
      c.get('session').csrf,
      book,
      c.get('books'),
    ),
    403,
  );
}

function csrfRefused(c: Context, user?: Users.User, csrf?: string) {
  return render(
    c,
    errorPage(
      'Formulir kedaluwarsa',
      'Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu coba lagi.',
      user,
      csrf,
    ),
    403,
  );
}

/**
 * Requires a signed-in user; on POST also a same-origin request carrying the session's CSRF
 * token (form field `_csrf` or HTMX's `X-CSRF-Token` header).
 */
export function requireUser(deps: ApiDeps): MiddlewareHandler<DashboardEnv> {
  return createMiddleware<DashboardEnv>(async (c, next) => {
    const signedIn = await currentUser(c, deps);
    if (!signedIn) return signInFirst(c);
    if (isWrite(c)) {
      const given = c.req.header('x-csrf-token') ?? (await formField(c, '_csrf'));
      if (
        !Auth.originAllowed(c.req.header('origin'), allowedOrigins(c)) ||
        !Auth.sameToken(signedIn.session.csrf, given)
      ) {
        return csrfRefused(c, signedIn.user, signedIn.session.csrf);
      }
    }
    c.set('user', signedIn.user);
    c.set('session', signedIn.session);
    const pool = await deps.pool();
    const books = await Households.booksOf(pool, signedIn.user.id);
    c.set('books', books);
    const book = await resolveBook(pool, signedIn.user, c.req.query(BOOK_PARAM), books);
    if (!book) return bookRefused(c, signedIn.user, signedIn.session.csrf);
    c.set('book', book);
    if (isWrite(c) && book.role === 'viewer') return viewerRefused(c, book);
    await next();
  });
}

/** The token for a pre-session form: the cookie's, or a new one set now. */
export function formToken(c: Context): string {
  const existing = getCookie(c, FORM_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = Auth.randomToken();
  setCookie(c, FORM_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: secure(),
    path: '/',
    maxAge: 2 * 60 * 60,
  });
  return token;
}

/** Checks a pre-session form: same origin, and the `_csrf` field equal to the cookie. */
export async function checkFormToken(c: Context): Promise<Response | null> {
  const given = await formField(c, '_csrf');
  if (
    !Auth.originAllowed(c.req.header('origin'), allowedOrigins(c)) ||
    !Auth.sameToken(getCookie(c, FORM_COOKIE), given)
  ) {
    return csrfRefused(c);
  }
  return null;
}

/**
 * `GET /transactions`, `/transactions/export` and `/savings` are both SPEC.md's JSON API (which
 * names the user with `user_id`/`phone`) and dashboard pages. A request that names a user, or
 * that is neither from a browser (Accept: text/html) nor carries a session cookie, is an API
 * call and goes on to the JSON route untouched; anything else is the dashboard's, for the
 * session's user only.
 */
export function isDashboardRequest(c: Context): boolean {
  const query = c.req.query();
  if ('user_id' in query || 'phone' in query) return false;
  return getCookie(c, SESSION_COOKIE) !== undefined || (c.req.header('accept') ?? '').includes('text/html');
}

/** Serves `page` to dashboard requests (signed in) and passes API calls on to the JSON route. */
export function pageOrApi(
  deps: ApiDeps,
  page: (c: Context<DashboardEnv>) => Promise<Response>,
): MiddlewareHandler<DashboardEnv> {
  const guard = requireUser(deps);
  return async (c, next) => {
    if (!isDashboardRequest(c)) return next();
    let response: Response | undefined;
    const guarded = await guard(c, async () => {
      response = await page(c);
    });
    return response ?? guarded ?? c.res;
  };
}
