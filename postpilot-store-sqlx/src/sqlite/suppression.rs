//! Unsubscribed and bouncing recipients on SQLite (the SQL is shared: `crate::suppression`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{Page, Recipient, RecipientId, Suppression};
use postpilot_core::ports::{StoreError, SuppressionRepository};

use super::{commit, Sql, SqliteStore};

#[async_trait]
impl SuppressionRepository for SqliteStore {
    async fn unsubscribe(&self, id: RecipientId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let doing = format!("unsubscribing recipient {id}");
        let mut tx = self.write(&doing).await?;
        Sql::unsubscribe(&mut tx, id, at).await?;
        commit(tx, &doing).await
    }

    async fn mark_bounced(
        &self,
        id: RecipientId,
        at: DateTime<Utc>,
        reply: &str,
    ) -> Result<(), StoreError> {
        Sql::mark_bounced(&self.writer, id, at, reply).await
    }

    async fn resubscribe(&self, id: RecipientId) -> Result<(), StoreError> {
        Sql::resubscribe(&self.writer, id).await
    }

    async fn suppression(&self, id: RecipientId) -> Result<Suppression, StoreError> {
        Sql::suppression(&self.reader, id).await
    }

    async fn suppressed(&self, page: Page) -> Result<Vec<(Recipient, Suppression)>, StoreError> {
        Sql::suppressed(&self.reader, page).await
    }
}
