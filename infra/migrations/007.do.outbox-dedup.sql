-- A message Kantong sends on its own initiative at most once per key: the "⏳ sebentar" of a
-- voice note or receipt is keyed by the WhatsApp message it is about, so a retried record (S3
-- briefly down, a worker killed) does not say "⏳" twice. NULL for ordinary replies.
ALTER TABLE outbox ADD COLUMN dedup_key VARCHAR(200);
CREATE UNIQUE INDEX idx_outbox_dedup_key ON outbox(dedup_key) WHERE dedup_key IS NOT NULL;
