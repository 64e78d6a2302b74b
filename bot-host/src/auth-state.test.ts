/**
 * The Baileys login survives a restart of the host: written through one store, read back equal
 * through a new one on the same PostgreSQL, bytes included.
 */
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import { initAuthCreds, proto } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgresAuthState } from './auth-state.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 4 });
});

afterAll(async () => {
  await db.drop();
});

describe('PostgreSQL auth state', () => {
  it('gives fresh credentials to a session never logged in', async () => {
    const auth = await usePostgresAuthState(db.pool, 'fresh');

    expect(auth.state.creds.registered).toBe(false);
    expect(auth.state.creds.noiseKey.private).toHaveLength(32);
    expect(await auth.state.keys.get('pre-key', ['1'])).toEqual({});
  });

  it('reads back, after a restart, the credentials and keys of every family it wrote', async () => {
    // Prepare: a logged-in session's credentials and one key of each family.
    const first = await usePostgresAuthState(db.pool, 'main');
    Object.assign(first.state.creds, {
      registered: true,
      me: { id: '6285000000001:7@s.whatsapp.net', name: 'Kantong' },
      routingInfo: Buffer.from([1, 2, 3, 250]),
      nextPreKeyId: 31,
    });
    const keyPair = { public: new Uint8Array([5, 6, 7]), private: Buffer.from([8, 9]) };
    const syncKey = proto.Message.AppStateSyncKeyData.fromObject({
      keyData: Buffer.from('app-state-key'),
      timestamp: 1_790_000_000,
    });
    const written = {
      'pre-key': { '1': keyPair, '2': keyPair },
      session: { '6281234567890.0': new Uint8Array([1, 1, 2, 3, 5, 8]) },
      'sender-key': { 'group@g.us::628:0': Buffer.from('sender') },
      'sender-key-memory': { 'group@g.us': { '6281234567890@s.whatsapp.net': true } },
      'app-state-sync-key': { AAAAAQ: syncKey },
      'app-state-sync-version': {
        regular: {
          version: 3,
          hash: Buffer.alloc(128, 1),
          indexValueMap: { abc: { valueMac: Buffer.from([9]) } },
        },
      },
      'lid-mapping': { '6281234567890': '123456789012345' },
      'device-list': { '6281234567890': ['0', '12'] },
      tctoken: { '6281234567890@s.whatsapp.net': { token: Buffer.from('tc'), timestamp: '1790000000' } },
      'identity-key': { '6281234567890.0': new Uint8Array([42, 43]) },
    };
    await first.state.keys.set(written);
    await first.saveCreds();

    // Act: a new host process opens the same session.
    const second = await usePostgresAuthState(db.pool, 'main');

    // Assess
    const bytes = (value: unknown) => Buffer.from(value as Uint8Array).toString('hex');
    expect(second.state.creds.registered).toBe(true);
    expect(second.state.creds.me).toEqual({ id: '6285000000001:7@s.whatsapp.net', name: 'Kantong' });
    expect(second.state.creds.nextPreKeyId).toBe(31);
    expect(bytes(second.state.creds.routingInfo)).toBe('010203fa');
    expect(bytes(second.state.creds.noiseKey.private)).toBe(bytes(first.state.creds.noiseKey.private));
    expect(bytes(second.state.creds.signedIdentityKey.public)).toBe(
      bytes(first.state.creds.signedIdentityKey.public),
    );
    expect(second.state.creds.signedPreKey.signature).toBeInstanceOf(Uint8Array);

    const preKeys = await second.state.keys.get('pre-key', ['1', '2', '3']);
    expect(Object.keys(preKeys).sort()).toEqual(['1', '2']);
    expect(bytes(preKeys['1']?.public)).toBe('050607');
    expect(bytes(preKeys['1']?.private)).toBe('0809');
    const sessions = await second.state.keys.get('session', ['6281234567890.0']);
    expect(bytes(sessions['6281234567890.0'])).toBe('010102030508');
    const sync = (await second.state.keys.get('app-state-sync-key', ['AAAAAQ'])).AAAAAQ;
    expect(sync).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(sync?.keyData ?? []).toString()).toBe('app-state-key');
    const version = (await second.state.keys.get('app-state-sync-version', ['regular'])).regular;
    expect(version?.version).toBe(3);
    expect(bytes(version?.hash)).toBe('01'.repeat(128));
    expect(bytes(version?.indexValueMap.abc?.valueMac)).toBe('09');
    expect(await second.state.keys.get('sender-key-memory', ['group@g.us'])).toEqual(
      written['sender-key-memory'],
    );
    expect(await second.state.keys.get('lid-mapping', ['6281234567890'])).toEqual(written['lid-mapping']);
    expect(await second.state.keys.get('device-list', ['6281234567890'])).toEqual(written['device-list']);
    const token = (await second.state.keys.get('tctoken', ['6281234567890@s.whatsapp.net']))[
      '6281234567890@s.whatsapp.net'
    ];
    expect(token?.token.toString()).toBe('tc');
    expect(bytes((await second.state.keys.get('identity-key', ['6281234567890.0']))['6281234567890.0'])).toBe(
      '2a2b',
    );
    expect(
      bytes((await second.state.keys.get('sender-key', ['group@g.us::628:0']))['group@g.us::628:0']),
    ).toBe(bytes(Buffer.from('sender')));
  });

  it('deletes a key set to null, updates one set again, and keeps sessions apart', async () => {
    const auth = await usePostgresAuthState(db.pool, 'second-number');
    await auth.state.keys.set({
      'pre-key': { '7': { public: Buffer.from([1]), private: Buffer.from([2]) } },
    });

    await auth.state.keys.set({
      'pre-key': { '7': null, '8': { public: Buffer.from([3]), private: Buffer.from([4]) } },
    });
    await auth.state.keys.set({
      'pre-key': { '8': { public: Buffer.from([5]), private: Buffer.from([6]) } },
    });

    const reopened = await usePostgresAuthState(db.pool, 'second-number');
    const keys = await reopened.state.keys.get('pre-key', ['7', '8', '1']);
    expect(Object.keys(keys)).toEqual(['8']);
    expect(Buffer.from(keys['8']?.public ?? []).toString('hex')).toBe('05');
  });

  it('forgets a session entirely after a logout', async () => {
    const auth = await usePostgresAuthState(db.pool, 'logged-out');
    auth.state.creds.registered = true;
    await auth.saveCreds();
    await auth.state.keys.set({ session: { a: new Uint8Array([1]) } });

    await auth.clear();

    const reopened = await usePostgresAuthState(db.pool, 'logged-out');
    expect(reopened.state.creds.registered).toBe(false);
    expect(await reopened.state.keys.get('session', ['a'])).toEqual({});
    expect(initAuthCreds().registered).toBe(false);
  });
});
