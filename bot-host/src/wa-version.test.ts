/**
 * The WhatsApp Web version at start (issue 14 item 12). This machine cannot reach WhatsApp, so
 * the real helper's fallback is what runs here: Baileys' bundled version, said in the log.
 */
import { logger } from '@kantong/shared/logger';
import { DEFAULT_CONNECTION_CONFIG } from 'baileys';
import { describe, expect, it } from 'vitest';
import { resolveWaVersion, waVersionOnce } from './wa-version.ts';

describe('resolveWaVersion', () => {
  it('asks WhatsApp with Baileys’ own helper and falls back to the bundled version when it cannot', async () => {
    const resolved = await resolveWaVersion(logger);
    expect(resolved.version).toHaveLength(3);
    if (resolved.source === 'bundled') expect(resolved.version).toEqual(DEFAULT_CONNECTION_CONFIG.version);
    else expect(resolved.version[2]).toBeGreaterThan(0);
  }, 20_000);

  it('uses the version WhatsApp answers, and the bundled one when the helper fails or throws', async () => {
    const current = await resolveWaVersion(logger, async () => ({ version: [2, 3000, 99], isLatest: true }));
    expect(current).toEqual({ version: [2, 3000, 99], source: 'whatsapp' });
    const failed = await resolveWaVersion(logger, async () => ({
      version: DEFAULT_CONNECTION_CONFIG.version,
      isLatest: false,
      error: new Error('offline'),
    }));
    expect(failed).toEqual({ version: DEFAULT_CONNECTION_CONFIG.version, source: 'bundled' });
    const thrown = await resolveWaVersion(logger, async () => {
      throw new Error('getaddrinfo ENOTFOUND web.whatsapp.com');
    });
    expect(thrown).toEqual({ version: DEFAULT_CONNECTION_CONFIG.version, source: 'bundled' });
  });

  it('fetches once for every session of the process', async () => {
    let calls = 0;
    const once = waVersionOnce(logger, async () => {
      calls += 1;
      return { version: [2, 3000, 7], isLatest: true };
    });
    expect(await Promise.all([once(), once(), once()])).toEqual([
      [2, 3000, 7],
      [2, 3000, 7],
      [2, 3000, 7],
    ]);
    expect(calls).toBe(1);
  });
});
