-- What is made once per database, by name. `instance_id` (random, 32
-- lowercase hex digits) is part of every Message-ID, so that two databases
-- sending as one domain never issue the same one.
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (name, value) VALUES ('instance_id', replace(gen_random_uuid()::text, '-', ''));
