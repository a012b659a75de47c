-- The home page's counts, one row kept by the triggers below, so that
-- statistics read it instead of counting a million rows on each view (the
-- same table as on PostgreSQL). "Active" mailings are still decided at query
-- time from the end time; attempt totals come from the runs' counters.
CREATE TABLE stats_counter (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    recipients        INTEGER NOT NULL,
    messages          INTEGER NOT NULL,
    mailings          INTEGER NOT NULL,
    unique_recipients INTEGER NOT NULL
) STRICT;

INSERT INTO stats_counter (id, recipients, messages, mailings, unique_recipients)
SELECT 1,
       (SELECT count(*) FROM recipient),
       (SELECT count(*) FROM message),
       (SELECT count(*) FROM mailing),
       (SELECT count(DISTINCT recipient_id) FROM mailing_recipient);

CREATE TRIGGER recipient_counted AFTER INSERT ON recipient
BEGIN
    UPDATE stats_counter SET recipients = recipients + 1;
END;

CREATE TRIGGER recipient_uncounted AFTER DELETE ON recipient
BEGIN
    UPDATE stats_counter SET recipients = recipients - 1;
END;

CREATE TRIGGER message_counted AFTER INSERT ON message
BEGIN
    UPDATE stats_counter SET messages = messages + 1;
END;

CREATE TRIGGER message_uncounted AFTER DELETE ON message
BEGIN
    UPDATE stats_counter SET messages = messages - 1;
END;

CREATE TRIGGER mailing_counted AFTER INSERT ON mailing
BEGIN
    UPDATE stats_counter SET mailings = mailings + 1;
END;

CREATE TRIGGER mailing_uncounted AFTER DELETE ON mailing
BEGIN
    UPDATE stats_counter SET mailings = mailings - 1;
END;

-- A recipient counts once it is in a mailing, and no longer once it is in
-- none: one lookup in mailing_recipient_by_recipient per membership.
CREATE TRIGGER recipient_joined_first_mailing AFTER INSERT ON mailing_recipient
WHEN NOT EXISTS (SELECT 1 FROM mailing_recipient
                  WHERE recipient_id = NEW.recipient_id AND mailing_id <> NEW.mailing_id)
BEGIN
    UPDATE stats_counter SET unique_recipients = unique_recipients + 1;
END;

CREATE TRIGGER recipient_left_last_mailing AFTER DELETE ON mailing_recipient
WHEN NOT EXISTS (SELECT 1 FROM mailing_recipient WHERE recipient_id = OLD.recipient_id)
BEGIN
    UPDATE stats_counter SET unique_recipients = unique_recipients - 1;
END;
