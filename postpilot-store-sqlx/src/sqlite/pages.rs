//! Pages of lists on SQLite: the count of what a statement selects and
//! the `LIMIT … OFFSET …` of a page, for the ports' `find_*` methods.

use postpilot_core::domain::Page;
use postpilot_core::ports::StoreError;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::errors::backend;
use crate::rows;

/// The one number `sql` (a `SELECT count(*) …` or a sum) reads.
pub(super) async fn number(
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

/// Appends the page's `LIMIT` and `OFFSET`.
pub(super) fn push_page(sql: &mut QueryBuilder<'_, Sqlite>, page: Page) {
    let (limit, offset) = rows::page(page);
    sql.push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
}
