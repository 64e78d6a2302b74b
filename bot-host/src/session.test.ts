/**
 * The session's state machine and reconnect policy, driven by the close codes WhatsApp sends
 * (Baileys' DisconnectReason), with a stand-in socket for WhatsApp's servers.
 */
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { logger } from '@kantong/shared/logger';
import { DisconnectReason } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCreds, usePostgresAuthState } from './auth-state.ts';
import { createMetrics } from './metrics.ts';
import { reconnectDecision, Session } from './session.ts';
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
      const decision = reconnectDecision(code, attempt, { baseMs: 1000, maxMs: 300_000 });
      if (!decision.reconnect) throw new Error('expected a reconnect');
      expect(decision.countsAsFailure).toBe(true);
      return decision.delayMs;
    });
    expect(delays).toEqual([1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
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

  function makeSession(id: string) {
    const whatsapp = standInFactory();
    const sleeps: number[] = [];
    const metrics = createMetrics();
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
    });
    return { session, whatsapp, sleeps, metrics };
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
});
