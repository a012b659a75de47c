-- A recipient's email (in any letter case) and a list's name are unique
-- per owner, not in the whole database (issue 13): two users may each
-- have a recipient of one address. Rows of no owner are one namespace
-- (0); the store finds a recipient by email with the same expression
-- (`owners::push_owner_is`). The inline UNIQUE constraints cannot be
-- dropped in SQLite, so both tables are rebuilt (SQLite's documented
-- twelve steps), with foreign keys off so that dropping the old table
-- cascades nothing: `sqlite/rebuild.rs` runs this in its own transaction,
-- right after migration 20261129000000_ownership. Ids, the AUTOINCREMENT
-- high mark, every index and trigger are kept; the contentless trigram
-- index, keyed by id, stays valid.
CREATE TABLE recipient_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL COLLATE NOCASE,
    full_name       TEXT NOT NULL,
    comment         TEXT NOT NULL DEFAULT '',
    search_key      TEXT NOT NULL DEFAULT '',
    unsubscribed_at INTEGER,
    bounced_at      INTEGER,
    bounce_reply    TEXT,
    owner_id        INTEGER REFERENCES app_user (id)
) STRICT;
INSERT INTO recipient_new (id, email, full_name, comment, search_key, unsubscribed_at,
                           bounced_at, bounce_reply, owner_id)
SELECT id, email, full_name, comment, search_key, unsubscribed_at, bounced_at, bounce_reply,
       owner_id
FROM recipient;
DELETE FROM sqlite_sequence WHERE name = 'recipient_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'recipient_new', seq FROM sqlite_sequence WHERE name = 'recipient';
DROP TABLE recipient;
ALTER TABLE recipient_new RENAME TO recipient;
-- The email column's NOCASE holds in both indexes.
CREATE UNIQUE INDEX recipient_email_key ON recipient (coalesce(owner_id, 0), email);
-- The email order of everyone's recipients (ties across owners by id).
CREATE INDEX recipient_by_email ON recipient (email, id);
CREATE INDEX recipient_by_name ON recipient (full_name);
CREATE INDEX recipient_suppressed ON recipient (id)
    WHERE unsubscribed_at IS NOT NULL OR bounced_at IS NOT NULL;
CREATE INDEX recipient_by_owner ON recipient (owner_id, id);
CREATE TRIGGER recipient_counted AFTER INSERT ON recipient
BEGIN
    UPDATE stats_counter SET recipients = recipients + 1;
END;
CREATE TRIGGER recipient_search_key_added AFTER INSERT ON recipient WHEN NEW.search_key = ''
BEGIN
    UPDATE recipient SET search_key = lower(NEW.email) || char(10) || lower(NEW.full_name) WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'А', 'а'), 'Б', 'б'), 'В', 'в'), 'Г', 'г'), 'Д', 'д'), 'Е', 'е'), 'Ж', 'ж'), 'З', 'з'), 'И', 'и') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Й', 'й'), 'К', 'к'), 'Л', 'л'), 'М', 'м'), 'Н', 'н'), 'О', 'о'), 'П', 'п'), 'Р', 'р'), 'С', 'с') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Т', 'т'), 'У', 'у'), 'Ф', 'ф'), 'Х', 'х'), 'Ц', 'ц'), 'Ч', 'ч'), 'Ш', 'ш'), 'Щ', 'щ'), 'Ъ', 'ъ') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(search_key, 'Ы', 'ы'), 'Ь', 'ь'), 'Э', 'э'), 'Ю', 'ю'), 'Я', 'я'), 'Ё', 'ё') WHERE id = NEW.id;
END;
CREATE TRIGGER recipient_search_key_changed AFTER UPDATE OF email, full_name ON recipient
BEGIN
    UPDATE recipient SET search_key = lower(NEW.email) || char(10) || lower(NEW.full_name) WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'А', 'а'), 'Б', 'б'), 'В', 'в'), 'Г', 'г'), 'Д', 'д'), 'Е', 'е'), 'Ж', 'ж'), 'З', 'з'), 'И', 'и') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Й', 'й'), 'К', 'к'), 'Л', 'л'), 'М', 'м'), 'Н', 'н'), 'О', 'о'), 'П', 'п'), 'Р', 'р'), 'С', 'с') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Т', 'т'), 'У', 'у'), 'Ф', 'ф'), 'Х', 'х'), 'Ц', 'ц'), 'Ч', 'ч'), 'Ш', 'ш'), 'Щ', 'щ'), 'Ъ', 'ъ') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(search_key, 'Ы', 'ы'), 'Ь', 'ь'), 'Э', 'э'), 'Ю', 'ю'), 'Я', 'я'), 'Ё', 'ё') WHERE id = NEW.id;
END;
CREATE TRIGGER recipient_trigram_added AFTER INSERT ON recipient
BEGIN
    INSERT INTO recipient_trigram (rowid, key) VALUES (NEW.id, NEW.email || char(10) || NEW.full_name);
END;
CREATE TRIGGER recipient_trigram_changed AFTER UPDATE OF email, full_name ON recipient
BEGIN
    INSERT INTO recipient_trigram (recipient_trigram, rowid, key)
    VALUES ('delete', OLD.id, OLD.email || char(10) || OLD.full_name);
    INSERT INTO recipient_trigram (rowid, key) VALUES (NEW.id, NEW.email || char(10) || NEW.full_name);
END;
CREATE TRIGGER recipient_trigram_removed AFTER DELETE ON recipient
BEGIN
    INSERT INTO recipient_trigram (recipient_trigram, rowid, key)
    VALUES ('delete', OLD.id, OLD.email || char(10) || OLD.full_name);
END;
CREATE TRIGGER recipient_uncounted AFTER DELETE ON recipient
BEGIN
    UPDATE stats_counter SET recipients = recipients - 1;
END;
CREATE TABLE recipient_list_new (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL,
    owner_id INTEGER REFERENCES app_user (id)
) STRICT;
INSERT INTO recipient_list_new (id, name, owner_id) SELECT id, name, owner_id FROM recipient_list;
DELETE FROM sqlite_sequence WHERE name = 'recipient_list_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'recipient_list_new', seq FROM sqlite_sequence WHERE name = 'recipient_list';
DROP TABLE recipient_list;
ALTER TABLE recipient_list_new RENAME TO recipient_list;
CREATE UNIQUE INDEX recipient_list_name_key ON recipient_list (coalesce(owner_id, 0), name);
CREATE INDEX recipient_list_by_owner ON recipient_list (owner_id, name, id);
