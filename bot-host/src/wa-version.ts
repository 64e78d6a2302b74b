/**
 * The WhatsApp Web version the sockets announce (issue 14 item 12). Baileys bundles the version
 * current at its release; when WhatsApp moves on, every session is refused with 405 at once (a
 * known production failure). So the host asks WhatsApp for the current version once at start,
 * with Baileys' own helper (`fetchLatestWaWebVersion`, which reads web.whatsapp.com's service
 * worker), and falls back to the bundled version when that fails or the machine is offline —
 * the fallback is logged, and a 405 afterwards is an alert (session.ts).
 */
import type { Logger } from '@kantong/shared/logger';
import { DEFAULT_CONNECTION_CONFIG, fetchLatestWaWebVersion, type WAVersion } from 'baileys';

/** How long start-up waits for WhatsApp's answer before it uses the bundled version. */
export const VERSION_FETCH_TIMEOUT_MS = 5000;

export type VersionFetcher = typeof fetchLatestWaWebVersion;

/** The current version, or the bundled one (with the reason logged) when it cannot be fetched. */
export async function resolveWaVersion(
  log: Logger,
  fetcher: VersionFetcher = fetchLatestWaWebVersion,
): Promise<{ version: WAVersion; source: 'whatsapp' | 'bundled' }> {
  try {
    const result = await fetcher({ signal: AbortSignal.timeout(VERSION_FETCH_TIMEOUT_MS) });
    if (!result.error && result.isLatest !== false) {
      log.info({ version: result.version.join('.') }, 'using the current WhatsApp Web version');
      return { version: result.version, source: 'whatsapp' };
    }
    log.warn(
      { version: result.version.join('.'), err: result.error },
      'could not fetch the current WhatsApp Web version; using the one bundled with Baileys',
    );
    return { version: result.version, source: 'bundled' };
  } catch (error) {
    const version = DEFAULT_CONNECTION_CONFIG.version;
    log.warn(
      { version: version.join('.'), err: error },
      'could not fetch the current WhatsApp Web version; using the one bundled with Baileys',
    );
    return { version, source: 'bundled' };
  }
}

/** One fetch per process, shared by every session (each start and restart awaits the same answer). */
export function waVersionOnce(log: Logger, fetcher?: VersionFetcher): () => Promise<WAVersion> {
  let pending: Promise<WAVersion> | undefined;
  return () => {
    pending ??= resolveWaVersion(log, fetcher).then((resolved) => resolved.version);
    return pending;
  };
}
