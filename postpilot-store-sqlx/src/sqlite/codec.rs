//! Conversions between domain values and what SQLite stores.

use chrono::{DateTime, Utc};
use sqlx::Sqlite;

use crate::dialect::Dialect;

/// A time as stored (see [`Dialect::Time`]).
pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    Sqlite::time(at)
}
