-- Several instances of one function at once (issue 13, item 5): what one process used to keep in
-- memory or inside one long transaction is kept here, where every instance sees it.
-- (012, not 011: 010 and 011 are reserved for issue 14's migrations.)

-- Signed internal requests already accepted, until their replay window has passed: a captured
-- request replayed to another Lambda instance finds its signature here and is refused. Rows are
-- removed once expired (the guard deletes a few on each check).
CREATE TABLE signature_nonces (
    signature VARCHAR(80) PRIMARY KEY,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX idx_signature_nonces_expires ON signature_nonces(expires_at);

-- The outbox relay claims pending rows for a short lease, commits, and sends after the commit
-- (DESIGN.md decision 3: no network sends inside an open transaction). A second relay skips a
-- row under a live lease; a relay that dies mid-send leaves the lease to expire, and the row is
-- sent by a later run (the queue's deduplication id, the outbox id, absorbs a resend).
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
