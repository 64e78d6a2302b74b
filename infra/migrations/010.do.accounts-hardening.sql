-- Accounts and savings hardening (issue 14, items 1, 7 and 10).

-- Item 1: one failure counter per account, whatever name was typed. The key is 'user:<id>' for
-- a phone or email that names a user (so the phone and the email share one counter) and
-- 'name:<identifier>' for one that names nobody (so an unknown name locks like a known one).
-- A login reserves its try here with one INSERT … ON CONFLICT DO UPDATE … RETURNING before the
-- password is checked: the row lock makes the count exact under any number of parallel tries.
CREATE TABLE login_throttle (
    key VARCHAR(300) PRIMARY KEY,
    failures INTEGER NOT NULL CHECK (failures >= 0),
    window_started_at TIMESTAMP WITH TIME ZONE NOT NULL
);
-- Finished windows are deleted as new ones start (throttle.ts), so the table stays small.
CREATE INDEX idx_login_throttle_window ON login_throttle(window_started_at);

-- Item 10: a session carries this number; logout and a new password bump it, so every JWT
-- issued before stops working at once (the JWT alone would stay valid for 7 days).
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;

-- Item 7: goal names are looked up without case, so they must be unique without case, or two
-- concurrent creates of "Laptop" and "laptop" both win and every later deposit to either fails.
-- Existing duplicates are kept, money and history included, and renamed: the oldest keeps its
-- name, each later one gets " (<id>)" appended, so the user can still reach every goal by name
-- and nothing is merged behind their back.
UPDATE savings_accounts s
SET name = left(s.name, 100 - length(' (' || s.id || ')')) || ' (' || s.id || ')', updated_at = now()
WHERE EXISTS (
    SELECT 1 FROM savings_accounts o
    WHERE o.user_id = s.user_id AND lower(o.name) = lower(s.name) AND o.id < s.id
);
DROP INDEX idx_savings_user_name;
CREATE UNIQUE INDEX idx_savings_user_lower_name ON savings_accounts(user_id, lower(name));
