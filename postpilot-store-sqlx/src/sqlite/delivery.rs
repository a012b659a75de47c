//! Runs, the delivery queue and the attempt record on SQLite (ARCHITECTURE.md, "Delivery engine").

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Audience, Claim, DeliveryResult, Launch,
    LeaseToken, Listed, MailingId, Page, Reach, RunId, RunMessage, SendAttempt, SendRun, Trigger,
};
use postpilot_core::ports::{DeliveryRepository, Entity, StoreError};

use super::codec::micros;
use super::queue::{CLAIM, RECORD, UNDONE_AND_DUE};
use super::{commit, Sql, SqliteStore};
use crate::errors::backend;
use crate::query::MAILING_EXISTS;
use crate::queue::{first_result_per_delivery, new_token, results_json, stored_text, Tally};
use crate::rows::{claimed, int, DeliveryRow, RunRow};

#[async_trait]
impl DeliveryRepository for SqliteStore {
    async fn launch_run(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError> {
        let doing = format!("launching mailing {mailing}");
        let mut tx = self.write(&doing).await?;
        // The transaction holds the write lock: nothing to lock row by row.
        let launch =
            Sql::launch_run(&mut tx, MAILING_EXISTS, mailing, trigger, selection, now).await?;
        commit(tx, &doing).await?;
        Ok(launch)
    }

    async fn reach(&self, mailing: MailingId) -> Result<Reach, StoreError> {
        Sql::reach(&self.reader, mailing).await
    }

    async fn claim_deliveries(
        &self,
        run: RunId,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let doing = format!("claiming deliveries of run {run}");
        let token = new_token();
        let limit = i64::from(limit);
        // One statement, so no transaction: SQLite takes the write lock as
        // the statement starts (waiting for it as `busy_timeout` allows)
        // and the claim is all or nothing.
        let rows = sqlx::query_as::<_, DeliveryRow>(CLAIM)
            .bind(&token.0)
            .bind(micros(lease_until))
            .bind(run.get())
            .bind(micros(now))
            .bind(limit)
            .bind(run.get())
            .bind(micros(now))
            .bind(limit)
            .bind(limit)
            .fetch_all(&self.writer)
            .await
            .map_err(backend(doing))?;
        if rows.is_empty() {
            // Nothing due, or no such run: only then is it worth asking.
            Sql::mailing_of(&self.reader, run).await?;
        }
        Ok(Claim {
            token,
            deliveries: claimed(rows)?,
        })
    }

    async fn record_results(
        &self,
        run: RunId,
        token: &LeaseToken,
        results: &[DeliveryResult],
    ) -> Result<SendRun, StoreError> {
        let doing = format!("recording results of run {run}");
        let results = first_result_per_delivery(results);
        let mut tx = self.write(&doing).await?;
        // All rows, not the first only: with a limit, sqlx stops the
        // statements after the one that returns it.
        let totals = sqlx::query_as::<_, RunRow<i64>>(RECORD)
            .bind(results_json(&results))
            .bind(run.get())
            .bind(&token.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?
            .pop()
            .ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?
            .try_into()?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("failing the remaining deliveries of run {run}");
        let mut tx = self.write(&doing).await?;
        let mailing = Sql::mailing_of(&mut *tx, run).await?;
        // Both statements select the same rows: the transaction holds the
        // write lock, so nothing changes between them.
        let recorded = sqlx::query(&format!(
            "INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
             SELECT ?, run_id, recipient_id, email, ?, 'failure', ? FROM delivery \
             WHERE {UNDONE_AND_DUE} ORDER BY id"
        ))
        .bind(mailing)
        .bind(micros(now))
        .bind(stored_text(reason))
        .bind(run.get())
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        sqlx::query(&format!(
            "UPDATE delivery SET state = 'failed', tries = tries + 1, \
             lease_token = NULL, lease_until = NULL WHERE {UNDONE_AND_DUE}"
        ))
        .bind(run.get())
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        let totals = Sql::add_tally(
            &mut tx,
            run,
            &Tally::failures(int(recorded.rows_affected())),
        )
        .await?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    async fn finish_run_if_done(
        &self,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("finishing run {run}");
        let mut tx = self.write(&doing).await?;
        let totals = Sql::finish_run_if_done(&mut tx, run, now).await?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    async fn renew_lease(
        &self,
        run: RunId,
        token: &LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Sql::renew_lease(&self.writer, run, token, until).await
    }

    async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError> {
        Sql::release_lease(&self.writer, run, token).await
    }

    async fn unfinished_runs(&self, limit: u32) -> Result<Vec<RunId>, StoreError> {
        Sql::unfinished_runs(&self.reader, limit).await
    }

    async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError> {
        Sql::next_due(&self.reader, run).await
    }

    async fn run_message(&self, id: RunId) -> Result<Option<RunMessage>, StoreError> {
        Sql::run_message(&self.reader, id).await
    }

    async fn last_response_starting_with(
        &self,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        Sql::last_response_starting_with(&self.reader, run, prefix).await
    }

    async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError> {
        Sql::run_in(&self.reader, id).await
    }

    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError> {
        Sql::list_runs(&self.reader, mailing).await
    }

    async fn list_attempts(
        &self,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        Sql::list_attempts(&self.reader, mailing, page).await
    }

    async fn find_attempts(
        &self,
        mailing: MailingId,
        listing: &AttemptListing,
    ) -> Result<Listed<SendAttempt>, StoreError> {
        let mut tx = self
            .snapshot(&format!("listing the attempts of mailing {mailing}"))
            .await?;
        Sql::find_attempts(&mut tx, mailing.get(), listing).await
    }

    async fn attempts_before(
        &self,
        mailing: MailingId,
        filter: &AttemptFilter,
        cursor: AttemptCursor,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        let mut tx = self
            .snapshot(&format!("exporting the attempts of mailing {mailing}"))
            .await?;
        Sql::attempts_before(&mut tx, mailing.get(), filter, cursor).await
    }
}
