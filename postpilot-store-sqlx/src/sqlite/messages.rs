//! Messages on SQLite (`MessageRepository`): the method bodies; the
//! statements are `sql/messages.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Listed, Listing, MailingId, Message, MessageId, MessageOrder, NewMessage, Page,
};
use postpilot_core::ports::{Entity, MessageRepository, StoreError};
use sqlx::{Sqlite, SqliteConnection};

use super::codec::micros;
use super::{commit, number, SqliteStore};
use crate::dialect::PageQuery;
use crate::errors::{backend, message_delete_error, message_in_use};
use crate::rows::{self, changed, found, MessageRow};
use crate::sql::messages as sql;

#[async_trait]
impl MessageRepository for SqliteStore {
    async fn insert_message(
        &self,
        new: &NewMessage,
        created_at: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        // Returned as stored: the stored time has microsecond precision.
        let row: MessageRow<i64> = sqlx::query_as(sql::INSERT_MESSAGE)
            .bind(new.subject.as_str())
            .bind(new.body_text.as_str())
            .bind(new.body_html.as_ref().map(|h| h.as_str()))
            .bind(micros(created_at))
            .bind(self.owners().new_owner)
            .fetch_one(&self.writer)
            .await
            .map_err(backend("inserting a message"))?;
        row.try_into()
    }

    async fn get_message(&self, id: MessageId) -> Result<Message, StoreError> {
        message_in(&self.reader, id, self.owners().sees).await
    }

    async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<MessageRow<i64>> = sqlx::query_as(sql::LIST_MESSAGES)
            .bind(limit)
            .bind(offset)
            .bind(self.owners().sees)
            .fetch_all(&self.reader)
            .await
            .map_err(backend("listing messages"))?;
        rows::decoded(found)
    }

    async fn find_messages(
        &self,
        listing: &Listing<MessageOrder>,
    ) -> Result<Listed<Message>, StoreError> {
        let mut tx = self.snapshot("listing messages").await?;
        find_messages(&mut tx, listing, self.owners().sees).await
    }

    async fn update_message(&self, id: MessageId, new: &NewMessage) -> Result<Message, StoreError> {
        let doing = format!("updating message {id}");
        let mut tx = self.write(&doing).await?;
        let done = sqlx::query(sql::UPDATE_MESSAGE)
            .bind(new.subject.as_str())
            .bind(new.body_text.as_str())
            .bind(new.body_html.as_ref().map(|h| h.as_str()))
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        changed(done.rows_affected(), Entity::Message, id.get())?;
        let message = message_in(&mut *tx, id, None).await?;
        commit(tx, &doing).await?;
        Ok(message)
    }

    async fn mailings_sent_with(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(sql::MAILINGS_SENT_WITH)
            .bind(id.get())
            .bind(self.owners().sees)
            .fetch_all(&self.reader)
            .await
            .map_err(backend(format!(
                "listing the mailings that sent message {id}"
            )))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }

    async fn mailings_using(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(sql::MAILINGS_USING)
            .bind(id.get())
            .bind(self.owners().sees)
            .fetch_all(&self.reader)
            .await
            .map_err(backend(format!(
                "listing the mailings that use message {id}"
            )))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }

    async fn delete_message(&self, id: MessageId) -> Result<(), StoreError> {
        let doing = format!("deleting message {id}");
        let mut tx = self.write(&doing).await?;
        // Another owner's message is not found before anything is said of it.
        message_in(&mut *tx, id, self.owners().changes).await?;
        // Name the mailing in the way, which the foreign key error cannot.
        let user: Option<i64> = sqlx::query_scalar(sql::FIRST_MAILING_USING)
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        if let Some(mailing) = user {
            return Err(message_in_use(id, &format!("mailing {mailing}")));
        }
        let done = sqlx::query(sql::DELETE_MESSAGE)
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&mut *tx)
            .await
            .map_err(message_delete_error(doing.clone(), id))?;
        changed(done.rows_affected(), Entity::Message, id.get())?;
        commit(tx, &doing).await
    }
}

/// Messages whose subject the search finds, in the listing's order, and
/// how many it finds; on one snapshot.
async fn find_messages(
    conn: &mut SqliteConnection,
    listing: &Listing<MessageOrder>,
    owner: Option<i64>,
) -> Result<Listed<Message>, StoreError> {
    let doing = "listing messages";
    let PageQuery { count, mut page } = sql::find::<Sqlite>(listing, owner);
    let total = number(conn, count, doing).await?;
    let found: Vec<MessageRow<i64>> = page
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing))?;
    Ok(Listed {
        items: rows::decoded(found)?,
        total,
    })
}

/// The message if `owner`'s (`None`: anyone's), read on `conn` (a pool or
/// a transaction); `NotFound` for none.
async fn message_in<'c>(
    conn: impl sqlx::Executor<'c, Database = Sqlite>,
    id: MessageId,
    owner: Option<i64>,
) -> Result<Message, StoreError> {
    let row: Option<MessageRow<i64>> = sqlx::query_as(sql::GET_MESSAGE)
        .bind(id.get())
        .bind(owner)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading message {id}")))?;
    found(row, Entity::Message, id.get())
}
