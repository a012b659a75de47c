-- postpilot's schema on SQLite.
--
-- Times are INTEGER microseconds since the Unix epoch (UTC): compact and
-- exactly comparable. The store never reads SQL's own clock; `now` always
-- comes in as a parameter. STRICT tables refuse values of the wrong type.

-- Получатели. NOCASE makes uniqueness case-insensitive, which is exact
-- here because the domain admits only ASCII addresses.
CREATE TABLE recipient (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    email     TEXT NOT NULL COLLATE NOCASE UNIQUE,
    full_name TEXT NOT NULL,
    comment   TEXT NOT NULL DEFAULT ''
) STRICT;

-- Сообщения.
CREATE TABLE message (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    subject    TEXT NOT NULL,
    body_text  TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Рассылки. The status is never stored: it is computed from time and
-- launched_at. recipient_count is kept by the triggers below, because
-- counting a million members on every read would be too slow.
CREATE TABLE mailing (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    first_sent_at     INTEGER NOT NULL,
    sent_completed_at INTEGER NOT NULL,
    message_id        INTEGER NOT NULL REFERENCES message (id) ON DELETE RESTRICT,
    recipient_count   INTEGER NOT NULL DEFAULT 0,
    launched_at       INTEGER,
    CHECK (sent_completed_at > first_sent_at)
) STRICT;

CREATE INDEX mailing_by_message ON mailing (message_id);
-- Active mailings (stats): launched and not yet ended.
CREATE INDEX mailing_launched_by_end ON mailing (sent_completed_at) WHERE launched_at IS NOT NULL;

CREATE TABLE mailing_recipient (
    mailing_id   INTEGER NOT NULL REFERENCES mailing (id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL REFERENCES recipient (id) ON DELETE CASCADE,
    PRIMARY KEY (mailing_id, recipient_id)
) STRICT, WITHOUT ROWID;

-- Deleting a recipient, and unique_recipients in stats.
CREATE INDEX mailing_recipient_by_recipient ON mailing_recipient (recipient_id);

CREATE TRIGGER mailing_recipient_added AFTER INSERT ON mailing_recipient
BEGIN
    UPDATE mailing SET recipient_count = recipient_count + 1 WHERE id = NEW.mailing_id;
END;

CREATE TRIGGER mailing_recipient_removed AFTER DELETE ON mailing_recipient
BEGIN
    UPDATE mailing SET recipient_count = recipient_count - 1 WHERE id = OLD.mailing_id;
END;

-- One launch of a mailing. sent/failed count deliveries that reached a
-- final state; attempts_* count attempts, so statistics never scan them.
CREATE TABLE send_run (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    mailing_id       INTEGER NOT NULL REFERENCES mailing (id) ON DELETE CASCADE,
    "trigger"        TEXT NOT NULL,
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    total            INTEGER NOT NULL DEFAULT 0,
    sent             INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    attempts_success INTEGER NOT NULL DEFAULT 0,
    attempts_failure INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX send_run_by_mailing ON send_run (mailing_id);
-- A mailing has at most one unfinished run (DESIGN §5.1).
CREATE UNIQUE INDEX send_run_one_unfinished ON send_run (mailing_id) WHERE finished_at IS NULL;

-- The queue: one row per recipient of a run, with a copy of the address so
-- the run is unaffected by later edits or deletion of the recipient.
CREATE TABLE delivery (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES send_run (id) ON DELETE CASCADE,
    recipient_id INTEGER REFERENCES recipient (id) ON DELETE SET NULL,
    email        TEXT NOT NULL,
    full_name    TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'leased', 'sent', 'failed')),
    tries        INTEGER NOT NULL DEFAULT 0,
    lease_token  TEXT,
    lease_until  INTEGER,
    not_before   INTEGER NOT NULL
) STRICT;

-- Claims scan (run_id, state) in rowid (= id) order and stop at LIMIT, so a
-- claim costs its batch, not the run's size. (An index ending in not_before
-- would lose the id order and make every claim sort all pending rows.)
CREATE INDEX delivery_by_run_state ON delivery (run_id, state);
CREATE INDEX delivery_by_recipient ON delivery (recipient_id);

-- Попытки рассылки.
CREATE TABLE send_attempt (
    id           INTEGER PRIMARY KEY,
    mailing_id   INTEGER NOT NULL REFERENCES mailing (id) ON DELETE CASCADE,
    run_id       INTEGER NOT NULL REFERENCES send_run (id) ON DELETE CASCADE,
    recipient_id INTEGER REFERENCES recipient (id) ON DELETE SET NULL,
    email        TEXT NOT NULL,
    attempt_at   INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('success', 'failure')),
    response     TEXT NOT NULL
) STRICT;

-- (mailing_id) is (mailing_id, id) in SQLite: the rowid ends every index.
CREATE INDEX send_attempt_by_mailing ON send_attempt (mailing_id);
CREATE INDEX send_attempt_by_run ON send_attempt (run_id);
CREATE INDEX send_attempt_by_recipient ON send_attempt (recipient_id);
