//! A mailing's recipients and a list's members on SQLite: the checks
//! before an add or a remove, and running the statements `sql/members.rs`
//! builds. Used by `mailings.rs` and `lists.rs`, each on a transaction it
//! holds.

use postpilot_core::domain::{Page, Recipient, RecipientIds, RecipientPage, Search, Selection};
use postpilot_core::ports::{Entity, StoreError};
use sqlx::{Sqlite, SqliteConnection};

use super::number;
use crate::dialect::PageQuery;
use crate::errors::backend;
use crate::rows::{self, json_ids, RecipientRow};
use crate::sql::members::{self as sql, Owner};

/// The first of `$1` (recipient ids as a JSON array), in their order, that
/// is no recipient.
const FIRST_MISSING_RECIPIENT: &str = "SELECT CAST(j.value AS BIGINT) FROM json_each($1) AS j \
     WHERE NOT EXISTS (SELECT 1 FROM recipient AS r WHERE r.id = CAST(j.value AS BIGINT)) \
     ORDER BY j.key LIMIT 1";

/// `NotFound` unless the owner exists.
async fn check_owner(conn: &mut SqliteConnection, owner: Owner) -> Result<(), StoreError> {
    let (entity, id) = owner.entity();
    let row: Option<i64> = sqlx::query_scalar(owner.exists())
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("looking up {entity} {id}")))?;
    row.map(|_| ())
        .ok_or_else(|| StoreError::not_found(entity, id))
}

/// `NotFound` naming the first of `ids` (in their order) that is no
/// recipient; else the ids as a JSON array, as statements bind them.
pub(super) async fn check_recipients(
    conn: &mut SqliteConnection,
    ids: &RecipientIds,
) -> Result<String, StoreError> {
    let ids = json_ids(ids.as_slice().iter().map(|id| id.get()));
    let missing: Option<i64> = sqlx::query_scalar(FIRST_MISSING_RECIPIENT)
        .bind(&ids)
        .fetch_optional(conn)
        .await
        .map_err(backend("checking the recipients named"))?;
    match missing {
        Some(id) => Err(StoreError::not_found(Entity::Recipient, id)),
        None => Ok(ids),
    }
}

/// Checks the owner, and the list or the recipients `which` names.
async fn check_selection(
    conn: &mut SqliteConnection,
    owner: Owner,
    which: &Selection,
) -> Result<(), StoreError> {
    check_owner(&mut *conn, owner).await?;
    match which {
        Selection::Ids(ids) => check_recipients(conn, ids).await.map(|_| ()),
        Selection::List(list) => check_owner(conn, Owner::List(*list)).await,
        Selection::All | Selection::Matching(_) => Ok(()),
    }
}

/// Adds the recipients `which` selects to `owner`; returns how many were
/// not in it yet.
pub(super) async fn add_members(
    conn: &mut SqliteConnection,
    owner: Owner,
    which: &Selection,
) -> Result<u64, StoreError> {
    check_selection(&mut *conn, owner, which).await?;
    let (entity, id) = owner.entity();
    let done = sql::add::<Sqlite>(owner, which)
        .build()
        .execute(conn)
        .await
        .map_err(backend(format!("adding recipients to {entity} {id}")))?;
    Ok(done.rows_affected())
}

/// Removes the recipients `which` selects from `owner`; returns how many
/// were in it.
pub(super) async fn remove_members(
    conn: &mut SqliteConnection,
    owner: Owner,
    which: &Selection,
) -> Result<u64, StoreError> {
    check_selection(&mut *conn, owner, which).await?;
    let (entity, id) = owner.entity();
    let done = sql::remove::<Sqlite>(owner, which)
        .build()
        .execute(conn)
        .await
        .map_err(backend(format!("removing recipients from {entity} {id}")))?;
    Ok(done.rows_affected())
}

/// A page of the recipients of `owner` (all for `None`) that `search`
/// finds, by id, and how many there are in all; `conn` should hold one
/// snapshot for both reads. `NotFound` for an unknown owner.
pub(super) async fn recipient_page(
    conn: &mut SqliteConnection,
    owner: Option<Owner>,
    search: Option<&Search>,
    page: Page,
    doing: &str,
) -> Result<RecipientPage, StoreError> {
    if let Some(owner) = owner {
        check_owner(&mut *conn, owner).await?;
    }
    let PageQuery { count, mut page } = sql::recipient_page::<Sqlite>(owner, search, page);
    let total = number(conn, count, doing).await?;
    let found: Vec<RecipientRow> = page
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing.to_owned()))?;
    let items: Vec<Recipient> = rows::decoded(found)?;
    Ok(RecipientPage { items, total })
}
