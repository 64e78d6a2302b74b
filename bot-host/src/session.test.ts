/**
 * The session's state machine and reconnect policy, driven by the close codes WhatsApp sends
 * (Baileys' DisconnectReason), with a stand-in socket for WhatsApp's servers.
 */
import { sql } from '@kantong/shared/db';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { logger } from '@kantong/shared/logger';
import { DisconnectReason } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hasCreds, usePostgresAuthState } from './auth-state.ts';
import { createMetrics } from './metrics.ts';
import { formatPairingCode, reconnectDecision, Session, TERMINAL_NOTES } from './session.ts';
import { standInFactory } from './testing.ts';

describe('reconnectDecision', () => {
  it.each([
    [DisconnectReason.loggedOut, 'logged_out', true],
    [DisconnectReason.connectionReplaced, 'connection_replaced', false],
    [DisconnectReason.forbidden, 'forbidden', false],
    [DisconnectReason.multideviceMismatch, 'multidevice_mismatch', true],
  ])('never reconnects after close code %i (%s)', (code, reason, forgetLogin) => {
    expect(reconnectDecision(code, 0)).toEqual({ reconnect: false, reason, forgetLogin });
    expect(reconnectDecision(code, 7).reconnect).toBe(false);
  });

  it('reconnects at once, without counting a failure, when WhatsApp asks for a restart after pairing', () => {
    expect(reconnectDecision(DisconnectReason.restartRequired, 3)).toEqual({
      reconnect: true,
      delayMs: 0,
      countsAsFailure: false,
    });
  });

  it.each([
    DisconnectReason.connectionClosed,
    DisconnectReason.connectionLost,
    DisconnectReason.badSession,
    DisconnectReason.unavailableService,
    undefined,
  ])('reconnects after close code %s with a backoff that grows, up to its ceiling', (code) => {
    const delays = [0, 1, 2, 3, 8, 9, 40].map((attempt) => {
      const decision = reconnectDecision(code, attempt, { baseMs: 1000, maxMs: 300_000 }, () => 1);
      if (!decision.reconnect) throw new Error('expected a reconnect');
      expect(decision.countsAsFailure).toBe(true);
      return decision.delayMs;
    });
    expect(delays).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
  });

  it('spreads the backoff with jitter, so sessions dropped together do not come back together', () => {
    const delayOf = (attempt: number, random?: () => number) => {
      const decision = reconnectDecision(DisconnectReason.connectionLost, attempt, undefined, random);
      if (!decision.reconnect) throw new Error('expected a reconnect');
      return decision.delayMs;
    };
    expect(delayOf(3, () => 0)).toBe(4000);
    expect(delayOf(3, () => 0.5)).toBe(6000);
    const spread = new Set(Array.from({ length: 50 }, () => delayOf(3)));
    expect(spread.size).toBeGreaterThan(10);
    for (const delay of spread) expect(delay >= 4000 && delay <= 8000).toBe(true);
  });
});

