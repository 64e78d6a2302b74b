-- The WhatsApp host's own state (bot-host/, issue 4). It holds no business data: only what a
-- Baileys session needs to stay logged in, and the two ledgers that keep a message from being
-- enqueued twice and a reply from being sent twice across reconnects and restarts.

-- Login credentials of one bot session (Baileys' AuthenticationCreds), serialised with
-- BufferJSON so Buffers and Uint8Arrays come back as bytes. TEXT, not JSONB: the value is read
-- back exactly as written, and JSONB would reject a NUL inside a string.
CREATE TABLE wa_auth_creds (
    session_id VARCHAR(64) PRIMARY KEY CHECK (session_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    creds TEXT NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- Signal keys of every family Baileys keeps (pre-key, session, sender-key, sender-key-memory,
-- app-state-sync-key, app-state-sync-version, lid-mapping, device-list, tctoken, identity-key).
-- No CHECK on the family: Baileys adds families between versions, and an upgrade must not fail
-- on a constraint here.
CREATE TABLE wa_auth_keys (
    session_id VARCHAR(64) NOT NULL,
    family VARCHAR(64) NOT NULL,
    key_id TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    PRIMARY KEY (session_id, family, key_id)
);

-- Every message a session has taken in. WhatsApp replays messages after a reconnect or restart;
-- a message whose row says 'enqueued' (or 'ignored', 'refused') is not handled again. A row left
-- 'claimed' by a crash or a failed enqueue keeps the raw message (BufferJSON) and is handled
-- again; the FIFO queue's deduplication and the ledger's unique message id absorb a repeat.
CREATE TABLE wa_seen_messages (
    session_id VARCHAR(64) NOT NULL,
    message_id VARCHAR(128) NOT NULL,
    from_number VARCHAR(20),
    status VARCHAR(10) NOT NULL DEFAULT 'claimed'
        CHECK (status IN ('claimed', 'enqueued', 'ignored', 'refused')),
    attempts INTEGER NOT NULL DEFAULT 1,
    raw TEXT,
    seen_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    done_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (session_id, message_id)
);
-- Which session last heard from a number: replies leave from the number the user wrote to.
CREATE INDEX idx_wa_seen_messages_from ON wa_seen_messages(from_number, seen_at DESC);

-- Every reply the host has sent, by outbox id (unique): a redelivered outbound message finds its
-- row and is not sent again. 'sending' is written before the send and 'sent' after; a row left
-- 'sending' by a crash is not retried (a double reply is worse than a logged, uncertain one).
-- The body is kept so Baileys can answer a recipient's retry request for the message (getMessage).
CREATE TABLE wa_sent_outbox (
    outbox_id BIGINT PRIMARY KEY,
    session_id VARCHAR(64) NOT NULL,
    to_number VARCHAR(20) NOT NULL,
    body TEXT NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent')),
    wa_message_id VARCHAR(128),
    claimed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    sent_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_wa_sent_outbox_message ON wa_sent_outbox(session_id, wa_message_id);
