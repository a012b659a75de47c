//! Runs, the delivery queue and the attempt record on PostgreSQL (ARCHITECTURE.md, "Delivery engine").
//!
//! Several processes share the queue: a claim locks the rows it leases and
//! skips rows another claim holds (`FOR UPDATE SKIP LOCKED`), and results
//! are recorded in one statement that moves each delivery on and inserts
//! its attempt only where the delivery is still leased under the token, so
//! an attempt is never recorded for a lease someone else took over.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Audience, Claim, DeliveryResult, Launch,
    LeaseToken, Listed, MailingId, Page, Reach, RunId, RunMessage, SendAttempt, SendRun, Trigger,
};
use postpilot_core::ports::{DeliveryRepository, Entity, StoreError};

use super::{commit, PgStore, Sql};
use crate::errors::backend;
use crate::queue::{first_result_per_delivery, new_token, results_json, stored_text, Tally};
use crate::rows::{claimed, int, run_columns, DeliveryRow, RunRow};

/// Selects the mailing `$1` and locks it against a concurrent launch (but
/// not against attempts referring to it, which lock its key only).
const LOCK_MAILING: &str = "SELECT id FROM mailing WHERE id = $1 FOR NO KEY UPDATE";

/// Leases up to `$5` deliveries of run `$3` due at `$4` (pending, or leased
/// with a lease expired before `$4`), lowest id first, under token `$1`
/// until `$2`. The inner select walks the run's undone deliveries in id
/// order (the `delivery_undone` index) and stops at its LIMIT; rows another
/// claim has locked are skipped, not waited for.
const CLAIM: &str = "UPDATE delivery SET state = 'leased', lease_token = $1, lease_until = $2 \
     WHERE id IN (SELECT id FROM delivery \
         WHERE run_id = $3 AND state IN ('pending', 'leased') \
           AND ((state = 'pending' AND not_before <= $4) \
                OR (state = 'leased' AND lease_until < $4)) \
         ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) \
     RETURNING id, run_id, recipient_id, email, full_name, comment, tries";

/// Records the results in `$1` (see [`results_json`]) of run `$2` under
/// token `$3`, in one statement (one round trip, atomic without a
/// transaction): moves each delivery still leased under the token on,
/// inserts one attempt for each delivery moved, in the order given, and adds
/// them to the run's counters. Returns the run's row; none for an unknown
/// run.
const RECORD: &str = concat!(
    "WITH r AS ( \
         SELECT CAST(e.v ->> 'id' AS BIGINT) AS id, \
                timestamptz 'epoch' + CAST(e.v ->> 'attempt_at' AS BIGINT) * interval '1 microsecond' \
                  AS attempt_at, \
                e.v ->> 'status' AS status, e.v ->> 'response' AS response, \
                e.v ->> 'state' AS state, \
                timestamptz 'epoch' + CAST(e.v ->> 'not_before' AS BIGINT) * interval '1 microsecond' \
                  AS not_before, \
                e.n \
         FROM jsonb_array_elements(CAST($1 AS jsonb)) WITH ORDINALITY AS e (v, n)), \
     moved AS ( \
         UPDATE delivery AS d SET state = r.state, tries = d.tries + 1, \
                not_before = coalesce(r.not_before, d.not_before), \
                lease_token = NULL, lease_until = NULL \
         FROM r \
         WHERE d.id = r.id AND d.run_id = $2 AND d.state = 'leased' AND d.lease_token = $3 \
         RETURNING d.id, d.run_id, d.recipient_id, d.email, r.attempt_at, r.status, r.response, \
                   r.state, r.n), \
     recorded AS ( \
         INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
         SELECT s.mailing_id, m.run_id, m.recipient_id, m.email, m.attempt_at, m.status, m.response \
         FROM moved AS m JOIN send_run AS s ON s.id = m.run_id ORDER BY m.n), \
     t AS ( \
         SELECT count(*) FILTER (WHERE state = 'sent') AS new_sent, \
                count(*) FILTER (WHERE state = 'failed') AS new_failed, \
                count(*) FILTER (WHERE status = 'success') AS new_successes, \
                count(*) FILTER (WHERE status <> 'success') AS new_failures \
         FROM moved) \
     UPDATE send_run AS s SET sent = s.sent + t.new_sent, failed = s.failed + t.new_failed, \
         attempts_success = s.attempts_success + t.new_successes, \
         attempts_failure = s.attempts_failure + t.new_failures \
     FROM t WHERE s.id = $2 RETURNING ",
    run_columns!()
);

