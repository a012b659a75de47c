//! The owner filter (ARCHITECTURE.md, "Users and ownership"): a store
//! handle carries its `Scope`, and every scoped statement takes the owner
//! it allows as a placeholder, `None` (SQL NULL) for everyone. Fixed
//! statements write it `($n IS NULL OR owner_id = $n)`; statements built at
//! run time add `owner_id = $n` only when there is one owner.

use postpilot_core::domain::{Owners, Scope};
use sqlx::QueryBuilder;

use crate::dialect::Dialect;

/// The owner ids a handle binds: whose rows it reads, whose it changes,
/// and the owner of the rows it makes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bound {
    pub(crate) sees: Option<i64>,
    pub(crate) changes: Option<i64>,
    pub(crate) new_owner: Option<i64>,
}

impl From<Scope> for Bound {
    fn from(scope: Scope) -> Self {
        let id = |owners: Owners| owners.only().map(|user| user.get());
        Self {
            sees: id(scope.sees),
            changes: id(scope.changes),
            new_owner: scope.new_owner.map(|user| user.get()),
        }
    }
}

/// Appends ` AND {column} = $n` when `owner` is one owner; nothing for
/// everyone, so an unscoped statement stays as fast as before.
pub(crate) fn push_owned<D: Dialect>(
    sql: &mut QueryBuilder<'_, D>,
    column: &str,
    owner: Option<i64>,
) {
    if let Some(owner) = owner {
        sql.push(format!(" AND {column} = "));
        D::push_int(sql, owner);
    }
}

/// Appends whether `column` is `owner`, `None` meaning no owner: the
/// namespace a recipient's email or a list's name is unique in, written as
/// the unique indexes are (`coalesce(owner_id, 0)`), so they serve it.
pub(crate) fn push_owner_is<D: Dialect>(
    sql: &mut QueryBuilder<'_, D>,
    column: &str,
    owner: Option<i64>,
) {
    sql.push(format!("coalesce({column}, 0) = "));
    D::push_int(sql, owner.unwrap_or(0));
}
