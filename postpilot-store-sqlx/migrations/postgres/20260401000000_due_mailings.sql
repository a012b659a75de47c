-- The scheduler asks, on every pass, which never-sent mailings have come due.
CREATE INDEX mailing_due ON mailing (first_sent_at) WHERE launched_at IS NULL;
