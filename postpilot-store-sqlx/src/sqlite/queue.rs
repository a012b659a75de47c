//! The delivery queue on SQLite (`QueueRepository`): claiming deliveries under a lease,
//! recording their results, failing what remains, and renewing or handing
//! back a lease (ARCHITECTURE.md, "Delivery engine"). Claims and records
//! are hot: each is one round trip per batch, never per email.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{Claim, DeliveryResult, LeaseToken, RunId, SendRun};
use postpilot_core::ports::{Entity, QueueRepository, StoreError};
use sqlx::sqlite::SqliteArguments;
use sqlx::{FromRow, Sqlite};

use super::codec::micros;
use super::{commit, SqliteStore};
use crate::errors::backend;
use crate::queue::{claim_slices, new_token, results_json, stored_text};
use crate::rows::{claimed, found, int, DeliveryRow, RunRow};
use crate::sql::queue as sql;

/// A statement with its values still to bind.
type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;
/// A statement returning rows of `R`, with its values still to bind.
type QueryAs<'q, R> = sqlx::query::QueryAs<'q, Sqlite, R, SqliteArguments<'q>>;

/// Leases up to `$5` deliveries of run `$3` due at `$4` (pending and due,
/// or leased with a lease expired before `$4`), lowest id first, under
/// token `$1` until `$2`. Each inner select walks the (run_id, state) index
/// in id order and stops at its LIMIT, so a claim costs about its batch
/// however large the run is. One statement: SQLite takes the write lock as
/// it starts, and the claim is all or nothing.
const CLAIM: &str = "UPDATE delivery SET state = 'leased', lease_token = $1, lease_until = $2 \
     WHERE id IN ( \
         SELECT id FROM (SELECT id FROM delivery \
             WHERE run_id = $3 AND state = 'leased' AND lease_until < $4 ORDER BY id LIMIT $5) \
         UNION ALL \
         SELECT id FROM (SELECT id FROM delivery \
             WHERE run_id = $3 AND state = 'pending' AND not_before <= $4 ORDER BY id LIMIT $5) \
         ORDER BY id LIMIT $5) \
     RETURNING id, run_id, recipient_id, email, full_name, comment, tries";

/// The values of [`CLAIM`], bound in the order of its placeholders.
struct ClaimValues<'a> {
    /// `$1`
    token: &'a str,
    /// `$2`
    lease_until: i64,
    /// `$3`
    run: i64,
    /// `$4`
    now: i64,
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

/// The results whose delivery is still leased under their claim's token,
/// as the record's statements select them: `$1` the results of every claim
/// recorded as one JSON array, each row with its token (see
/// [`results_json`]), `$2` the run. The unary `+`
/// keeps SQLite from reading the run's leased deliveries through the
/// (run_id, state) index and matching each against the whole batch:
/// instead it walks the batch and looks each delivery up by id.
///
/// Records one attempt per result still leased, in the order given.
const RECORD_ATTEMPTS: &str = "INSERT INTO send_attempt \
     (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
     SELECT s.mailing_id, d.run_id, d.recipient_id, d.email, \
            r.value ->> 'attempt_at', r.value ->> 'status', r.value ->> 'response' \
     FROM json_each($1) AS r JOIN delivery AS d ON d.id = r.value ->> 'id' \
          JOIN send_run AS s ON s.id = d.run_id \
     WHERE +d.run_id = $2 AND +d.state = 'leased' AND d.lease_token = r.value ->> 'token' \
     ORDER BY r.key";

/// Adds the same results (see [`RECORD_ATTEMPTS`]) to run `$2`'s counters;
/// returns the run's row (no row for an unknown run).
const COUNT_RESULTS: &str = "UPDATE send_run \
     SET sent = sent + t.new_sent, failed = failed + t.new_failed, \
         attempts_success = attempts_success + t.new_successes, \
         attempts_failure = attempts_failure + t.new_failures \
     FROM (SELECT count(*) FILTER (WHERE r.value ->> 'state' = 'sent') AS new_sent, \
                  count(*) FILTER (WHERE r.value ->> 'state' = 'failed') AS new_failed, \
                  count(*) FILTER (WHERE r.value ->> 'status' = 'success') AS new_successes, \
                  count(*) FILTER (WHERE r.value ->> 'status' <> 'success') AS new_failures \
           FROM json_each($1) AS r JOIN delivery AS d ON d.id = r.value ->> 'id' \
           WHERE +d.run_id = $2 AND +d.state = 'leased' \
             AND d.lease_token = r.value ->> 'token') AS t \
     WHERE send_run.id = $2 \
     RETURNING id, mailing_id, \"trigger\", started_at, finished_at, \
         total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name";

