/**
 * The real-photo development set (../shared/receipts-real: 34 phone photos of Indonesian
 * receipts, truth read by eye) through the `ocr` function end to end, the way WhatsApp delivers
 * them: each photo to S3, its envelope into inbound.fifo, ingest → ocr (PaddleOCR and the
 * receipt reader) → the conversation → the ledger and outbound.fifo. One figure per field is
 * printed; a wrong total must never be booked as confirmed, and the totals read right must stay
 * at or above the floor today's engine meets. Skipped, with a note, when the folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resetConfig } from '@kantong/shared/config';
import { sql } from '@kantong/shared/db';
import type { InboundEnvelope, MediaRef } from '@kantong/shared/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startWorkers, type Workers } from '../local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';

const REAL_DIR = fileURLToPath(new URL('../../../../shared/receipts-real/', import.meta.url));
const HAS_REAL = existsSync(join(REAL_DIR, 'truth.jsonl'));
/** Totals read right out of 34 that the engine meets today (issue 11's target is 30). */
const TOTALS_FLOOR = 30;
/** 34 photos at 1–4 s each on 2 idle cores, plus the queues; generous for a busy CI machine. */
const RUN_LIMIT_MS = 1_200_000;

if (!HAS_REAL) console.warn(`NOTE: ${REAL_DIR} is absent: functions/src/ocr/real-photos.test.ts is skipped`);

const Truth = z.object({
  file: z.string(),
  total: z.number().int().nullable(),
  date: z.string().nullable(),
  merchant: z.string().nullable(),
  kind: z.string(),
});
type Truth = z.infer<typeof Truth>;

const Row = z.object({
  amount: z.bigint(),
  status: z.string(),
  merchant: z.string().nullable(),
  tx_day: z.string(),
});

process.env.MEDIA_ACK_AFTER_MS = '60000'; // no "⏳" replies: one answer per photo
resetConfig();

describe.skipIf(!HAS_REAL)('the real-photo set through the ocr function', () => {
  let pipe: TestPipeline;
  let workers: Workers | undefined;
  const truths: Truth[] = HAS_REAL
    ? readFileSync(join(REAL_DIR, 'truth.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => Truth.parse(JSON.parse(line)))
    : [];
  const phoneOf = (index: number) => `62815990${String(index).padStart(4, '0')}`;

  beforeAll(async () => {
    pipe = await createTestPipeline();
  }, 120_000);
  afterAll(async () => {
    await workers?.stop();
    await pipe?.close();
  });

  it(
    'reads the totals, dates and shops, and never books a wrong total unasked',
    async () => {
      for (const [index, truth] of truths.entries()) {
        const phone = phoneOf(index);
        await pipe.db.pool.query(sql.unsafe`
          INSERT INTO users (name, phone, status) VALUES (${`Real ${index}`}, ${phone}, 'active')`);
        const mime = truth.file.endsWith('.png') ? 'image/png' : 'image/jpeg';
        const media: MediaRef = await pipe.putMedia(
          `real/${truth.file}`,
          await readFile(join(REAL_DIR, truth.file)),
          mime,
        );
        const envelope: InboundEnvelope = { ...textEnvelope(phone, ''), type: 'image', text: null, media };
        await pipe.sendInbound(envelope);
      }
      const started = performance.now();
      workers = await startWorkers(pipe.deps, {
        retryDelaySeconds: 0,
        waitTimeSeconds: 1,
        relay: false,
        // The scheduler would send each user the weekly report on a Monday morning: one reply too many.
        scheduler: false,
      });
      const replies: Awaited<ReturnType<TestPipeline['collectReplies']>> = [];
      const deadline = Date.now() + RUN_LIMIT_MS - 60_000;
      while (replies.length < truths.length && Date.now() < deadline) {
        replies.push(...(await pipe.collectReplies(1, 5000)));
      }
      const seconds = (performance.now() - started) / 1000;
      expect(replies).toHaveLength(truths.length);

      let totals = 0;
      let dates = 0;
      let merchants = 0;
      let confirmed = 0;
      const wrongConfirmed: string[] = [];
      const misses: string[] = [];
      for (const [index, truth] of truths.entries()) {
        const rows = await pipe.db.pool.any(sql.type(Row)`
          SELECT t.amount, t.status, t.merchant,
                 to_char(t.tx_datetime AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD') AS tx_day
          FROM transactions t JOIN users u ON u.id = t.user_id
          WHERE u.phone = ${phoneOf(index)} AND t.deleted_at IS NULL ORDER BY t.id`);
        // A top-up slip is booked as the top-up plus its admin fee: together they are the total.
        const booked = rows.reduce((sum, row) => sum + row.amount, 0n);
        const isConfirmed = rows.length > 0 && rows.every((row) => row.status === 'confirmed');
        const right = truth.total !== null && booked === BigInt(truth.total);
        if (right) totals += 1;
        else
          misses.push(
            `${truth.file}: booked ${booked} (${rows[0]?.status ?? 'nothing'}), truth ${truth.total}`,
          );
        if (isConfirmed) confirmed += 1;
        if (isConfirmed && !right) wrongConfirmed.push(truth.file);
        if (truth.date !== null && rows[0]?.tx_day === truth.date) dates += 1;
        const shop = rows[0]?.merchant?.toLowerCase() ?? null;
        if (truth.merchant !== null && shop === truth.merchant.toLowerCase()) merchants += 1;
      }
      const withDate = truths.filter((truth) => truth.date !== null).length;
      const withShop = truths.filter((truth) => truth.merchant !== null).length;
      console.log(
        [
          `real photos through the ocr function (${truths.length} photos, ${seconds.toFixed(0)} s in all):`,
          `  totals right ${totals}/${truths.length} (floor ${TOTALS_FLOOR}); confirmed ${confirmed}, wrong and confirmed ${wrongConfirmed.length}`,
          `  dates right ${dates}/${withDate}; merchants right ${merchants}/${withShop}`,
          ...misses.map((miss) => `  miss: ${miss}`),
        ].join('\n'),
      );
      expect(wrongConfirmed).toEqual([]);
      expect(totals).toBeGreaterThanOrEqual(TOTALS_FLOOR);
    },
    RUN_LIMIT_MS,
  );
});
