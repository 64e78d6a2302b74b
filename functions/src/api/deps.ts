/**
 * What the HTTP layer needs from the outside world. The process wiring (lambda.ts, local.ts) uses
 * the process pool and configured LLM; tests pass their own database.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DatabasePool } from '@kantong/shared/db';
import type { LlmFallback } from '@kantong/shared/nlu';

export type ApiDeps = {
  pool: () => Promise<DatabasePool>;
  llm: LlmFallback | null;
  now?: () => Date;
  /** `POST /media/*` (issue 5): the S3 client and the one bucket media may be read from. */
  s3?: S3Client;
  mediaBucket?: string;
  /** The shared secret internal callers sign with; default INTERNAL_API_SECRET. */
  internalSecret?: string | null;
  /** The bearer token of GET /metrics; null: not served; default METRICS_TOKEN. */
  metricsToken?: string | null;
};
