//! The store `--database-url` names: its backend chosen by the URL's
//! scheme, each a type of its own (the store ports are many and hot, so
//! they are generic rather than behind an enum).

use postpilot_core::ports::{Scoped, Store, StoreError};
use postpilot_store_sqlx::{PgStore, SqliteDatabase, SqliteStore};

use crate::error::CliError;

/// What the CLI needs of a store besides the ports: the same on every backend.
#[async_trait::async_trait]
pub trait Backend: Store + Scoped + Clone + 'static {
    async fn migrate(&self) -> Result<(), StoreError>;
    async fn close(&self);
}

#[async_trait::async_trait]
impl Backend for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        SqliteStore::migrate(self).await
    }

    async fn close(&self) {
        SqliteStore::close(self).await;
    }
}

#[async_trait::async_trait]
impl Backend for PgStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        PgStore::migrate(self).await
    }

    async fn close(&self) {
        PgStore::close(self).await;
    }
}

/// Which backend a database URL names.
pub enum Chosen {
    Sqlite,
    Postgres,
}

/// The backend of `url`, refusing an SQLite URL that names no file.
///
/// # Errors
/// An unsupported scheme, or an SQLite URL naming no file (exit 2).
pub fn choose(url: &str) -> Result<Chosen, CliError> {
    match scheme(url) {
        "sqlite" => sqlite_file(url).map(|()| Chosen::Sqlite),
        "postgres" | "postgresql" => Ok(Chosen::Postgres),
        // The URL itself is not echoed: it may hold a password.
        other => Err(CliError::invalid(format!(
            "--database-url: unsupported scheme {other:?}; \
             use sqlite://FILE or postgres://USER@HOST/DB"
        ))),
    }
}

/// Refuses an SQLite URL that names no file: every command's work would be
/// lost when it ends (`sqlite://` opens a temporary database, and
/// `sqlite::memory:` one in memory). Even `serve`, which would keep one
/// for as long as it runs, would lose its queued runs and records on any
/// restart, against all that postpilot promises about them.
fn sqlite_file(url: &str) -> Result<(), CliError> {
    const USE: &str = "use sqlite://FILE, e.g. sqlite://postpilot.db";
    match SqliteDatabase::of_url(url) {
        Ok(SqliteDatabase::File(_)) => Ok(()),
        Ok(SqliteDatabase::Temporary) => Err(CliError::invalid(format!(
            "--database-url: names no database file; {USE}"
        ))),
        Ok(SqliteDatabase::InMemory) => Err(CliError::invalid(format!(
            "--database-url: names an in-memory database, which would keep nothing \
             once the command ends; {USE}"
        ))),
        Err(err) => Err(CliError::invalid(format!("--database-url: {err}; {USE}"))),
    }
}

/// The scheme of a database URL (`sqlite`, `postgres`, ...), never the rest.
fn scheme(url: &str) -> &str {
    url.split_once(':').map_or("", |(scheme, _)| scheme)
}
