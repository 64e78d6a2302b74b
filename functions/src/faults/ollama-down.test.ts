/**
 * Fault: Ollama slow (accepts connections, never answers) or down (nothing listening) while the
 * pipeline runs. Every message is still answered once, by the rules; each LLM call leaves exactly
 * one failed ai_audit row; confident messages keep exactly one ledger row.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { sql } from '@kantong/shared/db';
import { createOllamaFallback } from '@kantong/shared/nlu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../../../infra/scripts/embedded-postgres.ts';
import { startWorkers } from '../local/workers.ts';
import { createTestPipeline, type TestPipeline, textEnvelope } from '../testing-pipeline.ts';
import { checkEffects } from './effects.ts';
import { collectInto, type ReplyLog } from './testing.ts';

let pipe: TestPipeline;
let stuck: Server;
const sockets = new Set<Socket>();

beforeAll(async () => {
  pipe = await createTestPipeline();
  stuck = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => stuck.close(resolve));
  await pipe.close();
});

const auditRows = (phones: string[]) =>
  pipe.db.pool.any(sql.type(z.object({ success: z.boolean().nullable(), model_name: z.string() }))`
    SELECT a.success, a.model_name FROM ai_audit a JOIN users u ON u.id = a.user_id
     WHERE u.phone = ANY(${sql.array(phones, 'text')})`);

describe('the pipeline with a broken Ollama', () => {
  for (const fault of ['slow', 'down'] as const) {
    it(`answers by the rules when Ollama is ${fault}`, { timeout: 120_000 }, async () => {
      const port = fault === 'slow' ? (stuck.address() as { port: number }).port : await freePort();
      const llm = createOllamaFallback({
        url: `http://127.0.0.1:${port}`,
        model: `fault-${fault}`,
        timeoutMs: 1500,
      });
      const phones = Array.from(
        { length: 4 },
        (_, index) => `62813${fault === 'slow' ? 2 : 3}000000${index}`,
      );
      const confident = phones.map((from) => textEnvelope(from, 'beli kopi 18k'));
      const unsure = phones.map((from) => textEnvelope(from, 'si budi 40K'));
      for (const [index] of phones.entries()) {
        await pipe.sendInbound(confident[index] as (typeof confident)[number]);
        await pipe.sendInbound(unsure[index] as (typeof unsure)[number]);
      }
      const workers = await startWorkers(
        { ...pipe.deps, llm },
        { retryDelaySeconds: 0, waitTimeSeconds: 1, relay: false, scheduler: false },
      );
      const all = [...confident, ...unsure].map((envelope) => envelope.message_id);
      const replies: ReplyLog = new Map();
      const texts = new Map<string, string>();
      try {
        await collectInto(pipe.sqs, pipe.urls.outbound, replies, (log) => all.every((id) => log.has(id)), {
          timeoutMs: 90_000,
          settleMs: 2000,
          onReply: (reply) => texts.set(reply.in_reply_to ?? '', reply.text),
        });
      } finally {
        await workers.stop();
      }
      expect(all.map((id) => replies.get(id))).toEqual(all.map(() => 1));
      expect(unsure.map((envelope) => texts.get(envelope.message_id))).toEqual(
        unsure.map(() => 'Ini pengeluaran kategori apa?'),
      );
      expect(
        await checkEffects(
          pipe.db.pool,
          confident.map((envelope) => envelope.message_id),
          replies,
        ),
      ).toEqual({ lost: [], duplicated: [], unbalanced: [] });
      // One audit row per LLM call (only the unsure texts ask), each a recorded failure.
      expect(await auditRows(phones)).toEqual(
        unsure.map(() => ({ success: false, model_name: `fault-${fault}` })),
      );
    });
  }
});
