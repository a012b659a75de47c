//! Statistics (`StatsRepository`) and the instance's settings
//! (`InstanceRepository`): the statements both backends run.

/// The home-page figures at `$1` (now). Every count but "active" is kept
/// by triggers (migration `20260301000000_stats_counters`); "active" needs
/// the time, and reads the launched mailings only.
pub(crate) const STATS: &str = "SELECT c.mailings AS mailings_total, \
     (SELECT count(*) FROM mailing \
     WHERE launched_at IS NOT NULL AND sent_completed_at > $1) AS mailings_active, \
     c.unique_recipients, c.recipients AS recipients_total, c.messages AS messages_total, \
     (SELECT CAST(coalesce(sum(attempts_success), 0) AS BIGINT) FROM send_run) \
     AS attempts_success, \
     (SELECT CAST(coalesce(sum(attempts_failure), 0) AS BIGINT) FROM send_run) \
     AS attempts_failure \
     FROM stats_counter AS c";

/// The home-page figures of owner `$2`'s objects at `$1` (now). The
/// counters are everyone's, so one owner's are counted on the owner
/// indexes (`*_by_owner`): their recipients, messages and mailings, and
/// their recipients in any mailing; attempt totals still come from the
/// runs' counters, never from the attempts.
pub(crate) const STATS_OF_OWNER: &str = "SELECT \
     (SELECT count(*) FROM mailing WHERE owner_id = $2) AS mailings_total, \
     (SELECT count(*) FROM mailing WHERE owner_id = $2 \
     AND launched_at IS NOT NULL AND sent_completed_at > $1) AS mailings_active, \
     (SELECT count(*) FROM recipient AS r WHERE r.owner_id = $2 AND EXISTS \
     (SELECT 1 FROM mailing_recipient AS mr WHERE mr.recipient_id = r.id)) AS unique_recipients, \
     (SELECT count(*) FROM recipient WHERE owner_id = $2) AS recipients_total, \
     (SELECT count(*) FROM message WHERE owner_id = $2) AS messages_total, \
     (SELECT CAST(coalesce(sum(s.attempts_success), 0) AS BIGINT) FROM send_run AS s \
     JOIN mailing AS m ON m.id = s.mailing_id WHERE m.owner_id = $2) AS attempts_success, \
     (SELECT CAST(coalesce(sum(s.attempts_failure), 0) AS BIGINT) FROM send_run AS s \
     JOIN mailing AS m ON m.id = s.mailing_id WHERE m.owner_id = $2) AS attempts_failure";

/// The instance's id, made by the first migration.
pub(crate) const INSTANCE_ID: &str = "SELECT value FROM settings WHERE name = 'instance_id'";

/// The key of unsubscribe links, made by migration
/// `20260612000000_suppression`.
pub(crate) const UNSUBSCRIBE_SECRET: &str =
    "SELECT value FROM settings WHERE name = 'unsubscribe_secret'";
