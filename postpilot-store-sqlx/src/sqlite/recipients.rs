//! Recipients on SQLite (`RecipientRepository`): the method bodies and the
//! import's statements; the others are `sql/recipients.rs`.

use std::collections::HashMap;

use async_trait::async_trait;
use postpilot_core::domain::{
    EmailAddress, Listed, Listing, NewRecipient, Page, Recipient, RecipientId, RecipientOrder,
    RecipientPage, Search,
};
use postpilot_core::ports::{Entity, RecipientRepository, StoreError};
use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::SqliteConnection;

use super::codec::micros;
use super::members::recipient_page;
use super::{commit, number, SqliteStore};
use crate::dialect::PageQuery;
use crate::errors::{backend, recipient_write_error};
use crate::import::ImportPlan;
use crate::rows::{self, changed, found, stored_recipient, RecipientRow};
use crate::sql::recipients as sql;

/// Rows per multi-row `INSERT` of an import: five parameters each, far below
/// SQLite's 32766, and large enough that per-statement overhead vanishes.
const IMPORT_ROWS_PER_STATEMENT: usize = 2000;

/// An import statement with its values bound.
type ImportQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

/// `chunk`'s values bound to its statement, each row owned by `owner`:
/// `full_sql` for a whole chunk, `last_sql` for a last, shorter one (not
/// worth a slot in the statement cache).
fn bind_import<'q>(
    chunk: &[&'q NewRecipient],
    owner: Option<i64>,
    full_sql: &'q str,
    last_sql: Option<&'q str>,
) -> ImportQuery<'q> {
    let query = match last_sql {
        Some(sql) if chunk.len() < IMPORT_ROWS_PER_STATEMENT => sqlx::query(sql).persistent(false),
        _ => sqlx::query(full_sql),
    };
    chunk.iter().fold(query, |q, row| {
        q.bind(row.email.as_str())
            .bind(row.full_name.as_str())
            .bind(row.comment.as_str())
            .bind(search_key(row))
            .bind(owner)
    })
}

/// The recipient's search key, written with the row (migration
/// `20261127000000_search_key_written`): its email and full name on two
/// lines, folded as `Search::fold` folds searches.
fn search_key(new: &NewRecipient) -> String {
    Search::fold(&format!(
        "{}\n{}",
        new.email.as_str(),
        new.full_name.as_str()
    ))
}

/// `INSERT` of `rows` recipients at once, skipping existing emails. No
/// `RETURNING`: each returned row is copied out of SQLite and sent across
/// threads, while the count and the last id tell the new ids (see
/// `insert_recipients`).
fn import_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO recipient (email, full_name, comment, search_key, owner_id) VALUES ",
    );
    for i in 0..rows {
        sql.push_str(if i == 0 {
            "(?, ?, ?, ?, ?)"
        } else {
            ", (?, ?, ?, ?, ?)"
        });
    }
    // Any unique index: the only one it can break is the email's per owner.
    sql.push_str(" ON CONFLICT DO NOTHING");
    sql
}

#[async_trait]
impl RecipientRepository for SqliteStore {
    async fn insert_recipient(&self, new: &NewRecipient) -> Result<Recipient, StoreError> {
        // One statement: SQLite takes the write lock as it starts, so it
        // needs no explicit transaction.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recipient (email, full_name, comment, search_key, owner_id) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.email.as_str())
        .bind(new.full_name.as_str())
        .bind(new.comment.as_str())
        .bind(search_key(new))
        .bind(self.owners().new_owner)
        .fetch_one(&self.writer)
        .await
        .map_err(recipient_write_error("inserting a recipient", new))?;
        Ok(stored_recipient(id, new))
    }

