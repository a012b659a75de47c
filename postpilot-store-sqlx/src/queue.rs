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

/// The results of each claim (its lease token, its results) as one JSON
/// array, the one parameter each backend expands into rows in SQL
/// (`json_each`, `jsonb_array_elements`): a record is one statement
/// whatever its size and however many claims it covers. Each row carries
/// its claim's token. Of several results for one delivery only the first
/// counts: a later one would find it no longer leased. Times are integer
/// microseconds since the Unix epoch, which both backends convert exactly.
pub(crate) fn results_json(claims: &[(&LeaseToken, &[DeliveryResult])]) -> String {
    let mut seen = HashSet::new();
    let rows: Vec<serde_json::Value> = claims
        .iter()
        .flat_map(|(token, results)| results.iter().map(move |r| (token, r)))
        .filter(|(_, r)| seen.insert(r.delivery_id))
        .map(|(token, r)| {
            let (state, not_before) = next_state(r);
            serde_json::json!({
                "id": r.delivery_id.get(),
                "token": token.0,
                "attempt_at": r.attempt_at.timestamp_micros(),
                "status": r.status.code(),
                "response": stored_text(&r.response),
                "state": state,
                "not_before": not_before.map(|at| at.timestamp_micros()),
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
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
