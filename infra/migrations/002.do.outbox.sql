-- Replies leave through an outbox (DESIGN.md decision 3): the reply is written in the same
-- transaction as the ledger change it answers, and sent to the outbound queue only after the
-- commit. A crash between the commit and the send leaves a 'pending' row that the redelivered
-- message (or the relay) sends later; the outbox id is the queue's deduplication id and the
-- host's, so a reply is never lost and never sent twice.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    to_number VARCHAR(20) NOT NULL,
    body TEXT NOT NULL,
    -- The inbound message this answers (NULL for reports and other messages Kantong starts).
    in_reply_to BIGINT REFERENCES wa_messages(id) ON DELETE SET NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'queued')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    queued_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_outbox_pending ON outbox(created_at) WHERE status = 'pending';
CREATE INDEX idx_outbox_in_reply_to ON outbox(in_reply_to);
