//! Рассылки on PostgreSQL: the shared transactions (`crate::mailings`),
//! taking turns with other counted writes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Listed, Listing, Mailing, MailingId, MailingOrder, MessageId, NewMailing, Page, RecipientId,
    RecipientPage, RecipientsEdit, Search, Selection, Window,
};
use postpilot_core::ports::{Entity, MailingRepository, StoreError};

use super::{commit, PgStore, Sql};
use crate::errors::backend;
use crate::query::DELETE_MAILING;

#[async_trait]
impl MailingRepository for PgStore {
    async fn insert_mailing(&self, new: &NewMailing) -> Result<Mailing, StoreError> {
        let doing = "inserting a mailing";
        let mut tx = self.counted(doing).await?;
        let mailing = Sql::insert_mailing(&mut tx, new).await?;
        commit(tx, doing).await?;
        Ok(mailing)
    }

    async fn get_mailing(&self, id: MailingId) -> Result<Mailing, StoreError> {
        Sql::mailing_in(&self.pool, id).await
    }

    async fn list_mailings(&self, page: Page) -> Result<Vec<Mailing>, StoreError> {
        Sql::list_mailings(&self.pool, page).await
    }

    async fn find_mailings(
        &self,
        listing: &Listing<MailingOrder>,
    ) -> Result<Listed<(Mailing, String)>, StoreError> {
        let mut tx = self.snapshot("listing mailings").await?;
        Sql::find_mailings(&mut tx, listing).await
    }

    async fn mailing_recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>, StoreError> {
        // One snapshot for both reads.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(backend(format!("listing the recipients of mailing {id}")))?;
        Sql::mailing_recipient_ids(&mut tx, id).await
    }

    async fn mailing_recipients<'a>(
        &self,
        id: MailingId,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        // One snapshot for the count and the page.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(backend(format!("listing the recipients of mailing {id}")))?;
        Sql::mailing_recipients(&mut tx, id, search, page).await
    }

    async fn add_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        let doing = format!("adding recipients to mailing {id}");
        let mut tx = self.counted(&doing).await?;
        let added = Sql::add_mailing_recipients(&mut tx, id, which).await?;
        commit(tx, &doing).await?;
        Ok(added)
    }

    async fn remove_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        let doing = format!("removing recipients from mailing {id}");
        let mut tx = self.counted(&doing).await?;
        let removed = Sql::remove_mailing_recipients(&mut tx, id, which).await?;
        commit(tx, &doing).await?;
        Ok(removed)
    }

    async fn update_mailing(
        &self,
        id: MailingId,
        window: Window,
        message_id: MessageId,
        recipients: &RecipientsEdit,
    ) -> Result<Mailing, StoreError> {
        let doing = format!("updating mailing {id}");
        let mut tx = self.counted(&doing).await?;
        let mailing = Sql::update_mailing(&mut tx, id, window, message_id, recipients).await?;
        commit(tx, &doing).await?;
        Ok(mailing)
    }

    async fn delete_mailing(&self, id: MailingId) -> Result<(), StoreError> {
        // Runs, deliveries, attempts and memberships go by ON DELETE CASCADE.
        let doing = format!("deleting mailing {id}");
        let mut tx = self.counted(&doing).await?;
        Sql::delete(&mut *tx, DELETE_MAILING, Entity::Mailing, id.get()).await?;
        commit(tx, &doing).await
    }

    async fn due_mailings(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailingId>, StoreError> {
        Sql::due_mailings(&self.pool, now, limit).await
    }
}
