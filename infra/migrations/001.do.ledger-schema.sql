-- Kantong's ledger: SPEC.md's seven tables, plus what the product needs (issue 2):
-- users.status/email, soft-deleted transactions, budgets, media_assets, and the WhatsApp
-- message id that makes every inbound message idempotent (DESIGN.md decision 2).
--
-- Money columns stay NUMERIC(18,2) as SPEC.md wrote them, but hold whole rupiah only
-- (CHECK amount = trunc(amount)); the application reads them as bigint, never as a float.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(120) NOT NULL,
    phone VARCHAR(20) UNIQUE NOT NULL CHECK (phone ~ '^[0-9]{6,20}$'),
    -- NULL until the user sets a password from the one-time dashboard link: a number that only
    -- chats on WhatsApp never has one (SPEC.md's NOT NULL would force a fake hash).
    password_hash VARCHAR(255),
    email VARCHAR(254),
    timezone VARCHAR(64) NOT NULL DEFAULT 'Asia/Jakarta',
    status VARCHAR(20) NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'blocked')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_users_phone ON users(phone);
CREATE UNIQUE INDEX idx_users_email ON users(lower(email)) WHERE email IS NOT NULL;

CREATE TABLE categories (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(80) NOT NULL,
    -- expense or income: "ganti gaji" on an expense makes no sense, and reports group by it.
    kind VARCHAR(10) NOT NULL DEFAULT 'expense' CHECK (kind IN ('expense', 'income')),
    -- Comma-separated words that select this category ("kopi,ngopi,starbucks").
    keywords TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_categories_user ON categories(user_id);
CREATE UNIQUE INDEX idx_categories_user_name ON categories(user_id, name);
CREATE UNIQUE INDEX idx_categories_user_lower_name ON categories(user_id, lower(name));

CREATE TABLE media_assets (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    s3_bucket VARCHAR(63) NOT NULL,
    s3_key VARCHAR(1024) NOT NULL,
    sha256 CHAR(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    mime VARCHAR(255) NOT NULL,
    size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    UNIQUE (s3_bucket, s3_key)
);
CREATE INDEX idx_media_assets_sha256 ON media_assets(sha256);

CREATE TABLE wa_messages (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    wa_from VARCHAR(20) NOT NULL,
    wa_body TEXT,
    direction VARCHAR(10) NOT NULL CHECK (direction IN ('in', 'out')),
    intent VARCHAR(50),
    response TEXT,
    -- The WhatsApp message id of an inbound message (or one derived from the payload when the
    -- sender gave none); unique per sender, so a redelivery finds the first and its reply.
    wa_message_id VARCHAR(128),
    message_type VARCHAR(20) CHECK (message_type IN ('text', 'audio', 'image', 'document')),
    in_reply_to BIGINT REFERENCES wa_messages(id) ON DELETE SET NULL,
    media_asset_id BIGINT REFERENCES media_assets(id) ON DELETE SET NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_wa_messages_user ON wa_messages(user_id);
CREATE INDEX idx_wa_messages_from_created ON wa_messages(wa_from, created_at DESC);
CREATE UNIQUE INDEX idx_wa_messages_inbound_id ON wa_messages(wa_from, wa_message_id) WHERE direction = 'in';
CREATE INDEX idx_wa_messages_reply ON wa_messages(in_reply_to) WHERE in_reply_to IS NOT NULL;

CREATE TABLE transactions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    direction VARCHAR(20) NOT NULL CHECK (direction IN ('income', 'expense', 'transfer')),
    amount NUMERIC(18,2) NOT NULL CHECK (amount > 0 AND amount = trunc(amount)),
    currency VARCHAR(10) NOT NULL DEFAULT 'IDR',
    category_id BIGINT REFERENCES categories(id) ON DELETE SET NULL,
    description TEXT,
    tx_datetime TIMESTAMP WITH TIME ZONE NOT NULL,
    source VARCHAR(20) NOT NULL CHECK (source IN ('whatsapp', 'web', 'import')),
    raw_text TEXT,
    ai_confidence NUMERIC(5,2),
    status VARCHAR(20) NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'pending')),
    -- The inbound message that created it; NULL for web and import rows.
    wa_message_row_id BIGINT REFERENCES wa_messages(id) ON DELETE SET NULL,
    media_asset_id BIGINT REFERENCES media_assets(id) ON DELETE SET NULL,
    merchant VARCHAR(200),
    -- Soft delete: "hapus transaksi terakhir" hides a row, it never destroys the record.
    deleted_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_transactions_user_datetime ON transactions(user_id, tx_datetime);
CREATE INDEX idx_transactions_category ON transactions(category_id);
CREATE INDEX idx_transactions_direction ON transactions(direction);
CREATE INDEX idx_transactions_user_live ON transactions(user_id, id DESC) WHERE deleted_at IS NULL;

CREATE TABLE savings_accounts (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(100) NOT NULL,
    target_amount NUMERIC(18,2) NOT NULL CHECK (target_amount > 0 AND target_amount = trunc(target_amount)),
    -- Kept in step with savings_transactions in the same database transaction; it can never go
    -- below zero, so a withdrawal larger than the balance is refused, not half-applied.
    current_amount NUMERIC(18,2) NOT NULL DEFAULT 0 CHECK (current_amount >= 0 AND current_amount = trunc(current_amount)),
    currency VARCHAR(10) NOT NULL DEFAULT 'IDR',
    target_date DATE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE UNIQUE INDEX idx_savings_user_name ON savings_accounts(user_id, name);

CREATE TABLE savings_transactions (
    id BIGSERIAL PRIMARY KEY,
    savings_account_id BIGINT NOT NULL REFERENCES savings_accounts(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    direction VARCHAR(20) NOT NULL CHECK (direction IN ('deposit', 'withdraw')),
    amount NUMERIC(18,2) NOT NULL CHECK (amount > 0 AND amount = trunc(amount)),
    note TEXT,
    source VARCHAR(20) NOT NULL CHECK (source IN ('whatsapp', 'web', 'import')),
    wa_message_row_id BIGINT REFERENCES wa_messages(id) ON DELETE SET NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_savings_tx_account ON savings_transactions(savings_account_id);
CREATE INDEX idx_savings_tx_user ON savings_transactions(user_id);

CREATE TABLE budgets (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    -- A monthly limit per category, the way people say it: "set budget makan 1,5jt".
    amount NUMERIC(18,2) NOT NULL CHECK (amount > 0 AND amount = trunc(amount)),
    period VARCHAR(10) NOT NULL DEFAULT 'monthly' CHECK (period IN ('monthly')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    UNIQUE (user_id, category_id, period)
);

CREATE TABLE ai_audit (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    model_name VARCHAR(120) NOT NULL,
    raw_input TEXT NOT NULL,
    raw_output TEXT,
    success BOOLEAN DEFAULT TRUE,
    purpose VARCHAR(40),
    latency_ms INTEGER,
    error TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_ai_audit_user_created ON ai_audit(user_id, created_at DESC);

-- What the bot is waiting for from a user: "tadi 50k" asks "Ini pengeluaran kategori apa?" and
-- the next message ("makan") completes it. One open question per user; it expires.
CREATE TABLE conversation_state (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    kind VARCHAR(40) NOT NULL,
    payload JSONB NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
