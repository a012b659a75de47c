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
use crate::owners::Bound;
use crate::rows::{self, json_ids, RecipientRow};
use crate::sql::members::{self as sql, Holder};

/// The first of `$1` (recipient ids as a JSON array), in their order, that
/// is no recipient of owner `$2` (NULL: anyone's).
const FIRST_MISSING_RECIPIENT: &str = "SELECT CAST(j.value AS BIGINT) FROM json_each($1) AS j \
     WHERE NOT EXISTS (SELECT 1 FROM recipient AS r WHERE r.id = CAST(j.value AS BIGINT) \
     AND ($2 IS NULL OR r.owner_id = $2)) \
     ORDER BY j.key LIMIT 1";

/// `NotFound` unless the holder exists and is `owner`'s (`None`: anyone's).
async fn check_holder(
    conn: &mut SqliteConnection,
    holder: Holder,
    owner: Option<i64>,
) -> Result<(), StoreError> {
    let (entity, id) = holder.entity();
    let row: Option<i64> = sqlx::query_scalar(holder.exists())
        .bind(id)
        .bind(owner)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("looking up {entity} {id}")))?;
    row.map(|_| ())
        .ok_or_else(|| StoreError::not_found(entity, id))
}

/// `NotFound` naming the first of `ids` (in their order) that is no
/// recipient of `owner` (`None`: anyone's); else the ids as a JSON array, as
/// statements bind them.
pub(super) async fn check_recipients(
    conn: &mut SqliteConnection,
    ids: &RecipientIds,
    owner: Option<i64>,
) -> Result<String, StoreError> {
    let ids = json_ids(ids.as_slice().iter().map(|id| id.get()));
    let missing: Option<i64> = sqlx::query_scalar(FIRST_MISSING_RECIPIENT)
        .bind(&ids)
        .bind(owner)
        .fetch_optional(conn)
        .await
        .map_err(backend("checking the recipients named"))?;
    match missing {
        Some(id) => Err(StoreError::not_found(Entity::Recipient, id)),
        None => Ok(ids),
    }
}

/// Checks the holder, and the list or the recipients `which` names: all
/// must be `owner`'s (`None`: anyone's) to change.
async fn check_selection(
    conn: &mut SqliteConnection,
    holder: Holder,
    which: &Selection,
    owner: Option<i64>,
) -> Result<(), StoreError> {
    check_holder(&mut *conn, holder, owner).await?;
    match which {
        Selection::Ids(ids) => check_recipients(conn, ids, owner).await.map(|_| ()),
        Selection::List(list) => check_holder(conn, Holder::List(*list), owner).await,
        Selection::All | Selection::Matching(_) => Ok(()),
    }
}

/// Adds the recipients `which` selects to `holder`, of those `owners`
/// changes; returns how many were not in it yet.
pub(super) async fn add_members(
    conn: &mut SqliteConnection,
    holder: Holder,
    which: &Selection,
    owners: Bound,
) -> Result<u64, StoreError> {
    check_selection(&mut *conn, holder, which, owners.changes).await?;
    let (entity, id) = holder.entity();
    let done = sql::add::<Sqlite>(holder, which, owners.changes)
        .build()
        .execute(conn)
        .await
        .map_err(backend(format!("adding recipients to {entity} {id}")))?;
    Ok(done.rows_affected())
}

/// Removes the recipients `which` selects from `holder`; returns how many
/// were in it.
pub(super) async fn remove_members(
    conn: &mut SqliteConnection,
    holder: Holder,
    which: &Selection,
    owners: Bound,
) -> Result<u64, StoreError> {
    check_selection(&mut *conn, holder, which, owners.changes).await?;
    let (entity, id) = holder.entity();
    let done = sql::remove::<Sqlite>(holder, which)
        .build()
        .execute(conn)
        .await
        .map_err(backend(format!("removing recipients from {entity} {id}")))?;
    Ok(done.rows_affected())
}

/// A page of the recipients of `holder` (all for `None`; the holder if the
/// owner beside it sees it) of `owner` (`None`: anyone's) that `search`
/// finds, by id, and how many there are in all; `conn` should hold one
/// snapshot for both reads. `NotFound` for an unknown holder.
pub(super) async fn recipient_page(
    conn: &mut SqliteConnection,
    holder: Option<(Holder, Option<i64>)>,
    owner: Option<i64>,
    search: Option<&Search>,
    page: Page,
    doing: &str,
) -> Result<RecipientPage, StoreError> {
    if let Some((holder, sees)) = holder {
        check_holder(&mut *conn, holder, sees).await?;
    }
    let holder = holder.map(|(holder, _)| holder);
    let PageQuery { count, mut page } = sql::recipient_page::<Sqlite>(holder, owner, search, page);
    let total = number(conn, count, doing).await?;
    let found: Vec<RecipientRow> = page
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing.to_owned()))?;
    let items: Vec<Recipient> = rows::decoded(found)?;
    Ok(RecipientPage { items, total })
}
