-- "Only unsent" launches and the send confirmation ask, per recipient of a
-- mailing, whether any run of it reached them: one lookup here each.
CREATE INDEX send_attempt_success ON send_attempt (mailing_id, recipient_id) WHERE status = 'success';

-- What each run sends, copied from its message at launch, so that editing
-- the message later changes neither what the run still has to send nor
-- what its history says it sent. Runs launched before this was kept have
-- NULL: their text is unknown (the message may have been edited since).
ALTER TABLE send_run ADD COLUMN subject TEXT;
ALTER TABLE send_run ADD COLUMN body_text TEXT;
