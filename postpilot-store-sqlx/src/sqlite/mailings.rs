//! Рассылки on SQLite.

use async_trait::async_trait;
use postpilot_core::domain::{
    Mailing, MailingId, MessageId, NewMailing, Page, RecipientId, RecipientIds, RecipientsEdit,
    Window,
};
use postpilot_core::ports::{Entity, MailingRepository, StoreError};
use sqlx::{Sqlite, SqliteConnection};

use super::codec::{self, count, json_ids, micros, opt_time, time};
use super::{commit, SqliteStore};
use crate::errors::{backend, is_foreign_key_violation};

const SELECT_MAILING: &str = "SELECT id, first_sent_at, sent_completed_at, message_id, \
     recipient_count, launched_at FROM mailing";

#[derive(sqlx::FromRow)]
struct MailingRow {
    id: i64,
    first_sent_at: i64,
    sent_completed_at: i64,
    message_id: i64,
    recipient_count: i64,
    launched_at: Option<i64>,
}

impl TryFrom<MailingRow> for Mailing {
    type Error = StoreError;
    fn try_from(row: MailingRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: MailingId(row.id),
            first_sent_at: time("mailing.first_sent_at", row.first_sent_at)?,
            sent_completed_at: time("mailing.sent_completed_at", row.sent_completed_at)?,
            message_id: MessageId(row.message_id),
            recipient_count: count("mailing.recipient_count", row.recipient_count)?,
            launched_at: opt_time("mailing.launched_at", row.launched_at)?,
        })
    }
}

/// The mailing, read within `conn` (a transaction or a pool).
async fn mailing_in<'c, E>(conn: E, id: MailingId) -> Result<Mailing, StoreError>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    sqlx::query_as::<_, MailingRow>(&format!("{SELECT_MAILING} WHERE id = ?"))
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading mailing {id}")))?
        .ok_or_else(|| StoreError::not_found(Entity::Mailing, id.get()))?
        .try_into()
}

/// `NotFound` unless the row exists. `sql` selects by one id parameter.
async fn ensure(
    conn: &mut SqliteConnection,
    sql: &'static str,
    entity: Entity,
    id: i64,
) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar(sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("looking up {entity} {id}")))?;
    found
        .map(drop)
        .ok_or_else(|| StoreError::not_found(entity, id))
}

/// Checks that the message and every recipient exist, naming the first
/// missing one (in input order). Returns the recipients as `json_ids`.
async fn check_references(
    conn: &mut SqliteConnection,
    message: MessageId,
    recipients: Option<&RecipientIds>,
) -> Result<Option<String>, StoreError> {
    ensure(
        conn,
        "SELECT 1 FROM message WHERE id = ?",
        Entity::Message,
        message.get(),
    )
    .await?;
    let Some(recipients) = recipients else {
        return Ok(None);
    };
    let ids = json_ids(recipients.as_slice().iter().map(|id| id.get()));
    let missing: Option<i64> = sqlx::query_scalar(
        "SELECT j.value FROM json_each(?) AS j \
         WHERE NOT EXISTS (SELECT 1 FROM recipient AS r WHERE r.id = j.value) \
         ORDER BY j.key LIMIT 1",
    )
    .bind(&ids)
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend("checking the mailing's recipients"))?;
    if let Some(id) = missing {
        return Err(StoreError::not_found(Entity::Recipient, id));
    }
    Ok(Some(ids))
}

/// Links the recipients in `json_ids` to the mailing, in one statement.
async fn add_recipients(
    conn: &mut SqliteConnection,
    mailing: MailingId,
    json_ids: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO mailing_recipient (mailing_id, recipient_id) \
         SELECT ?, value FROM json_each(?)",
    )
    .bind(mailing.get())
    .bind(json_ids)
    .execute(conn)
    .await
    .map_err(fk_or_backend(format!(
        "adding the recipients of mailing {mailing}"
    )))?;
    Ok(())
}

/// The checks above make foreign key failures unreachable; should one occur
/// anyway, it is still reported as something missing rather than a crash.
fn fk_or_backend(doing: String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |err| {
        if is_foreign_key_violation(&err) {
            StoreError::backend(format!("{doing}: a message or recipient is missing"), err)
        } else {
            StoreError::backend(doing, err)
        }
    }
}

