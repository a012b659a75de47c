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

/// The instance's id, made by the first migration.
pub(crate) const INSTANCE_ID: &str = "SELECT value FROM settings WHERE name = 'instance_id'";

/// The key of unsubscribe links, made by migration
/// `20260612000000_suppression`.
pub(crate) const UNSUBSCRIBE_SECRET: &str =
    "SELECT value FROM settings WHERE name = 'unsubscribe_secret'";