/// Adds `$1` deliveries sent, `$2` failed, `$3` successful and `$4` failed
/// attempts to run `$5`'s counters; returns the run's row (none for an
/// unknown run). What a record runs instead of [`COUNT_RESULTS`] when every
/// result was recorded: the counts are then those of all the results, known
/// without reading them again.
const COUNT_RECORDED: &str = "UPDATE send_run \
     SET sent = sent + $1, failed = failed + $2, \
         attempts_success = attempts_success + $3, attempts_failure = attempts_failure + $4 \
     WHERE id = $5 \
     RETURNING id, mailing_id, \"trigger\", started_at, finished_at, \
         total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name";

/// Moves the same deliveries (see [`RECORD_ATTEMPTS`]) on to the state and
/// retry time their result leads to; they leave the lease only here, so it
/// runs last.
const MOVE_ON: &str = "UPDATE delivery SET state = r.value ->> 'state', tries = tries + 1, \
         not_before = coalesce(r.value ->> 'not_before', delivery.not_before), \
         lease_token = NULL, lease_until = NULL \
     FROM json_each($1) AS r \
     WHERE delivery.id = r.value ->> 'id' AND +delivery.run_id = $2 \
       AND +delivery.state = 'leased' AND delivery.lease_token = r.value ->> 'token'";

/// The values of [`RECORD_ATTEMPTS`], [`COUNT_RESULTS`] and [`MOVE_ON`],
/// bound in the order of their placeholders.
struct RecordValues<'a> {
    /// `$1`
    results: &'a str,
    /// `$2`
    run: i64,
}

impl<'a> RecordValues<'a> {
    fn bind(&self, query: Query<'a>) -> Query<'a> {
        query.bind(self.results).bind(self.run)
    }
}

/// The three statements of a record select the same deliveries under the
/// write lock: as many attempts as deliveries moved on, or the record is
/// refused (and rolled back with its transaction).
fn check_record(recorded: u64, moved: u64, doing: &str) -> Result<(), StoreError> {
    if recorded == moved {
        return Ok(());
    }
    Err(StoreError::backend(
        doing,
        Inconsistent(format!(
            "{recorded} attempts recorded but {moved} deliveries moved on"
        )),
    ))
}

/// Statements that must agree did not: the store refuses the write rather
/// than keep counters that disagree with its rows.
#[derive(Debug, thiserror::Error)]
#[error("inconsistent write: {0}")]
struct Inconsistent(String);

#[async_trait]
impl QueueRepository for SqliteStore {
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
            lease_until: micros(lease_until),
            run: run.get(),
            now: micros(now),
            limit: i64::from(limit),
        };
        let rows = values
            .bind(sqlx::query_as(CLAIM))
            .fetch_all(&self.writer)
            .await
            .map_err(backend(format!("claiming deliveries of run {run}")))?;
        if rows.is_empty() {
            // Nothing due, or no such run: only then is it worth asking.
            super::runs::run_in(&self.reader, run, None).await?;
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

    /// Fails, with one failure attempt at `now` carrying `reason`, every
    /// delivery of the run not done: pending, or leased with a lease expired
    /// before `now`. Live leases are left to their holders.
    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("failing the remaining deliveries of run {run}");
        let mut tx = self.write(&doing).await?;
        super::runs::run_in(&mut *tx, run, None).await?;
        // Both statements select the same rows ($1 the run, $2 now): the
        // transaction holds the write lock, so nothing changes between them.
        // $3 the reason.
        let recorded = sqlx::query(
            "INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
             SELECT s.mailing_id, d.run_id, d.recipient_id, d.email, $2, 'failure', $3 \
             FROM delivery AS d JOIN send_run AS s ON s.id = d.run_id \
             WHERE d.run_id = $1 AND (d.state = 'pending' \
                 OR (d.state = 'leased' AND d.lease_until < $2)) \
             ORDER BY d.id",
        )
        .bind(run.get())
        .bind(micros(now))
        .bind(stored_text(reason))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?
        .rows_affected();
        let moved = sqlx::query(
            "UPDATE delivery SET state = 'failed', tries = tries + 1, \
             lease_token = NULL, lease_until = NULL \
             WHERE run_id = $1 AND (state = 'pending' OR (state = 'leased' AND lease_until < $2))",
        )
        .bind(run.get())
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?
        .rows_affected();
        check_record(recorded, moved, &doing)?;
        let totals: Option<RunRow<i64>> = sqlx::query_as(sql::FAIL_COUNTED)
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
            .bind(micros(until))
            .bind(run.get())
            .bind(token.0.as_str())
            .execute(&self.writer)
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
            .execute(&self.writer)
            .await
            .map_err(backend(format!("handing back a lease of run {run}")))?;
        Ok(done.rows_affected())
    }
}

