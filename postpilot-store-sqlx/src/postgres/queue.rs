//! The delivery queue on PostgreSQL (`QueueRepository`): claiming deliveries under a lease,
//! recording their results, failing what remains, and renewing or handing
//! back a lease (ARCHITECTURE.md, "Delivery engine"). Claims and records
//! are hot: each is one round trip per batch, never per email.
//!
//! Several processes share the queue: a claim locks the rows it leases and
//! skips rows another claim holds (`FOR UPDATE SKIP LOCKED`), and results
//! are recorded in one statement that moves each delivery on and inserts
//! its attempt only where the delivery is still leased under the token, so
//! an attempt is never recorded for a lease someone else took over.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{Claim, DeliveryResult, LeaseToken, RunId, SendRun};
use postpilot_core::ports::{Entity, QueueRepository, StoreError};
use sqlx::postgres::PgArguments;
use sqlx::Postgres;

use super::{commit, PgStore};
use crate::errors::backend;
use crate::queue::{claim_slices, new_token, results_json, stored_text};
use crate::rows::{claimed, found, int, DeliveryRow, RunRow};
use crate::sql::queue as sql;

/// A statement returning rows of `R`, with its values still to bind.
type QueryAs<'q, R> = sqlx::query::QueryAs<'q, Postgres, R, PgArguments>;

/// Leases up to `$5` deliveries of run `$3` due at `$4` (pending and due,
/// or leased with a lease expired before `$4`), lowest id first, under
/// token `$1` until `$2`. The inner select walks the run's undone
/// deliveries in id order (the `delivery_undone` index) and stops at its
/// LIMIT; rows another claim has locked are skipped, not waited for. One
/// statement, committed on its own.
const CLAIM: &str = "UPDATE delivery SET state = 'leased', lease_token = $1, lease_until = $2 \
     WHERE id IN (SELECT id FROM delivery \
         WHERE run_id = $3 AND state IN ('pending', 'leased') \
           AND ((state = 'pending' AND not_before <= $4) \
                OR (state = 'leased' AND lease_until < $4)) \
         ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) \
     RETURNING id, run_id, recipient_id, email, full_name, comment, tries";

/// The values of [`CLAIM`], bound in the order of its placeholders.
struct ClaimValues<'a> {
    /// `$1`
    token: &'a str,
    /// `$2`
    lease_until: DateTime<Utc>,
    /// `$3`
    run: i64,
    /// `$4`
    now: DateTime<Utc>,
    /// `$5`
    limit: i64,
}

impl<'a> ClaimValues<'a> {
    fn bind(self, query: QueryAs<'a, DeliveryRow>) -> QueryAs<'a, DeliveryRow> {
        query
            .bind(self.token)
            .bind(self.lease_until)
            .bind(self.run)
            .bind(self.now)
            .bind(self.limit)
    }
}

/// Records the results in `$1` (see [`results_json`]: those of one or more
/// claims, each row with its claim's token) of run `$2`, in one statement
/// (one round trip, atomic without a transaction): moves each delivery
/// still leased under its row's token on,
/// inserts one attempt for each delivery moved, in the order given, and
/// adds them to the run's counters. Returns the run's row; none for an
/// unknown run. PostgreSQL runs every data-modifying `WITH` part to its
/// end whether or not the statement's result reads it, so no part can be
/// skipped.
const RECORD: &str = "WITH r AS ( \
         SELECT CAST(e.v ->> 'id' AS BIGINT) AS id, \
                timestamptz 'epoch' + CAST(e.v ->> 'attempt_at' AS BIGINT) * interval '1 microsecond' \
                  AS attempt_at, \
                e.v ->> 'token' AS token, \
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
         WHERE d.id = r.id AND d.run_id = $2 AND d.state = 'leased' AND d.lease_token = r.token \
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
     FROM t WHERE s.id = $2 \
     RETURNING id, mailing_id, \"trigger\", started_at, finished_at, \
         total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name";

/// The values of [`RECORD`], bound in the order of its placeholders.
struct RecordValues {
    /// `$1`
    results: String,
    /// `$2`
    run: i64,
}

impl RecordValues {
    fn bind<'a>(
        self,
        query: QueryAs<'a, RunRow<DateTime<Utc>>>,
    ) -> QueryAs<'a, RunRow<DateTime<Utc>>> {
        query.bind(self.results).bind(self.run)
    }
}

