-- Household books (issue 15): a family's WhatsApp group shares one set of books.
--
-- A household's books are a `users` row of kind 'household' (no phone, never signs in): every
-- ledger table already hangs off users(id), so transactions, categories, budgets, savings goals,
-- wallets, debts, reports and schedules work for a household exactly as for a person, and a
-- person's own books stay a separate row that no household query can reach.
ALTER TABLE users ADD COLUMN kind VARCHAR(10) NOT NULL DEFAULT 'person'
    CHECK (kind IN ('person', 'household'));
ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_person_has_phone CHECK (kind = 'household' OR phone IS NOT NULL);
ALTER TABLE users ADD CONSTRAINT users_household_has_no_phone CHECK (kind = 'person' OR phone IS NULL);

-- The WhatsApp group behind a household. Its id is the group JID ("120363…@g.us"); `active`
-- goes false on "matikan kantong" and the books stay.
CREATE TABLE households (
    book_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    group_jid VARCHAR(64) NOT NULL UNIQUE CHECK (group_jid ~ '^[0-9]{6,24}(-[0-9]{6,14})?@g\.us$'),
    active BOOLEAN NOT NULL DEFAULT true,
    activated_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    activated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    deactivated_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

-- Who writes in a household. A member is known by their own account (user_id, when WhatsApp
-- gave their number) and/or by their LID (Baileys 7 names group members by LID; where no number
-- is known the LID is their stable identity). left_at: they left the group and book no more.
CREATE TABLE household_members (
    id BIGSERIAL PRIMARY KEY,
    book_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    lid VARCHAR(32) CHECK (lid ~ '^[0-9]{6,24}$'),
    display_name VARCHAR(120),
    role VARCHAR(10) NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member', 'viewer')),
    joined_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    left_at TIMESTAMP WITH TIME ZONE,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    CHECK (user_id IS NOT NULL OR lid IS NOT NULL)
);
CREATE UNIQUE INDEX idx_household_members_user ON household_members(book_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX idx_household_members_lid ON household_members(book_id, lid) WHERE lid IS NOT NULL;
CREATE INDEX idx_household_members_of_user ON household_members(user_id) WHERE user_id IS NOT NULL;

-- Who wrote a booking. The default reads a transaction-local setting that the group message's
-- database transaction sets once (Households.actAs), so every way of booking — one item,
-- several, receipts, voice notes, debts, wallets, savings — is tagged without threading the
-- author through each of them. Personal books leave it NULL (the owner wrote everything).
ALTER TABLE transactions ADD COLUMN author_member_id BIGINT REFERENCES household_members(id) ON DELETE SET NULL
    DEFAULT NULLIF(current_setting('kantong.author_member', true), '')::bigint;
ALTER TABLE savings_transactions ADD COLUMN author_member_id BIGINT REFERENCES household_members(id) ON DELETE SET NULL
    DEFAULT NULLIF(current_setting('kantong.author_member', true), '')::bigint;
CREATE INDEX idx_transactions_author ON transactions(author_member_id) WHERE author_member_id IS NOT NULL;

-- The chat a message was written in: NULL for a personal chat, the group JID for a group. The
-- sender (wa_from) is still the person, so the per-sender rate limit and deduplication hold;
-- wa_from is "lid:<digits>" for a member known only by LID.
ALTER TABLE wa_messages ADD COLUMN wa_chat VARCHAR(64);
ALTER TABLE wa_messages ALTER COLUMN wa_from TYPE VARCHAR(40);
CREATE INDEX idx_wa_messages_chat ON wa_messages(wa_chat, created_at DESC) WHERE wa_chat IS NOT NULL;

-- A reply to a group goes to the group JID.
ALTER TABLE outbox ALTER COLUMN to_number TYPE VARCHAR(64);

-- One open question per person per book: in a group, Budi's "beli bakso" → "Berapa?" waits for
-- Budi, not for whoever writes next.
ALTER TABLE conversation_state ADD COLUMN member_id BIGINT REFERENCES household_members(id) ON DELETE CASCADE;
ALTER TABLE conversation_state DROP CONSTRAINT conversation_state_pkey;
ALTER TABLE conversation_state ADD COLUMN id BIGSERIAL PRIMARY KEY;
CREATE UNIQUE INDEX idx_conversation_state_person ON conversation_state(user_id) WHERE member_id IS NULL;
CREATE UNIQUE INDEX idx_conversation_state_member ON conversation_state(user_id, member_id) WHERE member_id IS NOT NULL;

-- The host's own records of group messages and replies carry the same wider addresses.
ALTER TABLE wa_seen_messages ALTER COLUMN from_number TYPE VARCHAR(40);
ALTER TABLE wa_sent_outbox ALTER COLUMN to_number TYPE VARCHAR(64);
