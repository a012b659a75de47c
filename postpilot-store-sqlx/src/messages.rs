//! Сообщения: the statements every backend runs alike, within a
//! transaction (or on a pool) the backend provides.

use postpilot_core::domain::{MailingId, Message, MessageId, NewMessage, Page};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{Dialect, Shared};
use crate::errors::{backend, message_delete_error, message_in_use};
use crate::query::{DELETE_MESSAGE, MAILING_OF_MESSAGE, UPDATE_MESSAGE};
use crate::rows::{MessageRow, SELECT_MESSAGE};

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    MessageRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The message, read within `conn`.
    pub(crate) async fn message_in<'c, E>(conn: E, id: MessageId) -> Result<Message, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::one::<E, MessageRow<DB::Time>, Message>(
            conn,
            &format!("{SELECT_MESSAGE} WHERE id = $1"),
            Entity::Message,
            id.get(),
        )
        .await
    }

    /// The launched mailings of the message, by id.
    pub(crate) async fn mailings_sent_with<'c, E>(
        conn: E,
        id: MessageId,
    ) -> Result<Vec<MailingId>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::mailings_of(
            conn,
            "SELECT id FROM mailing WHERE message_id = $1 AND launched_at IS NOT NULL ORDER BY id",
            id,
            "sent",
        )
        .await
    }

    /// The mailings whose message this is, sent or not.
    pub(crate) async fn mailings_using<'c, E>(
        conn: E,
        id: MessageId,
    ) -> Result<Vec<MailingId>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::mailings_of(
            conn,
            "SELECT id FROM mailing WHERE message_id = $1 ORDER BY id",
            id,
            "use",
        )
        .await
    }

    /// The ids `sql` selects for message `id` (`$1`); `how` says which
    /// in an error.
    async fn mailings_of<'c, E>(
        conn: E,
        sql: &'static str,
        id: MessageId,
        how: &str,
    ) -> Result<Vec<MailingId>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let ids: Vec<i64> = sqlx::query_scalar::<DB, i64>(sql)
            .bind(id.get())
            .fetch_all(conn)
            .await
            .map_err(backend(format!(
                "listing the mailings that {how} message {id}"
            )))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }

    /// Messages ordered by id.
    pub(crate) async fn list_messages<'c, E>(
        conn: E,
        page: Page,
    ) -> Result<Vec<Message>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::page::<E, MessageRow<DB::Time>, Message>(
            conn,
            SELECT_MESSAGE,
            page,
            "listing messages",
        )
        .await
    }

    /// Updates the message, or `NotFound`; returns it as stored.
    pub(crate) async fn update_message(
        conn: &mut DB::Connection,
        id: MessageId,
        new: &NewMessage,
    ) -> Result<Message, StoreError> {
        let done = sqlx::query::<DB>(UPDATE_MESSAGE)
            .bind(new.subject.as_str())
            .bind(new.body_text.as_str())
            .bind(new.body_html.as_ref().map(|h| h.as_str()))
            .bind(id.get())
            .execute(&mut *conn)
            .await
            .map_err(backend(format!("updating message {id}")))?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::not_found(Entity::Message, id.get()));
        }
        Self::message_in(&mut *conn, id).await
    }

    /// Deletes the message unless a mailing uses it (`InUse`, naming the
    /// first such mailing), or `NotFound`.
    pub(crate) async fn delete_unused_message(
        conn: &mut DB::Connection,
        id: MessageId,
    ) -> Result<(), StoreError> {
        let doing = format!("deleting message {id}");
        // Name the mailing in the way, which the foreign key error cannot.
        let user: Option<i64> = sqlx::query_scalar::<DB, i64>(MAILING_OF_MESSAGE)
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend(doing.clone()))?;
        if let Some(mailing) = user {
            return Err(message_in_use(id, &format!("mailing {mailing}")));
        }
        let done = sqlx::query::<DB>(DELETE_MESSAGE)
            .bind(id.get())
            .execute(&mut *conn)
            .await
            .map_err(message_delete_error(doing, id))?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::not_found(Entity::Message, id.get()));
        }
        Ok(())
    }
}
