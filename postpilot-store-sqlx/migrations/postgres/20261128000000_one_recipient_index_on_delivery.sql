-- delivery_recipient (20260501000000) repeats delivery_by_recipient (the
-- initial schema): the same column. One is enough for deleting a
-- recipient; the other only cost every claim and record an index entry
-- more per delivery (on PostgreSQL, whose updates of `state` are not HOT).
DROP INDEX IF EXISTS delivery_recipient;
