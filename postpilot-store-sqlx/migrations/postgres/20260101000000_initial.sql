-- postpilot's schema on PostgreSQL: the same tables, columns and rules as
-- on SQLite (migrations/sqlite), so both backends keep one contract.
--
-- Times are timestamptz (microsecond precision). The store never reads
-- SQL's own clock: `now` always comes in as a parameter.

-- Получатели. Emails are unique case-insensitively through the index on
-- lower(email), which is exact because the domain admits only ASCII
-- addresses.
CREATE TABLE recipient (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     TEXT NOT NULL,
    full_name TEXT NOT NULL,
    comment   TEXT NOT NULL DEFAULT ''
);

CREATE UNIQUE INDEX recipient_email_key ON recipient (lower(email));

-- Сообщения.
CREATE TABLE message (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject    TEXT NOT NULL,
    body_text  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Рассылки. The status is never stored: it is computed from time and
-- launched_at. recipient_count is kept by the triggers below.
CREATE TABLE mailing (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_sent_at     TIMESTAMPTZ NOT NULL,
    sent_completed_at TIMESTAMPTZ NOT NULL,
    message_id        BIGINT NOT NULL REFERENCES message (id) ON DELETE RESTRICT,
    recipient_count   BIGINT NOT NULL DEFAULT 0,
    launched_at       TIMESTAMPTZ,
    CHECK (sent_completed_at > first_sent_at)
);

CREATE INDEX mailing_by_message ON mailing (message_id);
-- Active mailings (stats): launched and not yet ended.
CREATE INDEX mailing_launched_by_end ON mailing (sent_completed_at) WHERE launched_at IS NOT NULL;

CREATE TABLE mailing_recipient (
    mailing_id   BIGINT NOT NULL REFERENCES mailing (id) ON DELETE CASCADE,
    recipient_id BIGINT NOT NULL REFERENCES recipient (id) ON DELETE CASCADE,
    PRIMARY KEY (mailing_id, recipient_id)
);

-- Deleting a recipient, and whether a recipient is in any other mailing
-- (the unique_recipients counter).
CREATE INDEX mailing_recipient_by_recipient ON mailing_recipient (recipient_id, mailing_id);

-- One launch of a mailing. sent/failed count deliveries that reached a
-- final state; attempts_* count attempts, so statistics never scan them.
CREATE TABLE send_run (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailing_id       BIGINT NOT NULL REFERENCES mailing (id) ON DELETE CASCADE,
    "trigger"        TEXT NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ,
    total            BIGINT NOT NULL DEFAULT 0,
    sent             BIGINT NOT NULL DEFAULT 0,
    failed           BIGINT NOT NULL DEFAULT 0,
    attempts_success BIGINT NOT NULL DEFAULT 0,
    attempts_failure BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX send_run_by_mailing ON send_run (mailing_id);
-- A mailing has at most one unfinished run (DESIGN §5.1).
CREATE UNIQUE INDEX send_run_one_unfinished ON send_run (mailing_id) WHERE finished_at IS NULL;

-- The queue: one row per recipient of a run, with a copy of the address so
-- the run is unaffected by later edits or deletion of the recipient.
CREATE TABLE delivery (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       BIGINT NOT NULL REFERENCES send_run (id) ON DELETE CASCADE,
    recipient_id BIGINT REFERENCES recipient (id) ON DELETE SET NULL,
    email        TEXT NOT NULL,
    full_name    TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'leased', 'sent', 'failed')),
    tries        BIGINT NOT NULL DEFAULT 0,
    lease_token  TEXT,
    lease_until  TIMESTAMPTZ,
    not_before   TIMESTAMPTZ NOT NULL
);

-- Claims walk the run's undone deliveries in id order and stop at LIMIT,
-- so a claim costs its batch, not the run's size; done deliveries leave
-- the index.
CREATE INDEX delivery_undone ON delivery (run_id, id) WHERE state IN ('pending', 'leased');
CREATE INDEX delivery_by_run ON delivery (run_id);
CREATE INDEX delivery_by_recipient ON delivery (recipient_id);

