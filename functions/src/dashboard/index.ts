/**
 * The web dashboard (SPEC.md "Dashboard Web"): server-rendered pages in the same Hono app as the
 * JSON API. Every page and form reads the user from the session cookie and from nothing else.
 */
import { DomainError } from '@kantong/shared/errors';
import { logger } from '@kantong/shared/logger';
import { Hono } from 'hono';
import type { ApiDeps } from '../api/deps.ts';
import { DOMAIN_STATUS } from '../api/http.ts';
import { assetRoutes } from './assets.ts';
import { loginRoutes } from './login.ts';
import { memberRoutes } from './members.ts';
import { overviewRoutes } from './overview.ts';
import { reportRoutes } from './report.ts';
import { savingsPageRoutes } from './savings.ts';
import type { DashboardEnv } from './session.ts';
import { transactionPageRoutes } from './transactions.ts';
import { errorPage, render } from './views.ts';
import { walletPageRoutes } from './wallets.ts';

export function dashboardRoutes(deps: ApiDeps) {
  const app = new Hono<DashboardEnv>()
    .route('/assets', assetRoutes())
    .route('/', loginRoutes(deps))
    .route('/', overviewRoutes(deps))
    .route('/', transactionPageRoutes(deps))
    .route('/', walletPageRoutes(deps))
    .route('/', savingsPageRoutes(deps))
    .route('/', reportRoutes(deps))
    .route('/', memberRoutes(deps));
  app.onError((error, c) => {
    const user = c.var.user;
    const csrf = c.var.session?.csrf;
    const { book, books } = c.var;
    if (error instanceof DomainError) {
      const title = error.code === 'not_found' ? 'Tidak ditemukan' : 'Tidak bisa diproses';
      return render(c, errorPage(title, error.message, user, csrf, book, books), DOMAIN_STATUS[error.code]);
    }
    logger.error({ err: error, path: c.req.path }, 'dashboard request failed');
    return render(
      c,
      errorPage('Ada gangguan', 'Maaf, ada gangguan di server. Coba lagi ya.', user, csrf, book, books),
      500,
    );
  });
  return app;
}
