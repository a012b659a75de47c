-- An imported recipient paid five UPDATEs of its own row for its search
-- key (migration 20260610000000_listing): the store now writes the key
-- with the row (`Search::fold` of "email\nfull name", which folds exactly
-- as those statements do), and the trigger only fills it in for a row
-- written without one (by hand, or by a bench's SQL), as before.
DROP TRIGGER recipient_search_key_added;

CREATE TRIGGER recipient_search_key_added AFTER INSERT ON recipient WHEN NEW.search_key = ''
BEGIN
    UPDATE recipient SET search_key = lower(NEW.email) || char(10) || lower(NEW.full_name) WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'А', 'а'), 'Б', 'б'), 'В', 'в'), 'Г', 'г'), 'Д', 'д'), 'Е', 'е'), 'Ж', 'ж'), 'З', 'з'), 'И', 'и') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Й', 'й'), 'К', 'к'), 'Л', 'л'), 'М', 'м'), 'Н', 'н'), 'О', 'о'), 'П', 'п'), 'Р', 'р'), 'С', 'с') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(replace(replace(replace(search_key, 'Т', 'т'), 'У', 'у'), 'Ф', 'ф'), 'Х', 'х'), 'Ц', 'ц'), 'Ч', 'ч'), 'Ш', 'ш'), 'Щ', 'щ'), 'Ъ', 'ъ') WHERE id = NEW.id;
    UPDATE recipient SET search_key = replace(replace(replace(replace(replace(replace(search_key, 'Ы', 'ы'), 'Ь', 'ь'), 'Э', 'э'), 'Ю', 'ю'), 'Я', 'я'), 'Ё', 'ё') WHERE id = NEW.id;
END;
