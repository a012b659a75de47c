//! Messages on PostgreSQL (`MessageRepository`): their SQL and its method bodies.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Listed, Listing, MailingId, Message, MessageId, MessageOrder, NewMessage, Page,
};
use postpilot_core::ports::{Entity, MessageRepository, StoreError};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::pages::{number, push_page};
use super::search::push_subject_matching;
use super::{commit, PgStore};
use crate::errors::{backend, message_delete_error, message_in_use};
use crate::listing::order_by;
use crate::rows::{self, changed, found, MessageRow};

/// The message `$1`.
const GET_MESSAGE: &str =
    "SELECT id, subject, body_text, body_html, created_at FROM message WHERE id = $1";

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
        message_in(&self.pool, id).await
    }

    async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<MessageRow<DateTime<Utc>>> = sqlx::query_as(
            "SELECT id, subject, body_text, body_html, created_at FROM message \
             ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("listing messages"))?;
        rows::decoded(found)
    }

    async fn find_messages(
        &self,
        listing: &Listing<MessageOrder>,
    ) -> Result<Listed<Message>, StoreError> {
        let mut tx = self.snapshot("listing messages").await?;
        find_messages(&mut tx, listing).await
    }

    async fn update_message(&self, id: MessageId, new: &NewMessage) -> Result<Message, StoreError> {
        let doing = format!("updating message {id}");
        let mut tx = self.begin(&doing).await?;
        let done = sqlx::query(
            "UPDATE message SET subject = $1, body_text = $2, body_html = $3 WHERE id = $4",
        )
        .bind(new.subject.as_str())
        .bind(new.body_text.as_str())
        .bind(new.body_html.as_ref().map(|h| h.as_str()))
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        changed(done.rows_affected(), Entity::Message, id.get())?;
        let message = message_in(&mut *tx, id).await?;
        commit(tx, &doing).await?;
        Ok(message)
    }

    async fn mailings_sent_with(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM mailing WHERE message_id = $1 AND launched_at IS NOT NULL ORDER BY id",
        )
        .bind(id.get())
        .fetch_all(&self.pool)
        .await
        .map_err(backend(format!(
            "listing the mailings that sent message {id}"
        )))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }

    async fn mailings_using(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM mailing WHERE message_id = $1 ORDER BY id")
                .bind(id.get())
                .fetch_all(&self.pool)
                .await
                .map_err(backend(format!(
                    "listing the mailings that use message {id}"
                )))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }

    async fn delete_message(&self, id: MessageId) -> Result<(), StoreError> {
        let doing = format!("deleting message {id}");
        let mut tx = self.counted(&doing).await?;
        // Name the mailing in the way, which the foreign key error cannot.
        let user: Option<i64> =
            sqlx::query_scalar("SELECT id FROM mailing WHERE message_id = $1 ORDER BY id LIMIT 1")
                .bind(id.get())
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
        if let Some(mailing) = user {
            return Err(message_in_use(id, &format!("mailing {mailing}")));
        }
        let done = sqlx::query("DELETE FROM message WHERE id = $1")
            .bind(id.get())
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
    conn: &mut PgConnection,
    listing: &Listing<MessageOrder>,
) -> Result<Listed<Message>, StoreError> {
    let doing = "listing messages";
    let select = |columns: &str| {
        let mut sql = QueryBuilder::new(format!("SELECT {columns} FROM message AS g"));
        if let Some(search) = &listing.search {
            sql.push(" WHERE ");
            push_subject_matching(&mut sql, "g.subject", search);
        }
        sql
    };
    let total = number(conn, select("count(*)"), doing).await?;
    let column = match listing.sort.column {
        MessageOrder::Id => None,
        MessageOrder::Subject => Some("g.subject"),
        MessageOrder::CreatedAt => Some("g.created_at"),
    };
    let mut sql = select("g.id, g.subject, g.body_text, g.body_html, g.created_at");
    sql.push(order_by(column, "g.id", listing.sort.direction));
    push_page(&mut sql, listing.page);
    let found: Vec<MessageRow<DateTime<Utc>>> = sql
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing))?;
    Ok(Listed {
        items: rows::decoded(found)?,
        total,
    })
}

/// The message, read on `conn` (a pool or a transaction); `NotFound` for none.
async fn message_in<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    id: MessageId,
) -> Result<Message, StoreError> {
    let row: Option<MessageRow<DateTime<Utc>>> = sqlx::query_as(GET_MESSAGE)
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading message {id}")))?;
    found(row, Entity::Message, id.get())
}
