//! Selections of recipients (`Selection`, `Search`) as SQL: what an add or
//! a remove of a mailing's recipients selects, in the one statement that
//! does it, and the pages of recipients a search finds. Shared by every
//! backend; only the case folding differs ([`Dialect::fold`]).

use postpilot_core::domain::{
    MailingId, Page, Recipient, RecipientIds, RecipientPage, Search, Selection,
};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{json_ids, Dialect, Shared};
use crate::errors::backend;
use crate::query::MAILING_EXISTS;
use crate::rows::{self, RecipientRow};

/// `WHERE`-clause text: whether the recipient `r` matches the `LIKE`
/// pattern bound to `param` (see [`Search::like_pattern`]).
fn matching<DB: Dialect>(param: &str) -> String {
    format!(
        "({} LIKE {param} ESCAPE '\\' OR {} LIKE {param} ESCAPE '\\')",
        DB::fold("r.email"),
        DB::fold("r.full_name")
    )
}

/// What a selection binds to its one parameter, if any.
enum Bound {
    Nothing,
    Text(String),
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
            format!("FROM recipient AS r WHERE {}", matching::<DB>(param)),
            Bound::Text(search.like_pattern()),
        ),
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

    /// Checks the mailing and the recipients `which` names.
    async fn check_selection(
        conn: &mut DB::Connection,
        id: MailingId,
        which: &Selection,
    ) -> Result<(), StoreError> {
        Self::exists(&mut *conn, MAILING_EXISTS, Entity::Mailing, id.get()).await?;
        if let Selection::Ids(ids) = which {
            Self::check_recipients(conn, ids).await?;
        }
        Ok(())
    }

    /// Adds the recipients `which` selects to the mailing, in one
    /// statement; returns how many were not in it yet.
    pub(crate) async fn add_mailing_recipients(
        conn: &mut DB::Connection,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        Self::check_selection(&mut *conn, id, which).await?;
        let (column, from, bound) = chosen::<DB>(which, "$2");
        let sql = format!(
            "INSERT INTO mailing_recipient (mailing_id, recipient_id) \
             SELECT $1, {column} {from} ON CONFLICT DO NOTHING"
        );
        let query = sqlx::query::<DB>(&sql).bind(id.get());
        let query = match bound {
            Bound::Nothing => query,
            Bound::Text(text) => query.bind(text),
        };
        let done = query
            .execute(&mut *conn)
            .await
            .map_err(backend(format!("adding recipients to mailing {id}")))?;
        Ok(DB::rows_affected(&done))
    }

    /// Removes the recipients `which` selects from the mailing, in one
    /// statement; returns how many were in it.
    pub(crate) async fn remove_mailing_recipients(
        conn: &mut DB::Connection,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        Self::check_selection(&mut *conn, id, which).await?;
        let sql = match which {
            Selection::All => "DELETE FROM mailing_recipient WHERE mailing_id = $1".to_owned(),
            _ => {
                let (column, from, _) = chosen::<DB>(which, "$2");
                format!(
                    "DELETE FROM mailing_recipient WHERE mailing_id = $1 \
                     AND recipient_id IN (SELECT {column} {from})"
                )
            }
        };
        let query = sqlx::query::<DB>(&sql).bind(id.get());
        let query = match chosen::<DB>(which, "$2").2 {
            Bound::Nothing => query,
            Bound::Text(text) => query.bind(text),
        };
        let done = query
            .execute(&mut *conn)
            .await
            .map_err(backend(format!("removing recipients from mailing {id}")))?;
        Ok(DB::rows_affected(&done))
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
            Some(_) => format!(" AND {}", matching::<DB>(&format!("${}", n + 1))),
            None => String::new(),
        };
        let pattern = search.map(Search::like_pattern);
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
