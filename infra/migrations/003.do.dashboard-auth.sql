-- Dashboard sign-in (issue 6): one-time links that set a password, the login attempts that
-- drive the lockout, and the moment a password was set (a session older than it is void).

-- Bumped every time a password is set: sessions carry it, so "lupa password" signs out
-- every browser that knew the old one.
ALTER TABLE users ADD COLUMN password_set_at TIMESTAMP WITH TIME ZONE;

-- The links the bot sends ("Buat password dashboard kamu di …/onboarding/<token>"). Only the
-- SHA-256 of the token is stored: a leaked table cannot be turned into a working link. A token
-- works once (used_at) and until expires_at; a newer link retires the older ones.
CREATE TABLE dashboard_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash CHAR(64) NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_dashboard_tokens_user_open ON dashboard_tokens(user_id) WHERE used_at IS NULL;

-- Every login try, by the normalised identifier typed (a phone in 628… form or a lower-case
-- email), whether or not it names a user, so a locked-out unknown name looks like a known one.
CREATE TABLE login_attempts (
    id BIGSERIAL PRIMARY KEY,
    identifier VARCHAR(254) NOT NULL,
    success BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_login_attempts_identifier_created ON login_attempts(identifier, created_at DESC);
