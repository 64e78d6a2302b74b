-- The welcome guide is owed once per person, at their first personal chat: someone first met in a
-- household's group got one line there, not the guide (issue 15). NULL: still owed. Read with the
-- sender's row, so an everyday message needs no extra query to know (issue 16). A person is
-- greeted when created, unless the row was made for a group member (Users.findOrCreateByPhone).
ALTER TABLE users ADD COLUMN greeted_at TIMESTAMP WITH TIME ZONE DEFAULT now();
UPDATE users u SET greeted_at = u.created_at;
-- Household members who never wrote personally are still owed it.
UPDATE users u SET greeted_at = NULL
WHERE u.kind = 'person'
  AND EXISTS (SELECT 1 FROM household_members m WHERE m.user_id = u.id)
  AND NOT EXISTS (SELECT 1 FROM wa_messages w WHERE w.user_id = u.id AND w.direction = 'in' AND w.wa_chat IS NULL);
