-- A delivery's run key was checked row by row at every launch (51 of 240 ms
-- to queue 20,000 deliveries, issue 14). Deliveries are inserted only by the
-- launch, into the run it creates in the same transaction while it holds
-- the mailing's row (which deleting the mailing must wait for), so the check
-- never finds anything wrong; deleting a run takes its deliveries along by
-- the trigger run_takes_attempts (20261202000000), as the cascade did.
ALTER TABLE delivery DROP CONSTRAINT IF EXISTS delivery_run_id_fkey;
