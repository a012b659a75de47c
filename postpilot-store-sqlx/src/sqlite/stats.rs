//! Home-page statistics (`StatsRepository`) and the database's own
//! settings (`InstanceRepository`) on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{InstanceId, Stats, UnsubscribeSecret};
use postpilot_core::ports::{InstanceRepository, StatsRepository, StoreError};

use super::codec::micros;
use super::SqliteStore;
use crate::errors::{backend, decode};
use crate::rows::StatsRow;

/// The home-page figures at `?1` (now). Every count but "active" is kept
/// up to date by triggers in the one-row `stats_counter` table, and the
/// attempt totals by each run's counters, so the query reads a handful of
/// rows whatever the size of the data; "active" is decided from the end
/// time at now, walking only the launched mailings that end after it.
const STATS: &str = "SELECT c.mailings AS mailings_total, \
       (SELECT count(*) FROM mailing \
          WHERE launched_at IS NOT NULL AND sent_completed_at > ?1) AS mailings_active, \
       c.unique_recipients, c.recipients AS recipients_total, c.messages AS messages_total, \
       (SELECT CAST(coalesce(sum(attempts_success), 0) AS BIGINT) FROM send_run) \
         AS attempts_success, \
       (SELECT CAST(coalesce(sum(attempts_failure), 0) AS BIGINT) FROM send_run) \
         AS attempts_failure \
     FROM stats_counter AS c";

#[async_trait]
impl StatsRepository for SqliteStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        let row: StatsRow = sqlx::query_as(STATS)
            .bind(micros(now))
            .fetch_one(&self.reader)
            .await
            .map_err(backend("computing statistics"))?;
        row.try_into()
    }
}

#[async_trait]
impl InstanceRepository for SqliteStore {
    async fn instance_id(&self) -> Result<InstanceId, StoreError> {
        let value: String =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = 'instance_id'")
                .fetch_one(&self.reader)
                .await
                .map_err(backend("reading the instance id"))?;
        decode("settings.instance_id", InstanceId::parse(&value))
    }

    async fn unsubscribe_secret(&self) -> Result<UnsubscribeSecret, StoreError> {
        let value: String =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = 'unsubscribe_secret'")
                .fetch_one(&self.reader)
                .await
                .map_err(backend("reading the unsubscribe secret"))?;
        decode(
            "settings.unsubscribe_secret",
            UnsubscribeSecret::parse(&value),
        )
    }
}
