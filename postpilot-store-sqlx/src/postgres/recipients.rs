//! Recipients on PostgreSQL (`RecipientRepository`): the method bodies and the
//! import's statements; the others are `sql/recipients.rs`.

use std::collections::HashMap;

use async_trait::async_trait;
use postpilot_core::domain::{
    EmailAddress, Listed, Listing, NewRecipient, Page, Recipient, RecipientId, RecipientOrder,
    RecipientPage, Search,
};
use postpilot_core::ports::{Entity, RecipientRepository, StoreError};
use sqlx::{PgConnection, Postgres};

use super::members::recipient_page;
use super::{commit, number, PgStore};
use crate::dialect::PageQuery;
use crate::errors::{backend, recipient_write_error};
use crate::import::ImportPlan;
use crate::rows::{self, changed, found, stored_recipient, RecipientRow};
use crate::sql::recipients as sql;

/// Rows per `INSERT` of an import: each statement sends three arrays, so
/// its size is bounded, however large the import.
const IMPORT_ROWS_PER_STATEMENT: usize = 10_000;

/// Inserts the rows of three parallel arrays in their order, owned by `$4`,
/// skipping emails that exist in any letter case, and returns the id and
/// email of each row actually inserted.
const IMPORT: &str = "INSERT INTO recipient (email, full_name, comment, owner_id) \
     SELECT r.email, r.full_name, r.comment, $4 \
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY \
          AS r (email, full_name, comment, n) \
     ORDER BY r.n \
     ON CONFLICT ((coalesce(owner_id, 0)), (lower(email))) DO NOTHING RETURNING id, email";

#[async_trait]
impl RecipientRepository for PgStore {
    async fn insert_recipient(&self, new: &NewRecipient) -> Result<Recipient, StoreError> {
        let doing = "inserting a recipient";
        let mut tx = self.counted(doing).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recipient (email, full_name, comment, owner_id) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(new.email.as_str())
        .bind(new.full_name.as_str())
        .bind(new.comment.as_str())
        .bind(self.owners().new_owner)
        .fetch_one(&mut *tx)
        .await
        .map_err(recipient_write_error(doing, new))?;
        commit(tx, doing).await?;
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
        let mut tx = self.counted(doing).await?;
        for chunk in to_insert.chunks(IMPORT_ROWS_PER_STATEMENT) {
            let column = |field: fn(&NewRecipient) -> &str| -> Vec<&str> {
                chunk.iter().map(|row| field(row)).collect()
            };
            let inserted: Vec<(i64, String)> = sqlx::query_as(IMPORT)
                .bind(column(|r| r.email.as_str()))
                .bind(column(|r| r.full_name.as_str()))
                .bind(column(|r| r.comment.as_str()))
                .bind(self.owners().new_owner)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend(doing))?;
            plan.inserted(inserted);
        }
        commit(tx, doing).await?;
        Ok(plan.ids)
    }

    async fn get_recipient(&self, id: RecipientId) -> Result<Recipient, StoreError> {
        let row: Option<RecipientRow> = sqlx::query_as(sql::GET_RECIPIENT)
            .bind(id.get())
            .bind(self.owners().sees)
            .fetch_optional(&self.pool)
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
            .fetch_all(&self.pool)
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
            .fetch_all(&self.pool)
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
            let mut sql = sql::ids_by_email::<Postgres>(chunk, self.owners().new_owner);
            let rows: Vec<(i64, String)> = sql
                .build_query_as()
                .fetch_all(&self.pool)
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
        // Counts nothing: no need to take turns with counted writes.
        let done = sqlx::query(sql::UPDATE_RECIPIENT)
            .bind(new.email.as_str())
            .bind(new.full_name.as_str())
            .bind(new.comment.as_str())
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&self.pool)
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
        let mut tx = self.counted(&doing).await?;
        // Not mailed later: its queued deliveries are cancelled (recorded).
        // The attempt's time is this process's clock: the port takes none.
        cancel_queued(&mut tx, id, chrono::Utc::now()).await?;
        // Triggers do the rest: memberships leave (and each mailing's count
        // and the statistics follow), deliveries and attempts keep the
        // email with recipient_id set to NULL.
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

/// Emails looked up per statement, well under PostgreSQL's limit on bound values.
const EMAILS_PER_LOOKUP: usize = 1000;

/// Recipients the search finds, in the listing's order, and how many it
/// finds; on one snapshot.
async fn find_recipients(
    conn: &mut PgConnection,
    listing: &Listing<RecipientOrder>,
    owner: Option<i64>,
) -> Result<Listed<Recipient>, StoreError> {
    let doing = "listing recipients";
    let PageQuery { count, mut page } = sql::find::<Postgres>(listing, owner);
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

/// Fails recipient `$1`'s deliveries still waiting in any run (not those in
/// flight) with a failure attempt at `$2` saying why, counted in their runs:
/// one statement, so only the deliveries it fails get an attempt (a claim
/// may lease one meanwhile), and it holds them while it inserts their
/// attempts (see the migration `20261202000000_attempt_keys_by_trigger`).
const CANCEL_QUEUED: &str = "WITH cancelled AS ( \
         UPDATE delivery SET state = 'failed', tries = tries + 1 \
         WHERE recipient_id = $1 AND state = 'pending' \
         RETURNING id, run_id, recipient_id, email), \
     recorded AS ( \
         INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
         SELECT r.mailing_id, c.run_id, c.recipient_id, c.email, $2, 'failure', \
                'not sent: the recipient was deleted' \
         FROM cancelled AS c JOIN send_run AS r ON r.id = c.run_id ORDER BY c.id) \
     UPDATE send_run SET failed = failed + x.n, attempts_failure = attempts_failure + x.n \
     FROM (SELECT run_id, count(*) AS n FROM cancelled GROUP BY run_id) AS x \
     WHERE send_run.id = x.run_id";

/// Cancels the recipient's deliveries still waiting in any run (not those
/// in flight): each gets a failure attempt at `now` saying why, counted in
/// its run ([`CANCEL_QUEUED`]). Run before the recipient is deleted, in the
/// same transaction, so a deleted recipient is not mailed later.
async fn cancel_queued(
    conn: &mut PgConnection,
    recipient: RecipientId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    sqlx::query(CANCEL_QUEUED)
        .bind(recipient.get())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(backend(format!(
            "cancelling the queued deliveries of recipient {recipient}"
        )))?;
    Ok(())
}
