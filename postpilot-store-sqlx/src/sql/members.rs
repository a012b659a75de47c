//! A mailing's recipients and a list's members: the statements that add
//! or remove what a `Selection` takes, each one statement, and the pages
//! of members a search finds; built for either backend (see `dialect.rs`).

use postpilot_core::domain::{ListId, MailingId, Page, Search, Selection};
use postpilot_core::ports::Entity;
use sqlx::QueryBuilder;

use crate::dialect::{push_page, Dialect, PageQuery};
use crate::owners::push_owned;

/// Whose recipients an add or a remove changes: a mailing's or a list's.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holder {
    Mailing(MailingId),
    List(ListId),
}

impl Holder {
    /// The membership table and its holder column.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Self::Mailing(_) => ("mailing_recipient", "mailing_id"),
            Self::List(_) => ("list_member", "list_id"),
        }
    }

    /// What the holder is, and its id.
    pub(crate) fn entity(self) -> (Entity, i64) {
        match self {
            Self::Mailing(id) => (Entity::Mailing, id.get()),
            Self::List(id) => (Entity::List, id.get()),
        }
    }

    /// The holder's id if it exists and is owned by `$2` (NULL: anyone's):
    /// its id is `$1`.
    pub(crate) fn exists(self) -> &'static str {
        match self {
            Self::Mailing(_) => {
                "SELECT id FROM mailing WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)"
            }
            Self::List(_) => {
                "SELECT id FROM recipient_list WHERE id = $1 AND ($2 IS NULL OR owner_id = $2)"
            }
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
/// parameter if it has one; of `owner`'s recipients only (`None`: anyone's),
/// but for ids, which the caller checks.
fn push_chosen<D: Dialect>(sql: &mut QueryBuilder<'_, D>, which: &Selection, owner: Option<i64>) {
    match which {
        Selection::Ids(ids) => {
            sql.push(" FROM ");
            D::push_id_table(sql, ids);
            sql.push(" WHERE true");
        }
        Selection::All => {
            sql.push(" FROM recipient AS r WHERE true");
            push_owned(sql, "r.owner_id", owner);
        }
        Selection::Matching(search) => {
            sql.push(" FROM recipient AS r WHERE ");
            D::push_matching(sql, search);
            push_owned(sql, "r.owner_id", owner);
        }
        Selection::List(list) => {
            sql.push(" FROM list_member AS l WHERE l.list_id = ");
            D::push_int(sql, list.get());
            if let Some(owner) = owner {
                sql.push(" AND l.recipient_id IN (SELECT id FROM recipient WHERE owner_id = ");
                D::push_int(sql, owner);
                sql.push(")");
            }
        }
    }
}

/// Adds the recipients of `owner` (`None`: anyone's) `which` selects to
/// `holder`, in one statement; what it changes is how many were not in it
/// yet.
pub(crate) fn add<D: Dialect>(
    holder: Holder,
    which: &Selection,
    owner: Option<i64>,
) -> QueryBuilder<'static, D> {
    let (table, column) = holder.table();
    let (_, id) = holder.entity();
    let chosen = chosen_id(which);
    let mut sql = QueryBuilder::new(format!(
        "INSERT INTO {table} ({column}, recipient_id) SELECT "
    ));
    D::push_int(&mut sql, id);
    sql.push(format!(", {chosen}"));
    push_chosen(&mut sql, which, owner);
    match holder {
        // A mailing's members already in it are left out by a join, not by
        // ON CONFLICT (which on PostgreSQL makes each row a speculative
        // insertion): writers of a mailing's members are serialized
        // (ARCHITECTURE.md, "Store"), so none conflicts. A list's are not.
        Holder::Mailing(_) => {
            sql.push(format!(
                " AND NOT EXISTS (SELECT 1 FROM {table} AS present \
                 WHERE present.{column} = "
            ));
            D::push_int(&mut sql, id);
            sql.push(format!(" AND present.recipient_id = {chosen})"));
        }
        Holder::List(_) => {
            sql.push(" ON CONFLICT DO NOTHING");
        }
    }
    sql
}

/// Removes the recipients `which` selects from `holder`, in one statement;
/// what it changes is how many were in it.
pub(crate) fn remove<D: Dialect>(holder: Holder, which: &Selection) -> QueryBuilder<'static, D> {
    let (table, column) = holder.table();
    let (_, id) = holder.entity();
    let mut sql = QueryBuilder::new(format!("DELETE FROM {table} WHERE {column} = "));
    D::push_int(&mut sql, id);
    if !matches!(which, Selection::All) {
        sql.push(format!(" AND recipient_id IN (SELECT {}", chosen_id(which)));
        push_chosen(&mut sql, which, None);
        sql.push(")");
    }
    sql
}

/// `SELECT columns FROM …` of the recipients `r` of `holder` (all
/// recipients for `None`) of `owner` (`None`: anyone's) that `search` finds.
fn members<D: Dialect>(
    columns: &str,
    holder: Option<Holder>,
    owner: Option<i64>,
    search: Option<&Search>,
) -> QueryBuilder<'static, D> {
    let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM "));
    match holder {
        None => {
            sql.push("recipient AS r WHERE true");
        }
        Some(holder) => {
            let (table, column) = holder.table();
            sql.push(format!(
                "{table} AS m JOIN recipient AS r ON r.id = m.recipient_id WHERE m.{column} = "
            ));
            D::push_int(&mut sql, holder.entity().1);
        }
    }
    push_owned(&mut sql, "r.owner_id", owner);
    if let Some(search) = search {
        sql.push(" AND ");
        D::push_matching(&mut sql, search);
    }
    sql
}

/// A page of the recipients of `holder` (all for `None`) of `owner`
/// (`None`: anyone's) that `search` finds, by id, and how many there are in
/// all.
pub(crate) fn recipient_page<D: Dialect>(
    holder: Option<Holder>,
    owner: Option<i64>,
    search: Option<&Search>,
    page: Page,
) -> PageQuery<D> {
    let mut rows = members(
        "r.id, r.email, r.full_name, r.comment",
        holder,
        owner,
        search,
    );
    rows.push(" ORDER BY r.id");
    push_page(&mut rows, page);
    PageQuery {
        count: members("count(*)", holder, owner, search),
        page: rows,
    }
}
