//! Mailings on SQLite (`MailingRepository`): their SQL and its method
//! bodies; every write in one transaction under SQLite's write lock. Adding
//! and removing recipients: `members.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Listed, Listing, Mailing, MailingId, MailingOrder, MessageId, NewMailing, Page, RecipientId,
    RecipientPage, RecipientsEdit, Search, Selection, Window,
};
use postpilot_core::ports::{Entity, MailingRepository, StoreError};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::codec::micros;
use super::members::{add_members, check_recipients, recipient_page, remove_members, Owner};
use super::pages::{number, push_page};
use super::search::push_subject_matching;
use super::{commit, SqliteStore};
use crate::errors::{backend, mailing_write_error};
use crate::listing::{mailing_number, order_by};
use crate::rows::{self, changed, found, MailingRow, MailingSubjectRow};

/// The mailing `?1`.
const GET_MAILING: &str = "SELECT id, first_sent_at, sent_completed_at, message_id, \
     recipient_count, launched_at FROM mailing WHERE id = ?1";

#[async_trait]
impl MailingRepository for SqliteStore {
    async fn insert_mailing(&self, new: &NewMailing) -> Result<Mailing, StoreError> {
        let doing = "inserting a mailing";
        let mut tx = self.write(doing).await?;
        check_message(&mut tx, new.message_id).await?;
        let ids = check_recipients(&mut tx, &new.recipient_ids).await?;
        let window = Times::of(new.window);
        // ?1 first send time, ?2 end of the window, ?3 the message.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mailing (first_sent_at, sent_completed_at, message_id) \
             VALUES (?1, ?2, ?3) RETURNING id",
        )
        .bind(window.first_sent_at)
        .bind(window.sent_completed_at)
        .bind(new.message_id.get())
        .fetch_one(&mut *tx)
        .await
        .map_err(mailing_write_error(doing.to_owned()))?;
        let id = MailingId(id);
        link_recipients(&mut tx, id, ids).await?;
        let mailing = mailing_in(&mut *tx, id).await?;
        commit(tx, doing).await?;
        Ok(mailing)
    }

    async fn get_mailing(&self, id: MailingId) -> Result<Mailing, StoreError> {
        mailing_in(&self.reader, id).await
    }

    async fn list_mailings(&self, page: Page) -> Result<Vec<Mailing>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<MailingRow<i64>> = sqlx::query_as(
            "SELECT id, first_sent_at, sent_completed_at, message_id, recipient_count, \
             launched_at FROM mailing ORDER BY id LIMIT ?1 OFFSET ?2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await
        .map_err(backend("listing mailings"))?;
        rows::decoded(found)
    }

    async fn find_mailings(
        &self,
        listing: &Listing<MailingOrder>,
    ) -> Result<Listed<(Mailing, String)>, StoreError> {
        let mut tx = self.snapshot("listing mailings").await?;
        find_mailings(&mut tx, listing).await
    }

    async fn mailing_recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>, StoreError> {
        let doing = format!("listing the recipients of mailing {id}");
        // One snapshot for both reads.
        let mut tx = self.snapshot(&doing).await?;
        mailing_in(&mut *tx, id).await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT recipient_id FROM mailing_recipient WHERE mailing_id = ?1 \
             ORDER BY recipient_id",
        )
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
        recipient_page(&mut tx, Some(Owner::Mailing(id)), search, page, &doing).await
    }

    async fn add_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        let doing = format!("adding recipients to mailing {id}");
        let mut tx = self.write(&doing).await?;
        let added = add_members(&mut tx, Owner::Mailing(id), which).await?;
        commit(tx, &doing).await?;
        Ok(added)
    }

    async fn remove_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError> {
        let doing = format!("removing recipients from mailing {id}");
        let mut tx = self.write(&doing).await?;
        let removed = remove_members(&mut tx, Owner::Mailing(id), which).await?;
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
        let mut tx = self.write(&doing).await?;
        // Every reference is checked first, so a refusal changes nothing.
        mailing_in(&mut *tx, id).await?;
        check_message(&mut tx, message_id).await?;
        let replacement = match recipients {
            RecipientsEdit::Keep => None,
            RecipientsEdit::Replace(ids) => Some(check_recipients(&mut tx, ids).await?),
        };
        let window = Times::of(window);
        sqlx::query(
            "UPDATE mailing SET first_sent_at = ?1, sent_completed_at = ?2, message_id = ?3 \
             WHERE id = ?4",
        )
        .bind(window.first_sent_at)
        .bind(window.sent_completed_at)
        .bind(message_id.get())
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(mailing_write_error(doing.clone()))?;
        if let Some(ids) = replacement {
            sqlx::query("DELETE FROM mailing_recipient WHERE mailing_id = ?1")
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
            link_recipients(&mut tx, id, ids).await?;
        }
        let mailing = mailing_in(&mut *tx, id).await?;
        commit(tx, &doing).await?;
        Ok(mailing)
    }

    async fn delete_mailing(&self, id: MailingId) -> Result<(), StoreError> {
        // Runs, deliveries, attempts and memberships go by ON DELETE CASCADE.
        let done = sqlx::query("DELETE FROM mailing WHERE id = ?1")
            .bind(id.get())
            .execute(&self.writer)
            .await
            .map_err(backend(format!("deleting mailing {id}")))?;
        changed(done.rows_affected(), Entity::Mailing, id.get())
    }

    async fn due_mailings(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailingId>, StoreError> {
        // ?1 now, ?2 how many.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM mailing WHERE launched_at IS NULL \
             AND first_sent_at <= ?1 AND sent_completed_at > ?1 \
             ORDER BY first_sent_at, id LIMIT ?2",
        )
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(backend("listing mailings due to be sent"))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }
}

