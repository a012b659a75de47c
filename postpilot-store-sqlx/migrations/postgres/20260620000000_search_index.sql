-- Searching 100,000 recipients reads only those that can match: a trigram
-- index of the search key serves `LIKE '%…%'` (ARCHITECTURE.md, "Store").
-- pg_trgm is in PostgreSQL's contrib and trusted: a database's owner may
-- create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX recipient_search_trigram ON recipient USING gin (search_key gin_trgm_ops);

-- A run's newest attempts (the give-up banner reads its last 1,000) in id
-- order, not all of the run's attempts sorted.
CREATE INDEX send_attempt_by_run_id ON send_attempt (run_id, id);
DROP INDEX send_attempt_by_run;
