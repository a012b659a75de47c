//! Рассылки: the transactions every backend runs alike, on a connection
//! the backend has opened a write transaction on (and commits).

use postpilot_core::domain::{
    Mailing, MailingId, MessageId, NewMailing, Page, RecipientId, RecipientIds, RecipientsEdit,
    Window,
};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{json_ids, Dialect, Shared};
use crate::errors::{backend, mailing_write_error};
use crate::query::{self, MAILING_EXISTS, MESSAGE_EXISTS};
use crate::rows::{MailingRow, SELECT_MAILING};

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    MailingRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The mailing, read within `conn`.
    pub(crate) async fn mailing_in<'c, E>(conn: E, id: MailingId) -> Result<Mailing, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::one::<E, MailingRow<DB::Time>, Mailing>(
            conn,
            &format!("{SELECT_MAILING} WHERE id = $1"),
            Entity::Mailing,
            id.get(),
        )
        .await
    }

    /// Checks that the message and every recipient exist, naming the first
    /// missing one (in input order). Returns the recipients as JSON ids.
    pub(crate) async fn check_references(
        conn: &mut DB::Connection,
        message: MessageId,
        recipients: Option<&RecipientIds>,
    ) -> Result<Option<String>, StoreError> {
        Self::exists(&mut *conn, MESSAGE_EXISTS, Entity::Message, message.get()).await?;
        let Some(recipients) = recipients else {
            return Ok(None);
        };
        let ids = json_ids(recipients.as_slice().iter().map(|id| id.get()));
        let missing: Option<i64> = sqlx::query_scalar::<DB, i64>(&format!(
            "SELECT CAST(j.value AS BIGINT) FROM {} \
             WHERE NOT EXISTS (SELECT 1 FROM recipient AS r WHERE r.id = CAST(j.value AS BIGINT)) \
             ORDER BY j.key LIMIT 1",
            DB::json_ids("$1")
        ))
        .bind(ids.clone())
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend("checking the mailing's recipients"))?;
        if let Some(id) = missing {
            return Err(StoreError::not_found(Entity::Recipient, id));
        }
        Ok(Some(ids))
    }

    /// Links the recipients in `json_ids` to the mailing, in one statement.
    pub(crate) async fn link_recipients(
        conn: &mut DB::Connection,
        mailing: MailingId,
        json_ids: String,
    ) -> Result<(), StoreError> {
        sqlx::query::<DB>(&format!(
            "INSERT INTO mailing_recipient (mailing_id, recipient_id) \
             SELECT $1, CAST(j.value AS BIGINT) FROM {}",
            DB::json_ids("$2")
        ))
        .bind(mailing.get())
        .bind(json_ids)
        .execute(conn)
        .await
        .map_err(mailing_write_error(format!(
            "adding the recipients of mailing {mailing}"
        )))?;
        Ok(())
    }

    /// Inserts the mailing with its recipients.
    pub(crate) async fn insert_mailing(
        conn: &mut DB::Connection,
        new: &NewMailing,
    ) -> Result<Mailing, StoreError> {
        let ids =
            Self::check_references(&mut *conn, new.message_id, Some(&new.recipient_ids)).await?;
        let id: i64 = sqlx::query_scalar::<DB, i64>(
            "INSERT INTO mailing (first_sent_at, sent_completed_at, message_id) \
             VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(DB::time(new.window.first_sent_at()))
        .bind(DB::time(new.window.sent_completed_at()))
        .bind(new.message_id.get())
        .fetch_one(&mut *conn)
        .await
        .map_err(mailing_write_error("inserting a mailing".to_owned()))?;
        let id = MailingId(id);
        if let Some(ids) = ids {
            Self::link_recipients(&mut *conn, id, ids).await?;
        }
        Self::mailing_in(&mut *conn, id).await
    }

    /// Replaces window and message, and the recipients unless `Keep`, after
    /// checking every reference (so a refusal changes nothing).
    pub(crate) async fn update_mailing(
        conn: &mut DB::Connection,
        id: MailingId,
        window: Window,
        message_id: MessageId,
        recipients: &RecipientsEdit,
    ) -> Result<Mailing, StoreError> {
        let doing = format!("updating mailing {id}");
        Self::exists(&mut *conn, MAILING_EXISTS, Entity::Mailing, id.get()).await?;
        let replacement = match recipients {
            RecipientsEdit::Keep => None,
            RecipientsEdit::Replace(ids) => Some(ids),
        };
        let ids = Self::check_references(&mut *conn, message_id, replacement).await?;
        sqlx::query::<DB>(
            "UPDATE mailing SET first_sent_at = $1, sent_completed_at = $2, message_id = $3 \
             WHERE id = $4",
        )
        .bind(DB::time(window.first_sent_at()))
        .bind(DB::time(window.sent_completed_at()))
        .bind(message_id.get())
        .bind(id.get())
        .execute(&mut *conn)
        .await
        .map_err(mailing_write_error(doing.clone()))?;
        if let Some(ids) = ids {
            sqlx::query::<DB>(query::REMOVE_MAILING_RECIPIENTS)
                .bind(id.get())
                .execute(&mut *conn)
                .await
                .map_err(backend(doing))?;
            Self::link_recipients(&mut *conn, id, ids).await?;
        }
        Self::mailing_in(&mut *conn, id).await
    }

    /// The mailing's recipients, ascending, or `NotFound`; `conn` should hold
    /// one snapshot for both reads.
    pub(crate) async fn mailing_recipient_ids(
        conn: &mut DB::Connection,
        id: MailingId,
    ) -> Result<Vec<RecipientId>, StoreError> {
        Self::exists(&mut *conn, MAILING_EXISTS, Entity::Mailing, id.get()).await?;
        let ids: Vec<i64> = sqlx::query_scalar::<DB, i64>(query::MAILING_RECIPIENT_IDS)
            .bind(id.get())
            .fetch_all(&mut *conn)
            .await
            .map_err(backend(format!("listing the recipients of mailing {id}")))?;
        Ok(ids.into_iter().map(RecipientId).collect())
    }

    /// Mailings ordered by id.
    pub(crate) async fn list_mailings<'c, E>(
        conn: E,
        page: Page,
    ) -> Result<Vec<Mailing>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::page::<E, MailingRow<DB::Time>, Mailing>(
            conn,
            SELECT_MAILING,
            page,
            "listing mailings",
        )
        .await
    }
}
