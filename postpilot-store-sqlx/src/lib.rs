//! postpilot's repositories on sqlx.
//!
//! [`SqliteStore`] (feature `sqlite`, the default) and [`PgStore`] (feature
//! `postgres`) implement every repository port of
//! [`postpilot_core::ports::store`], and so [`postpilot_core::ports::Store`],
//! with the same semantics, each with its own embedded migrations. Each
//! backend keeps the SQL only it speaks in its own module; what they share
//! lives beside them: what differs in otherwise shared SQL (`dialect`), rows
//! and their decoding (`rows`), the error mapping (`errors`), statements and
//! transactions whose SQL is the same (`query`, `recipients`, `messages`,
//! `mailings`, `runs`) and the queue's logic (`queue`).

mod dialect;
mod errors;
mod listing;
mod lists;
mod mailings;
mod messages;
mod query;
mod queue;
mod recipients;
mod rows;
mod runs;
mod selection;
mod suppression;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{InvalidSqliteUrl, SqliteDatabase, SqliteStore};
