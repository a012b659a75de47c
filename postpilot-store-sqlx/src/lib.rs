//! postpilot's repositories on sqlx.
//!
//! [`SqliteStore`] (feature `sqlite`, the default) and [`PgStore`] (feature
//! `postgres`) implement every repository port of
//! [`postpilot_core::ports::store`], and so [`postpilot_core::ports::Store`],
//! with the same semantics, each with its own embedded migrations.
//!
//! Where a port's SQL is (ARCHITECTURE.md, "Store"): `sql/<port>.rs` holds
//! the statements both backends run as written, and builds those made at
//! run time (searches, filters, pages, selections) for any backend's
//! `Dialect` (`dialect.rs`); `sqlite/<port>.rs` and `postgres/<port>.rs` hold
//! the port's method bodies and the statements only that backend writes
//! its way (the claim and the record, the import, JSON arrays). What needs
//! no SQL is shared too: rows and their decoding (`rows`, `lists`), the
//! error mapping (`errors`), the import's bookkeeping (`import`), the
//! queue's results (`queue`) and the order of a page (`listing`).

mod dialect;
mod errors;
mod import;
mod listing;
mod lists;
mod owners;
mod queue;
mod rows;
mod sql;
mod users;

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
