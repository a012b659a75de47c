-- The API token each run was launched with (ARCHITECTURE.md, "Users and
-- ownership"): its id and its name at launch. No foreign key: a revoked
-- token's row is deleted, and the run must still say which it was (token
-- ids are never reused). NULL for a session, the CLI, the system and older
-- runs.
ALTER TABLE send_run ADD COLUMN launched_via_token BIGINT;
ALTER TABLE send_run ADD COLUMN launched_via_token_name TEXT;
