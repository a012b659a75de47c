//! A mailing's recipients and a list's members on SQLite: what an add or a
//! remove selects (`Selection`), in the one statement that does it, and
//! the pages of members a search finds. Used by `mailings.rs` and
//! `lists.rs`, each on a transaction it holds.

use postpilot_core::domain::{
    ListId, MailingId, Page, Recipient, RecipientIds, RecipientPage, Search, Selection,
};
use postpilot_core::ports::{Entity, StoreError};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::pages::{number, push_page};
use super::search::push_matching;
use crate::errors::backend;
use crate::rows::{self, json_ids, RecipientRow};

/// Whose recipients an add or a remove changes: a mailing's or a list's.
#[derive(Debug, Clone, Copy)]
pub(super) enum Owner {
    Mailing(MailingId),
    List(ListId),
}

impl Owner {
    /// The membership table and its owner column.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Mailing(_) => ("mailing_recipient", "mailing_id"),
            Self::List(_) => ("list_member", "list_id"),
        }
    }

    fn entity(self) -> (Entity, i64) {
        match self {
            Self::Mailing(id) => (Entity::Mailing, id.get()),
            Self::List(id) => (Entity::List, id.get()),
        }
    }

    /// `NotFound` unless the owner exists.
    async fn check(self, conn: &mut SqliteConnection) -> Result<(), StoreError> {
        let (entity, id) = self.entity();
        let sql = match self {
            Self::Mailing(_) => "SELECT id FROM mailing WHERE id = ?1",
            Self::List(_) => "SELECT id FROM recipient_list WHERE id = ?1",
        };
        let row: Option<i64> = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(backend(format!("looking up {entity} {id}")))?;
        row.map(|_| ())
            .ok_or_else(|| StoreError::not_found(entity, id))
    }
}

/// The first of `?1` (recipient ids as a JSON array), in their order, that
/// is no recipient.
const FIRST_MISSING_RECIPIENT: &str = "SELECT CAST(j.value AS BIGINT) FROM json_each(?1) AS j \
     WHERE NOT EXISTS (SELECT 1 FROM recipient AS r WHERE r.id = CAST(j.value AS BIGINT)) \
     ORDER BY j.key LIMIT 1";

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
    owner.check(&mut *conn).await?;
    match which {
        Selection::Ids(ids) => check_recipients(conn, ids).await.map(|_| ()),
        Selection::List(list) => Owner::List(*list).check(conn).await,
        Selection::All | Selection::Matching(_) => Ok(()),
    }
}

/// The id column of the recipients `which` selects (see [`push_chosen`]).
fn chosen_id(which: &Selection) -> &'static str {
    match which {
        Selection::Ids(_) => "CAST(j.value AS BIGINT)",
        Selection::All | Selection::Matching(_) => "r.id",
        Selection::List(_) => "l.recipient_id",
    }
}

/// Appends `FROM … WHERE …` of the recipients `which` selects, binding its
/// parameter if it has one.
fn push_chosen(sql: &mut QueryBuilder<'_, Sqlite>, which: &Selection) {
    match which {
        Selection::Ids(ids) => {
            sql.push(" FROM json_each(")
                .push_bind(json_ids(ids.as_slice().iter().map(|id| id.get())))
                .push(") AS j WHERE true");
        }
        Selection::All => {
            sql.push(" FROM recipient AS r WHERE true");
        }
        Selection::Matching(search) => {
            sql.push(" FROM recipient AS r WHERE ");
            push_matching(sql, search);
        }
        Selection::List(list) => {
            sql.push(" FROM list_member AS l WHERE l.list_id = ")
                .push_bind(list.get());
        }
    }
}

/// Adds the recipients `which` selects to `owner`, in one statement;
/// returns how many were not in it yet.
pub(super) async fn add_members(
    conn: &mut SqliteConnection,
    owner: Owner,
    which: &Selection,
) -> Result<u64, StoreError> {
    check_selection(&mut *conn, owner, which).await?;
    let (table, column) = owner.table();
    let (entity, id) = owner.entity();
    let chosen = chosen_id(which);
    let mut sql = QueryBuilder::new(format!(
        "INSERT INTO {table} ({column}, recipient_id) SELECT "
    ));
    sql.push_bind(id).push(format!(", {chosen}"));
    push_chosen(&mut sql, which);
    match owner {
        // A mailing's members already in it are left out by a join, not by
        // ON CONFLICT (which on PostgreSQL makes each row a speculative
        // insertion): writers of a mailing's members are serialized
        // (ARCHITECTURE.md, "Store"), so none conflicts. A list's are not.
        Owner::Mailing(_) => {
            sql.push(format!(
                " AND NOT EXISTS (SELECT 1 FROM {table} AS present \
                 WHERE present.{column} = "
            ))
            .push_bind(id)
            .push(format!(" AND present.recipient_id = {chosen})"));
        }
        Owner::List(_) => {
            sql.push(" ON CONFLICT DO NOTHING");
        }
    }
    let done = sql
        .build()
        .execute(conn)
        .await
        .map_err(backend(format!("adding recipients to {entity} {id}")))?;
    Ok(done.rows_affected())
}

/// Removes the recipients `which` selects from `owner`, in one statement;
/// returns how many were in it.
pub(super) async fn remove_members(
    conn: &mut SqliteConnection,
    owner: Owner,
    which: &Selection,
) -> Result<u64, StoreError> {
    check_selection(&mut *conn, owner, which).await?;
    let (table, column) = owner.table();
    let (entity, id) = owner.entity();
    let mut sql = QueryBuilder::new(format!("DELETE FROM {table} WHERE {column} = "));
    sql.push_bind(id);
    if !matches!(which, Selection::All) {
        sql.push(format!(" AND recipient_id IN (SELECT {}", chosen_id(which)));
        push_chosen(&mut sql, which);
        sql.push(")");
    }
    let done = sql
        .build()
        .execute(conn)
        .await
        .map_err(backend(format!("removing recipients from {entity} {id}")))?;
    Ok(done.rows_affected())
}

/// `SELECT columns FROM …` of the recipients `r` of `owner` (all
/// recipients for `None`) that `search` finds.
fn members<'a>(
    columns: &str,
    owner: Option<Owner>,
    search: Option<&Search>,
) -> QueryBuilder<'a, Sqlite> {
    let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM "));
    match owner {
        None => {
            sql.push("recipient AS r WHERE true");
        }
        Some(owner) => {
            let (table, column) = owner.table();
            sql.push(format!(
                "{table} AS m JOIN recipient AS r ON r.id = m.recipient_id WHERE m.{column} = "
            ))
            .push_bind(owner.entity().1);
        }
    }
    if let Some(search) = search {
        sql.push(" AND ");
        push_matching(&mut sql, search);
    }
    sql
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
        owner.check(&mut *conn).await?;
    }
    let total = number(conn, members("count(*)", owner, search), doing).await?;
    let mut sql = members("r.id, r.email, r.full_name, r.comment", owner, search);
    sql.push(" ORDER BY r.id");
    push_page(&mut sql, page);
    let found: Vec<RecipientRow> = sql
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing.to_owned()))?;
    let items: Vec<Recipient> = rows::decoded(found)?;
    Ok(RecipientPage { items, total })
}
