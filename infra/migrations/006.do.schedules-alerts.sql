-- Scheduled reports, budget alerts and registration (the scheduled-reports issue).

-- One row per hour the scheduler has fanned out: a second run in the same hour (a retried
-- invocation, two local stacks) enqueues nothing.
CREATE TABLE schedule_runs (
    hour_utc TIMESTAMP WITH TIME ZONE PRIMARY KEY,
    jobs INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- One row per report sent: a redelivered report job sends nothing the second time.
CREATE TABLE report_deliveries (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly', 'reminder', 'savings_reminder')),
    -- The period it covers: '2026-11-25', '2026-11-16' (Monday of the week), '2026-10' (month).
    period_key VARCHAR(20) NOT NULL,
    outbox_id BIGINT REFERENCES outbox(id) ON DELETE SET NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    UNIQUE (user_id, kind, period_key)
);

-- Each threshold of a category's budget alerts once a month.
CREATE TABLE budget_alerts (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    month CHAR(7) NOT NULL,
    threshold SMALLINT NOT NULL CHECK (threshold IN (80, 100)),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    UNIQUE (user_id, category_id, month, threshold)
);

-- Numbers allowed in under REGISTRATION_POLICY=allowlist.
CREATE TABLE allowed_numbers (
    phone VARCHAR(20) PRIMARY KEY CHECK (phone ~ '^[0-9]{6,20}$'),
    note TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
