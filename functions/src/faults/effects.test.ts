/**
 * The check every fault test and bench:load rely on: it must see a message with no ledger row as
 * lost and one with two as duplicated (after its query was rewritten with hash joins, issue 16).
 */
import { sql } from '@kantong/shared/db';
import { createTestDatabase, type TestDatabase } from '@kantong/shared/db/testing';
import * as Messages from '@kantong/shared/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEffects } from './effects.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** One inbound message from a new sender with `ledger` ledger rows and `replies` outbox rows. */
async function message(id: string, ledger: number, replies: number) {
  const userId = await db.pool.oneFirst(sql.unsafe`
    INSERT INTO users (name, phone, timezone, status) VALUES ('t', ${`62877${id}`}, 'Asia/Jakarta', 'active')
    RETURNING id`);
  const rowId = await Messages.logInbound(db.pool, {
    userId: Number(userId),
    from: `62877${id}`,
    messageId: id,
    type: 'text',
    body: 'beli kopi 20k',
  });
  for (let i = 0; i < ledger; i += 1) {
    await db.pool.query(sql.unsafe`
      INSERT INTO transactions (user_id, direction, amount, tx_datetime, source, wa_message_row_id)
      VALUES (${Number(userId)}, 'expense', 20000, now(), 'whatsapp', ${rowId})`);
  }
  for (let i = 0; i < replies; i += 1) {
    await db.pool.query(sql.unsafe`
      INSERT INTO outbox (user_id, to_number, body, in_reply_to) VALUES (${Number(userId)}, ${`62877${id}`}, 'ok', ${rowId})`);
  }
}

describe('checkEffects', () => {
  it('tells one effect each from a lost and a doubled one', async () => {
    await message('00000001', 1, 1);
    await message('00000002', 0, 1);
    await message('00000003', 2, 1);
    await message('00000004', 1, 2);
    const replies = new Map(['00000001', '00000002', '00000003', '00000004'].map((id) => [id, 1]));
    replies.set('00000005', 1); // accepted, never logged
    const report = await checkEffects(db.pool, [...replies.keys()], replies);
    expect(report.lost.sort()).toEqual(['00000002', '00000005']);
    expect(report.duplicated.sort()).toEqual(['00000003', '00000004']);
  });
});
