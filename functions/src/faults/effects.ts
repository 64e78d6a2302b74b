/**
 * What "exactly one effect and one reply" means, checked against PostgreSQL and the replies that
 * came out of outbound.fifo: used by `npm run bench:load` and by the fault tests.
 *
 * A message is *lost* when it has no inbound log row, no ledger row (transaction or savings
 * movement) or no reply; it is *duplicated* when it has more than one of any of them.
 */
import { type DatabasePool, sql } from '@kantong/shared/db';
import { z } from 'zod';

export type EffectCounts = {
  /** WhatsApp message id → rows: inbound log, ledger rows, outbox rows. */
  logged: number;
  ledger: number;
  outbox: number;
};

export type EffectReport = {
  lost: string[];
  duplicated: string[];
  /** Savings accounts whose balance is not the sum of their deposits minus withdrawals. */
  unbalanced: string[];
};

const CountsRow = z.object({
  wa_message_id: z.string(),
  logged: z.number(),
  ledger: z.number(),
  outbox: z.number(),
});

/**
 * Rows per WhatsApp message id, for every inbound message whose id is in `ids`. One pass over each
 * table joined by hash (a correlated count per message scanned the ledger once per message, for
 * lack of an index on its message column: 30 s and more for bench:load's 12,000 messages).
 */
export async function effectCounts(
  pool: DatabasePool,
  ids: readonly string[],
): Promise<Map<string, EffectCounts>> {
  const rows = await pool.any(sql.type(CountsRow)`
    WITH m AS (
      SELECT id, wa_message_id FROM wa_messages
       WHERE direction = 'in' AND wa_message_id = ANY(${sql.array([...ids], 'text')})
    ), ledger AS (
      SELECT row_id, count(*) AS n FROM (
        SELECT wa_message_row_id AS row_id FROM transactions
        UNION ALL SELECT wa_message_row_id FROM savings_transactions
      ) rows WHERE row_id IN (SELECT id FROM m) GROUP BY row_id
    ), replies AS (
      SELECT in_reply_to AS row_id, count(*) AS n FROM outbox
       WHERE in_reply_to IN (SELECT id FROM m) GROUP BY in_reply_to
    )
    SELECT m.wa_message_id, count(*)::int AS logged,
           COALESCE(sum(ledger.n), 0)::int AS ledger, COALESCE(sum(replies.n), 0)::int AS outbox
      FROM m LEFT JOIN ledger ON ledger.row_id = m.id LEFT JOIN replies ON replies.row_id = m.id
     GROUP BY m.wa_message_id`);
  return new Map(rows.map((row) => [row.wa_message_id, row]));
}

const NameRow = z.object({ name: z.string() });

/** Savings accounts whose `current_amount` differs from the sum of their movements. */
export async function unbalancedSavings(pool: DatabasePool): Promise<string[]> {
  return [
    ...(await pool.anyFirst(sql.type(NameRow)`
      SELECT a.user_id || '/' || a.name AS name
        FROM savings_accounts a
       WHERE a.current_amount <> COALESCE((
               SELECT sum(CASE s.direction WHEN 'deposit' THEN s.amount ELSE -s.amount END)
                 FROM savings_transactions s WHERE s.savings_account_id = a.id), 0)`)),
  ];
}

/**
 * Checks every accepted message (its WhatsApp id) for one log row, one ledger row, one outbox row
 * and one reply seen on outbound.fifo (`replies`: in_reply_to → how many times it arrived).
 */
export async function checkEffects(
  pool: DatabasePool,
  accepted: readonly string[],
  replies: ReadonlyMap<string, number>,
): Promise<EffectReport> {
  const counts = await effectCounts(pool, accepted);
  const lost: string[] = [];
  const duplicated: string[] = [];
  for (const id of accepted) {
    const row = counts.get(id);
    const seen = [row?.logged ?? 0, row?.ledger ?? 0, row?.outbox ?? 0, replies.get(id) ?? 0];
    if (seen.some((count) => count === 0)) lost.push(id);
    else if (seen.some((count) => count > 1)) duplicated.push(id);
  }
  return { lost, duplicated, unbalanced: await unbalancedSavings(pool) };
}
