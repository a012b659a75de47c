-- Lists that scale: searching 100,000 recipients must not fold every
-- name on every search, so each recipient keeps its search key: the email
-- and the full name folded exactly as `Search::fold` folds (ASCII `lower`,
-- exact for emails; Cyrillic capitals replaced one by one), joined by a
-- line break, which no search contains, so no match spans both. Triggers
-- keep it, whatever statement writes the recipient. The replacements are
-- a few statements of nine each: 33 nested calls overflow the parser of
-- the `sqlite3` shell, which then could not open the database at all.
ALTER TABLE recipient ADD COLUMN search_key TEXT NOT NULL DEFAULT '';

UPDATE recipient SET search_key = lower(email) || char(10) || lower(full_name);
UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'А', 'а'), 'Б', 'б'), 'В', 'в'), 'Г', 'г'), 'Д', 'д'), 'Е', 'е'), 'Ж', 'ж'), 'З', 'з'), 'И', 'и');
UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Й', 'й'), 'К', 'к'), 'Л', 'л'), 'М', 'м'), 'Н', 'н'), 'О', 'о'), 'П', 'п'), 'Р', 'р'), 'С', 'с');
UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Т', 'т'), 'У', 'у'), 'Ф', 'ф'), 'Х', 'х'), 'Ц', 'ц'), 'Ч', 'ч'), 'Ш', 'ш'), 'Щ', 'щ'), 'Ъ', 'ъ');
UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(search_key, 'Ы', 'ы'), 'Ь', 'ь'), 'Э', 'э'), 'Ю', 'ю'), 'Я', 'я'), 'Ё', 'ё');

CREATE TRIGGER recipient_search_key_added AFTER INSERT ON recipient
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

-- The orders the recipients page offers (by email: the unique NOCASE index).
CREATE INDEX recipient_by_name ON recipient (full_name);

-- A mailing's attempts of one status, newest first (the rowid ends the index).
CREATE INDEX send_attempt_by_mailing_status ON send_attempt (mailing_id, status);
