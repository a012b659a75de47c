//! Получатели on SQLite.

use std::collections::hash_map::{Entry, HashMap};

use async_trait::async_trait;
use postpilot_core::domain::{
    Comment, EmailAddress, FullName, NewRecipient, Page, Recipient, RecipientId,
};
use postpilot_core::ports::{Entity, RecipientRepository, StoreError};

use super::codec;
use super::{commit, SqliteStore};
use crate::errors::{backend, decode, is_unique_violation};

/// Rows per multi-row `INSERT` of an import: 3 parameters each, far below
/// SQLite's 32766, and large enough that per-statement overhead vanishes.
const IMPORT_ROWS_PER_STATEMENT: usize = 500;

#[derive(sqlx::FromRow)]
struct RecipientRow {
    id: i64,
    email: String,
    full_name: String,
    comment: String,
}

impl TryFrom<RecipientRow> for Recipient {
    type Error = StoreError;
    fn try_from(row: RecipientRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: RecipientId(row.id),
            email: decode("recipient.email", EmailAddress::parse(&row.email))?,
            full_name: decode("recipient.full_name", FullName::parse(&row.full_name))?,
            comment: decode("recipient.comment", Comment::parse(&row.comment))?,
        })
    }
}

/// Maps a write's failure: a unique violation can only be the email.
fn write_error(doing: &str, new: &NewRecipient) -> impl FnOnce(sqlx::Error) -> StoreError {
    let doing = doing.to_owned();
    let email = new.email.to_string();
    move |err| {
        if is_unique_violation(&err) {
            StoreError::Duplicate {
                entity: Entity::Recipient,
                field: "email",
                value: email,
            }
        } else {
            StoreError::backend(doing, err)
        }
    }
}

fn stored(id: i64, new: &NewRecipient) -> Recipient {
    Recipient {
        id: RecipientId(id),
        email: new.email.clone(),
        full_name: new.full_name.clone(),
        comment: new.comment.clone(),
    }
}

/// `INSERT` of `rows` recipients at once, skipping existing emails and
/// returning the id and email of each row actually inserted.
fn import_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO recipient (email, full_name, comment) VALUES ");
    for i in 0..rows {
        sql.push_str(if i == 0 { "(?, ?, ?)" } else { ", (?, ?, ?)" });
    }
    sql.push_str(" ON CONFLICT (email) DO NOTHING RETURNING id, email");
    sql
}

#[async_trait]
impl RecipientRepository for SqliteStore {
    async fn insert_recipient(&self, new: &NewRecipient) -> Result<Recipient, StoreError> {
        // One statement: SQLite takes the write lock as it starts, so it
        // needs no explicit transaction.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recipient (email, full_name, comment) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(new.email.as_str())
        .bind(new.full_name.as_str())
        .bind(new.comment.as_str())
        .fetch_one(&self.writer)
        .await
        .map_err(write_error("inserting a recipient", new))?;
        Ok(stored(id, new))
    }

    async fn insert_recipients(
        &self,
        rows: &[NewRecipient],
    ) -> Result<Vec<Option<RecipientId>>, StoreError> {
        let mut ids = vec![None; rows.len()];
        // The first row of each email (case-folded) is the one to insert;
        // later ones in the slice stay `None` without reaching SQL.
        let mut first_of: HashMap<String, usize> = HashMap::with_capacity(rows.len());
        let mut to_insert = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if let Entry::Vacant(slot) = first_of.entry(row.email.key()) {
                slot.insert(i);
                to_insert.push(row);
            }
        }
        if to_insert.is_empty() {
            return Ok(ids);
        }
        let doing = "importing recipients";
        let full_sql = import_sql(IMPORT_ROWS_PER_STATEMENT);
        let mut tx = self.write(doing).await?;
        for chunk in to_insert.chunks(IMPORT_ROWS_PER_STATEMENT) {
            let partial_sql;
            let query = if chunk.len() == IMPORT_ROWS_PER_STATEMENT {
                sqlx::query_as::<_, (i64, String)>(&full_sql)
            } else {
                // A last, shorter chunk: not worth a slot in the statement cache.
                partial_sql = import_sql(chunk.len());
                sqlx::query_as::<_, (i64, String)>(&partial_sql).persistent(false)
            };
            let query = chunk.iter().fold(query, |q, row| {
                q.bind(row.email.as_str())
                    .bind(row.full_name.as_str())
                    .bind(row.comment.as_str())
            });
            // RETURNING's order is unspecified: match rows back by email.
            let inserted = query.fetch_all(&mut *tx).await.map_err(backend(doing))?;
            for (id, email) in inserted {
                if let Some(&i) = first_of.get(&email.to_ascii_lowercase()) {
                    ids[i] = Some(RecipientId(id));
                }
            }
        }
        commit(tx, doing).await?;
        Ok(ids)
    }

    async fn get_recipient(&self, id: RecipientId) -> Result<Recipient, StoreError> {
        sqlx::query_as::<_, RecipientRow>(
            "SELECT id, email, full_name, comment FROM recipient WHERE id = ?",
        )
        .bind(id.get())
        .fetch_optional(&self.reader)
        .await
        .map_err(backend(format!("reading recipient {id}")))?
        .ok_or_else(|| StoreError::not_found(Entity::Recipient, id.get()))?
        .try_into()
    }

    async fn list_recipients(&self, page: Page) -> Result<Vec<Recipient>, StoreError> {
        let (limit, offset) = codec::page(page);
        sqlx::query_as::<_, RecipientRow>(
            "SELECT id, email, full_name, comment FROM recipient ORDER BY id LIMIT ? OFFSET ?",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await
        .map_err(backend("listing recipients"))?
        .into_iter()
        .map(Recipient::try_from)
        .collect()
    }

    async fn all_recipient_ids(&self) -> Result<Vec<RecipientId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM recipient ORDER BY id")
            .fetch_all(&self.reader)
            .await
            .map_err(backend("listing recipient ids"))?;
        Ok(ids.into_iter().map(RecipientId).collect())
    }

    async fn update_recipient(
        &self,
        id: RecipientId,
        new: &NewRecipient,
    ) -> Result<Recipient, StoreError> {
        let done =
            sqlx::query("UPDATE recipient SET email = ?, full_name = ?, comment = ? WHERE id = ?")
                .bind(new.email.as_str())
                .bind(new.full_name.as_str())
                .bind(new.comment.as_str())
                .bind(id.get())
                .execute(&self.writer)
                .await
                .map_err(write_error(&format!("updating recipient {id}"), new))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found(Entity::Recipient, id.get()));
        }
        Ok(stored(id.get(), new))
    }

    async fn delete_recipient(&self, id: RecipientId) -> Result<(), StoreError> {
        // The foreign keys do the rest: memberships cascade (the triggers
        // keep each mailing's count), deliveries and attempts keep the email
        // with recipient_id set to NULL.
        let done = sqlx::query("DELETE FROM recipient WHERE id = ?")
            .bind(id.get())
            .execute(&self.writer)
            .await
            .map_err(backend(format!("deleting recipient {id}")))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found(Entity::Recipient, id.get()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::import_sql;

    #[test]
    fn import_sql_has_three_parameters_per_row() {
        let sql = import_sql(2);
        assert_eq!(sql.matches('?').count(), 6);
        assert!(sql.ends_with("RETURNING id, email"));
    }
}
