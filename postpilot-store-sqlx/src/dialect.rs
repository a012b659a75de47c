//! What a statement built at run time (a search, a filter, a page, the
//! recipients a selection takes) needs of its backend: binding a value, and
//! the few expressions SQLite and PostgreSQL write differently. Such
//! statements are built once, in `sql/`, for any `Dialect`; each backend
//! implements it in its `dialect.rs` and runs what was built with its own
//! connection (ARCHITECTURE.md, "Store").

use postpilot_core::domain::{Page, RecipientIds, Search};
use sqlx::{Database, QueryBuilder};

use crate::rows;

/// A backend's way of writing what the two dialects write differently.
pub(crate) trait Dialect: Database {
    /// Recipients `r` in the order of their emails, letter case aside, as
    /// the index `recipient_by_email` holds them (ties broken by id).
    const EMAIL_ORDER: &'static str;

    /// Appends a placeholder bound to `value`.
    fn push_int(sql: &mut QueryBuilder<'_, Self>, value: i64);

    /// Appends a placeholder bound to `value`.
    fn push_text(sql: &mut QueryBuilder<'_, Self>, value: String);

    /// Appends the recipient ids as a table `j` whose column `value` holds
    /// each id (as JSON, so `CAST(j.value AS BIGINT)` reads it).
    fn push_id_table(sql: &mut QueryBuilder<'_, Self>, ids: &RecipientIds);

    /// Appends whether the recipient `r` matches `search`.
    fn push_matching(sql: &mut QueryBuilder<'_, Self>, search: &Search);

    /// Appends whether the subject `column` holds `search`, letter case aside.
    fn push_subject_matching(sql: &mut QueryBuilder<'_, Self>, column: &str, search: &Search);
}

/// Appends the page's `LIMIT` and `OFFSET`.
pub(crate) fn push_page<D: Dialect>(sql: &mut QueryBuilder<'_, D>, page: Page) {
    let (limit, offset) = rows::page(page);
    sql.push(" LIMIT ");
    D::push_int(sql, limit);
    sql.push(" OFFSET ");
    D::push_int(sql, offset);
}

/// A page of what a listing takes and how many it takes in all: two
/// statements, for one snapshot.
pub(crate) struct PageQuery<D: Database> {
    /// `SELECT count(*) …` (or a sum) of all it takes.
    pub(crate) count: QueryBuilder<'static, D>,
    /// The rows of the page, in order.
    pub(crate) page: QueryBuilder<'static, D>,
}
