//! Mapping sqlx errors onto the core's [`StoreError`], shared by every backend.

use std::fmt::Display;

use postpilot_core::ports::StoreError;

/// Wraps a backend failure with what was being done.
pub(crate) fn backend(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| StoreError::backend(context, err)
}

/// Whether the database refused a write for breaking a unique constraint.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Whether the database refused a write for breaking a foreign key.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// A stored value that does not decode into its domain type: the database
/// was written by something that skipped the domain's validation.
#[derive(Debug, thiserror::Error)]
#[error("{column} holds an invalid value: {problem}")]
pub(crate) struct CorruptValue {
    column: &'static str,
    problem: String,
}

/// A [`StoreError::Backend`] for a row whose `column` failed to decode.
pub(crate) fn corrupt(column: &'static str, problem: impl Display) -> StoreError {
    StoreError::backend(
        format!("reading {column}"),
        CorruptValue {
            column,
            problem: problem.to_string(),
        },
    )
}

/// Decodes a stored value with a domain parser, mapping a refusal to [`corrupt`].
pub(crate) fn decode<T, E: Display>(
    column: &'static str,
    parsed: Result<T, E>,
) -> Result<T, StoreError> {
    parsed.map_err(|problem| corrupt(column, problem))
}
