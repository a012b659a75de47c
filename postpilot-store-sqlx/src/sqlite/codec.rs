//! Conversions between domain values and what SQLite stores.

use chrono::{DateTime, Utc};

/// A time as SQLite stores it: microseconds since the Unix epoch, UTC,
/// compact and exactly comparable (decoded by `rows::StoredTime for i64`).
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}
