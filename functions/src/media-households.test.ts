/**
 * Receipt photos in a family group (issue 15) through the real queues and the real receipt reader
 * (Tesseract on a rendered Indomaret receipt): in a household the photo books to the household's
 * books, tagged with who sent it, and the answer goes to the group; in a group never activated the
 * photo is not even read — no "⏳ sebentar", no rows.
 */
import { readFile } from 'node:fs/promises';
import { resetConfig } from '@kantong/shared/config';
import { sql } from '@kantong/shared/db';
import type { InboundEnvelope, MediaRef } from '@kantong/shared/queue';
import { type RenderedReceipt, renderReceipts } from '@kantong/shared/receipts/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startWorkers, type Workers } from './local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from './testing-pipeline.ts';

// The quick "⏳ sebentar" reply goes out when the work is not done at once: 0 makes it certain.
process.env.MEDIA_ACK_AFTER_MS = '0';
resetConfig();

let pipe: TestPipeline;
let workers: Workers | undefined;
let photos: RenderedReceipt[];

beforeAll(async () => {
  pipe = await createTestPipeline();
  photos = await renderReceipts();
  workers = await startWorkers(pipe.deps, {
    retryDelaySeconds: 0,
    waitTimeSeconds: 1,
    relay: false,
    // The scheduler would send each user the weekly report on a Monday morning: one reply too many.
    scheduler: false,
  });
}, 120_000);
afterAll(async () => {
  await workers?.stop();
  await pipe.close();
});

const GROUP = '120363222222222222@g.us';
const QUIET_GROUP = '120363888888888888@g.us';
const RINA = '6281925000001';
const DODI = '6281925000002';

function inGroup(jid: string, from: string, name: string, rest: Partial<InboundEnvelope>): InboundEnvelope {
  return {
    ...textEnvelope(from, ''),
    ...rest,
    group: { jid, name: 'Rumah Tangga', sender_lid: null, sender_name: name, event: null },
  };
}

async function indomaretPhoto(key: string): Promise<MediaRef> {
  const found = photos.find((photo) => photo.id === 'indomaret' && photo.variant === 'clean');
  if (!found) throw new Error('no indomaret/clean photo');
  return pipe.putMedia(key, await readFile(found.file), 'image/jpeg');
}

describe('a receipt photo in a family group', () => {
  it('is not read at all in a group never activated', async () => {
    const media = await indomaretPhoto('g/quiet.jpg');
    await pipe.sendInbound(inGroup(QUIET_GROUP, DODI, 'Dodi', { type: 'image', text: null, media }));
    expect(await pipe.collectReplies(1, 8000)).toEqual([]);
    const rows = await pipe.db.pool.one(sql.type(
      z.object({ messages: z.number(), assets: z.number(), outbox: z.number() }),
    )`
      SELECT (SELECT count(*)::int FROM wa_messages) AS messages, (SELECT count(*)::int FROM media_assets) AS assets,
             (SELECT count(*)::int FROM outbox) AS outbox`);
    expect(rows).toEqual({ messages: 0, assets: 0, outbox: 0 });
  }, 30_000);

  it('books to the household, tagged with who sent it, and answers in the group', async () => {
    for (const text of ['halo', 'ya']) await pipe.sendInbound(textEnvelope(RINA, text));
    expect(await pipe.collectReplies(2, 20_000)).toHaveLength(2);
    await pipe.sendInbound(inGroup(GROUP, RINA, 'Rina', { text: 'aktifkan kantong' }));
    const [activated] = await pipe.collectReplies(1, 20_000);
    expect(activated?.to).toBe(GROUP);

    const media = await indomaretPhoto('g/indomaret.jpg');
    const envelope = inGroup(GROUP, DODI, 'Dodi', { type: 'image', text: null, media });
    await pipe.sendInbound(envelope);
    const replies: Awaited<ReturnType<TestPipeline['collectReplies']>> = [];
    const deadline = Date.now() + 90_000;
    while (!replies.some((reply) => reply.in_reply_to === envelope.message_id) && Date.now() < deadline) {
      replies.push(...(await pipe.collectReplies(1, 2000)));
    }
    expect(replies.map((reply) => reply.to).every((to) => to === GROUP)).toBe(true);
    expect(replies[0]?.text).toBe('⏳ sebentar, aku baca struknya dulu ya');
    const answer = replies.find((reply) => reply.in_reply_to === envelope.message_id);
    expect(answer?.text).toContain('Dodi: Aku baca struk Indomaret total Rp132.500');

    const booked = await pipe.db.pool.any(sql.type(
      z.object({ kind: z.string(), amount: z.bigint(), author: z.string().nullable(), photo: z.boolean() }),
    )`
      SELECT u.kind, t.amount, m.display_name AS author, t.media_asset_id IS NOT NULL AS photo
      FROM transactions t JOIN users u ON u.id = t.user_id LEFT JOIN household_members m ON m.id = t.author_member_id`);
    expect(booked).toEqual([{ kind: 'household', amount: 132_500n, author: 'Dodi', photo: true }]);
  }, 150_000);

  it('is not read when a viewer sends it: no "⏳", one refusal, nothing booked', async () => {
    await pipe.sendInbound(inGroup(GROUP, RINA, 'Rina', { text: `jadikan ${DODI} viewer` }));
    const [demoted] = await pipe.collectReplies(1, 20_000);
    expect(demoted?.text).toContain('viewer');

    const media = await indomaretPhoto('g/viewer.jpg');
    const envelope = inGroup(GROUP, DODI, 'Dodi', { type: 'image', text: null, media });
    await pipe.sendInbound(envelope);
    const replies = await pipe.collectReplies(1, 30_000);
    replies.push(...(await pipe.collectReplies(1, 3000)));
    expect(replies.map((reply) => reply.text)).toEqual([expect.stringContaining('Maaf Dodi, kamu *viewer*')]);
    const photos = await pipe.db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM transactions WHERE media_asset_id IS NOT NULL`);
    expect(photos).toBe(1);
  }, 90_000);
});
