//! The SQL of the delivery queue only SQLite speaks (the logic around it
//! is shared: `crate::queue`).

use crate::rows::run_columns;

/// Leases up to `limit` due deliveries, lowest id first. Each inner select
/// walks the (run_id, state) index in id order and stops at its LIMIT, so a
/// claim costs about its batch however large the run is.
pub(super) const CLAIM: &str =
    "UPDATE delivery SET state = 'leased', lease_token = ?, lease_until = ? \
     WHERE id IN ( \
         SELECT id FROM (SELECT id FROM delivery \
             WHERE run_id = ? AND state = 'leased' AND lease_until < ? ORDER BY id LIMIT ?) \
         UNION ALL \
         SELECT id FROM (SELECT id FROM delivery \
             WHERE run_id = ? AND state = 'pending' AND not_before <= ? ORDER BY id LIMIT ?) \
         ORDER BY id LIMIT ?) \
     RETURNING id, run_id, recipient_id, email, full_name, comment, tries";

/// Deliveries not done whose time has come: pending (retries included), or
/// leased with a lease expired before `now`. Live leases are left alone.
pub(super) const UNDONE_AND_DUE: &str = "run_id = ? AND (state = 'pending' \
     OR (state = 'leased' AND lease_until < ?))";

/// The batch's results whose delivery is still leased under the token:
/// `?1` the results as one JSON array (see [`crate::queue::results_json`]),
/// `?2` the run, `?3` the token. The unary `+` keeps SQLite from reading the
/// run's leased deliveries through the (run_id, state) index and matching
/// each against the whole batch: instead it walks the batch and looks each
/// delivery up by id.
macro_rules! still_leased {
    (from) => {
        "json_each(?1) AS r JOIN delivery AS d ON d.id = r.value ->> 'id'"
    };
    (where) => {
        "+d.run_id = ?2 AND +d.state = 'leased' AND d.lease_token = ?3"
    };
}

/// Records a batch of results in one round trip to SQLite's thread: one
/// attempt per result still leased under the token, in the order given;
/// the run's counters (returning its row); then those deliveries moved on
/// to their next state. Each statement selects the same results, as the
/// deliveries leave the lease only in the last. An unknown run returns no
/// row. Run it with `fetch_all`: with a row limit (`fetch_one`,
/// `fetch_optional`) sqlx stops after the statement that returns the row,
/// and the deliveries would never move on.
pub(super) const RECORD: &str = concat!(
    "INSERT INTO send_attempt \
     (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
     SELECT s.mailing_id, d.run_id, d.recipient_id, d.email, \
            r.value ->> 'attempt_at', r.value ->> 'status', r.value ->> 'response' \
     FROM ",
    still_leased!(from),
    " JOIN send_run AS s ON s.id = d.run_id WHERE ",
    still_leased!(where),
    " ORDER BY r.key; \
     UPDATE send_run SET sent = sent + t.new_sent, failed = failed + t.new_failed, \
         attempts_success = attempts_success + t.new_successes, \
         attempts_failure = attempts_failure + t.new_failures \
     FROM (SELECT count(*) FILTER (WHERE r.value ->> 'state' = 'sent') AS new_sent, \
                  count(*) FILTER (WHERE r.value ->> 'state' = 'failed') AS new_failed, \
                  count(*) FILTER (WHERE r.value ->> 'status' = 'success') AS new_successes, \
                  count(*) FILTER (WHERE r.value ->> 'status' <> 'success') AS new_failures \
           FROM ",
    still_leased!(from),
    " WHERE ",
    still_leased!(where),
    ") AS t \
     WHERE send_run.id = ?2 RETURNING ",
    run_columns!(),
    "; \
     UPDATE delivery SET state = r.value ->> 'state', tries = tries + 1, \
         not_before = coalesce(r.value ->> 'not_before', delivery.not_before), \
         lease_token = NULL, lease_until = NULL \
     FROM json_each(?1) AS r \
     WHERE delivery.id = r.value ->> 'id' AND +delivery.run_id = ?2 \
       AND +delivery.state = 'leased' AND delivery.lease_token = ?3"
);

#[cfg(test)]
mod tests {
    use super::{CLAIM, RECORD};
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
        for sql in RECORD.split("; ") {
            let plan = plan(sql).await;
            assert!(plan.contains("INTEGER PRIMARY KEY (rowid=?)"), "{plan}");
            assert!(!plan.contains("delivery_by_run_state"), "{plan}");
        }
    }
}
