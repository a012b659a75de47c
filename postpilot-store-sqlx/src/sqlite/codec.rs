//! Conversions between domain values and what SQLite stores.

use chrono::{DateTime, Utc};
use postpilot_core::domain::Page;
use postpilot_core::ports::StoreError;

use crate::errors::corrupt;

/// A time as stored: microseconds since the Unix epoch, UTC.
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// A stored time back to a `DateTime`.
pub(super) fn time(column: &'static str, micros: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| corrupt(column, format!("{micros} µs is out of range")))
}

/// A stored nullable time back to an optional `DateTime`.
pub(super) fn opt_time(
    column: &'static str,
    micros: Option<i64>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    micros.map(|m| time(column, m)).transpose()
}

/// A stored count, which must not be negative.
pub(super) fn count(column: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(column, format!("negative count {value}")))
}

/// A domain count or limit as SQLite's signed integer, saturating.
pub(super) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// `(limit, offset)` of a page, clamped to SQLite's signed integers.
pub(super) fn page(page: Page) -> (i64, i64) {
    (int(page.limit), int(page.offset))
}

/// Ids as a JSON array, the one parameter `json_each` expands in SQL: one
/// statement for any number of ids, instead of one per id.
pub(super) fn json_ids(ids: impl IntoIterator<Item = i64>) -> String {
    let mut json = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&id.to_string());
    }
    json.push(']');
    json
}