/// Records the results of one or more claims (each its token and its
/// results): the attempts, the run's counters, the deliveries moved on;
/// three statements in one transaction, each run to its end (none returns
/// rows but the counters' one row). Returns the run's totals; `NotFound`
/// for an unknown run.
async fn record(
    store: &SqliteStore,
    run: RunId,
    claims: &[(&LeaseToken, &[DeliveryResult])],
) -> Result<SendRun, StoreError> {
    let doing = format!("recording results of run {run}");
    let results = results_json(claims).map_err(|e| StoreError::backend(doing.clone(), e))?;
    let values = RecordValues {
        results: &results.json,
        run: run.get(),
    };
    let mut tx = store.write(&doing).await?;
    let recorded = values
        .bind(sqlx::query(RECORD_ATTEMPTS))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?
        .rows_affected();
    // Every result recorded (no lease lost to another sender): the counts
    // are the results' own, and the counters need no second pass over them.
    let counting = if recorded == results.rows {
        let c = results.counts;
        sqlx::query(COUNT_RECORDED)
            .bind(c.sent)
            .bind(c.failed)
            .bind(c.successes)
            .bind(c.failures)
            .bind(run.get())
    } else {
        values.bind(sqlx::query(COUNT_RESULTS))
    };
    let totals = counting
        // The same values, read as the run's row.
        .try_map(|row| RunRow::<i64>::from_row(&row))
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
    let moved = values
        .bind(sqlx::query(MOVE_ON))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?
        .rows_affected();
    check_record(recorded, moved, &doing)?;
    let totals = found(totals, Entity::Run, run.get())?;
    commit(tx, &doing).await?;
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::{CLAIM, COUNT_RECORDED, COUNT_RESULTS, MOVE_ON, RECORD_ATTEMPTS};
    use crate::rows::RUN_COLUMNS;
    use crate::SqliteStore;

    /// SQLite's plan for `sql`, one step per line.
    async fn plan(sql: &str) -> String {
        let store = SqliteStore::connect("sqlite::memory:")
            .await
            .expect("in-memory store");
        let steps: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(&store.reader)
                .await
                .expect("plan");
        steps
            .into_iter()
            .map(|(.., step)| step)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn claims_walk_the_run_state_index_without_scanning_deliveries() {
        let plan = plan(CLAIM).await;
        assert_eq!(
            plan.matches("delivery_by_run_state (run_id=? AND state=?)")
                .count(),
            2,
            "{plan}"
        );
        assert!(!plan.contains("SCAN delivery"), "{plan}");
    }

    #[tokio::test]
    async fn recording_looks_each_delivery_up_by_id() {
        for sql in [RECORD_ATTEMPTS, COUNT_RESULTS, MOVE_ON] {
            let plan = plan(sql).await;
            assert!(plan.contains("INTEGER PRIMARY KEY (rowid=?)"), "{plan}");
            assert!(!plan.contains("delivery_by_run_state"), "{plan}");
        }
    }

    #[test]
    fn the_counters_return_the_run_row() {
        for sql in [COUNT_RESULTS, COUNT_RECORDED] {
            assert!(sql.ends_with(&format!("RETURNING {RUN_COLUMNS}")), "{sql}");
        }
    }
}
