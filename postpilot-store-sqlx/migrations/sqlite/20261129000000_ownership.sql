-- Ownership (issue 13; ARCHITECTURE.md, "Users and ownership"): every
-- recipient, message, mailing and list belongs to a user. NULL only for
-- rows made by the system before any admin existed; the first admin added
-- adopts them (`add_user`), and an existing database's rows go to its
-- first admin here, so it upgrades without loss. Runs, deliveries,
-- attempts and memberships belong to their mailing's or list's owner.
ALTER TABLE recipient ADD COLUMN owner_id INTEGER REFERENCES app_user (id);
ALTER TABLE message ADD COLUMN owner_id INTEGER REFERENCES app_user (id);
ALTER TABLE mailing ADD COLUMN owner_id INTEGER REFERENCES app_user (id);
ALTER TABLE recipient_list ADD COLUMN owner_id INTEGER REFERENCES app_user (id);
UPDATE recipient SET owner_id = (SELECT id FROM app_user WHERE role = 'admin' ORDER BY id LIMIT 1);
UPDATE message SET owner_id = (SELECT id FROM app_user WHERE role = 'admin' ORDER BY id LIMIT 1);
UPDATE mailing SET owner_id = (SELECT id FROM app_user WHERE role = 'admin' ORDER BY id LIMIT 1);
UPDATE recipient_list SET owner_id = (SELECT id FROM app_user WHERE role = 'admin' ORDER BY id LIMIT 1);
-- One owner's pages, by id (lists: by name).
CREATE INDEX recipient_by_owner ON recipient (owner_id, id);
CREATE INDEX message_by_owner ON message (owner_id, id);
CREATE INDEX mailing_by_owner ON mailing (owner_id, id);
CREATE INDEX recipient_list_by_owner ON recipient_list (owner_id, name, id);
