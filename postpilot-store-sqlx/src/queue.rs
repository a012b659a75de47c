//! What every backend's delivery queue shares and needs no SQL of its own:
//! lease tokens, the batch of results as SQL reads it, and the state a
//! result leads to. The SQL that claims and records is each backend's
//! (`sqlite/delivery/queue.rs`, `postgres/delivery/queue.rs`).

use std::borrow::Cow;
use std::collections::HashSet;

use postpilot_core::domain::{visible, AttemptStatus, DeliveryResult, LeaseToken, NextStep};

/// A fresh, unguessable lease token.
pub(crate) fn new_token() -> LeaseToken {
    LeaseToken(format!("{:032x}", rand::random::<u128>()))
}

/// The claims of a record as [`results_json`] takes them.
pub(crate) fn claim_slices(
    claims: &[(LeaseToken, Vec<DeliveryResult>)],
) -> Vec<(&LeaseToken, &[DeliveryResult])> {
    claims
        .iter()
        .map(|(token, results)| (token, results.as_slice()))
        .collect()
}

/// The results of a record as SQL reads them: one JSON array of rows, and
/// what those rows add to the run's counters should every one of them be
/// recorded.
#[derive(Debug)]
pub(crate) struct Results {
    /// The one parameter each backend expands into rows (`json_each`,
    /// `jsonb_array_elements`).
    pub(crate) json: String,
    /// Rows in `json`.
    pub(crate) rows: u64,
    pub(crate) counts: Counts,
}

/// What results add to a run's counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Deliveries done and sent.
    pub(crate) sent: i64,
    /// Deliveries done and failed.
    pub(crate) failed: i64,
    /// Attempts that succeeded.
    pub(crate) successes: i64,
    /// Attempts that failed (retried or not).
    pub(crate) failures: i64,
}

/// One row of [`Results::json`].
#[derive(serde::Serialize)]
struct Row<'a> {
    id: i64,
    token: &'a str,
    attempt_at: i64,
    status: &'static str,
    response: Cow<'a, str>,
    state: &'static str,
    not_before: Option<i64>,
}

/// The results of each claim (its lease token, its results) as one JSON
/// array, the one parameter each backend expands into rows in SQL: a
/// record is one statement whatever its size and however many claims it
/// covers. Each row carries its claim's token. Of several results for one
/// delivery only the first counts: a later one would find it no longer
/// leased. Times are integer microseconds since the Unix epoch, which both
/// backends convert exactly.
///
/// # Errors
/// Only if serde_json failed to write strings and integers.
pub(crate) fn results_json(
    claims: &[(&LeaseToken, &[DeliveryResult])],
) -> Result<Results, serde_json::Error> {
    let mut seen = HashSet::new();
    let mut counts = Counts::default();
    let rows: Vec<Row<'_>> = claims
        .iter()
        .flat_map(|(token, results)| results.iter().map(move |r| (token, r)))
        .filter(|(_, r)| seen.insert(r.delivery_id))
        .map(|(token, r)| {
            let (state, not_before) = next_state(r);
            counts.add(state, r.status);
            Row {
                id: r.delivery_id.get(),
                token: &token.0,
                attempt_at: r.attempt_at.timestamp_micros(),
                status: r.status.code(),
                response: stored_text(&r.response),
                state,
                not_before: not_before.map(|at| at.timestamp_micros()),
            }
        })
        .collect();
    Ok(Results {
        json: serde_json::to_string(&rows)?,
        rows: u64::try_from(rows.len()).unwrap_or(u64::MAX),
        counts,
    })
}

impl Counts {
    fn add(&mut self, state: &str, status: AttemptStatus) {
        match state {
            "sent" => self.sent += 1,
            "failed" => self.failed += 1,
            _ => {}
        }
        match status {
            AttemptStatus::Success => self.successes += 1,
            AttemptStatus::Failure => self.failures += 1,
        }
    }
}

/// A response or reason as it is stored: with its control characters
/// escaped (`postpilot_core::domain::visible`). PostgreSQL cannot hold a
/// NUL in `text` nor `\u0000` in `jsonb`, and a terminal must never get a
/// control character from a stored reply; escaped, any text is recorded,
/// the same on every backend.
pub(crate) fn stored_text(text: &str) -> Cow<'_, str> {
    visible(text)
}

/// The delivery state and retry time a result leads to.
fn next_state(result: &DeliveryResult) -> (&'static str, Option<chrono::DateTime<chrono::Utc>>) {
    match (result.next, result.status) {
        (NextStep::RetryAt(at), _) => ("pending", Some(at)),
        (NextStep::Done, AttemptStatus::Success) => ("sent", None),
        (NextStep::Done, AttemptStatus::Failure) => ("failed", None),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use postpilot_core::domain::{AttemptStatus, DeliveryId, DeliveryResult, LeaseToken, NextStep};

    use super::{results_json, Counts};

    fn result(id: i64, status: AttemptStatus, next: NextStep) -> DeliveryResult {
        DeliveryResult {
            delivery_id: DeliveryId(id),
            attempt_at: Utc.timestamp_opt(1_800_000_000, 0).single().expect("time"),
            status,
            response: "250 ok\u{7}".to_owned(),
            next,
        }
    }

    #[test]
    fn results_count_what_they_add_to_the_run_and_only_the_first_result_of_a_delivery() {
        let retry = Utc.timestamp_opt(1_800_000_600, 0).single().expect("time");
        let (a, b) = (LeaseToken("a".into()), LeaseToken("b".into()));
        let first = [
            result(1, AttemptStatus::Success, NextStep::Done),
            result(2, AttemptStatus::Failure, NextStep::Done),
            result(3, AttemptStatus::Failure, NextStep::RetryAt(retry)),
        ];
        // A second result for delivery 1: it would find it no longer leased.
        let second = [
            result(1, AttemptStatus::Failure, NextStep::Done),
            result(4, AttemptStatus::Success, NextStep::Done),
        ];
        let results = results_json(&[(&a, &first), (&b, &second)]).expect("json");
        assert_eq!(results.rows, 4);
        assert_eq!(
            results.counts,
            Counts {
                sent: 2,
                failed: 1,
                successes: 2,
                failures: 2
            }
        );
        let rows: Vec<serde_json::Value> = serde_json::from_str(&results.json).expect("array");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0]["token"], "a");
        assert_eq!(rows[0]["response"], "250 ok\\u{7}");
        assert_eq!(rows[2]["state"], "pending");
        assert_eq!(rows[2]["not_before"], retry.timestamp_micros());
        assert_eq!(rows[3]["id"], 4);
        assert_eq!(rows[3]["token"], "b");
        assert_eq!(rows[1]["not_before"], serde_json::Value::Null);
    }
}
