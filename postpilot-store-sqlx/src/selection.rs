//! Selections of recipients (`Selection`, `Search`) as SQL: what an add or
//! a remove of a mailing's recipients selects, in the one statement that
//! does it, and the pages of recipients a search finds. Shared by every
//! backend; only the search condition differs ([`Dialect::matching`]).

use postpilot_core::domain::{
    ListId, MailingId, Page, Recipient, RecipientIds, RecipientPage, Search, Selection,
};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{json_ids, Dialect, Shared};
use crate::errors::backend;
use crate::query::MAILING_EXISTS;
use crate::rows::{self, RecipientRow};

/// What a selection binds to its one parameter, if any.
enum Bound {
    Nothing,
    Text(String),
    Id(i64),
}

pub(crate) const LIST_EXISTS: &str = "SELECT id FROM recipient_list WHERE id = $1";

/// Whose recipients an add or a remove changes: a mailing's or a list's.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    Mailing(MailingId),
    List(ListId),
}

impl Owner {
    /// The membership table, its owner column, the owner's existence query
    /// and the owner as an entity and id.
    fn parts(self) -> (&'static str, &'static str, &'static str, Entity, i64) {
        match self {
            Self::Mailing(id) => (
                "mailing_recipient",
                "mailing_id",
                MAILING_EXISTS,
                Entity::Mailing,
                id.get(),
            ),
            Self::List(id) => (
                "list_member",
                "list_id",
                LIST_EXISTS,
                Entity::List,
                id.get(),
            ),
        }
    }
}

/// `FROM … WHERE …` of the recipients `which` selects, each as `x_id`,
/// with the selection's parameter at `param`.
fn chosen<DB: Dialect>(which: &Selection, param: &str) -> (String, String, Bound) {
    match which {
        Selection::Ids(ids) => (
            "CAST(j.value AS BIGINT)".to_owned(),
            format!("FROM {} WHERE true", DB::json_ids(param)),
            Bound::Text(json_ids(ids.as_slice().iter().map(|id| id.get()))),
        ),
        Selection::All => (
            "r.id".to_owned(),
            "FROM recipient AS r WHERE true".to_owned(),
            Bound::Nothing,
        ),
        Selection::Matching(search) => (
            "r.id".to_owned(),
            format!("FROM recipient AS r WHERE {}", DB::matching(param, search)),
            Bound::Text(DB::search_param(search)),
        ),
        Selection::List(list) => (
            "l.recipient_id".to_owned(),
            format!("FROM list_member AS l WHERE l.list_id = {param}"),
            Bound::Id(list.get()),
        ),
    }
}

