//! Home-page statistics on PostgreSQL (the query is shared: `crate::rows::STATS`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::Stats;
use postpilot_core::ports::{StatsRepository, StoreError};

use super::{PgStore, Sql};

#[async_trait]
impl StatsRepository for PgStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError> {
        Sql::stats(&self.pool, now).await
    }
}
