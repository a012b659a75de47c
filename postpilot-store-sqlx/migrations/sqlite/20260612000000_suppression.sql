-- One-click unsubscribe and suppression. A recipient who unsubscribed or
-- whose address was refused for good at RCPT (bounce_reply: the server's
-- reply) is left out of later runs; each run counts whom it left out, and
-- why. `unsubscribe_secret` (random, 64 lowercase hex digits) keys the HMAC
-- of the unsubscribe links: made once per database, never shown.
ALTER TABLE recipient ADD COLUMN unsubscribed_at INTEGER;
ALTER TABLE recipient ADD COLUMN bounced_at INTEGER;
ALTER TABLE recipient ADD COLUMN bounce_reply TEXT;
CREATE INDEX recipient_suppressed ON recipient (id)
    WHERE unsubscribed_at IS NOT NULL OR bounced_at IS NOT NULL;
ALTER TABLE send_run ADD COLUMN skipped_unsubscribed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE send_run ADD COLUMN skipped_bounced INTEGER NOT NULL DEFAULT 0;
INSERT INTO settings (name, value) VALUES ('unsubscribe_secret', lower(hex(randomblob(32))));