/// Records the results of one or more claims (each its token and its
/// results); returns the run's totals, `NotFound` for an unknown run.
async fn record(
    store: &PgStore,
    run: RunId,
    claims: &[(&LeaseToken, &[DeliveryResult])],
) -> Result<SendRun, StoreError> {
    let doing = || format!("recording results of run {run}");
    let values = RecordValues {
        results: results_json(claims)
            .map_err(|e| StoreError::backend(doing(), e))?
            .json,
        run: run.get(),
    };
    let totals = values
        .bind(sqlx::query_as(RECORD))
        .fetch_optional(&store.pool)
        .await
        .map_err(backend(doing()))?;
    found(totals, Entity::Run, run.get())
}

/// Fails, with one failure attempt at `$2` carrying `$3`, every delivery of
/// run `$1` not done: pending, or leased with a lease expired before `$2`.
/// Live leases are left to their holders.
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
     SELECT s.mailing_id, f.run_id, f.recipient_id, f.email, $2, 'failure', $3 \
     FROM failed AS f JOIN send_run AS s ON s.id = f.run_id ORDER BY f.id";

#[async_trait]
impl QueueRepository for PgStore {
    /// Leases up to `limit` deliveries of the run due at `now`, until `lease_until`.
    async fn claim_deliveries(
        &self,
        run: RunId,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let token = new_token();
        let values = ClaimValues {
            token: &token.0,
            lease_until,
            run: run.get(),
            now,
            limit: i64::from(limit),
        };
        let rows = values
            .bind(sqlx::query_as(CLAIM))
            .fetch_all(&self.pool)
            .await
            .map_err(backend(format!("claiming deliveries of run {run}")))?;
        if rows.is_empty() {
            // Nothing due, or no such run: only then is it worth asking.
            super::runs::run_in(&self.pool, run, None).await?;
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
        record(self, run, &[(token, results)]).await
    }

    async fn record_claims(
        &self,
        run: RunId,
        claims: &[(LeaseToken, Vec<DeliveryResult>)],
    ) -> Result<SendRun, StoreError> {
        record(self, run, &claim_slices(claims)).await
    }

    /// Fails every delivery of the run not done (see [`FAIL_REMAINING`]) and
    /// counts them in the run; returns its totals.
    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("failing the remaining deliveries of run {run}");
        let mut tx = self.begin(&doing).await?;
        super::runs::run_in(&mut *tx, run, None).await?;
        let recorded = sqlx::query(FAIL_REMAINING)
            .bind(run.get())
            .bind(now)
            .bind(stored_text(reason))
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?
            .rows_affected();
        let totals: Option<RunRow<DateTime<Utc>>> = sqlx::query_as(sql::FAIL_COUNTED)
            .bind(int(recorded))
            .bind(run.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let totals = found(totals, Entity::Run, run.get())?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    /// Extends the lease of the run's deliveries still leased under `token`.
    async fn renew_lease(
        &self,
        run: RunId,
        token: &LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(sql::RENEW_LEASE)
            .bind(until)
            .bind(run.get())
            .bind(token.0.as_str())
            .execute(&self.pool)
            .await
            .map_err(backend(format!("renewing a lease of run {run}")))?;
        Ok(done.rows_affected())
    }

    /// Hands back the run's deliveries still leased under `token`: pending
    /// again, claimable at once.
    async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError> {
        let done = sqlx::query(sql::RELEASE_LEASE)
            .bind(run.get())
            .bind(token.0.as_str())
            .execute(&self.pool)
            .await
            .map_err(backend(format!("handing back a lease of run {run}")))?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::RECORD;
    use crate::rows::RUN_COLUMNS;

    #[test]
    fn the_record_returns_the_run_row() {
        assert!(RECORD.ends_with(&format!("RETURNING {RUN_COLUMNS}")));
    }
}
