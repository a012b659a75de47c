//! Сообщения on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{BodyText, Message, MessageId, NewMessage, Page, Subject};
use postpilot_core::ports::{Entity, MessageRepository, StoreError};

use super::codec::{self, micros, time};
use super::{commit, SqliteStore};
use crate::errors::{backend, decode, is_foreign_key_violation};

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    subject: String,
    body_text: String,
    created_at: i64,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(row: MessageRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: MessageId(row.id),
            subject: decode("message.subject", Subject::parse(&row.subject))?,
            body_text: decode("message.body_text", BodyText::parse(&row.body_text))?,
            created_at: time("message.created_at", row.created_at)?,
        })
    }
}

impl SqliteStore {
    /// The message, read within `conn` (a transaction or a pool).
    async fn message_in<'c, E>(conn: E, id: MessageId) -> Result<Message, StoreError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
    {
        sqlx::query_as::<_, MessageRow>(
            "SELECT id, subject, body_text, created_at FROM message WHERE id = ?",
        )
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading message {id}")))?
        .ok_or_else(|| StoreError::not_found(Entity::Message, id.get()))?
        .try_into()
    }
}

#[async_trait]
impl MessageRepository for SqliteStore {
    async fn insert_message(
        &self,
        new: &NewMessage,
        created_at: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO message (subject, body_text, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(new.subject.as_str())
        .bind(new.body_text.as_str())
        .bind(micros(created_at))
        .fetch_one(&self.writer)
        .await
        .map_err(backend("inserting a message"))?;
        // Read back: the stored time has microsecond precision.
        Self::message_in(&self.writer, MessageId(id)).await
    }

    async fn get_message(&self, id: MessageId) -> Result<Message, StoreError> {
        Self::message_in(&self.reader, id).await
    }

    async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError> {
        let (limit, offset) = codec::page(page);
        sqlx::query_as::<_, MessageRow>(
            "SELECT id, subject, body_text, created_at FROM message ORDER BY id LIMIT ? OFFSET ?",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await
        .map_err(backend("listing messages"))?
        .into_iter()
        .map(Message::try_from)
        .collect()
    }

    async fn update_message(&self, id: MessageId, new: &NewMessage) -> Result<Message, StoreError> {
        let doing = format!("updating message {id}");
        let mut tx = self.write(&doing).await?;
        let done = sqlx::query("UPDATE message SET subject = ?, body_text = ? WHERE id = ?")
            .bind(new.subject.as_str())
            .bind(new.body_text.as_str())
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found(Entity::Message, id.get()));
        }
        let message = Self::message_in(&mut *tx, id).await?;
        commit(tx, &doing).await?;
        Ok(message)
    }

    async fn delete_message(&self, id: MessageId) -> Result<(), StoreError> {
        let doing = format!("deleting message {id}");
        let mut tx = self.write(&doing).await?;
        // Name the mailing in the way, which the foreign key error cannot.
        let user: Option<i64> =
            sqlx::query_scalar("SELECT id FROM mailing WHERE message_id = ? ORDER BY id LIMIT 1")
                .bind(id.get())
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
        if let Some(mailing) = user {
            return Err(in_use(id, &format!("mailing {mailing}")));
        }
        let done = sqlx::query("DELETE FROM message WHERE id = ?")
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(|err| {
                if is_foreign_key_violation(&err) {
                    in_use(id, "a mailing")
                } else {
                    StoreError::backend(doing.clone(), err)
                }
            })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found(Entity::Message, id.get()));
        }
        commit(tx, &doing).await
    }
}

fn in_use(id: MessageId, used_by: &str) -> StoreError {
    StoreError::InUse {
        entity: Entity::Message,
        id: id.get(),
        used_by: used_by.to_owned(),
    }
}