    async fn insert_recipients(
        &self,
        rows: &[NewRecipient],
    ) -> Result<Vec<Option<RecipientId>>, StoreError> {
        let (mut plan, to_insert) = ImportPlan::new(rows);
        if to_insert.is_empty() {
            return Ok(plan.ids);
        }
        let doing = "importing recipients";
        let chunks: Vec<_> = to_insert.chunks(IMPORT_ROWS_PER_STATEMENT).collect();
        let full_sql = import_sql(IMPORT_ROWS_PER_STATEMENT);
        let last_sql = chunks
            .last()
            .filter(|c| c.len() < IMPORT_ROWS_PER_STATEMENT)
            .map(|c| import_sql(c.len()));
        let owner = self.owners().new_owner;
        let bound = |chunk| bind_import(chunk, owner, &full_sql, last_sql.as_deref());
        let mut tx = self.write(doing).await?;
        let mut next = chunks.first().map(|chunk| bound(chunk));
        for (n, chunk) in chunks.iter().enumerate() {
            let Some(query) = next.take() else { break };
            // The next statement's values are bound while SQLite's thread
            // runs this one.
            let (done, upcoming) = futures::join!(query.execute(&mut *tx), async {
                chunks.get(n + 1).map(|chunk| bound(chunk))
            });
            next = upcoming;
            let done = done.map_err(backend(doing))?;
            // We hold the write lock and ids only grow (AUTOINCREMENT): the
            // rows this statement inserted hold the last `inserted` ids.
            let inserted = done.rows_affected();
            let last = done.last_insert_rowid();
            if inserted == chunk.len() as u64 {
                // Every row went in, one id after another, in the order of VALUES.
                let first = last - (chunk.len() as i64) + 1;
                plan.inserted_in_order(n * IMPORT_ROWS_PER_STATEMENT, chunk.len(), first);
            } else if inserted > 0 {
                // Some emails existed: ask which rows got the new ids.
                let rows: Vec<(i64, String)> =
                    sqlx::query_as("SELECT id, email FROM recipient ORDER BY id DESC LIMIT ?")
                        .bind(i64::try_from(inserted).unwrap_or(i64::MAX))
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(backend(doing))?;
                plan.inserted(rows);
            }
        }
        commit(tx, doing).await?;
        Ok(plan.ids)
    }

    async fn get_recipient(&self, id: RecipientId) -> Result<Recipient, StoreError> {
        let row: Option<RecipientRow> = sqlx::query_as(sql::GET_RECIPIENT)
            .bind(id.get())
            .bind(self.owners().sees)
            .fetch_optional(&self.reader)
            .await
            .map_err(backend(format!("reading recipient {id}")))?;
        found(row, Entity::Recipient, id.get())
    }

