//! The delivery port (`DeliveryRepository`) on SQLite, by concern: runs
//! (`runs.rs`), the queue of deliveries with its claims and records
//! (`queue.rs`), and attempts (`attempts.rs`). Each holds its SQL and its
//! bodies; this impl names which does what (ARCHITECTURE.md, "Delivery
//! engine").

mod attempts;
mod queue;
mod runs;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Audience, Claim, DeliveryResult, Launch,
    LeaseToken, Listed, MailingId, Page, Reach, RunId, RunMessage, SendAttempt, SendRun, Trigger,
};
use postpilot_core::ports::{DeliveryRepository, StoreError};

use super::SqliteStore;

#[async_trait]
impl DeliveryRepository for SqliteStore {
    async fn launch_run(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError> {
        runs::launch(self, mailing, trigger, selection, now).await
    }

    async fn reach(&self, mailing: MailingId) -> Result<Reach, StoreError> {
        runs::reach(self, mailing).await
    }

    async fn claim_deliveries(
        &self,
        run: RunId,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        queue::claim(self, run, limit, now, lease_until).await
    }

    async fn record_results(
        &self,
        run: RunId,
        token: &LeaseToken,
        results: &[DeliveryResult],
    ) -> Result<SendRun, StoreError> {
        queue::record(self, run, &[(token, results)]).await
    }

    async fn record_claims(
        &self,
        run: RunId,
        claims: &[(LeaseToken, Vec<DeliveryResult>)],
    ) -> Result<SendRun, StoreError> {
        queue::record(self, run, &crate::queue::claim_slices(claims)).await
    }

    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        queue::fail_remaining(self, run, reason, now).await
    }

    async fn finish_run_if_done(
        &self,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        runs::finish_if_done(self, run, now).await
    }

    async fn renew_lease(
        &self,
        run: RunId,
        token: &LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        queue::renew_lease(self, run, token, until).await
    }

    async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError> {
        queue::release_lease(self, run, token).await
    }

    async fn unfinished_runs(&self, limit: u32) -> Result<Vec<RunId>, StoreError> {
        runs::unfinished(self, limit).await
    }

    async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError> {
        runs::next_due(self, run).await
    }

    async fn run_message(&self, id: RunId) -> Result<Option<RunMessage>, StoreError> {
        runs::run_message(self, id).await
    }

    async fn last_response_starting_with(
        &self,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        attempts::last_response_starting_with(self, run, prefix).await
    }

    async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError> {
        runs::run_in(&self.reader, id).await
    }

    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError> {
        runs::list(self, mailing).await
    }

    async fn list_attempts(
        &self,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        attempts::list(self, mailing, page).await
    }

    async fn find_attempts(
        &self,
        mailing: MailingId,
        listing: &AttemptListing,
    ) -> Result<Listed<SendAttempt>, StoreError> {
        attempts::find(self, mailing, listing).await
    }

    async fn attempts_before(
        &self,
        mailing: MailingId,
        filter: &AttemptFilter,
        cursor: AttemptCursor,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        attempts::before(self, mailing, filter, cursor).await
    }
}
