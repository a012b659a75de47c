//! A mailing's recipients and a list's members: the statements that add
//! or remove what a `Selection` takes, each one statement, and the pages
//! of members a search finds; built for either backend (see `dialect.rs`).

use postpilot_core::domain::{ListId, MailingId, Page, Search, Selection};
use postpilot_core::ports::Entity;
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};

/// Whose recipients an add or a remove changes: a mailing's or a list's.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
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

    /// What the owner is, and its id.
    pub(crate) fn entity(self) -> (Entity, i64) {
        match self {
            Self::Mailing(id) => (Entity::Mailing, id.get()),
            Self::List(id) => (Entity::List, id.get()),
        }
    }

    /// The owner's id if it exists: its id is `$1`.
    pub(crate) fn exists(self) -> &'static str {
        match self {
            Self::Mailing(_) => "SELECT id FROM mailing WHERE id = $1",
            Self::List(_) => "SELECT id FROM recipient_list WHERE id = $1",
        }
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
fn push_chosen<D: Dialect>(sql: &mut QueryBuilder<'_, D>, which: &Selection) {
    match which {
        Selection::Ids(ids) => {
            sql.push(" FROM ");
            D::push_id_table(sql, ids);
            sql.push(" WHERE true");
        }
        Selection::All => {
            sql.push(" FROM recipient AS r WHERE true");
        }
        Selection::Matching(search) => {
            sql.push(" FROM recipient AS r WHERE ");
            D::push_matching(sql, search);
        }
        Selection::List(list) => {
            sql.push(" FROM list_member AS l WHERE l.list_id = ");
            D::push_int(sql, list.get());
        }
    }
}

/// Adds the recipients `which` selects to `owner`, in one statement; what
/// it changes is how many were not in it yet.
pub(crate) fn add<D: Dialect>(owner: Owner, which: &Selection) -> QueryBuilder<'static, D> {
    let (table, column) = owner.table();
    let (_, id) = owner.entity();
    let chosen = chosen_id(which);
    let mut sql = QueryBuilder::new(format!(
        "INSERT INTO {table} ({column}, recipient_id) SELECT "
    ));
    D::push_int(&mut sql, id);
    sql.push(format!(", {chosen}"));
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
            ));
            D::push_int(&mut sql, id);
            sql.push(format!(" AND present.recipient_id = {chosen})"));
        }
        Owner::List(_) => {
            sql.push(" ON CONFLICT DO NOTHING");
        }
    }
    sql
}

/// Removes the recipients `which` selects from `owner`, in one statement;
/// what it changes is how many were in it.
pub(crate) fn remove<D: Dialect>(owner: Owner, which: &Selection) -> QueryBuilder<'static, D> {
    let (table, column) = owner.table();
    let (_, id) = owner.entity();
    let mut sql = QueryBuilder::new(format!("DELETE FROM {table} WHERE {column} = "));
    D::push_int(&mut sql, id);
    if !matches!(which, Selection::All) {
        sql.push(format!(" AND recipient_id IN (SELECT {}", chosen_id(which)));
        push_chosen(&mut sql, which);
        sql.push(")");
    }
    sql
}

/// `SELECT columns FROM …` of the recipients `r` of `owner` (all
/// recipients for `None`) that `search` finds.
fn members<D: Dialect>(
    columns: &str,
    owner: Option<Owner>,
    search: Option<&Search>,
) -> QueryBuilder<'static, D> {
    let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM "));
    match owner {
        None => {
            sql.push("recipient AS r WHERE true");
        }
        Some(owner) => {
            let (table, column) = owner.table();
            sql.push(format!(
                "{table} AS m JOIN recipient AS r ON r.id = m.recipient_id WHERE m.{column} = "
            ));
            D::push_int(&mut sql, owner.entity().1);
        }
    }
    if let Some(search) = search {
        sql.push(" AND ");
        D::push_matching(&mut sql, search);
    }
    sql
}

/// A page of the recipients of `owner` (all for `None`) that `search`
/// finds, by id, and how many there are in all.
pub(crate) fn recipient_page<D: Dialect>(
    owner: Option<Owner>,
    search: Option<&Search>,
    page: Page,
) -> PageQuery<D> {
    let mut rows = members("r.id, r.email, r.full_name, r.comment", owner, search);
    rows.push(" ORDER BY r.id");
    push_page(&mut rows, page);
    PageQuery {
        count: members("count(*)", owner, search),
        page: rows,
    }
}
