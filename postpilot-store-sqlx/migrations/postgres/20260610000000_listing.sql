-- Lists that scale: searching 100,000 recipients must not fold every
-- name on every search, so each recipient keeps its search key: the email
-- and the full name folded exactly as `Search::fold` folds (`translate`,
-- not the locale's `lower`), joined by a line break, which no search
-- contains, so no match spans both. Generated: every write keeps it.
ALTER TABLE recipient ADD COLUMN search_key TEXT NOT NULL GENERATED ALWAYS AS (
    translate(email,
        'ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁ',
        'abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюяё')
    || E'\n' ||
    translate(full_name,
        'ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЁ',
        'abcdefghijklmnopqrstuvwxyzабвгдежзийклмнопрстуфхцчшщъыьэюяё')
) STORED;

-- The orders the recipients page offers (by email: recipient_email_key).
CREATE INDEX recipient_by_name ON recipient (full_name, id);

-- A mailing's attempts of one status, newest first.
CREATE INDEX send_attempt_by_mailing_status ON send_attempt (mailing_id, status, id);
