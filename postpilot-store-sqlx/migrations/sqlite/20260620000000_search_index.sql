-- Searching 100,000 recipients reads only those that can match: a trigram
-- index (FTS5, contentless: it keeps no copy of the text) of each
-- recipient's email and full name, joined by a line break as in the search
-- key. Its folding covers more letters than `Search::fold`, so it finds a
-- superset, which the search key then decides exactly (ARCHITECTURE.md,
-- "Lists at any size"). The triggers give a removal the text it indexed.
CREATE VIRTUAL TABLE recipient_trigram USING fts5(key, content = '', tokenize = 'trigram');

INSERT INTO recipient_trigram (rowid, key) SELECT id, email || char(10) || full_name FROM recipient;

CREATE TRIGGER recipient_trigram_added AFTER INSERT ON recipient
BEGIN
    INSERT INTO recipient_trigram (rowid, key) VALUES (NEW.id, NEW.email || char(10) || NEW.full_name);
END;

CREATE TRIGGER recipient_trigram_removed AFTER DELETE ON recipient
BEGIN
    INSERT INTO recipient_trigram (recipient_trigram, rowid, key)
    VALUES ('delete', OLD.id, OLD.email || char(10) || OLD.full_name);
END;

CREATE TRIGGER recipient_trigram_changed AFTER UPDATE OF email, full_name ON recipient
BEGIN
    INSERT INTO recipient_trigram (recipient_trigram, rowid, key)
    VALUES ('delete', OLD.id, OLD.email || char(10) || OLD.full_name);
    INSERT INTO recipient_trigram (rowid, key) VALUES (NEW.id, NEW.email || char(10) || NEW.full_name);
END;
