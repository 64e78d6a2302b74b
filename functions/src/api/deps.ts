/**
 * What the HTTP layer needs from the outside world. The process wiring (lambda.ts, local.ts) uses
 * the process pool and configured LLM; tests pass their own database.
 */
import type { DatabasePool } from '@kantong/shared/db';
import type { LlmFallback } from '@kantong/shared/nlu';

export type ApiDeps = {
  pool: () => Promise<DatabasePool>;
  llm: LlmFallback | null;
  now?: () => Date;
};