    async fn list_recipients(&self, page: Page) -> Result<Vec<Recipient>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<RecipientRow> = sqlx::query_as(sql::LIST_RECIPIENTS)
            .bind(limit)
            .bind(offset)
            .bind(self.owners().sees)
            .fetch_all(&self.reader)
            .await
            .map_err(backend("listing recipients"))?;
        rows::decoded(found)
    }

    async fn search_recipients<'a>(
        &self,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        let doing = "searching recipients";
        let mut tx = self.snapshot(doing).await?;
        let owner = self.owners().sees;
        recipient_page(&mut tx, None, owner, search, page, doing).await
    }

    async fn find_recipients(
        &self,
        listing: &Listing<RecipientOrder>,
    ) -> Result<Listed<Recipient>, StoreError> {
        let mut tx = self.snapshot("listing recipients").await?;
        find_recipients(&mut tx, listing, self.owners().sees).await
    }

    async fn all_recipient_ids(&self) -> Result<Vec<RecipientId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(sql::ALL_RECIPIENT_IDS)
            .bind(self.owners().sees)
            .fetch_all(&self.reader)
            .await
            .map_err(backend("listing recipient ids"))?;
        Ok(ids.into_iter().map(RecipientId).collect())
    }

    async fn recipient_ids_by_email(
        &self,
        emails: &[EmailAddress],
    ) -> Result<Vec<Option<RecipientId>>, StoreError> {
        let mut found = HashMap::with_capacity(emails.len());
        for chunk in emails.chunks(EMAILS_PER_LOOKUP) {
            let mut sql = sql::ids_by_email::<Sqlite>(chunk, self.owners().new_owner);
            let rows: Vec<(i64, String)> = sql
                .build_query_as()
                .fetch_all(&self.reader)
                .await
                .map_err(backend("finding recipients by email"))?;
            found.extend(rows.into_iter().map(|(id, email)| (email, id)));
        }
        Ok(emails
            .iter()
            .map(|e| found.get(&e.key()).copied().map(RecipientId))
            .collect())
    }

    async fn update_recipient(
        &self,
        id: RecipientId,
        new: &NewRecipient,
    ) -> Result<Recipient, StoreError> {
        let done = sqlx::query(sql::UPDATE_RECIPIENT)
            .bind(new.email.as_str())
            .bind(new.full_name.as_str())
            .bind(new.comment.as_str())
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&self.writer)
            .await
            .map_err(recipient_write_error(
                &format!("updating recipient {id}"),
                new,
            ))?;
        changed(done.rows_affected(), Entity::Recipient, id.get())?;
        Ok(stored_recipient(id.get(), new))
    }

    async fn delete_recipient(&self, id: RecipientId) -> Result<(), StoreError> {
        let doing = format!("deleting recipient {id}");
        let mut tx = self.write(&doing).await?;
        // Not mailed later: its queued deliveries are cancelled (recorded).
        // The attempt's time is this process's clock: the port takes none.
        cancel_queued(&mut tx, id, chrono::Utc::now()).await?;
        // The foreign keys do the rest: memberships cascade (the triggers
        // keep each mailing's count and the statistics), deliveries and
        // attempts keep the email with recipient_id set to NULL.
        let done = sqlx::query(sql::DELETE_RECIPIENT)
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        changed(done.rows_affected(), Entity::Recipient, id.get())?;
        commit(tx, &doing).await
    }
}

/// Emails looked up per statement, well under SQLite's limit on bound values.
const EMAILS_PER_LOOKUP: usize = 1000;

/// Recipients the search finds, in the listing's order, and how many it
/// finds; on one snapshot.
async fn find_recipients(
    conn: &mut SqliteConnection,
    listing: &Listing<RecipientOrder>,
    owner: Option<i64>,
) -> Result<Listed<Recipient>, StoreError> {
    let doing = "listing recipients";
    let PageQuery { count, mut page } = sql::find::<Sqlite>(listing, owner);
    let total = number(conn, count, doing).await?;
    let found: Vec<RecipientRow> = page
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing))?;
    Ok(Listed {
        items: rows::decoded(found)?,
        total,
    })
}

/// Cancels the recipient's deliveries still waiting in any run (not those
/// in flight): each gets a failure attempt at `now` saying why, counted in
/// its run. Run before the recipient is deleted, in the same transaction,
/// so a deleted recipient is not mailed later.
async fn cancel_queued(
    conn: &mut SqliteConnection,
    recipient: RecipientId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let doing = || format!("cancelling the queued deliveries of recipient {recipient}");
    sqlx::query(sql::CANCEL_ATTEMPTS)
        .bind(recipient.get())
        .bind(micros(now))
        .execute(&mut *conn)
        .await
        .map_err(backend(doing()))?;
    sqlx::query(sql::CANCEL_COUNTED)
        .bind(recipient.get())
        .execute(&mut *conn)
        .await
        .map_err(backend(doing()))?;
    sqlx::query(sql::CANCEL_DELIVERIES)
        .bind(recipient.get())
        .execute(&mut *conn)
        .await
        .map_err(backend(doing()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::import_sql;

    #[test]
    fn import_sql_has_five_parameters_per_row_the_owner_last() {
        let sql = import_sql(2);
        assert_eq!(sql.matches('?').count(), 10);
        assert!(sql.contains("(email, full_name, comment, search_key, owner_id)"));
        assert!(sql.ends_with("ON CONFLICT DO NOTHING"));
    }
}
