-- Adding 100,000 recipients to a mailing in one statement: a foreign key
-- is checked row by row (a lookup and a row lock each), which was most of
-- the time of such an add. The memberships' references are checked once
-- per statement instead, by the trigger that counts them, and deleting a
-- recipient or a mailing takes its memberships along by a statement
-- trigger, as the cascade did. Every writer of these tables locks
-- stats_counter first (PgStore::counted), so nothing a check saw goes away
-- before the commit (ARCHITECTURE.md, "Store").
ALTER TABLE mailing_recipient DROP CONSTRAINT mailing_recipient_mailing_id_fkey;
ALTER TABLE mailing_recipient DROP CONSTRAINT mailing_recipient_recipient_id_fkey;

-- Memberships added: their references checked, each mailing's
-- recipient_count, and unique_recipients for every recipient that had no
-- other membership. EXECUTE plans each statement for the rows at hand
-- (a cached plan would keep the first add's size), and counts, not
-- EXISTS, make the planner cost whole joins: probes of the indexes for a
-- small add, hashes for a large one. work_mem: 100,000 rows hashed
-- without spilling to disk.
CREATE OR REPLACE FUNCTION mailing_recipients_added() RETURNS trigger LANGUAGE plpgsql
SET work_mem = '64MB' AS $$
DECLARE
    named BIGINT;
    found BIGINT;
    only_mailing BIGINT;
    missing BIGINT;
    first_time BIGINT;
BEGIN
    WITH a AS (SELECT mailing_id, count(*) AS n FROM added GROUP BY mailing_id),
         u AS (UPDATE mailing AS m SET recipient_count = m.recipient_count + a.n
                 FROM a WHERE m.id = a.mailing_id RETURNING m.id)
    SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM u), (SELECT min(mailing_id) FROM a)
      INTO named, found, only_mailing;
    IF found < named THEN
        RAISE EXCEPTION 'a membership must be of a mailing'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'mailing_recipient',
                  CONSTRAINT = 'mailing_recipient_mailing_id_fkey';
    END IF;
    EXECUTE 'SELECT count(*) FROM added AS a
              WHERE NOT EXISTS (SELECT 1 FROM recipient AS r WHERE r.id = a.recipient_id)'
       INTO missing;
    IF missing > 0 THEN
        RAISE EXCEPTION 'a member of a mailing must be a recipient'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'mailing_recipient',
                  CONSTRAINT = 'mailing_recipient_recipient_id_fkey';
    END IF;
    IF named = 1 THEN
        -- Every add of postpilot is to one mailing: no grouping.
        EXECUTE 'SELECT count(*) FROM added AS a
                  WHERE NOT EXISTS (SELECT 1 FROM mailing_recipient AS mr
                                     WHERE mr.recipient_id = a.recipient_id
                                       AND mr.mailing_id <> $1)'
           INTO first_time USING only_mailing;
    ELSE
        EXECUTE 'SELECT count(*)
                   FROM (SELECT recipient_id, array_agg(mailing_id) AS mailings
                           FROM added GROUP BY recipient_id) AS a
                  WHERE NOT EXISTS (SELECT 1 FROM mailing_recipient AS mr
                                     WHERE mr.recipient_id = a.recipient_id
                                       AND mr.mailing_id <> ALL (a.mailings))'
           INTO first_time;
    END IF;
    UPDATE stats_counter SET unique_recipients = unique_recipients + first_time;
    RETURN NULL;
END
$$;

-- The cascade: a deleted recipient or mailing leaves its memberships.
CREATE FUNCTION recipients_leave_mailings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM mailing_recipient WHERE recipient_id IN (SELECT id FROM removed);
    RETURN NULL;
END
$$;

CREATE FUNCTION mailings_lose_recipients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM mailing_recipient WHERE mailing_id IN (SELECT id FROM removed);
    RETURN NULL;
END
$$;

CREATE TRIGGER recipient_leaves_mailings AFTER DELETE ON recipient
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION recipients_leave_mailings();
CREATE TRIGGER mailing_loses_recipients AFTER DELETE ON mailing
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION mailings_lose_recipients();
