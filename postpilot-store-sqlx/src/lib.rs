//! postpilot's repositories on sqlx.
//!
//! [`SqliteStore`] (feature `sqlite`, the default) and [`PgStore`] (feature
//! `postgres`) implement every repository port of
//! [`postpilot_core::ports::store`], and so [`postpilot_core::ports::Store`],
//! with the same semantics, each with its own embedded migrations. Each
//! backend holds all of its SQL, one file per repository port
//! (`sqlite/recipients.rs`, `postgres/recipients.rs`, …; the delivery port
//! in a folder: runs, queue, attempts). What they share needs no SQL of its
//! own: rows and their decoding (`rows`, `lists`), the error mapping
//! (`errors`), the import's bookkeeping (`import`), the queue's results
//! (`queue`) and the order of a page (`listing`). ARCHITECTURE.md, "Store".

mod errors;
mod import;
mod listing;
mod lists;
mod queue;
mod rows;
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