/// Fails, with one failure attempt at `$2` carrying `$4`, every delivery of
/// run `$1` (of mailing `$3`) not done: pending, or leased with a lease
/// expired before `$2`. Live leases are left to their holders.
const FAIL_REMAINING: &str = "WITH failed AS ( \
         UPDATE delivery SET state = 'failed', tries = tries + 1, \
                lease_token = NULL, lease_until = NULL \
         WHERE id IN (SELECT id FROM delivery \
             WHERE run_id = $1 AND state IN ('pending', 'leased') \
               AND (state = 'pending' OR lease_until < $2) \
             ORDER BY id FOR UPDATE) \
         RETURNING id, run_id, recipient_id, email) \
     INSERT INTO send_attempt \
         (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
     SELECT $3, run_id, recipient_id, email, $2, 'failure', $4 FROM failed ORDER BY id";

#[async_trait]
impl DeliveryRepository for PgStore {
    async fn launch_run(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError> {
        let doing = format!("launching mailing {mailing}");
        let mut tx = self.begin(&doing).await?;
        let launch =
            Sql::launch_run(&mut tx, LOCK_MAILING, mailing, trigger, selection, now).await?;
        commit(tx, &doing).await?;
        Ok(launch)
    }

    async fn reach(&self, mailing: MailingId) -> Result<Reach, StoreError> {
        Sql::reach(&self.pool, mailing).await
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
        // One statement, committed on its own before this returns.
        let rows: Vec<DeliveryRow> = sqlx::query_as(CLAIM)
            .bind(&token.0)
            .bind(lease_until)
            .bind(run.get())
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend(doing))?;
        if rows.is_empty() {
            // Nothing due, or no such run: only then is it worth asking.
            Sql::mailing_of(&self.pool, run).await?;
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
        sqlx::query_as::<_, RunRow<DateTime<Utc>>>(RECORD)
            .bind(results_json(&results))
            .bind(run.get())
            .bind(&token.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend(doing))?
            .ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?
            .try_into()
    }

    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("failing the remaining deliveries of run {run}");
        let mut tx = self.begin(&doing).await?;
        let mailing = Sql::mailing_of(&mut *tx, run).await?;
        let recorded = sqlx::query(FAIL_REMAINING)
            .bind(run.get())
            .bind(now)
            .bind(mailing)
            .bind(stored_text(reason))
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
        let mut tx = self.begin(&doing).await?;
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
        Sql::renew_lease(&self.pool, run, token, until).await
    }

    async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError> {
        Sql::release_lease(&self.pool, run, token).await
    }

    async fn unfinished_runs(&self, limit: u32) -> Result<Vec<RunId>, StoreError> {
        Sql::unfinished_runs(&self.pool, limit).await
    }

    async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError> {
        Sql::next_due(&self.pool, run).await
    }

    async fn run_message(&self, id: RunId) -> Result<Option<RunMessage>, StoreError> {
        Sql::run_message(&self.pool, id).await
    }

    async fn last_response_starting_with(
        &self,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        Sql::last_response_starting_with(&self.pool, run, prefix).await
    }

    async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError> {
        Sql::run_in(&self.pool, id).await
    }

    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError> {
        Sql::list_runs(&self.pool, mailing).await
    }

    async fn list_attempts(
        &self,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        Sql::list_attempts(&self.pool, mailing, page).await
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
