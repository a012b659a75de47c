//! What every backend's delivery queue shares and needs no SQL of its own:
//! lease tokens, the batch of results as SQL reads it, and the state a
//! result leads to. The SQL that claims and records is each backend's
//! (`sqlite/delivery/queue.rs`, `postgres/delivery/queue.rs`).

use std::borrow::Cow;
use std::collections::HashSet;

use chrono::{DateTime, Utc};

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

/// The results of a record as SQLite reads them: one JSON array of rows,
/// and what those rows add to the run's counters should every one of them
/// be recorded.
#[cfg(feature = "sqlite")]
#[derive(Debug)]
pub(crate) struct Results {
    /// The one parameter SQLite expands into rows (`json_each`).
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

/// One result a record writes: its claim's token, and the delivery state
/// and retry time it leads to.
struct Pick<'a> {
    token: &'a str,
    result: &'a DeliveryResult,
    state: &'static str,
    not_before: Option<DateTime<Utc>>,
}

/// The results of each claim (its lease token, its results) that a record
/// writes, in order, with what they add to the run's counters. Of several
/// results for one delivery only the first counts: a later one would find
/// it no longer leased.
fn picks<'a>(claims: &[(&'a LeaseToken, &'a [DeliveryResult])]) -> (Vec<Pick<'a>>, Counts) {
    let mut seen = HashSet::new();
    let mut counts = Counts::default();
    let picks = claims
        .iter()
        .flat_map(|(token, results)| results.iter().map(move |r| (*token, r)))
        .filter(|(_, r)| seen.insert(r.delivery_id))
        .map(|(token, result)| {
            let (state, not_before) = next_state(result);
            counts.add(state, result.status);
            Pick {
                token: &token.0,
                result,
                state,
                not_before,
            }
        })
        .collect();
    (picks, counts)
}

/// One row of [`Results::json`].
#[cfg(feature = "sqlite")]
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

/// The results a record writes (see [`picks`]) as one JSON array, the one
/// parameter SQLite expands into rows: a record is one statement per step
/// whatever its size and however many claims it covers. Each row carries
/// its claim's token. Times are integer microseconds since the Unix epoch,
/// which SQLite stores as they are.
///
/// # Errors
/// Only if serde_json failed to write strings and integers.
#[cfg(feature = "sqlite")]
pub(crate) fn results_json(
    claims: &[(&LeaseToken, &[DeliveryResult])],
) -> Result<Results, serde_json::Error> {
    let (picks, counts) = picks(claims);
    let rows: Vec<Row<'_>> = picks
        .iter()
        .map(|p| Row {
            id: p.result.delivery_id.get(),
            token: p.token,
            attempt_at: p.result.attempt_at.timestamp_micros(),
            status: p.result.status.code(),
            response: stored_text(&p.result.response),
            state: p.state,
            not_before: p.not_before.map(|at| at.timestamp_micros()),
        })
        .collect();
    Ok(Results {
        json: serde_json::to_string(&rows)?,
        rows: u64::try_from(rows.len()).unwrap_or(u64::MAX),
        counts,
    })
}

/// The results a record writes (see [`picks`]) as one array per column,
/// in the same order, the parameters PostgreSQL expands into rows with
/// `unnest`: typed, so nothing is parsed again on the server.
#[cfg(feature = "postgres")]
#[derive(Debug, Default)]
pub(crate) struct ResultColumns<'a> {
    pub(crate) ids: Vec<i64>,
    pub(crate) tokens: Vec<&'a str>,
    pub(crate) attempt_at: Vec<DateTime<Utc>>,
    pub(crate) statuses: Vec<&'static str>,
    pub(crate) responses: Vec<Cow<'a, str>>,
    pub(crate) states: Vec<&'static str>,
    pub(crate) not_before: Vec<Option<DateTime<Utc>>>,
}

#[cfg(feature = "postgres")]
impl<'a> ResultColumns<'a> {
    pub(crate) fn new(claims: &[(&'a LeaseToken, &'a [DeliveryResult])]) -> Self {
        let (picks, _) = picks(claims);
        let mut columns = Self::default();
        for p in picks {
            columns.ids.push(p.result.delivery_id.get());
            columns.tokens.push(p.token);
            columns.attempt_at.push(p.result.attempt_at);
            columns.statuses.push(p.result.status.code());
            columns.responses.push(stored_text(&p.result.response));
            columns.states.push(p.state);
            columns.not_before.push(p.not_before);
        }
        columns
    }
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
fn next_state(result: &DeliveryResult) -> (&'static str, Option<DateTime<Utc>>) {
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
