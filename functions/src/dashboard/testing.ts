/**
 * A browser stand-in for route tests: keeps cookies, reads the CSRF token from the pages it
 * gets, and signs in the way a person does — from the bot's one-time link.
 */
import type { TestApi } from '../api/testing.ts';

export type Reply = { status: number; text: string; headers: Headers };

export type Browser = {
  cookies: Map<string, string>;
  /** The last CSRF token seen in a page (hidden `_csrf` field). */
  csrf: string;
  get: (path: string, headers?: Record<string, string>) => Promise<Reply>;
  post: (path: string, form: Record<string, string>, headers?: Record<string, string>) => Promise<Reply>;
};

const CSRF_FIELD = /name="_csrf" value="([^"]*)"/;

export function browser(api: TestApi): Browser {
  const cookies = new Map<string, string>();
  const state: Browser = {
    cookies,
    csrf: '',
    get: (path, headers = {}) => send('GET', path, undefined, headers),
    post: (path, form, headers = {}) => send('POST', path, form, headers),
  };
  async function send(
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await api.app.request(path, {
      method,
      headers: {
        Accept: 'text/html',
        ...(cookie ? { Cookie: cookie } : {}),
        ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => /max-age=0\b/i.test(attribute.trim()));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    const text = await response.text();
    const token = CSRF_FIELD.exec(text)?.[1];
    if (token) state.csrf = token;
    return { status: response.status, text, headers: response.headers };
  }
  return state;
}

/** The one-time link token in a bot reply. */
export function linkToken(reply: unknown): string {
  const token = /\/onboarding\/([A-Za-z0-9_-]{43})/.exec(String(reply))?.[1];
  if (!token) throw new Error(`no dashboard link in reply: ${String(reply)}`);
  return token;
}

/** A WhatsApp user who asked the bot for a link, set `password` with it and is signed in. */
export async function signedInBrowser(
  api: TestApi,
  phone: string,
  password = 'rahasia-123',
): Promise<Browser> {
  const token = linkToken((await api.say(phone, 'link dashboard')).reply);
  const client = browser(api);
  const page = await client.get(`/onboarding/${token}`);
  if (page.status !== 200) throw new Error(`onboarding page ${page.status}`);
  const done = await client.post(`/onboarding/${token}`, {
    _csrf: client.csrf,
    password,
    confirmation: password,
  });
  if (done.status !== 303) throw new Error(`onboarding ${done.status}: ${done.text.slice(0, 300)}`);
  await client.get('/dashboard');
  return client;
}
