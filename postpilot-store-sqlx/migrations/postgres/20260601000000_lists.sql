-- Списки: named groups of recipients, as on SQLite. A recipient may be in
-- several; a list feeds a mailing's recipients. Deleting a list or a
-- recipient takes the memberships along, nothing else.
CREATE TABLE recipient_list (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE list_member (
    list_id      BIGINT NOT NULL REFERENCES recipient_list (id) ON DELETE CASCADE,
    recipient_id BIGINT NOT NULL REFERENCES recipient (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, recipient_id)
);

-- Deleting a recipient.
CREATE INDEX list_member_by_recipient ON list_member (recipient_id);
