//! The runs repository port: launching a run, reading runs, finishing one.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{Audience, Launch, MailingId, Reach, RunId, RunMessage, SendRun, Trigger};

/// Runs: one launch of a mailing each, with its totals (ARCHITECTURE.md,
/// "Delivery engine").
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RunRepository: Send + Sync {
    /// Starts a run, with a copy of the mailing's message as it is now, and
    /// one pending delivery per current recipient that `selection` takes (all of them, or only those with no successful
    /// attempt in any run of this mailing) and marks the mailing as sent,
    /// in one transaction; or, when the mailing has an unfinished run,
    /// returns that one with `resumed: true` (whatever `selection` says).
    ///
    /// # Errors
    /// `NotFound` for the mailing.
    async fn launch_run(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError>;

    /// Of the mailing's current recipients, how many there are and how many
    /// already have a successful attempt of this mailing.
    ///
    /// # Errors
    /// `NotFound` for the mailing.
    async fn reach(&self, mailing: MailingId) -> Result<Reach, StoreError>;

    /// Marks the run finished at `now` if every delivery is done; returns it.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn finish_run_if_done(
        &self,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError>;

    /// Runs not finished yet (of any mailing), oldest first, at most `limit`.
    ///
    /// # Errors
    /// `Backend` only.
    async fn unfinished_runs(&self, limit: u32) -> Result<Vec<RunId>, StoreError>;

    /// The earliest time a not-yet-done delivery of the run may be claimed,
    /// `None` when all are done.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError>;

    /// The subject and body the run sends, copied from its message when it
    /// was launched; `None` for a run launched before runs kept their text.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn run_message(&self, id: RunId) -> Result<Option<RunMessage>, StoreError>;

    /// The mailing's runs, newest first.
    ///
    /// # Errors
    /// `Backend` only (an unknown mailing has no runs).
    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError>;
}
