-- PostgreSQL replaces the foreign keys of send_attempt.run_id and
-- .recipient_id with statement triggers here (their row-by-row checks were a
-- third of each record's time there). SQLite's checks are index lookups on
-- its one writer, and dropping them would mean rebuilding the table: they
-- stay.
SELECT 1;
