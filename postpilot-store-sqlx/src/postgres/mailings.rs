//! Mailings on PostgreSQL (`MailingRepository`): the method bodies, every
//! write in one transaction taking turns with other counted writes (see
//! `mod.rs`); the statements are `sql/mailings.rs`, but for linking
//! recipients named by id. Adding and removing recipients: `members.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Listed, Listing, Mailing, MailingId, MailingOrder, MessageId, NewMailing, Page, RecipientId,
    RecipientPage, RecipientsEdit, Search, Selection, UserId, Window,
};
use postpilot_core::ports::{Entity, MailingRepository, Scoped, StoreError};
use sqlx::{PgConnection, Postgres};

use super::members::{add_members, check_recipients, recipient_page, remove_members};
use super::{commit, number, PgStore};
use crate::dialect::PageQuery;
use crate::errors::{backend, mailing_write_error};
use crate::rows::{self, changed, found, MailingRow, MailingSubjectRow};
use crate::sql::mailings as sql;
use crate::sql::members::Holder;

#[async_trait]
impl MailingRepository for PgStore {
    async fn insert_mailing(&self, new: &NewMailing) -> Result<Mailing, StoreError> {
        let doing = "inserting a mailing";
        let mut tx = self.counted(doing).await?;
        // What it names must be this handle's to change (ARCHITECTURE.md,
        // "Users and ownership").
        let owners = self.owners();
        check_message(&mut tx, new.message_id, owners.changes).await?;
        let ids = check_recipients(&mut tx, &new.recipient_ids, owners.changes).await?;
        let window = Times::of(new.window);
        let id: i64 = sqlx::query_scalar(sql::INSERT_MAILING)
            .bind(window.first_sent_at)
            .bind(window.sent_completed_at)
            .bind(new.message_id.get())
            .bind(owners.new_owner)
            .fetch_one(&mut *tx)
            .await
            .map_err(mailing_write_error(doing.to_owned()))?;
        let id = MailingId(id);
        link_recipients(&mut tx, id, ids).await?;
        let mailing = mailing_in(&mut *tx, id, None).await?;
        commit(tx, doing).await?;
        Ok(mailing)
    }

    async fn get_mailing(&self, id: MailingId) -> Result<Mailing, StoreError> {
        mailing_in(&self.pool, id, self.owners().sees).await
    }

    async fn list_mailings(&self, page: Page) -> Result<Vec<Mailing>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<MailingRow<DateTime<Utc>>> = sqlx::query_as(sql::LIST_MAILINGS)
            .bind(limit)
            .bind(offset)
            .bind(self.owners().sees)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("listing mailings"))?;
        rows::decoded(found)
    }

    async fn find_mailings(
        &self,
        listing: &Listing<MailingOrder>,
    ) -> Result<Listed<(Mailing, String)>, StoreError> {
        let mut tx = self.snapshot("listing mailings").await?;
        find_mailings(&mut tx, listing, self.owners().sees).await
    }

    async fn mailing_recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>, StoreError> {
        let doing = format!("listing the recipients of mailing {id}");
        // One snapshot for both reads.
        let mut tx = self.snapshot(&doing).await?;
        mailing_in(&mut *tx, id, self.owners().sees).await?;
        let ids: Vec<i64> = sqlx::query_scalar(sql::MAILING_RECIPIENT_IDS)
            .bind(id.get())
            .fetch_all(&mut *tx)
            .await
            .map_err(backend(doing))?;
        Ok(ids.into_iter().map(RecipientId).collect())
    }

    async fn mailing_recipients<'a>(
        &self,
        id: MailingId,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        let doing = format!("listing the recipients of mailing {id}");
        let mut tx = self.snapshot(&doing).await?;
        let holder = (Holder::Mailing(id), self.owners().sees);
        recipient_page(&mut tx, Some(holder), None, search, page, &doing).await
    }

    async fn add_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        let doing = format!("adding recipients to mailing {id}");
        let mut tx = self.counted(&doing).await?;
        let added = add_members(&mut tx, Holder::Mailing(id), which, self.owners()).await?;
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
        let removed = remove_members(&mut tx, Holder::Mailing(id), which, self.owners()).await?;
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
        // Every reference is checked first, so a refusal changes nothing.
        let changes = self.owners().changes;
        mailing_in(&mut *tx, id, changes).await?;
        check_message(&mut tx, message_id, changes).await?;
        let replacement = match recipients {
            RecipientsEdit::Keep => None,
            RecipientsEdit::Replace(ids) => Some(check_recipients(&mut tx, ids, changes).await?),
        };
        let window = Times::of(window);
        sqlx::query(sql::UPDATE_MAILING)
            .bind(window.first_sent_at)
            .bind(window.sent_completed_at)
            .bind(message_id.get())
            .bind(id.get())
            .bind(changes)
            .execute(&mut *tx)
            .await
            .map_err(mailing_write_error(doing.clone()))?;
        if let Some(ids) = replacement {
            sqlx::query(sql::CLEAR_RECIPIENTS)
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
            link_recipients(&mut tx, id, ids).await?;
        }
        let mailing = mailing_in(&mut *tx, id, None).await?;
        commit(tx, &doing).await?;
        Ok(mailing)
    }

    async fn set_mailing_disabled(
        &self,
        id: MailingId,
        at: Option<DateTime<Utc>>,
    ) -> Result<Mailing, StoreError> {
        // A moderation: within what the handle sees (a manager's view).
        let sees = self.owners().sees;
        let row: Option<MailingRow<DateTime<Utc>>> = match at {
            Some(at) => sqlx::query_as(sql::DISABLE_MAILING)
                .bind(at)
                .bind(self.scope().actor.map(UserId::get))
                .bind(id.get())
                .bind(sees),
            None => sqlx::query_as(sql::ENABLE_MAILING)
                .bind(id.get())
                .bind(sees),
        }
        .fetch_optional(&self.pool)
        .await
        .map_err(backend(format!("disabling or enabling mailing {id}")))?;
        found(row, Entity::Mailing, id.get())
    }

    async fn delete_mailing(&self, id: MailingId) -> Result<(), StoreError> {
        // Runs go by ON DELETE CASCADE; their deliveries and attempts, and
        // the memberships, by statement triggers (the memberships' counts).
        let doing = format!("deleting mailing {id}");
        let mut tx = self.counted(&doing).await?;
        let done = sqlx::query(sql::DELETE_MAILING)
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        changed(done.rows_affected(), Entity::Mailing, id.get())?;
        commit(tx, &doing).await
    }

    async fn due_mailings(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailingId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(sql::DUE_MAILINGS)
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("listing mailings due to be sent"))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }
}

