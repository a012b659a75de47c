//! The suppression port: unsubscribed and bouncing recipients.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{Page, Recipient, RecipientId, Suppression};

/// Who is not sent to: unsubscribed and bouncing recipients. Launches leave
/// them out (`RunRepository::launch_run`) and count them on the run.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SuppressionRepository: Send + Sync {
    /// Marks the recipient unsubscribed at `at`; unsubscribing again keeps
    /// the first time. Their deliveries not yet claimed in unfinished runs
    /// are taken out of those runs and counted as skipped.
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient; then nothing changes.
    async fn unsubscribe(&self, id: RecipientId, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Marks the recipient's address as bouncing at `at`, with the server's
    /// reply (the latest bounce is kept).
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient; then nothing changes.
    async fn mark_bounced(
        &self,
        id: RecipientId,
        at: DateTime<Utc>,
        reply: &str,
    ) -> Result<(), StoreError>;

    /// Clears both marks: later runs send to the recipient again.
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient.
    async fn resubscribe(&self, id: RecipientId) -> Result<(), StoreError>;

    /// The recipient's marks.
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient.
    async fn suppression(&self, id: RecipientId) -> Result<Suppression, StoreError>;

    /// The recipients with a mark, by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn suppressed(&self, page: Page) -> Result<Vec<(Recipient, Suppression)>, StoreError>;
}
