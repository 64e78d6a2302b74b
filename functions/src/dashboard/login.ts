/**
 * `/login`, `/logout` and `/onboarding/:token`: the ways into the dashboard. The bot's one-time
 * link sets (or resets) the password and signs the person in; the link then no longer works.
 */
import * as Auth from '@kantong/shared/auth';
import { DomainError } from '@kantong/shared/errors';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { ApiDeps } from '../api/deps.ts';
import {
  checkFormToken,
  currentUser,
  type DashboardEnv,
  endSession,
  formToken,
  nowOf,
  requireUser,
  startSession,
} from './session.ts';
import { alert, hiddenCsrf, layout, render } from './views.ts';

const LoginFormSchema = z.object({
  identifier: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(Auth.PASSWORD_MAX_LENGTH),
});

const PasswordFormSchema = z.object({
  password: z.string().max(1000),
  confirmation: z.string().max(1000),
  email: z.string().trim().max(254).optional(),
});

function loginPage(csrf: string, input: { error?: string; identifier?: string } = {}) {
  return layout({
    title: 'Masuk',
    body: html`<section class="card login" aria-labelledby="judul-login">
  <h1 id="judul-login">Masuk ke Kantong</h1>
  ${alert('error', input.error)}
  <form method="post" action="/login">
    ${hiddenCsrf(csrf)}
    <div class="field">
      <label for="identifier">Nomor WhatsApp atau email</label>
      <input id="identifier" name="identifier" autocomplete="username" inputmode="email" required
        value="${input.identifier ?? ''}" placeholder="0812… atau nama@email.com">
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
    </div>
    <button type="submit">Masuk</button>
  </form>
  <p class="muted">Belum punya password atau lupa? Kirim <strong>link dashboard</strong> ke bot Kantong di
  WhatsApp, nanti dikirimi link untuk buat password baru.</p>
</section>`,
  });
}

function passwordPage(
  csrf: string,
  input: { token: string; reset: boolean; error?: string; email?: string },
) {
  const heading = input.reset ? 'Ganti password dashboard' : 'Buat password dashboard';
  return layout({
    title: heading,
    body: html`<section class="card login" aria-labelledby="judul-password">
  <h1 id="judul-password">${heading}</h1>
  ${alert('error', input.error)}
  <form method="post" action="/onboarding/${input.token}">
    ${hiddenCsrf(csrf)}
    <div class="field">
      <label for="password">Password baru</label>
      <p class="muted" id="aturan-password">Aturannya: ${Auth.PASSWORD_RULE}.</p>
      <input id="password" name="password" type="password" autocomplete="new-password"
        aria-describedby="aturan-password" minlength="${Auth.PASSWORD_MIN_LENGTH}" maxlength="${Auth.PASSWORD_MAX_LENGTH}" required>
    </div>
    <div class="field">
      <label for="confirmation">Ulangi password</label>
      <input id="confirmation" name="confirmation" type="password" autocomplete="new-password" required>
    </div>
    <div class="field">
      <label for="email">Email (opsional, untuk masuk pakai email)</label>
      <input id="email" name="email" type="email" autocomplete="email" value="${input.email ?? ''}">
    </div>
    <button type="submit">Simpan password</button>
  </form>
</section>`,
  });
}

const LINK_GONE =
  "Link ini sudah dipakai atau sudah kedaluwarsa. Kirim 'link dashboard' ke bot Kantong di WhatsApp untuk link baru.";

function linkGonePage() {
  return layout({
    title: 'Link tidak berlaku',
    body: html`<section class="card login"><h1>Link tidak berlaku</h1>${alert('error', LINK_GONE)}
<p><a href="/login">Ke halaman masuk</a></p></section>`,
  });
}

async function formOf<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T> | null> {
  const parsed = schema.safeParse(await c.req.parseBody());
  return parsed.success ? parsed.data : null;
}

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

export function loginRoutes(deps: ApiDeps) {
  return new Hono<DashboardEnv>()
    .get('/', async (c) => c.redirect((await currentUser(c, deps)) ? '/dashboard' : '/login', 302))
    .get('/login', async (c) => {
      if (await currentUser(c, deps)) return c.redirect('/dashboard', 302);
      return render(c, loginPage(formToken(c)));
    })
    .post('/login', async (c) => {
      const refused = await checkFormToken(c);
      if (refused) return refused;
      const csrf = formToken(c);
      const form = await formOf(c, LoginFormSchema);
      if (!form) return render(c, loginPage(csrf, { error: 'Isi nomor/email dan password dulu ya.' }), 400);
      const result = await Auth.login(await deps.pool(), { ...form, now: nowOf(deps) });
      if (!result.ok) {
        const locked = result.reason === 'locked';
        const error = locked
          ? `Terlalu banyak percobaan gagal. Coba lagi dalam ${minutes(result.retryAfterMs)} menit.`
          : 'Nomor/email atau password salah.';
        return render(
          c,
          loginPage(csrf, { error, identifier: form.identifier }),
          locked ? 429 : 401,
          locked ? { 'Retry-After': String(Math.ceil(result.retryAfterMs / 1000)) } : {},
        );
      }
      await startSession(c, deps, result.userId, result.sessionVersion);
      return c.redirect('/dashboard', 303);
    })
    .post('/logout', requireUser(deps), async (c) => {
      await endSession(c, deps);
      return c.redirect('/login', 303);
    })
    .get('/onboarding/:token', async (c) => {
      const token = c.req.param('token');
      const pool = await deps.pool();
      const userId = await Auth.userOfLink(pool, token, nowOf(deps));
      if (userId === null) return render(c, linkGonePage(), 410);
      const reset = await Auth.hasPassword(pool, userId);
      return render(c, passwordPage(formToken(c), { token, reset }));
    })
    .post('/onboarding/:token', async (c) => {
      const refused = await checkFormToken(c);
      if (refused) return refused;
      const token = c.req.param('token');
      const csrf = formToken(c);
      const form = await formOf(c, PasswordFormSchema);
      if (!form)
        return render(c, passwordPage(csrf, { token, reset: false, error: 'Isi password dulu ya.' }), 400);
      try {
        const done = await Auth.setPasswordWithLink(await deps.pool(), {
          token,
          password: form.password,
          confirmation: form.confirmation,
          email: form.email ?? null,
          now: nowOf(deps),
        });
        if (!done) return render(c, linkGonePage(), 410);
        await startSession(c, deps, done.userId, done.sessionVersion);
        return c.redirect('/dashboard?selamat=1', 303);
      } catch (error) {
        const message =
          error instanceof DomainError
            ? error.message
            : error instanceof z.ZodError
              ? (error.issues[0]?.message ?? 'Data belum benar.')
              : undefined;
        if (message === undefined) throw error;
        const reset = false;
        return render(
          c,
          passwordPage(csrf, { token, reset, error: message, ...(form.email ? { email: form.email } : {}) }),
          error instanceof DomainError && error.code === 'conflict' ? 409 : 400,
        );
      }
    });
}
