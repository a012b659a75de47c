-- An attempt's run and recipient keys were checked row by row: a KEY SHARE
-- lock of the run and of the recipient for every attempt, a third of a
-- record's time (issue 14: EXPLAIN ANALYZE of a record of 80 results, 0.9 of
-- 2.7 ms in these two constraints' triggers). What they did on a delete is
-- done by statement triggers instead, as for memberships (20260621000000).
--
-- Why no attempt can be left pointing at a deleted run or recipient: every
-- statement that inserts attempts (the record, failing the rest, cancelling
-- a deleted recipient's deliveries) takes them from delivery rows it writes
-- in the same statement, so it holds those rows until it commits. The
-- triggers below first write the same delivery rows (what the cascade of
-- delivery's own keys does too), so they wait for such a statement to
-- commit, or it waits for them; their second statement then sees every
-- attempt committed before it.
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
