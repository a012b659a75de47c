-- "Only unsent" launches and the send confirmation ask, per recipient of a
-- mailing, whether any run of it reached them: one lookup here each.
CREATE INDEX send_attempt_success ON send_attempt (mailing_id, recipient_id) WHERE status = 'success';
