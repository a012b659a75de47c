//! Получатели on PostgreSQL.

use async_trait::async_trait;
use postpilot_core::domain::{
    EmailAddress, Listed, Listing, NewRecipient, Page, Recipient, RecipientId, RecipientOrder,
    RecipientPage, Search,
};
use postpilot_core::ports::{Entity, RecipientRepository, StoreError};

use super::{commit, PgStore, Sql};
use crate::errors::{backend, recipient_write_error};
use crate::query::DELETE_RECIPIENT;
use crate::recipients::ImportPlan;
use crate::rows::stored_recipient;

/// Rows per `INSERT` of an import: each statement sends three arrays, so
/// its size is bounded, however large the import.
const IMPORT_ROWS_PER_STATEMENT: usize = 10_000;

/// Inserts the rows of three parallel arrays in their order, skipping
/// emails that exist in any letter case, and returns the id and email of
/// each row actually inserted.
const IMPORT: &str = "INSERT INTO recipient (email, full_name, comment) \
     SELECT r.email, r.full_name, r.comment \
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY \
          AS r (email, full_name, comment, n) \
     ORDER BY r.n \
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING id, email";

#[async_trait]
impl RecipientRepository for PgStore {
    async fn insert_recipient(&self, new: &NewRecipient) -> Result<Recipient, StoreError> {
        let doing = "inserting a recipient";
        let mut tx = self.counted(doing).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recipient (email, full_name, comment) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(new.email.as_str())
        .bind(new.full_name.as_str())
        .bind(new.comment.as_str())
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
                .fetch_all(&mut *tx)
                .await
                .map_err(backend(doing))?;
            plan.inserted(inserted);
        }
        commit(tx, doing).await?;
        Ok(plan.ids)
    }

    async fn get_recipient(&self, id: RecipientId) -> Result<Recipient, StoreError> {
        Sql::get_recipient(&self.pool, id).await
    }

    async fn list_recipients(&self, page: Page) -> Result<Vec<Recipient>, StoreError> {
        Sql::list_recipients(&self.pool, page).await
    }

    async fn search_recipients<'a>(
        &self,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        // One snapshot for the count and the page.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(backend("searching recipients"))?;
        Sql::search_recipients(&mut tx, search, page).await
    }

    async fn find_recipients(
        &self,
        listing: &Listing<RecipientOrder>,
    ) -> Result<Listed<Recipient>, StoreError> {
        let mut tx = self.snapshot("listing recipients").await?;
        Sql::find_recipients(&mut tx, listing).await
    }

    async fn all_recipient_ids(&self) -> Result<Vec<RecipientId>, StoreError> {
        Sql::all_recipient_ids(&self.pool).await
    }

    async fn recipient_ids_by_email(
        &self,
        emails: &[EmailAddress],
    ) -> Result<Vec<Option<RecipientId>>, StoreError> {
        Sql::recipient_ids_by_email(&self.pool, emails).await
    }

    async fn update_recipient(
        &self,
        id: RecipientId,
        new: &NewRecipient,
    ) -> Result<Recipient, StoreError> {
        // Counts nothing: no need to take turns with counted writes.
        Sql::update_recipient(&self.pool, id, new).await
    }

    async fn delete_recipient(&self, id: RecipientId) -> Result<(), StoreError> {
        // The foreign keys do the rest: memberships cascade (the triggers
        // keep each mailing's count and the statistics), deliveries and
        // attempts keep the email with recipient_id set to NULL.
        let doing = format!("deleting recipient {id}");
        let mut tx = self.counted(&doing).await?;
        // Not mailed later: its queued deliveries are cancelled (recorded).
        // The attempt's time is this process's clock: the port takes none.
        Sql::cancel_queued_for(&mut tx, id.get(), chrono::Utc::now()).await?;
        Sql::delete(&mut *tx, DELETE_RECIPIENT, Entity::Recipient, id.get()).await?;
        commit(tx, &doing).await
    }
}
