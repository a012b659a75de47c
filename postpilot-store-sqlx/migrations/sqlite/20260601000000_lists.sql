-- Списки: named groups of recipients. A recipient may be in several; a
-- list feeds a mailing's recipients. Deleting a list or a recipient takes
-- the memberships along, nothing else.
CREATE TABLE recipient_list (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE list_member (
    list_id      INTEGER NOT NULL REFERENCES recipient_list (id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL REFERENCES recipient (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, recipient_id)
) STRICT, WITHOUT ROWID;

-- Deleting a recipient.
CREATE INDEX list_member_by_recipient ON list_member (recipient_id);