#[async_trait]
impl MailingRepository for SqliteStore {
    async fn insert_mailing(&self, new: &NewMailing) -> Result<Mailing, StoreError> {
        let doing = "inserting a mailing";
        let mut tx = self.write(doing).await?;
        let ids = check_references(&mut tx, new.message_id, Some(&new.recipient_ids)).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mailing (first_sent_at, sent_completed_at, message_id) \
             VALUES (?, ?, ?) RETURNING id",
        )
        .bind(micros(new.window.first_sent_at()))
        .bind(micros(new.window.sent_completed_at()))
        .bind(new.message_id.get())
        .fetch_one(&mut *tx)
        .await
        .map_err(fk_or_backend(doing.to_owned()))?;
        let id = MailingId(id);
        if let Some(ids) = ids {
            add_recipients(&mut tx, id, &ids).await?;
        }
        let mailing = mailing_in(&mut *tx, id).await?;
        commit(tx, doing).await?;
        Ok(mailing)
    }

    async fn get_mailing(&self, id: MailingId) -> Result<Mailing, StoreError> {
        mailing_in(&self.reader, id).await
    }

    async fn list_mailings(&self, page: Page) -> Result<Vec<Mailing>, StoreError> {
        let (limit, offset) = codec::page(page);
        sqlx::query_as::<_, MailingRow>(&format!("{SELECT_MAILING} ORDER BY id LIMIT ? OFFSET ?"))
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.reader)
            .await
            .map_err(backend("listing mailings"))?
            .into_iter()
            .map(Mailing::try_from)
            .collect()
    }

    async fn mailing_recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>, StoreError> {
        let doing = format!("listing the recipients of mailing {id}");
        // One snapshot for both reads.
        let mut tx = self.reader.begin().await.map_err(backend(doing.clone()))?;
        ensure(
            &mut tx,
            "SELECT 1 FROM mailing WHERE id = ?",
            Entity::Mailing,
            id.get(),
        )
        .await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT recipient_id FROM mailing_recipient WHERE mailing_id = ? ORDER BY recipient_id",
        )
        .bind(id.get())
        .fetch_all(&mut *tx)
        .await
        .map_err(backend(doing))?;
        Ok(ids.into_iter().map(RecipientId).collect())
    }

    async fn update_mailing(
        &self,
        id: MailingId,
        window: Window,
        message_id: MessageId,
        recipients: &RecipientsEdit,
    ) -> Result<Mailing, StoreError> {
        let doing = format!("updating mailing {id}");
        let mut tx = self.write(&doing).await?;
        ensure(
            &mut tx,
            "SELECT 1 FROM mailing WHERE id = ?",
            Entity::Mailing,
            id.get(),
        )
        .await?;
        let replacement = match recipients {
            RecipientsEdit::Keep => None,
            RecipientsEdit::Replace(ids) => Some(ids),
        };
        // Check everything before changing anything.
        let ids = check_references(&mut tx, message_id, replacement).await?;
        sqlx::query(
            "UPDATE mailing SET first_sent_at = ?, sent_completed_at = ?, message_id = ? \
             WHERE id = ?",
        )
        .bind(micros(window.first_sent_at()))
        .bind(micros(window.sent_completed_at()))
        .bind(message_id.get())
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(fk_or_backend(doing.clone()))?;
        if let Some(ids) = ids {
            sqlx::query("DELETE FROM mailing_recipient WHERE mailing_id = ?")
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
            add_recipients(&mut tx, id, &ids).await?;
        }
        let mailing = mailing_in(&mut *tx, id).await?;
        commit(tx, &doing).await?;
        Ok(mailing)
    }

    async fn delete_mailing(&self, id: MailingId) -> Result<(), StoreError> {
        // Runs, deliveries, attempts and memberships go by ON DELETE CASCADE.
        let done = sqlx::query("DELETE FROM mailing WHERE id = ?")
            .bind(id.get())
            .execute(&self.writer)
            .await
            .map_err(backend(format!("deleting mailing {id}")))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found(Entity::Mailing, id.get()));
        }
        Ok(())
    }
}
