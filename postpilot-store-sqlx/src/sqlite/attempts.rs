//! A mailing's attempts on SQLite (`AttemptRepository`, the statements in
//! `sql/attempts.rs`): pages of them (filtered, in either
//! direction, with their total), the export's batches, and a run's recent
//! responses.

use async_trait::async_trait;
use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Listed, MailingId, Page, RunId, SendAttempt,
};
use postpilot_core::ports::{AttemptRepository, StoreError, RECENT_ATTEMPTS};
use sqlx::Sqlite;

use super::{number, SqliteStore};
use crate::dialect::PageQuery;
use crate::errors::backend;
use crate::rows::{self, AttemptRow};
use crate::sql::attempts as sql;

#[async_trait]
impl AttemptRepository for SqliteStore {
    /// The response of the run's last attempt that starts with `prefix`,
    /// among its [`RECENT_ATTEMPTS`] newest: the newest attempts of the run by
    /// its index, then the prefix, bounded however many attempts the run has.
    async fn last_response_starting_with(
        &self,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(sql::LAST_RESPONSE)
            .bind(run.get())
            .bind(prefix)
            .bind(i64::from(RECENT_ATTEMPTS))
            .bind(self.owners().sees)
            .fetch_optional(&self.reader)
            .await
            .map_err(backend(format!("reading the responses of run {run}")))
    }

    /// A page of the mailing's attempts, in the order they were made.
    async fn list_attempts(
        &self,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<AttemptRow<i64>> = sqlx::query_as(sql::LIST_ATTEMPTS)
            .bind(mailing.get())
            .bind(limit)
            .bind(offset)
            .bind(self.owners().sees)
            .fetch_all(&self.reader)
            .await
            .map_err(backend(format!(
                "listing the attempts of mailing {mailing}"
            )))?;
        rows::decoded(found)
    }

    /// The mailing's attempts the filter takes, by id one way or the other,
    /// and their total; on one snapshot. Without an email search the total
    /// comes from the runs' counters (kept with every attempt recorded), not
    /// from counting a million rows.
    async fn find_attempts(
        &self,
        mailing: MailingId,
        listing: &AttemptListing,
    ) -> Result<Listed<SendAttempt>, StoreError> {
        let doing = format!("listing the attempts of mailing {mailing}");
        let mut tx = self.snapshot(&doing).await?;
        let PageQuery { count, mut page } =
            sql::find::<Sqlite>(mailing, self.owners().sees, listing);
        let total = number(&mut tx, count, &doing).await?;
        let found: Vec<AttemptRow<i64>> = page
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .map_err(backend(doing))?;
        Ok(Listed {
            items: rows::decoded(found)?,
            total,
        })
    }

    /// The mailing's attempts the filter takes older than the cursor's, newest
    /// first, at most its limit.
    async fn attempts_before(
        &self,
        mailing: MailingId,
        filter: &AttemptFilter,
        cursor: AttemptCursor,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        let doing = format!("exporting the attempts of mailing {mailing}");
        let found: Vec<AttemptRow<i64>> =
            sql::before::<Sqlite>(mailing, self.owners().sees, filter, cursor)
                .build_query_as()
                .fetch_all(&self.reader)
                .await
                .map_err(backend(doing))?;
        rows::decoded(found)
    }
}
