-- Who launched each run (ARCHITECTURE.md, "Users and ownership"): the
-- user acting through the store handle; NULL for the system (the CLI
-- without --as, the server's token, the scheduler) and older runs.
ALTER TABLE send_run ADD COLUMN launched_by INTEGER REFERENCES app_user (id);
