//! Сообщения on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Listed, Listing, MailingId, Message, MessageId, MessageOrder, NewMessage, Page,
};
use postpilot_core::ports::{MessageRepository, StoreError};

use super::{commit, PgStore, Sql};
use crate::errors::backend;
use crate::rows::MessageRow;

#[async_trait]
impl MessageRepository for PgStore {
    async fn insert_message(
        &self,
        new: &NewMessage,
        created_at: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        let doing = "inserting a message";
        let mut tx = self.counted(doing).await?;
        // Returned as stored: timestamptz has microsecond precision.
        let row: MessageRow<DateTime<Utc>> = sqlx::query_as(
            "INSERT INTO message (subject, body_text, body_html, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id, subject, body_text, body_html, created_at",
        )
        .bind(new.subject.as_str())
        .bind(new.body_text.as_str())
        .bind(new.body_html.as_ref().map(|h| h.as_str()))
        .bind(created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend(doing))?;
        commit(tx, doing).await?;
        row.try_into()
    }

    async fn get_message(&self, id: MessageId) -> Result<Message, StoreError> {
        Sql::message_in(&self.pool, id).await
    }

    async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError> {
        Sql::list_messages(&self.pool, page).await
    }

    async fn find_messages(
        &self,
        listing: &Listing<MessageOrder>,
    ) -> Result<Listed<Message>, StoreError> {
        let mut tx = self.snapshot("listing messages").await?;
        Sql::find_messages(&mut tx, listing).await
    }

    async fn update_message(&self, id: MessageId, new: &NewMessage) -> Result<Message, StoreError> {
        let doing = format!("updating message {id}");
        let mut tx = self.begin(&doing).await?;
        let message = Sql::update_message(&mut tx, id, new).await?;
        commit(tx, &doing).await?;
        Ok(message)
    }

    async fn mailings_sent_with(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        Sql::mailings_sent_with(&self.pool, id).await
    }

    async fn mailings_using(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        Sql::mailings_using(&self.pool, id).await
    }

    async fn delete_message(&self, id: MessageId) -> Result<(), StoreError> {
        let doing = format!("deleting message {id}");
        let mut tx = self.counted(&doing).await?;
        Sql::delete_unused_message(&mut tx, id).await?;
        commit(tx, &doing).await
    }
}
