//! Home-page statistics on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::Stats;
use postpilot_core::ports::{StatsRepository, StoreError};

use super::codec::{count, micros};
use super::SqliteStore;
use crate::errors::backend;

#[derive(sqlx::FromRow)]
struct StatsRow {
    mailings_total: i64,
    mailings_active: i64,
    unique_recipients: i64,
    recipients_total: i64,
    messages_total: i64,
    attempts_success: i64,
    attempts_failure: i64,
}

#[async_trait]
impl StatsRepository for SqliteStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        // "Active" is Running at `now`, decided here from the end time, so it
        // is right even for a row nobody touched after its end passed.
        // Attempt totals come from the runs' counters: no scan of attempts.
        let row = sqlx::query_as::<_, StatsRow>(
            "SELECT \
               (SELECT count(*) FROM mailing) AS mailings_total, \
               (SELECT count(*) FROM mailing \
                  WHERE launched_at IS NOT NULL AND sent_completed_at > ?) AS mailings_active, \
               (SELECT count(DISTINCT recipient_id) FROM mailing_recipient) AS unique_recipients, \
               (SELECT count(*) FROM recipient) AS recipients_total, \
               (SELECT count(*) FROM message) AS messages_total, \
               (SELECT coalesce(sum(attempts_success), 0) FROM send_run) AS attempts_success, \
               (SELECT coalesce(sum(attempts_failure), 0) FROM send_run) AS attempts_failure",
        )
        .bind(micros(now))
        .fetch_one(&self.reader)
        .await
        .map_err(backend("computing statistics"))?;
        let attempts_success = count("send_run.attempts_success", row.attempts_success)?;
        let attempts_failure = count("send_run.attempts_failure", row.attempts_failure)?;
        Ok(Stats {
            mailings_total: count("mailing", row.mailings_total)?,
            mailings_active: count("mailing", row.mailings_active)?,
            unique_recipients: count("mailing_recipient", row.unique_recipients)?,
            recipients_total: count("recipient", row.recipients_total)?,
            messages_total: count("message", row.messages_total)?,
            attempts_total: attempts_success.saturating_add(attempts_failure),
            attempts_success,
            attempts_failure,
        })
    }
}