/// A mailing's window as SQLite stores it.
struct Times {
    first_sent_at: i64,
    sent_completed_at: i64,
}

impl Times {
    fn of(window: Window) -> Self {
        Self {
            first_sent_at: micros(window.first_sent_at()),
            sent_completed_at: micros(window.sent_completed_at()),
        }
    }
}

/// The mailing, read on `conn` (a pool or a transaction); `NotFound` for none.
async fn mailing_in<'c>(
    conn: impl sqlx::Executor<'c, Database = Sqlite>,
    id: MailingId,
) -> Result<Mailing, StoreError> {
    let row: Option<MailingRow<i64>> = sqlx::query_as(GET_MAILING)
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading mailing {id}")))?;
    found(row, Entity::Mailing, id.get())
}

/// `NotFound` unless the message exists.
async fn check_message(conn: &mut SqliteConnection, id: MessageId) -> Result<(), StoreError> {
    let row: Option<i64> = sqlx::query_scalar("SELECT id FROM message WHERE id = ?1")
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("looking up message {id}")))?;
    row.map(|_| ())
        .ok_or_else(|| StoreError::not_found(Entity::Message, id.get()))
}

/// Links the recipients in `json_ids` (a JSON array) to the mailing, in
/// one statement.
async fn link_recipients(
    conn: &mut SqliteConnection,
    mailing: MailingId,
    json_ids: String,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO mailing_recipient (mailing_id, recipient_id) \
         SELECT ?1, CAST(j.value AS BIGINT) FROM json_each(?2) AS j",
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
    conn: &mut SqliteConnection,
    listing: &Listing<MailingOrder>,
) -> Result<Listed<(Mailing, String)>, StoreError> {
    let doing = "listing mailings";
    let select = |columns: &str| {
        let mut sql = QueryBuilder::new(format!(
            "SELECT {columns} FROM mailing AS m JOIN message AS g ON g.id = m.message_id"
        ));
        if let Some(search) = &listing.search {
            sql.push(" WHERE (");
            push_subject_matching(&mut sql, "g.subject", search);
            sql.push(" OR m.id = ")
                .push_bind(mailing_number(search))
                .push(")");
        }
        sql
    };
    let total = number(conn, select("count(*)"), doing).await?;
    let column = match listing.sort.column {
        MailingOrder::Id => None,
        MailingOrder::Subject => Some("g.subject"),
        MailingOrder::FirstSentAt => Some("m.first_sent_at"),
        MailingOrder::SentCompletedAt => Some("m.sent_completed_at"),
        MailingOrder::RecipientCount => Some("m.recipient_count"),
    };
    let mut sql = select(
        "m.id, m.first_sent_at, m.sent_completed_at, m.message_id, m.recipient_count, \
         m.launched_at, g.subject",
    );
    sql.push(order_by(column, "m.id", listing.sort.direction));
    push_page(&mut sql, listing.page);
    let found: Vec<MailingSubjectRow<i64>> = sql
        .build_query_as()
        .fetch_all(conn)
        .await
        .map_err(backend(doing))?;
    Ok(Listed {
        items: rows::decoded(found)?,
        total,
    })
}
