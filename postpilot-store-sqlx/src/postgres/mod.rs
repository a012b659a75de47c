//! The PostgreSQL backend: one pool, embedded migrations, for several
//! `serve` and `worker` processes on one database (ARCHITECTURE.md, "Store").
//!
//! Concurrency: transactions run at READ COMMITTED. The delivery queue is
//! shared through row locks (claims skip rows another claim holds, see
//! `queue.rs`). Writes that change a counted table (recipients, messages,
//! mailings and their members: see the `stats_counter` table) first lock
//! the one counters row, which the triggers update anyway: so such writes
//! take turns, each sees every earlier one committed (which the
//! unique-recipients trigger relies on), and two of them can never wait on
//! each other in a cycle through that row.
//!
//! Each repository port has its file here holding its method bodies and
//! the statements PostgreSQL writes its own way; the statements both
//! backends run are in `sql/` (ARCHITECTURE.md, "Store").

mod access;
mod attempts;
mod dialect;
mod lists;
mod mailings;
mod members;
mod messages;
mod queue;
mod recipients;
mod runs;
mod stats;
mod suppression;
mod users;

use std::str::FromStr;
use std::time::Duration;

use postpilot_core::domain::Scope;
use postpilot_core::ports::{Scoped, StoreError};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Postgres, QueryBuilder, Transaction};

use crate::errors::backend;
use crate::owners::Bound;
use crate::rows;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections of the pool.
const CONNECTIONS: u32 = 8;
/// How long a call waits for a free connection (or for the server to answer
/// a new one) before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A pooled connection idle at least this long is pinged before use.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// The repository ports over PostgreSQL. Cheap to clone: clones share the pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// What this handle sees and changes (`Scoped`).
    scope: Scope,
}

impl PgStore {
    /// Connects to the database at `url` — `postgres://user[:password]@host[:port]/db`
    /// (or `postgresql://…`) — and applies the embedded migrations. The
    /// database must exist. Errors never repeat the URL, which may hold a
    /// password.
    ///
    /// # Errors
    /// `Backend` when the URL is malformed, the server cannot be reached or
    /// refuses the login, or a migration fails.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(backend("reading the PostgreSQL database URL"))?;
        // One connection up front, for its error: a pool would retry until
        // its timeout and report only that it timed out.
        options
            .connect()
            .await
            .map_err(backend("connecting to PostgreSQL"))?
            .close()
            .await
            .map_err(backend("connecting to PostgreSQL"))?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection is pinged only when it has rested a while (a
            // restart is found there, as sqlx's own test would), not before
            // every statement of a busy sender: that was a round trip more
            // for every claim and record. One found dead by its statement is
            // a `Backend` error, which the sender's store operations try
            // again (ARCHITECTURE.md, "Database outages").
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect_lazy_with(options);
        let store = Self {
            pool,
            scope: Scope::everything(None),
        };
        store.migrate().await?;
        tracing::debug!("PostgreSQL store ready");
        Ok(store)
    }

    /// Applies the embedded migrations not applied yet (idempotent, and safe
    /// from several processes at once: sqlx holds an advisory lock);
    /// [`PgStore::connect`] already does.
    ///
    /// # Errors
    /// `Backend` when a migration fails or the database holds migrations
    /// this build does not know.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|err| StoreError::backend("applying the PostgreSQL migrations", err))
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a transaction.
    async fn begin(&self, doing: &str) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool
            .begin()
            .await
            .map_err(backend(format!("starting a transaction for {doing}")))
    }

    /// Starts a read on one snapshot (a list's page and its total).
    async fn snapshot(&self, doing: &str) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(backend(format!("starting a read for {doing}")))
    }

    /// Starts a transaction that changes counted tables, holding the
    /// counters row from its first statement (see the module comment).
    async fn counted(&self, doing: &str) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = self.begin(doing).await?;
        sqlx::query("SELECT 1 FROM stats_counter FOR NO KEY UPDATE")
            .execute(&mut *tx)
            .await
            .map_err(backend(format!("locking the counters for {doing}")))?;
        Ok(tx)
    }
}

/// Commits `tx`, naming what it did when that fails.
async fn commit(tx: Transaction<'static, Postgres>, doing: &str) -> Result<(), StoreError> {
    tx.commit()
        .await
        .map_err(backend(format!("committing {doing}")))
}

/// The one number `sql` (a `SELECT count(*) …` or a sum) reads.
async fn number(
    conn: &mut PgConnection,
    mut sql: QueryBuilder<'_, Postgres>,
    doing: &str,
) -> Result<u64, StoreError> {
    let n: i64 = sql
        .build_query_scalar()
        .fetch_one(conn)
        .await
        .map_err(backend(doing.to_owned()))?;
    rows::count("count", n)
}

impl PgStore {
    /// The owner ids this handle binds in its statements (`owners.rs`).
    fn owners(&self) -> Bound {
        Bound::from(self.scope)
    }
}

impl Scoped for PgStore {
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
