//! Unsubscribed and bouncing recipients on PostgreSQL
//! (`SuppressionRepository`): the method bodies; the statements are
//! `sql/suppression.rs`. Launches leave suppressed recipients out
//! (`sql/runs.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{Page, Recipient, RecipientId, Suppression};
use postpilot_core::ports::{Entity, StoreError, SuppressionRepository};

use super::{commit, PgStore};
use crate::errors::backend;
use crate::rows::{self, changed, found, SuppressedRow};
use crate::sql::suppression as sql;

#[async_trait]
impl SuppressionRepository for PgStore {
    async fn unsubscribe(&self, id: RecipientId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let doing = || format!("unsubscribing recipient {id}");
        let mut tx = self.begin(&doing()).await?;
        // The first time is kept.
        let done = sqlx::query(sql::UNSUBSCRIBE)
            .bind(at)
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&mut *tx)
            .await
            .map_err(backend(doing()))?;
        changed(done.rows_affected(), Entity::Recipient, id.get())?;
        // The deliveries still waiting (not claimed: a claimed one may be on
        // the wire) leave their runs, counted there as skipped.
        let runs: Vec<i64> = sqlx::query_scalar(sql::DROP_PENDING)
            .bind(id.get())
            .fetch_all(&mut *tx)
            .await
            .map_err(backend(doing()))?;
        for run in runs {
            sqlx::query(sql::MOVE_TO_SKIPPED)
                .bind(run)
                .execute(&mut *tx)
                .await
                .map_err(backend(doing()))?;
        }
        commit(tx, &doing()).await
    }

    async fn mark_bounced(
        &self,
        id: RecipientId,
        at: DateTime<Utc>,
        reply: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(sql::MARK_BOUNCED)
            .bind(at)
            .bind(reply)
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&self.pool)
            .await
            .map_err(backend(format!("marking recipient {id} as bouncing")))?;
        changed(done.rows_affected(), Entity::Recipient, id.get())
    }

    async fn resubscribe(&self, id: RecipientId) -> Result<(), StoreError> {
        let done = sqlx::query(sql::RESUBSCRIBE)
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&self.pool)
            .await
            .map_err(backend(format!("resubscribing recipient {id}")))?;
        changed(done.rows_affected(), Entity::Recipient, id.get())
    }

    async fn suppression(&self, id: RecipientId) -> Result<Suppression, StoreError> {
        let row: Option<SuppressedRow<DateTime<Utc>>> = sqlx::query_as(sql::SUPPRESSION)
            .bind(id.get())
            .bind(self.owners().sees)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend(format!("reading recipient {id}")))?;
        let (_, marks): (Recipient, Suppression) = found(row, Entity::Recipient, id.get())?;
        Ok(marks)
    }

    async fn suppressed(&self, page: Page) -> Result<Vec<(Recipient, Suppression)>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<SuppressedRow<DateTime<Utc>>> = sqlx::query_as(sql::SUPPRESSED)
            .bind(limit)
            .bind(offset)
            .bind(self.owners().sees)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("listing unsubscribed and bouncing recipients"))?;
        rows::decoded(found)
    }
}
