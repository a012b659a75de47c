//! Получатели: what every backend runs alike. The part of an import all
//! backends share (which rows reach SQL, and matching what SQL inserted back
//! to the input order), and the statements whose SQL is the same.

use std::collections::hash_map::{Entry, HashMap};

use postpilot_core::domain::{EmailAddress, NewRecipient, Page, Recipient, RecipientId};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{Dialect, Shared};
use crate::errors::{backend, recipient_write_error};
use crate::query::UPDATE_RECIPIENT;
use crate::rows::{stored_recipient, RecipientRow, SELECT_RECIPIENT};

/// The ids of one import found so far.
#[derive(Debug)]
pub(crate) struct ImportPlan {
    /// In input order: the new id, or `None` for an email that already existed.
    pub(crate) ids: Vec<Option<RecipientId>>,
    first_of: HashMap<String, usize>,
    /// The input position of each row to insert.
    order: Vec<usize>,
}

impl ImportPlan {
    /// The plan, and the rows to insert: the first row of each email
    /// (case-folded), in input order; later ones stay `None` without
    /// reaching SQL.
    pub(crate) fn new(rows: &[NewRecipient]) -> (Self, Vec<&NewRecipient>) {
        let mut first_of = HashMap::with_capacity(rows.len());
        let mut to_insert = Vec::with_capacity(rows.len());
        let mut order = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if let Entry::Vacant(slot) = first_of.entry(row.email.key()) {
                slot.insert(i);
                to_insert.push(row);
                order.push(i);
            }
        }
        let plan = Self {
            ids: vec![None; rows.len()],
            first_of,
            order,
        };
        (plan, to_insert)
    }

    /// Notes that the `count` rows to insert from position `start` on got
    /// the ids from `first` on, one after another.
    pub(crate) fn inserted_in_order(&mut self, start: usize, count: usize, first: i64) {
        for (&i, id) in self.order[start..start + count].iter().zip(first..) {
            self.ids[i] = Some(RecipientId(id));
        }
    }

    /// Notes rows SQL inserted, as `(id, email)` in any order (that of
    /// `RETURNING` is unspecified).
    pub(crate) fn inserted(&mut self, rows: impl IntoIterator<Item = (i64, String)>) {
        for (id, email) in rows {
            if let Some(&i) = self.first_of.get(&email.to_ascii_lowercase()) {
                self.ids[i] = Some(RecipientId(id));
            }
        }
    }
}

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    RecipientRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The recipient, read within `conn`.
    pub(crate) async fn get_recipient<'c, E>(
        conn: E,
        id: RecipientId,
    ) -> Result<Recipient, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::one::<E, RecipientRow, Recipient>(
            conn,
            &format!("{SELECT_RECIPIENT} WHERE id = $1"),
            Entity::Recipient,
            id.get(),
        )
        .await
    }

    /// Recipients ordered by id.
    pub(crate) async fn list_recipients<'c, E>(
        conn: E,
        page: Page,
    ) -> Result<Vec<Recipient>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::page::<E, RecipientRow, Recipient>(conn, SELECT_RECIPIENT, page, "listing recipients")
            .await
    }

    /// Every recipient id, ascending.
    pub(crate) async fn all_recipient_ids<'c, E>(conn: E) -> Result<Vec<RecipientId>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let ids: Vec<i64> = sqlx::query_scalar::<DB, i64>("SELECT id FROM recipient ORDER BY id")
            .fetch_all(conn)
            .await
            .map_err(backend("listing recipient ids"))?;
        Ok(ids.into_iter().map(RecipientId).collect())
    }

    /// The id of each email's recipient (any letter case), in input order.
    pub(crate) async fn recipient_ids_by_email<'c, E>(
        conn: E,
        emails: &[EmailAddress],
    ) -> Result<Vec<Option<RecipientId>>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB> + Copy,
        (i64, String): for<'r> sqlx::FromRow<'r, DB::Row>,
    {
        /// Emails looked up per statement, well under every backend's
        /// limit on bound values.
        const PER_STATEMENT: usize = 1000;
        let mut found = HashMap::with_capacity(emails.len());
        for chunk in emails.chunks(PER_STATEMENT) {
            let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT id, lower(email) FROM recipient WHERE lower(email) IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query_as::<DB, (i64, String)>(&sql);
            for email in chunk {
                query = query.bind(email.key());
            }
            let rows = query
                .fetch_all(conn)
                .await
                .map_err(backend("finding recipients by email"))?;
            found.extend(rows.into_iter().map(|(id, email)| (email, id)));
        }
        Ok(emails
            .iter()
            .map(|e| found.get(&e.key()).copied().map(RecipientId))
            .collect())
    }

    /// Replaces every field, or `NotFound`; `Duplicate` when the new email
    /// belongs to another recipient.
    pub(crate) async fn update_recipient<'c, E>(
        conn: E,
        id: RecipientId,
        new: &NewRecipient,
    ) -> Result<Recipient, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let done = sqlx::query::<DB>(UPDATE_RECIPIENT)
            .bind(new.email.as_str())
            .bind(new.full_name.as_str())
            .bind(new.comment.as_str())
            .bind(id.get())
            .execute(conn)
            .await
            .map_err(recipient_write_error(
                &format!("updating recipient {id}"),
                new,
            ))?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::not_found(Entity::Recipient, id.get()));
        }
        Ok(stored_recipient(id.get(), new))
    }
}