describe('Session', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ maximumPoolSize: 4 });
  });
  afterAll(async () => {
    await db.drop();
  });

  function closeWith(code: number) {
    return {
      connection: 'close',
      lastDisconnect: {
        error: Object.assign(new Error(`closed ${code}`), { output: { statusCode: code } }),
        date: new Date(),
      },
    };
  }

  function makeSession(id: string, terminal?: { pairPhone?: string }) {
    const whatsapp = standInFactory();
    const sleeps: number[] = [];
    const metrics = createMetrics();
    /** What the person linking the phone reads in the terminal. */
    const said: string[] = [];
    const session = new Session({
      id,
      pool: db.pool,
      log: logger,
      metrics,
      factory: whatsapp.factory,
      hooks: { onMessages: async () => undefined },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      // The top of the jitter range: the delays read as the plain doubling.
      random: () => 1,
      ...(terminal ? { terminal: (text: string) => said.push(text) } : {}),
      ...(terminal?.pairPhone ? { pairPhone: terminal.pairPhone } : {}),
    });
    return { session, whatsapp, sleeps, metrics, said };
  }

  it('goes STARTING → SCAN_QR_CODE on a QR code → WORKING when the phone scanned it', async () => {
    const { session, whatsapp } = makeSession('qr');
    expect(session.state).toBe('STOPPED');

    await session.start();
    expect(session.state).toBe('STARTING');
    whatsapp.sockets[0]?.emit('connection.update', { qr: '2@abc,def,ghi' });
    expect(session.state).toBe('SCAN_QR_CODE');
    expect(session.qr).toBe('2@abc,def,ghi');
    expect(await session.requestPairingCode('6285000000001')).toBe('K001TNG1');
    whatsapp.sockets[0]?.emit('connection.update', { connection: 'open' });

    expect(session.state).toBe('WORKING');
    expect(session.qr).toBeNull();
    await session.stop();
    expect(session.state).toBe('STOPPED');
    expect(whatsapp.sockets[0]?.ended).toBe(true);
  });

  it('opens a new socket at once after the restart that follows pairing', async () => {
    const { session, whatsapp, sleeps } = makeSession('paired');
    await session.start();

    whatsapp.sockets[0]?.emit('connection.update', closeWith(DisconnectReason.restartRequired));
    await expect.poll(() => whatsapp.sockets.length).toBe(2);
    whatsapp.sockets[1]?.emit('connection.update', { connection: 'open' });

    expect(sleeps).toEqual([0]);
    expect(session.state).toBe('WORKING');
    expect(session.attempts).toBe(0);
    await session.stop();
  });

  it('reconnects with a growing backoff after drops, and resets it once connected', async () => {
    const { session, whatsapp, sleeps, metrics } = makeSession('flaky');
    await session.start();

    for (let drop = 0; drop < 3; drop += 1) {
      whatsapp.sockets.at(-1)?.emit('connection.update', closeWith(DisconnectReason.connectionLost));
      await expect.poll(() => whatsapp.sockets.length).toBe(drop + 2);
    }
    whatsapp.sockets.at(-1)?.emit('connection.update', { connection: 'open' });

    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(session.attempts).toBe(0);
    expect(session.state).toBe('WORKING');
    expect(await metrics.registry.getSingleMetricAsString('kantong_wa_reconnects_total')).toContain(
      'kantong_wa_reconnects_total{session="flaky",code="408"} 3',
    );
    await session.stop();
  });

  it('alerts when WhatsApp refuses the connection with 405 (an outdated WhatsApp Web version)', async () => {
    const { session, whatsapp, metrics } = makeSession('outdated');
    await session.start();
    whatsapp.sockets[0]?.emit('connection.update', closeWith(405));
    await expect.poll(() => whatsapp.sockets.length).toBe(2);
    expect(await metrics.registry.getSingleMetricAsString('kantong_wa_alerts_total')).toContain(
      'kantong_wa_alerts_total{session="outdated",reason="outdated_version_405"} 1',
    );
    await session.stop();
  });

  it('retries a failed save of the credentials, counting and logging each failure', async () => {
    const { session, whatsapp, metrics } = makeSession('creds');
    await session.start();
    // The table away for a moment: the first saves fail, a later one lands.
    await db.pool.query(sql.unsafe`ALTER TABLE wa_auth_creds RENAME TO wa_auth_creds_away`);
    whatsapp.sockets[0]?.emit('creds.update', {});
    await expect
      .poll(() => metrics.registry.getSingleMetricAsString('kantong_wa_creds_save_failures_total'))
      .toContain('kantong_wa_creds_save_failures_total{session="creds"} 1');
    await db.pool.query(sql.unsafe`ALTER TABLE wa_auth_creds_away RENAME TO wa_auth_creds`);
    await expect
      .poll(
        () =>
          db.pool.maybeOneFirst(sql.type(z.object({ n: z.number() }))`
            SELECT count(*)::int AS n FROM wa_auth_creds WHERE session_id = 'creds'`),
        { timeout: 10_000 },
      )
      .toBe(1);
    await session.stop();
  });

  it('stops for good and forgets the login when the phone logged the device out (401)', async () => {
    const { session, whatsapp } = makeSession('logout');
    const auth = await usePostgresAuthState(db.pool, 'logout');
    await auth.saveCreds();
    await session.start();

    whatsapp.sockets[0]?.emit('connection.update', closeWith(DisconnectReason.loggedOut));

    expect(session.state).toBe('FAILED');
    expect(session.lastError).toContain('logged_out');
    await expect.poll(() => hasCreds(db.pool, 'logout')).toBe(false);
    expect(whatsapp.sockets).toHaveLength(1);
  });

  it('stops for good, keeping the login, when another connection replaced this one (440)', async () => {
    const { session, whatsapp } = makeSession('replaced');
    const auth = await usePostgresAuthState(db.pool, 'replaced');
    await auth.saveCreds();
    await session.start();

    whatsapp.sockets[0]?.emit('connection.update', closeWith(DisconnectReason.connectionReplaced));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(session.state).toBe('FAILED');
    expect(whatsapp.sockets).toHaveLength(1);
    expect(await hasCreds(db.pool, 'replaced')).toBe(true);
  });

  it('saves the credentials when Baileys updates them, and when it stops', async () => {
    const { session, whatsapp } = makeSession('saver');
    await session.start();
    expect(await hasCreds(db.pool, 'saver')).toBe(false);

    whatsapp.sockets[0]?.emit('creds.update', { registered: true });
    await expect.poll(() => hasCreds(db.pool, 'saver')).toBe(true);
    await session.stop();

    expect(await hasCreds(db.pool, 'saver')).toBe(true);
  });

  describe('in the terminal', () => {
    it('shows the QR code, then says the number is linked and what to try', async () => {
      const { session, whatsapp, said } = makeSession('terminal-qr', {});
      await session.start();
      whatsapp.sockets[0]?.emit('connection.update', { qr: '2@abc,def,ghi' });
      await expect.poll(() => said.length).toBe(1);
      expect(said[0]).toContain('Perangkat tertaut');
      expect(said[0]).toContain('npm run host -- --pair');
      // A QR code drawn in block characters.
      expect(said[0]).toMatch(/[▀▄█]{10}/);

      // Scanned: WhatsApp restarts the connection (515), then opens it with the new login.
      whatsapp.sockets[0]?.emit('connection.update', {
        connection: 'close',
        lastDisconnect: {
          error: Object.assign(new Error('restart required'), { output: { statusCode: 515 } }),
          date: new Date(),
        },
      });
      await expect.poll(() => whatsapp.sockets.length).toBe(2);
      whatsapp.sockets[1]?.emit('connection.update', { connection: 'open' });
      expect(said).toHaveLength(2);
      expect(said[1]).toContain('✅ WhatsApp sesi "terminal-qr" tersambung sebagai +6285000000001');
      expect(said[1]).toContain('perangkat tertaut baru');

      // A later reconnect is the logs' business, not the terminal's.
      whatsapp.sockets[1]?.emit('connection.update', closeWith(DisconnectReason.connectionLost));
      await expect.poll(() => whatsapp.sockets.length).toBe(3);
      whatsapp.sockets[2]?.emit('connection.update', { connection: 'open' });
      expect(said).toHaveLength(2);
      await session.stop();
    });

    it('asks for one pairing code per connection instead of the QR code, however often the QR changes', async () => {
      const { session, whatsapp, said } = makeSession('terminal-pair', { pairPhone: '6281234567890' });
      const asked: string[] = [];
      await session.start();
      const socket = whatsapp.sockets[0];
      if (!socket) throw new Error('no socket');
      const request = socket.requestPairingCode;
      socket.requestPairingCode = async (phone) => {
        asked.push(phone);
        return request(phone);
      };
      for (const qr of ['2@one', '2@two', '2@three']) socket.emit('connection.update', { qr });
      await expect.poll(() => said.length).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(asked).toEqual(['6281234567890']);
      expect(said).toHaveLength(1);
      expect(said[0]).toContain('+6281234567890:  K890-TNG1');
      expect(said[0]).toContain('Tautkan dengan nomor telepon saja');
      expect(said[0]).not.toMatch(/[▀▄█]{10}/);
      await session.stop();
    });

    it('says what happened and what to do after a logout (401) and a replaced connection (440)', async () => {
      const loggedOut = makeSession('terminal-401', {});
      await loggedOut.session.start();
      loggedOut.whatsapp.sockets[0]?.emit('connection.update', closeWith(DisconnectReason.loggedOut));
      expect(loggedOut.said).toEqual([TERMINAL_NOTES.failed('terminal-401', 'logged_out', 401)]);
      expect(loggedOut.said[0]).toContain('Jalankan host lagi untuk menautkan ulang (QR baru)');

      const replaced = makeSession('terminal-440', {});
      await replaced.session.start();
      replaced.whatsapp.sockets[0]?.emit('connection.update', closeWith(DisconnectReason.connectionReplaced));
      expect(replaced.said).toHaveLength(1);
      expect(replaced.said[0]).toContain('connection replaced, 440');
      expect(replaced.said[0]).toContain('Hentikan yang lain');
      expect(replaced.said[0]).toContain('nggak perlu scan ulang');
    });

    it('says once when WhatsApp cannot be reached before the first login', async () => {
      const { session, whatsapp, said } = makeSession('terminal-offline', {});
      await session.start();
      for (let drop = 0; drop < 5; drop += 1) {
        whatsapp.sockets.at(-1)?.emit('connection.update', closeWith(DisconnectReason.connectionLost));
        await expect.poll(() => whatsapp.sockets.length).toBe(drop + 2);
      }
      expect(said).toHaveLength(1);
      expect(said[0]).toContain('belum bisa tersambung (closed 408)');
      await session.stop();
    });

    it('writes a pairing code the way the phone shows it', () => {
      expect(formatPairingCode('ABCD1234')).toBe('ABCD-1234');
      expect(formatPairingCode('ABC')).toBe('ABC');
    });
  });
});
