-- A manager or an admin may disable a mailing (ARCHITECTURE.md, "Users
-- and ownership"): while disabled_at is set it is neither scheduled nor
-- sent. disabled_by is who did it; NULL for the system (the CLI without
-- --as, the automation token).
ALTER TABLE mailing ADD COLUMN disabled_at INTEGER;
ALTER TABLE mailing ADD COLUMN disabled_by INTEGER REFERENCES app_user (id);
