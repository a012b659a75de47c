//! The delivery queue port: claims under a lease, records of results.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{Claim, DeliveryResult, LeaseToken, RunId, SendRun};

/// The delivery queue: claims under a lease and records of results
/// (ARCHITECTURE.md, "Delivery engine").
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait QueueRepository: Send + Sync {
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
    /// cannot (and the mocks), records claim by claim. Returns the run's
    /// totals after it.
    ///
    /// # Errors
    /// As `record_results`; on the backends nothing is then recorded.
    async fn record_claims(
        &self,
        run: RunId,
        claims: &[(LeaseToken, Vec<DeliveryResult>)],
    ) -> Result<SendRun, StoreError> {
        let Some(((token, results), earlier)) = claims.split_last() else {
            // Nothing to record: the totals as they are.
            return self
                .record_results(run, &LeaseToken(String::new()), &[])
                .await;
        };
        for (token, results) in earlier {
            self.record_results(run, token, results).await?;
        }
        self.record_results(run, token, results).await
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
}
