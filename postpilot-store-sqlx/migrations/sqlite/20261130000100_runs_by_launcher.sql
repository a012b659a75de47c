-- Runs by the user who launched them, so that a manager's page counts each
-- listed user's runs on an index (ARCHITECTURE.md, "Users and ownership").
CREATE INDEX send_run_by_launcher ON send_run (launched_by);
