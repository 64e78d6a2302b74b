import { type CommonQueryMethods, sql } from '../db/pool.ts';
import type { AiCall } from './llm.ts';

/** One `ai_audit` row per model call, successful or not (SPEC.md: trace every AI call). */
export async function recordAiCall(
  db: CommonQueryMethods,
  userId: number | null,
  call: AiCall,
): Promise<void> {
  await db.query(sql.unsafe`
    INSERT INTO ai_audit (user_id, model_name, raw_input, raw_output, success, purpose, latency_ms, error)
    VALUES (${userId}, ${call.model}, ${call.input}, ${call.output}, ${call.success}, ${call.purpose},
            ${call.latencyMs}, ${call.error})`);
}
