//! The database's instance id, and home-page statistics on SQLite (the query is shared: `crate::rows::STATS`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{InstanceId, Stats, UnsubscribeSecret};
use postpilot_core::ports::{InstanceRepository, StatsRepository, StoreError};

use super::{Sql, SqliteStore};

#[async_trait]
impl StatsRepository for SqliteStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        Sql::stats(&self.reader, now).await
    }
}

#[async_trait]
impl InstanceRepository for SqliteStore {
    async fn instance_id(&self) -> Result<InstanceId, StoreError> {
        let value: String =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = 'instance_id'")
                .fetch_one(&self.reader)
                .await
                .map_err(crate::errors::backend("reading the instance id"))?;
        crate::errors::decode("settings.instance_id", InstanceId::parse(&value))
    }

    async fn unsubscribe_secret(&self) -> Result<UnsubscribeSecret, StoreError> {
        Sql::unsubscribe_secret(&self.reader).await
    }
}