-- Попытки рассылки.
CREATE TABLE send_attempt (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailing_id   BIGINT NOT NULL REFERENCES mailing (id) ON DELETE CASCADE,
    run_id       BIGINT NOT NULL REFERENCES send_run (id) ON DELETE CASCADE,
    recipient_id BIGINT REFERENCES recipient (id) ON DELETE SET NULL,
    email        TEXT NOT NULL,
    attempt_at   TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('success', 'failure')),
    response     TEXT NOT NULL
);

CREATE INDEX send_attempt_by_mailing ON send_attempt (mailing_id, id);
CREATE INDEX send_attempt_by_run ON send_attempt (run_id);
CREATE INDEX send_attempt_by_recipient ON send_attempt (recipient_id);

-- The home page's counts, one row kept by the triggers below, so that
-- statistics read it instead of counting a million rows on each view.
-- Writers that change counted tables serialize on this row (PgStore locks
-- it first in each such transaction), which also makes the
-- unique_recipients check below see every earlier membership.
CREATE TABLE stats_counter (
    id                BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    recipients        BIGINT NOT NULL DEFAULT 0,
    messages          BIGINT NOT NULL DEFAULT 0,
    mailings          BIGINT NOT NULL DEFAULT 0,
    unique_recipients BIGINT NOT NULL DEFAULT 0
);

INSERT INTO stats_counter DEFAULT VALUES;

-- Adds the number of rows the statement inserted (or, with the argument
-- '-1', deleted) to the counter named by the first argument. Statement
-- level: one update of the counter per statement, whatever its size.
CREATE FUNCTION count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('UPDATE stats_counter SET %1$I = %1$I + (SELECT count(*) FROM added)',
                       TG_ARGV[0]);
    ELSE
        EXECUTE format('UPDATE stats_counter SET %1$I = %1$I - (SELECT count(*) FROM removed)',
                       TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recipient_added AFTER INSERT ON recipient
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_rows('recipients');
CREATE TRIGGER recipient_removed AFTER DELETE ON recipient
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION count_rows('recipients');
CREATE TRIGGER message_added AFTER INSERT ON message
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_rows('messages');
CREATE TRIGGER message_removed AFTER DELETE ON message
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION count_rows('messages');
CREATE TRIGGER mailing_added AFTER INSERT ON mailing
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION count_rows('mailings');
CREATE TRIGGER mailing_removed AFTER DELETE ON mailing
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION count_rows('mailings');

-- Memberships added: each mailing's recipient_count, and unique_recipients
-- for every recipient that had no other membership.
CREATE FUNCTION mailing_recipients_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mailing AS m SET recipient_count = m.recipient_count + a.n
      FROM (SELECT mailing_id, count(*) AS n FROM added GROUP BY mailing_id) AS a
     WHERE m.id = a.mailing_id;
    UPDATE stats_counter SET unique_recipients = unique_recipients + (
        SELECT count(*)
          FROM (SELECT recipient_id, array_agg(mailing_id) AS mailings
                  FROM added GROUP BY recipient_id) AS a
         WHERE NOT EXISTS (SELECT 1 FROM mailing_recipient AS mr
                            WHERE mr.recipient_id = a.recipient_id
                              AND mr.mailing_id <> ALL (a.mailings)));
    RETURN NULL;
END
$$;

-- Memberships removed: the reverse, for every recipient left in none.
CREATE FUNCTION mailing_recipients_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mailing AS m SET recipient_count = m.recipient_count - r.n
      FROM (SELECT mailing_id, count(*) AS n FROM removed GROUP BY mailing_id) AS r
     WHERE m.id = r.mailing_id;
    UPDATE stats_counter SET unique_recipients = unique_recipients - (
        SELECT count(DISTINCT r.recipient_id) FROM removed AS r
         WHERE NOT EXISTS (SELECT 1 FROM mailing_recipient AS mr
                            WHERE mr.recipient_id = r.recipient_id));
    RETURN NULL;
END
$$;

CREATE TRIGGER mailing_recipient_added AFTER INSERT ON mailing_recipient
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION mailing_recipients_added();
CREATE TRIGGER mailing_recipient_removed AFTER DELETE ON mailing_recipient
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION mailing_recipients_removed();
