//! Сообщения on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Listed, Listing, MailingId, Message, MessageId, MessageOrder, NewMessage, Page,
};
use postpilot_core::ports::{MessageRepository, StoreError};

use super::codec::micros;
use super::{commit, Sql, SqliteStore};
use crate::errors::backend;

#[async_trait]
impl MessageRepository for SqliteStore {
    async fn insert_message(
        &self,
        new: &NewMessage,
        created_at: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO message (subject, body_text, body_html, created_at) VALUES (?, ?, ?, ?) \
             RETURNING id",
        )
        .bind(new.subject.as_str())
        .bind(new.body_text.as_str())
        .bind(new.body_html.as_ref().map(|h| h.as_str()))
        .bind(micros(created_at))
        .fetch_one(&self.writer)
        .await
        .map_err(backend("inserting a message"))?;
        // Read back: the stored time has microsecond precision.
        Sql::message_in(&self.writer, MessageId(id)).await
    }

    async fn get_message(&self, id: MessageId) -> Result<Message, StoreError> {
        Sql::message_in(&self.reader, id).await
    }

    async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError> {
        Sql::list_messages(&self.reader, page).await
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
        let mut tx = self.write(&doing).await?;
        let message = Sql::update_message(&mut tx, id, new).await?;
        commit(tx, &doing).await?;
        Ok(message)
    }

    async fn mailings_sent_with(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        Sql::mailings_sent_with(&self.reader, id).await
    }

    async fn mailings_using(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        Sql::mailings_using(&self.reader, id).await
    }

    async fn delete_message(&self, id: MessageId) -> Result<(), StoreError> {
        let doing = format!("deleting message {id}");
        let mut tx = self.write(&doing).await?;
        Sql::delete_unused_message(&mut tx, id).await?;
        commit(tx, &doing).await
    }
}
