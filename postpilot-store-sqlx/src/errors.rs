//! Mapping sqlx errors onto the core's [`StoreError`], shared by every backend.

use std::fmt::Display;

use postpilot_core::domain::{EmailAddress, MessageId, NewRecipient, UserId};
use postpilot_core::ports::{Entity, StoreError};

/// Wraps a backend failure with what was being done.
pub(crate) fn backend(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| StoreError::backend(context, err)
}

/// Whether the database refused a write for breaking a unique constraint
/// (PostgreSQL's SQLSTATE 23505, SQLite's `SQLITE_CONSTRAINT_UNIQUE`).
fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Whether the database refused a write for breaking a foreign key
/// (PostgreSQL's SQLSTATE 23503, SQLite's `SQLITE_CONSTRAINT_FOREIGNKEY`).
fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// Maps a failed write of a recipient: a unique violation can only be the
/// email (in any letter case), which is `Duplicate`.
pub(crate) fn recipient_write_error(
    doing: &str,
    new: &NewRecipient,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    duplicate_email(doing, Entity::Recipient, &new.email)
}

/// Maps a failed write of something whose only unique value is `email`
/// (in any letter case): a unique violation is `Duplicate`.
pub(crate) fn duplicate_email(
    doing: &str,
    entity: Entity,
    email: &EmailAddress,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    let doing = doing.to_owned();
    let email = email.to_string();
    move |err| {
        if is_unique_violation(&err) {
            StoreError::Duplicate {
                entity,
                field: "email",
                value: email,
            }
        } else {
            StoreError::backend(doing, err)
        }
    }
}

/// Maps a failed write of something a user holds (a session, a token, a
/// link): a foreign key violation means the user does not exist.
pub(crate) fn missing_user(doing: String, user: UserId) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| {
        if is_foreign_key_violation(&err) {
            StoreError::not_found(Entity::User, user.get())
        } else {
            StoreError::backend(doing, err)
        }
    }
}

/// The message is used by `used_by` and cannot be deleted.
pub(crate) fn message_in_use(id: MessageId, used_by: &str) -> StoreError {
    StoreError::InUse {
        entity: Entity::Message,
        id: id.get(),
        used_by: used_by.to_owned(),
    }
}

/// Maps a failed delete of a message: a foreign key violation means a
/// mailing uses it (one that appeared after the check naming it).
pub(crate) fn message_delete_error(
    doing: String,
    id: MessageId,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| {
        if is_foreign_key_violation(&err) {
            message_in_use(id, "a mailing")
        } else {
            StoreError::backend(doing, err)
        }
    }
}

/// Maps a failed write of a mailing or its members. The stores check every
/// reference first, which makes foreign key failures unreachable; should one
/// occur anyway, it is still reported as something missing.
pub(crate) fn mailing_write_error(doing: String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| {
        if is_foreign_key_violation(&err) {
            StoreError::backend(format!("{doing}: a message or recipient is missing"), err)
        } else {
            StoreError::backend(doing, err)
        }
    }
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
