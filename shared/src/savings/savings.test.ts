/**
 * Issue 14 items 5 and 7: goal names unique without case, even when created at once, and a
 * deposit that would overflow the balance column refused with a clear message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sql } from '../db/pool.ts';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { DomainError } from '../errors/index.ts';
import { MAX_AMOUNT } from '../money/index.ts';
import * as Users from '../users/index.ts';
import * as Savings from './index.ts';

let db: TestDatabase;
let userId: number;

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 10 });
  userId = (
    await db.pool.transaction((tx) =>
      Users.findOrCreateByPhone(tx, '6281800000001', { timezone: 'Asia/Jakarta' }),
    )
  ).user.id;
});
afterAll(async () => {
  await db.drop();
});

describe('goal names', () => {
  it('two concurrent creates of "Laptop" and "laptop": one wins, the other hears it exists', async () => {
    for (let round = 0; round < 5; round += 1) {
      const name = `Laptop${round}`;
      const results = await Promise.allSettled(
        [name, name.toLowerCase()].map((typed) =>
          db.pool.transaction((tx) => Savings.create(tx, { userId, name: typed, targetAmount: 15_000_000n })),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((result) => result.status === 'rejected')?.reason;
      expect(refused).toBeInstanceOf(DomainError);
      expect(String(refused)).toMatch(/udah ada/);
      const count = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM savings_accounts WHERE user_id = ${userId} AND lower(name) = lower(${name})`);
      expect(count).toBe(1);
      const after = await db.pool.transaction((tx) =>
        Savings.deposit(tx, { userId, name: name.toUpperCase(), amount: 500_000n, source: 'web' }),
      );
      expect(after.current_amount).toBe(500_000n);
    }
  });
});

describe('big deposits', () => {
  it('refuses a deposit that would take the balance past the largest amount, clearly, and keeps the balance', async () => {
    await db.pool.transaction((tx) =>
      Savings.create(tx, { userId, name: 'Rumah', targetAmount: MAX_AMOUNT }),
    );
    for (let index = 0; index < 9; index += 1)
      await db.pool.transaction((tx) =>
        Savings.deposit(tx, { userId, name: 'rumah', amount: MAX_AMOUNT, source: 'web' }),
      );
    const refused = db.pool.transaction((tx) =>
      Savings.deposit(tx, { userId, name: 'rumah', amount: MAX_AMOUNT, source: 'web' }),
    );
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(refused).rejects.toThrow(/kegedean/);
    const account = await Savings.findByName(db.pool, userId, 'rumah');
    expect(account?.current_amount).toBe(9n * MAX_AMOUNT);
  });
});
