-- PostgreSQL drops the foreign key of delivery.run_id here (checked row by
-- row at every launch there; a deleted run's deliveries go by trigger).
-- SQLite's check is one index lookup, and dropping it would mean rebuilding
-- the table: it stays.
SELECT 1;
