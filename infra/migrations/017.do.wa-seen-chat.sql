-- The chat a message the host took in was written in (issue 15): the group JID for a group
-- message, NULL for a personal chat. A reply to a group leaves from the session that heard the
-- group last (only a number that is in the group can write to it), as a reply to a person leaves
-- from the session that person wrote to (from_number).
ALTER TABLE wa_seen_messages ADD COLUMN chat_jid VARCHAR(64);
CREATE INDEX idx_wa_seen_messages_chat ON wa_seen_messages(chat_jid, seen_at DESC) WHERE chat_jid IS NOT NULL;