/// `query` with the selection's parameter bound, if it has one.
fn bind<'q, DB: Dialect>(
    query: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
    bound: Bound,
) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    match bound {
        Bound::Nothing => query,
        Bound::Text(text) => query.bind(text),
        Bound::Id(id) => query.bind(id),
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
    RecipientRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// `NotFound` naming the first of `ids` (in their order) that is no
    /// recipient.
    pub(crate) async fn check_recipients(
        conn: &mut DB::Connection,
        ids: &RecipientIds,
    ) -> Result<(), StoreError> {
        let missing: Option<i64> = sqlx::query_scalar::<DB, i64>(&format!(
            "SELECT CAST(j.value AS BIGINT) FROM {} \
             WHERE NOT EXISTS (SELECT 1 FROM recipient AS r WHERE r.id = CAST(j.value AS BIGINT)) \
             ORDER BY j.key LIMIT 1",
            DB::json_ids("$1")
        ))
        .bind(json_ids(ids.as_slice().iter().map(|id| id.get())))
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend("checking the recipients named"))?;
        match missing {
            Some(id) => Err(StoreError::not_found(Entity::Recipient, id)),
            None => Ok(()),
        }
    }

    /// Checks the owner, and the list or the recipients `which` names.
    async fn check_selection(
        conn: &mut DB::Connection,
        owner: Owner,
        which: &Selection,
    ) -> Result<(), StoreError> {
        let (_, _, exists, entity, id) = owner.parts();
        Self::exists(&mut *conn, exists, entity, id).await?;
        match which {
            Selection::Ids(ids) => Self::check_recipients(conn, ids).await,
            Selection::List(list) => {
                Self::exists(&mut *conn, LIST_EXISTS, Entity::List, list.get())
                    .await
                    .map(|_| ())
            }
            Selection::All | Selection::Matching(_) => Ok(()),
        }
    }

    /// Adds the recipients `which` selects to `owner`, in one statement;
    /// returns how many were not in it yet.
    pub(crate) async fn add_members(
        conn: &mut DB::Connection,
        owner: Owner,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        Self::check_selection(&mut *conn, owner, which).await?;
        let (table, column, _, entity, id) = owner.parts();
        let (chosen_id, from, bound) = chosen::<DB>(which, "$2");
        // A mailing's members already in it are left out by a join, not
        // by ON CONFLICT, which on PostgreSQL makes each row a speculative
        // insertion: no selection names a recipient twice, and writers of
        // a mailing's members are serialized (ARCHITECTURE.md, "Store"), so
        // none conflicts. A list's writers are not.
        let skip = match owner {
            Owner::Mailing(_) => format!(
                "AND NOT EXISTS (SELECT 1 FROM {table} AS present \
                 WHERE present.{column} = $1 AND present.recipient_id = {chosen_id})"
            ),
            Owner::List(_) => "ON CONFLICT DO NOTHING".to_owned(),
        };
        let sql = format!(
            "INSERT INTO {table} ({column}, recipient_id) SELECT $1, {chosen_id} {from} {skip}"
        );
        let done = bind(sqlx::query::<DB>(&sql).bind(id), bound)
            .execute(&mut *conn)
            .await
            .map_err(backend(format!("adding recipients to {entity} {id}")))?;
        Ok(DB::rows_affected(&done))
    }

    /// Removes the recipients `which` selects from `owner`, in one
    /// statement; returns how many were in it.
    pub(crate) async fn remove_members(
        conn: &mut DB::Connection,
        owner: Owner,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        Self::check_selection(&mut *conn, owner, which).await?;
        let (table, column, _, entity, id) = owner.parts();
        let (chosen_id, from, bound) = chosen::<DB>(which, "$2");
        let sql = match which {
            Selection::All => format!("DELETE FROM {table} WHERE {column} = $1"),
            _ => format!(
                "DELETE FROM {table} WHERE {column} = $1 \
                 AND recipient_id IN (SELECT {chosen_id} {from})"
            ),
        };
        let bound = if matches!(which, Selection::All) {
            Bound::Nothing
        } else {
            bound
        };
        let done = bind(sqlx::query::<DB>(&sql).bind(id), bound)
            .execute(&mut *conn)
            .await
            .map_err(backend(format!("removing recipients from {entity} {id}")))?;
        Ok(DB::rows_affected(&done))
    }

    /// Adds the recipients `which` selects to the mailing (see [`Self::add_members`]).
    pub(crate) async fn add_mailing_recipients(
        conn: &mut DB::Connection,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        Self::add_members(conn, Owner::Mailing(id), which).await
    }

    /// Removes the recipients `which` selects from the mailing.
    pub(crate) async fn remove_mailing_recipients(
        conn: &mut DB::Connection,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        Self::remove_members(conn, Owner::Mailing(id), which).await
    }

    /// A page of the recipients `from` (a `FROM … WHERE …` over `recipient
    /// AS r`, with its own parameters from `$1`: `params`) that `search`
    /// finds, by id, and how many there are in all; `conn` should hold one
    /// snapshot for both reads.
    async fn recipient_page(
        conn: &mut DB::Connection,
        from: &str,
        params: &[i64],
        search: Option<&Search>,
        page: Page,
        doing: &str,
    ) -> Result<RecipientPage, StoreError> {
        let n = params.len();
        let filter = match search {
            Some(search) => format!(" AND {}", DB::matching(&format!("${}", n + 1), search)),
            None => String::new(),
        };
        let pattern = search.map(DB::search_param);
        let count_sql = format!("SELECT count(*) {from}{filter}");
        let mut count = sqlx::query_scalar::<DB, i64>(&count_sql);
        for p in params {
            count = count.bind(*p);
        }
        if let Some(pattern) = &pattern {
            count = count.bind(pattern.clone());
        }
        let total = count
            .fetch_one(&mut *conn)
            .await
            .map_err(backend(doing.to_owned()))?;
        let (limit, offset) = rows::page(page);
        let at = n + usize::from(pattern.is_some());
        let items_sql = format!(
            "SELECT r.id, r.email, r.full_name, r.comment {from}{filter} \
             ORDER BY r.id LIMIT ${} OFFSET ${}",
            at + 1,
            at + 2
        );
        let mut items = sqlx::query_as::<DB, RecipientRow>(&items_sql);
        for p in params {
            items = items.bind(*p);
        }
        if let Some(pattern) = pattern {
            items = items.bind(pattern);
        }
        let items = items
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend(doing.to_owned()))?
            .into_iter()
            .map(Recipient::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RecipientPage {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// Recipients the search finds, by id, with their total.
    pub(crate) async fn search_recipients(
        conn: &mut DB::Connection,
        search: Option<&Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        Self::recipient_page(
            conn,
            "FROM recipient AS r WHERE true",
            &[],
            search,
            page,
            "searching recipients",
        )
        .await
    }

    /// The list's members the search finds, by id, with their total.
    pub(crate) async fn list_members(
        conn: &mut DB::Connection,
        id: ListId,
        search: Option<&Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        Self::exists(&mut *conn, LIST_EXISTS, Entity::List, id.get()).await?;
        Self::recipient_page(
            conn,
            "FROM list_member AS m JOIN recipient AS r ON r.id = m.recipient_id \
             WHERE m.list_id = $1",
            &[id.get()],
            search,
            page,
            &format!("listing the members of list {id}"),
        )
        .await
    }

    /// The mailing's recipients the search finds, by id, with their total.
    pub(crate) async fn mailing_recipients(
        conn: &mut DB::Connection,
        id: MailingId,
        search: Option<&Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        Self::exists(&mut *conn, MAILING_EXISTS, Entity::Mailing, id.get()).await?;
        Self::recipient_page(
            conn,
            "FROM mailing_recipient AS m JOIN recipient AS r ON r.id = m.recipient_id \
             WHERE m.mailing_id = $1",
            &[id.get()],
            search,
            page,
            &format!("listing the recipients of mailing {id}"),
        )
        .await
    }
}
