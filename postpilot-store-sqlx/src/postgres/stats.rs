//! Home-page statistics (`StatsRepository`) and the database's own
//! settings (`InstanceRepository`) on PostgreSQL; the statements are
//! `sql/stats.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{InstanceId, Stats, UnsubscribeSecret};
use postpilot_core::ports::{InstanceRepository, StatsRepository, StoreError};

use super::PgStore;
use crate::errors::{backend, decode};
use crate::rows::StatsRow;
use crate::sql::stats as sql;

#[async_trait]
impl StatsRepository for PgStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        // Everyone's come from the counters; one owner's are counted.
        let query = match self.owners().sees {
            None => sqlx::query_as(sql::STATS).bind(now),
            Some(owner) => sqlx::query_as(sql::STATS_OF_OWNER).bind(now).bind(owner),
        };
        let row: StatsRow = query
            .fetch_one(&self.pool)
            .await
            .map_err(backend("computing statistics"))?;
        row.try_into()
    }
}

#[async_trait]
impl InstanceRepository for PgStore {
    async fn instance_id(&self) -> Result<InstanceId, StoreError> {
        let value: String = sqlx::query_scalar(sql::INSTANCE_ID)
            .fetch_one(&self.pool)
            .await
            .map_err(backend("reading the instance id"))?;
        decode("settings.instance_id", InstanceId::parse(&value))
    }

    async fn unsubscribe_secret(&self) -> Result<UnsubscribeSecret, StoreError> {
        let value: String = sqlx::query_scalar(sql::UNSUBSCRIBE_SECRET)
            .fetch_one(&self.pool)
            .await
            .map_err(backend("reading the unsubscribe secret"))?;
        decode(
            "settings.unsubscribe_secret",
            UnsubscribeSecret::parse(&value),
        )
    }
}
