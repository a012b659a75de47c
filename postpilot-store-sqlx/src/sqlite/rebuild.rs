//! The one SQLite schema change a migration cannot make: rebuilding the
//! recipient and list tables for uniqueness per owner
//! (`unique_per_owner.sql`). Dropping a table with foreign keys on
//! cascades to every table referencing it, and `PRAGMA foreign_keys` does
//! nothing inside a transaction, where sqlx 0.8 runs every SQLite migration
//! (it ignores `-- no-transaction` there). So `migrate` applies the
//! migrations up to `20261129000000_ownership`, rebuilds (once: the check is
//! whether the old global unique index is still there), then applies the
//! rest, so later migrations see the rebuilt tables.

use std::borrow::Cow;

use postpilot_core::ports::StoreError;
use sqlx::migrate::Migrator;
use sqlx::SqlitePool;

use crate::errors::backend;

/// The migration the rebuild follows.
const OWNERSHIP: i64 = 20_261_129_000_000;

/// The rebuild, without its transaction.
const REBUILD: &str = include_str!("unique_per_owner.sql");

/// Applies `all` with the rebuild in its place (see the module comment).
pub(super) async fn migrate(writer: &SqlitePool, all: &Migrator) -> Result<(), StoreError> {
    let applying = |err| StoreError::backend("applying the SQLite migrations", err);
    let first = Migrator {
        migrations: Cow::Owned(
            all.iter()
                .filter(|m| m.version <= OWNERSHIP)
                .cloned()
                .collect(),
        ),
        // The database may hold later ones: they are `all`'s.
        ignore_missing: true,
        locking: all.locking,
        no_tx: all.no_tx,
    };
    first.run(writer).await.map_err(applying)?;
    // The writer pool has exactly one connection: the pragma holds for the
    // transaction after it.
    set_foreign_keys(writer, "OFF").await?;
    let rebuilt = rebuild_once(writer).await;
    set_foreign_keys(writer, "ON").await?;
    rebuilt?;
    all.run(writer).await.map_err(applying)
}

async fn set_foreign_keys(writer: &SqlitePool, on: &str) -> Result<(), StoreError> {
    sqlx::query(&format!("PRAGMA foreign_keys = {on}"))
        .execute(writer)
        .await
        .map_err(backend("switching foreign keys for the rebuild"))?;
    Ok(())
}

/// Rebuilds unless done (by this process or another), under the write
/// lock; refused, with nothing changed, if a reference would break.
async fn rebuild_once(writer: &SqlitePool) -> Result<(), StoreError> {
    let doing = "rebuilding recipients and lists for uniqueness per owner";
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(backend(doing))?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_recipient_1'",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(backend(doing))?;
    if pending == 0 {
        return Ok(());
    }
    // Many statements, run one after another (as sqlx runs a migration).
    sqlx::query(REBUILD)
        .persistent(false)
        .execute(&mut *tx)
        .await
        .map_err(backend(doing))?;
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut *tx)
        .await
        .map_err(backend(doing))?;
    if let Some((table,)) = broken.first() {
        return Err(StoreError::backend(
            doing,
            format!("a reference of table {table} would break"),
        ));
    }
    tx.commit().await.map_err(backend(doing))
}
