//! The attempts repository port: the record of every try.

use async_trait::async_trait;

use super::error::StoreError;
use crate::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Listed, MailingId, Page, RunId, SendAttempt,
};

/// The attempt record: every try of every delivery (ARCHITECTURE.md,
/// "Delivery engine").
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttemptRepository: Send + Sync {
    /// The response of the run's last attempt whose response starts with
    /// `prefix` (compared exactly), among its last [`RECENT_ATTEMPTS`]
    /// attempts; `None` when there is none. What a run records when it
    /// ends (giving up, a closed window) comes last, give or take the sends
    /// that were in flight, so looking further back would only make a
    /// page of a large run slow.
    ///
    /// # Errors
    /// `Backend` only.
    async fn last_response_starting_with(
        &self,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>, StoreError>;

    /// The mailing's attempts in the order they were made.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_attempts(
        &self,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError>;

    /// A page of the mailing's attempts the filter takes, newest first (or
    /// oldest first), with their total.
    ///
    /// # Errors
    /// `Backend` only (an unknown mailing has none).
    async fn find_attempts(
        &self,
        mailing: MailingId,
        listing: &AttemptListing,
    ) -> Result<Listed<SendAttempt>, StoreError>;

    /// The next of the mailing's attempts the filter takes, newest first,
    /// older than the cursor's: one step of a walk through them all.
    ///
    /// # Errors
    /// `Backend` only.
    async fn attempts_before(
        &self,
        mailing: MailingId,
        filter: &AttemptFilter,
        cursor: AttemptCursor,
    ) -> Result<Vec<SendAttempt>, StoreError>;
}

/// How far back [`AttemptRepository::last_response_starting_with`] looks.
pub const RECENT_ATTEMPTS: u32 = 1_000;
