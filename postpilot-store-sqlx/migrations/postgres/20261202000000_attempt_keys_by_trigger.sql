-- An attempt's run and recipient keys were checked row by row: a KEY SHARE
-- lock of the run and of the recipient for every attempt, a third of a
-- record's time (issue 14: EXPLAIN ANALYZE of a record of 80 results, 0.9 of
-- 2.7 ms in these two constraints' triggers). What they did on a delete is
-- done by statement triggers instead, as for memberships (20260621000000).
--
-- Why no attempt can be left pointing at a deleted run or recipient: every
-- statement that inserts attempts (the record, failing the rest, cancelling
-- a deleted recipient's deliveries) takes them from delivery rows it writes
-- in the same statement, so it holds those rows until it commits. Deleting
-- a recipient writes the same delivery rows first (the SET NULL of
-- delivery's own key, a row trigger that fires before these statement
-- triggers; the first statement of each trigger below does it again
-- whatever the order), and so does deleting a run, so each waits for such
-- a statement to commit, or it waits for them; the triggers' second
-- statement then sees every attempt committed before it. Failing the rest
-- locks the run first, as a delete does (postgres/queue.rs, lock_run).
ALTER TABLE send_attempt DROP CONSTRAINT IF EXISTS send_attempt_run_id_fkey;
ALTER TABLE send_attempt DROP CONSTRAINT IF EXISTS send_attempt_recipient_id_fkey;

-- A deleted run (with its mailing) takes its deliveries and attempts along.
CREATE FUNCTION runs_take_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM delivery WHERE run_id IN (SELECT id FROM removed);
    DELETE FROM send_attempt WHERE run_id IN (SELECT id FROM removed);
    RETURN NULL;
END
$$;

-- A deleted recipient's deliveries and attempts keep its email, without it.
CREATE FUNCTION recipients_leave_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE delivery SET recipient_id = NULL WHERE recipient_id IN (SELECT id FROM removed);
    UPDATE send_attempt SET recipient_id = NULL WHERE recipient_id IN (SELECT id FROM removed);
    RETURN NULL;
END
$$;

CREATE TRIGGER run_takes_attempts AFTER DELETE ON send_run
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION runs_take_attempts();
CREATE TRIGGER recipient_leaves_attempts AFTER DELETE ON recipient
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION recipients_leave_attempts();
