//! Списки: the statements every backend runs alike. Members are added and
//! removed through `selection` (one statement each, whatever is selected).

use postpilot_core::domain::{ListId, ListName, Page, RecipientList};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{Dialect, Shared};
use crate::errors::decode;
use crate::rows;

/// A list with its member count, by `l.id`.
const SELECT_LIST: &str = "SELECT l.id, l.name, \
     (SELECT count(*) FROM list_member AS m WHERE m.list_id = l.id) AS member_count \
     FROM recipient_list AS l";
pub(crate) const DELETE_LIST: &str = "DELETE FROM recipient_list WHERE id = $1";

#[derive(sqlx::FromRow)]
pub(crate) struct ListRow {
    id: i64,
    name: String,
    member_count: i64,
}

impl TryFrom<ListRow> for RecipientList {
    type Error = StoreError;
    fn try_from(row: ListRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: ListId(row.id),
            name: decode("recipient_list.name", ListName::parse(&row.name))?,
            member_count: u64::try_from(row.member_count).unwrap_or(0),
        })
    }
}

/// A write refused for a name another list has is `Duplicate`.
fn list_write_error(doing: String, name: &ListName) -> impl FnOnce(sqlx::Error) -> StoreError {
    let name = name.to_string();
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate {
            entity: Entity::List,
            field: "name",
            value: name,
        },
        _ => StoreError::backend(doing, err),
    }
}

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    ListRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    pub(crate) async fn get_list<'c, E>(conn: E, id: ListId) -> Result<RecipientList, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::one::<E, ListRow, RecipientList>(
            conn,
            &format!("{SELECT_LIST} WHERE l.id = $1"),
            Entity::List,
            id.get(),
        )
        .await
    }

    pub(crate) async fn list_lists<'c, E>(
        conn: E,
        page: Page,
    ) -> Result<Vec<RecipientList>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let (limit, offset) = rows::page(page);
        Self::all::<E, ListRow, RecipientList>(
            conn,
            &format!("{SELECT_LIST} ORDER BY l.name, l.id LIMIT $1 OFFSET $2"),
            &[limit, offset],
            "listing lists",
        )
        .await
    }

    pub(crate) async fn insert_list(
        conn: &mut DB::Connection,
        name: &ListName,
    ) -> Result<RecipientList, StoreError> {
        let id: i64 = sqlx::query_scalar::<DB, i64>(
            "INSERT INTO recipient_list (name) VALUES ($1) RETURNING id",
        )
        .bind(name.to_string())
        .fetch_one(&mut *conn)
        .await
        .map_err(list_write_error("inserting a list".to_owned(), name))?;
        Self::get_list(&mut *conn, ListId(id)).await
    }

    pub(crate) async fn rename_list(
        conn: &mut DB::Connection,
        id: ListId,
        name: &ListName,
    ) -> Result<RecipientList, StoreError> {
        let done = sqlx::query::<DB>("UPDATE recipient_list SET name = $1 WHERE id = $2")
            .bind(name.to_string())
            .bind(id.get())
            .execute(&mut *conn)
            .await
            .map_err(list_write_error(format!("renaming list {id}"), name))?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::not_found(Entity::List, id.get()));
        }
        Self::get_list(&mut *conn, id).await
    }
}
