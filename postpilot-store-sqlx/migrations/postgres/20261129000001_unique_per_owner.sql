-- A recipient's email (in any letter case) and a list's name are unique
-- per owner, not in the whole database (issue 13): two users may each
-- have a recipient of one address. Rows of no owner are one namespace
-- (0). The store finds a recipient by email with the same expressions
-- (`owners::push_owner_is`), so these indexes serve it.
DROP INDEX recipient_email_key;
CREATE UNIQUE INDEX recipient_email_key ON recipient ((coalesce(owner_id, 0)), (lower(email)));
-- The email order of everyone's recipients (ties across owners by id).
CREATE INDEX recipient_by_email ON recipient ((lower(email)), id);
ALTER TABLE recipient_list DROP CONSTRAINT recipient_list_name_key;
CREATE UNIQUE INDEX recipient_list_name_key ON recipient_list ((coalesce(owner_id, 0)), name);
