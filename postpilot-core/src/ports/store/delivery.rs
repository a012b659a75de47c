//! The delivery repository port: runs, the queue and the attempts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Audience, Claim, DeliveryResult, Launch,
    LeaseToken, Listed, MailingId, Page, Reach, RunId, RunMessage, SendAttempt, SendRun, Trigger,
};

/// Runs, the delivery queue and the attempt record (ARCHITECTURE.md, "Delivery engine").
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DeliveryRepository: Send + Sync {
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

    /// Atomically leases up to `limit` deliveries of `run` that are due at
    /// `now` (pending, or leased with a lease expired before `now`) until
    /// `lease_until`. The lease is committed before this returns.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn claim_deliveries(
        &self,
        run: RunId,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;

    /// In one transaction: inserts one attempt per result and moves each
    /// delivery on (done, or back to pending until `RetryAt`), only where
    /// the delivery is still leased under `token`. Returns the run's totals
    /// after it.
    ///
    /// Any response text can be recorded: it is stored as
    /// [`visible`](crate::domain::visible) makes it (control characters as
    /// escapes), so it reads back the same on every backend and no content
    /// can make the record fail.
    ///
    /// # Errors
    /// `NotFound` for the run; `Backend`, and then nothing is recorded.
    async fn record_results(
        &self,
        run: RunId,
        token: &LeaseToken,
        results: &[DeliveryResult],
    ) -> Result<SendRun, StoreError>;

    /// Records the results of several claims of the run at once, as
    /// [`record_results`](Self::record_results) does for each claim's token
    /// and results, in order. The backends do it in one transaction (one
    /// statement on PostgreSQL), so what the engine has back costs one
    /// write whatever claims it came from; this default, for stores that
    /// cannot, records claim by claim. Returns the run's totals after it.
    ///
    /// # Errors
    /// As `record_results`; on the backends nothing is then recorded.
    async fn record_claims(
        &self,
        run: RunId,
        claims: &[(LeaseToken, Vec<DeliveryResult>)],
    ) -> Result<SendRun, StoreError> {
        let mut totals = None;
        for (token, results) in claims {
            totals = Some(self.record_results(run, token, results).await?);
        }
        match totals {
            Some(totals) => Ok(totals),
            None => self.get_run(run).await,
        }
    }

    /// Records a failure attempt carrying `reason` for every delivery of the
    /// run not yet done (pending, waiting for a retry, or with an expired
    /// lease), so nothing is silently dropped. Returns the run's totals.
    /// `reason` is stored as [`visible`](crate::domain::visible) makes it.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError>;

    /// Marks the run finished at `now` if every delivery is done; returns it.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn finish_run_if_done(
        &self,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError>;

    /// Extends to `until` the lease of the run's deliveries still leased
    /// under `token`; returns how many there were. A sender renews while it
    /// works, so a short lease still covers a long batch, and a crashed
    /// sender's deliveries come back soon.
    ///
    /// # Errors
    /// `Backend` only.
    async fn renew_lease(
        &self,
        run: RunId,
        token: &LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Hands back the run's deliveries still leased under `token`: they
    /// are pending again at once, for any sender, without waiting for the
    /// lease to pass. Returns how many. A sender stopping calls it once
    /// every result it has is recorded, so what it hands back is exactly
    /// what it never started.
    ///
    /// # Errors
    /// `Backend` only.
    async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError>;

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

    /// The mailing's runs, newest first.
    ///
    /// # Errors
    /// `Backend` only (an unknown mailing has no runs).
    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError>;

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

/// How far back [`DeliveryRepository::last_response_starting_with`] looks.
pub const RECENT_ATTEMPTS: u32 = 1_000;