/// A mailing's window as PostgreSQL stores it.
struct Times {
    first_sent_at: DateTime<Utc>,
    sent_completed_at: DateTime<Utc>,
}

impl Times {
    fn of(window: Window) -> Self {
        Self {
            first_sent_at: window.first_sent_at(),
            sent_completed_at: window.sent_completed_at(),
        }
    }
}

/// The mailing if `owner`'s (`None`: anyone's), read on `conn` (a pool or
/// a transaction); `NotFound` for none.
async fn mailing_in<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    id: MailingId,
    owner: Option<i64>,
) -> Result<Mailing, StoreError> {
    let row: Option<MailingRow<DateTime<Utc>>> = sqlx::query_as(sql::GET_MAILING)
        .bind(id.get())
        .bind(owner)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading mailing {id}")))?;
    found(row, Entity::Mailing, id.get())
}

/// `NotFound` unless the message exists and is `owner`'s (`None`: anyone's).
async fn check_message(
    conn: &mut PgConnection,
    id: MessageId,
    owner: Option<i64>,
) -> Result<(), StoreError> {
    let row: Option<i64> = sqlx::query_scalar(sql::MESSAGE_EXISTS)
        .bind(id.get())
        .bind(owner)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("looking up message {id}")))?;
    row.map(|_| ())
        .ok_or_else(|| StoreError::not_found(Entity::Message, id.get()))
}

/// Links the recipients in `json_ids` (a JSON array) to the mailing, in
/// one statement.
async fn link_recipients(
    conn: &mut PgConnection,
    mailing: MailingId,
    json_ids: String,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO mailing_recipient (mailing_id, recipient_id) \
         SELECT $1, CAST(j.value AS BIGINT) \
         FROM jsonb_array_elements(CAST($2 AS jsonb)) AS j (value)",
    )
    .bind(mailing.get())
    .bind(json_ids)
    .execute(conn)
    .await
    .map_err(mailing_write_error(format!(
        "adding the recipients of mailing {mailing}"
    )))?;
    Ok(())
}

/// Mailings whose message's subject the search finds (or whose number it
/// is), in the listing's order, each with that subject, and how many it
/// finds; on one snapshot.
async fn find_mailings(
    conn: &mut PgConnection,
    listing: &Listing<MailingOrder>,
    owner: Option<i64>,
) -> Result<Listed<(Mailing, String)>, StoreError> {
    let doing = "listing mailings";
    let PageQuery { count, mut page } = sql::find::<Postgres>(listing, owner);
    let total = number(conn, count, doing).await?;
    let found: Vec<MailingSubjectRow<DateTime<Utc>>> = page
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing))?;
    Ok(Listed {
        items: rows::decoded(found)?,
        total,
    })
}
