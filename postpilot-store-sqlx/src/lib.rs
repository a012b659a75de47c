//! postpilot's repositories on sqlx.
//!
//! [`SqliteStore`] (feature `sqlite`, the default) implements every
//! repository port of [`postpilot_core::ports::store`], and so
//! [`postpilot_core::ports::Store`], over one SQLite file with embedded
//! migrations. Each backend keeps its SQL in its own module; what they share
//! (mapping sqlx errors onto [`postpilot_core::ports::StoreError`]) lives in
//! `errors`.

mod errors;

#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
