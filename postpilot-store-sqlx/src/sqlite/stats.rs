//! Home-page statistics on SQLite (the query is shared: `crate::rows::STATS`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::Stats;
use postpilot_core::ports::{StatsRepository, StoreError};

use super::{Sql, SqliteStore};

#[async_trait]
impl StatsRepository for SqliteStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        Sql::stats(&self.reader, now).await
    }
}
