//! Statements whose SQL is the same on every backend: a row by id, a list
//! of rows selected by integer parameters, a delete by id. Each backend
//! passes its own executor (pool or transaction) and row type.

use chrono::{DateTime, Utc};
use postpilot_core::domain::{Page, Stats};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{Dialect, Shared};
use crate::errors::backend;
use crate::rows::{self, StatsRow, STATS};

pub(crate) const UPDATE_RECIPIENT: &str =
    "UPDATE recipient SET email = $1, full_name = $2, comment = $3 WHERE id = $4";
pub(crate) const DELETE_RECIPIENT: &str = "DELETE FROM recipient WHERE id = $1";
pub(crate) const UPDATE_MESSAGE: &str =
    "UPDATE message SET subject = $1, body_text = $2, body_html = $3 WHERE id = $4";
pub(crate) const DELETE_MESSAGE: &str = "DELETE FROM message WHERE id = $1";
/// The first mailing that uses the message `$1`, to name it in `InUse`.
pub(crate) const MAILING_OF_MESSAGE: &str =
    "SELECT id FROM mailing WHERE message_id = $1 ORDER BY id LIMIT 1";
pub(crate) const MESSAGE_EXISTS: &str = "SELECT id FROM message WHERE id = $1";
pub(crate) const MAILING_EXISTS: &str = "SELECT id FROM mailing WHERE id = $1";
pub(crate) const MAILING_RECIPIENT_IDS: &str =
    "SELECT recipient_id FROM mailing_recipient WHERE mailing_id = $1 ORDER BY recipient_id";
pub(crate) const REMOVE_MAILING_RECIPIENTS: &str =
    "DELETE FROM mailing_recipient WHERE mailing_id = $1";
pub(crate) const DELETE_MAILING: &str = "DELETE FROM mailing WHERE id = $1";
/// The mailing of the run `$1`.
pub(crate) const MAILING_OF_RUN: &str = "SELECT mailing_id FROM send_run WHERE id = $1";

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The row `sql` selects by the id `$1`, decoded; `NotFound` naming
    /// `entity` when there is none.
    pub(crate) async fn one<'c, E, R, D>(
        conn: E,
        sql: &str,
        entity: Entity,
        id: i64,
    ) -> Result<D, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
        R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
        D: TryFrom<R, Error = StoreError>,
    {
        sqlx::query_as::<DB, R>(sql)
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(backend(format!("reading {entity} {id}")))?
            .ok_or_else(|| StoreError::not_found(entity, id))?
            .try_into()
    }

    /// Every row `sql` selects with `params` bound to `$1`, `$2`, ..., decoded.
    pub(crate) async fn all<'c, E, R, D>(
        conn: E,
        sql: &str,
        params: &[i64],
        doing: impl Into<String>,
    ) -> Result<Vec<D>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
        R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
        D: TryFrom<R, Error = StoreError>,
    {
        params
            .iter()
            .fold(sqlx::query_as::<DB, R>(sql), |query, &param| {
                query.bind(param)
            })
            .fetch_all(conn)
            .await
            .map_err(backend(doing))?
            .into_iter()
            .map(D::try_from)
            .collect()
    }

    /// A page of the rows `select` (a `SELECT … FROM table` of rows with an
    /// `id`) reads, in id order, decoded.
    pub(crate) async fn page<'c, E, R, D>(
        conn: E,
        select: &str,
        page: Page,
        doing: &str,
    ) -> Result<Vec<D>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
        R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
        D: TryFrom<R, Error = StoreError>,
    {
        let (limit, offset) = rows::page(page);
        Self::all(
            conn,
            &format!("{select} ORDER BY id LIMIT $1 OFFSET $2"),
            &[limit, offset],
            doing,
        )
        .await
    }

    /// Whether `sql` (selecting by the id `$1`) finds a row; `NotFound` naming
    /// `entity` otherwise. Returns the first column.
    pub(crate) async fn exists<'c, E>(
        conn: E,
        sql: &str,
        entity: Entity,
        id: i64,
    ) -> Result<i64, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        sqlx::query_scalar::<DB, i64>(sql)
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(backend(format!("looking up {entity} {id}")))?
            .ok_or_else(|| StoreError::not_found(entity, id))
    }

    /// Deletes the row `sql` deletes by the id `$1`; `NotFound` naming `entity`
    /// when there was none.
    pub(crate) async fn delete<'c, E>(
        conn: E,
        sql: &str,
        entity: Entity,
        id: i64,
    ) -> Result<(), StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let done = sqlx::query::<DB>(sql)
            .bind(id)
            .execute(conn)
            .await
            .map_err(backend(format!("deleting {entity} {id}")))?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::not_found(entity, id));
        }
        Ok(())
    }
}

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    StatsRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The home-page figures at `now` (see [`crate::rows::STATS`]).
    pub(crate) async fn stats<'c, E>(conn: E, now: DateTime<Utc>) -> Result<Stats, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        sqlx::query_as::<DB, StatsRow>(STATS)
            .bind(DB::time(now))
            .fetch_one(conn)
            .await
            .map_err(backend("computing statistics"))?
            .try_into()
    }
}
