/**
 * The secrets the API cannot run without on Lambda (issue 13, item 2). Every instance must sign
 * dashboard sessions and CSRF tokens with the same key, and check internal calls with the same
 * shared secret; a process that invented its own would log people out at random and fail forms
 * on the next instance. So the `api` function refuses to start — its init fails, with this
 * message in its log — instead of running with a key of its own. serverless.yml gives it both:
 * SSM SecureString parameters for prod, the deploying shell for other stages.
 * (Self-hosted, `npm start` keeps generated ones in .data/ so they survive a restart.)
 */
import { ConfigError, getConfig } from '@kantong/shared/config';

export const REQUIRED_SECRETS = ['SESSION_SECRET', 'INTERNAL_API_SECRET'] as const;

/** Throws a ConfigError naming every missing secret; returns quietly when all are set. */
export function requireSecrets(config = getConfig()): void {
  const missing = REQUIRED_SECRETS.filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join(' and ')} not set: the api function will not start without ${missing.length > 1 ? 'them' : 'it'}, ` +
        'since every instance must share one key (serverless.yml params: SSM for prod, the shell otherwise)',
    );
  }
}
