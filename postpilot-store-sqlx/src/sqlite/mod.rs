//! The SQLite backend: one database file, WAL, embedded migrations.
//!
//! Writes and locking: every write goes through a pool of exactly one
//! connection, so writers of this process wait on the pool (asynchronously)
//! instead of polling SQLite's lock; and every multi-statement
//! write transaction starts with `BEGIN IMMEDIATE`, so the write lock is
//! taken up front where `busy_timeout` can wait for it. That second half
//! matters across processes (`serve` and `worker` on one file): a deferred
//! transaction that reads and then writes fails at once with "database is
//! locked" when another process wrote in between, whatever the timeout.
//! Reads use a separate pool of several connections, which WAL lets run
//! beside the writer.
//!
//! Each repository port has its file here holding its method bodies and
//! the statements SQLite writes its own way; the statements both backends
//! run are in `sql/` (ARCHITECTURE.md, "Store").

mod access;
mod attempts;
mod codec;
mod dialect;
mod lists;
mod mailings;
mod members;
mod messages;
mod queue;
mod rebuild;
mod recipients;
mod runs;
mod stats;
mod suppression;
mod url;
mod users;

use std::str::FromStr;
use std::time::Duration;

use postpilot_core::domain::Scope;
use postpilot_core::ports::{Scoped, StoreError};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Transaction};

pub use self::url::{InvalidSqliteUrl, SqliteDatabase};
use crate::errors::backend;
use crate::owners::Bound;
use crate::rows;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Rows the writer's statements can return before its thread waits for them
/// to be taken.
const WRITER_ROW_CHANNEL: usize = 1024;

/// WAL pages after which a commit copies the log back into the database
/// (SQLite's default is 1,000). A send rewrites the same few pages with
/// each record (the newest rows of attempts and their indexes, the run's
/// counters), so a longer log means fewer copies of those pages and fewer
/// pauses of the writer: 4,000 pages is at most 16 MB of log.
const WAL_AUTOCHECKPOINT: &str = "4000";

/// Connections of the read pool.
const READERS: u32 = 4;

/// The repository ports over SQLite. Cheap to clone: clones share the pools.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Exactly one connection: the only one that writes.
    writer: SqlitePool,
    /// Read-only connections; the writer itself for an in-memory database.
    reader: SqlitePool,
    /// What this handle sees and changes (`Scoped`).
    scope: Scope,
}

impl SqliteStore {
    /// Opens (creating the file if missing) the database at `url` —
    /// `sqlite://path.db`, `sqlite:path.db` or `sqlite::memory:` — and applies
    /// the embedded migrations. A database without a file (in memory, or
    /// temporary: see [`SqliteDatabase::of_url`]) lives in one connection,
    /// kept open as long as the store.
    ///
    /// # Errors
    /// `Backend` when the URL is malformed, the file cannot be opened or
    /// created, or a migration fails.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let database = SqliteDatabase::of_url(url)
            .map_err(|err| StoreError::backend("reading the database URL", err))?;
        let options = SqliteConnectOptions::from_str(url)
            .map_err(backend(format!("reading the database URL {url:?}")))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Normal);
        let opening = format!("opening the SQLite database {url:?}");
        let store = if !database.is_file() {
            // Every connection would see its own empty database, and the
            // database vanishes with its last connection: keep exactly one, forever.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .map_err(backend(opening))?;
            Self {
                writer: pool.clone(),
                reader: pool,
                scope: Scope::everything(None),
            }
        } else {
            // The writer opens first: it creates the file and switches it
            // to WAL (a lasting property of the file) before any reader opens.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(
                    options
                        .clone()
                        .journal_mode(SqliteJournalMode::Wal)
                        // A claim returns up to its batch (at most 500
                        // deliveries): with room for them all, SQLite's
                        // thread never stops to wait for ours to take them.
                        .row_buffer_size(WRITER_ROW_CHANNEL)
                        .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT),
                )
                .await
                .map_err(backend(opening.clone()))?;
            let reader = SqlitePoolOptions::new()
                .max_connections(READERS)
                .test_before_acquire(false)
                .connect_with(options.pragma("query_only", "ON"))
                .await
                .map_err(backend(opening))?;
            Self {
                writer,
                reader,
                scope: Scope::everything(None),
            }
        };
        store.migrate().await?;
        tracing::debug!(url, "SQLite store ready");
        Ok(store)
    }

    /// Applies the embedded migrations not applied yet (idempotent);
    /// [`SqliteStore::connect`] already does.
    ///
    /// # Errors
    /// `Backend` when a migration fails or the database holds migrations
    /// this build does not know.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        rebuild::migrate(&self.writer, &MIGRATOR).await
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// Starts a write transaction holding the write lock from its first
    /// statement (see the module comment).
    async fn write(&self, doing: &str) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend(format!("starting a transaction for {doing}")))
    }

    /// Starts a read on one snapshot (a list's page and its total).
    async fn snapshot(&self, doing: &str) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.reader
            .begin()
            .await
            .map_err(backend(format!("starting a read for {doing}")))
    }
}

/// Commits `tx`, naming what it did when that fails.
async fn commit(tx: Transaction<'static, Sqlite>, doing: &str) -> Result<(), StoreError> {
    tx.commit()
        .await
        .map_err(backend(format!("committing {doing}")))
}

/// The one number `sql` (a `SELECT count(*) …` or a sum) reads.
async fn number(
    conn: &mut SqliteConnection,
    mut sql: QueryBuilder<'_, Sqlite>,
    doing: &str,
) -> Result<u64, StoreError> {
    let n: i64 = sql
        .build_query_scalar()
        .fetch_one(conn)
        .await
        .map_err(backend(doing.to_owned()))?;
    rows::count("count", n)
}

impl SqliteStore {
    /// The owner ids this handle binds in its statements (`owners.rs`).
    fn owners(&self) -> Bound {
        Bound::from(self.scope)
    }
}

impl Scoped for SqliteStore {
    fn scoped(&self, scope: Scope) -> Self {
        Self {
            scope,
            ..self.clone()
        }
    }

    fn scope(&self) -> Scope {
        self.scope
    }
}
