//! Unsubscribed and bouncing recipients: the statements every backend runs
//! alike, and the secret of the unsubscribe links. Launches leave suppressed
//! recipients out (`runs.rs`, `launch_run`).

use chrono::{DateTime, Utc};
use postpilot_core::domain::{Page, Recipient, RecipientId, Suppression, UnsubscribeSecret};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{Dialect, Shared};
use crate::errors::{backend, decode};
use crate::rows::{SuppressedRow, SELECT_SUPPRESSED};

/// Whether the recipient `r` is left out of new runs, and why: SQL for
/// `launch_run`. Unsubscribing counts before bouncing.
pub(crate) const IS_SUPPRESSED: &str =
    "(r.unsubscribed_at IS NOT NULL OR r.bounced_at IS NOT NULL)";
pub(crate) const IS_UNSUBSCRIBED: &str = "r.unsubscribed_at IS NOT NULL";
pub(crate) const IS_BOUNCED_ONLY: &str = "(r.unsubscribed_at IS NULL AND r.bounced_at IS NOT NULL)";

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    (String,): for<'r> sqlx::FromRow<'r, DB::Row>,
    SuppressedRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The database's unsubscribe secret.
    pub(crate) async fn unsubscribe_secret<'c, E>(conn: E) -> Result<UnsubscribeSecret, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let value: String = sqlx::query_scalar::<DB, String>(
            "SELECT value FROM settings WHERE name = 'unsubscribe_secret'",
        )
        .fetch_one(conn)
        .await
        .map_err(backend("reading the unsubscribe secret"))?;
        decode(
            "settings.unsubscribe_secret",
            UnsubscribeSecret::parse(&value),
        )
    }

    /// Marks the recipient unsubscribed (the first time kept) and takes
    /// their deliveries still waiting (not claimed) out of their runs,
    /// counted there as skipped. Within one transaction `conn`.
    pub(crate) async fn unsubscribe(
        conn: &mut DB::Connection,
        id: RecipientId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let doing = || format!("unsubscribing recipient {id}");
        let done = sqlx::query::<DB>(
            "UPDATE recipient SET unsubscribed_at = coalesce(unsubscribed_at, $1) WHERE id = $2",
        )
        .bind(DB::time(at))
        .bind(id.get())
        .execute(&mut *conn)
        .await
        .map_err(backend(doing()))?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::not_found(Entity::Recipient, id.get()));
        }
        // Only rows still `pending` go: a claimed one may be on the wire.
        let runs: Vec<i64> = sqlx::query_scalar::<DB, i64>(
            "DELETE FROM delivery WHERE recipient_id = $1 AND state = 'pending' RETURNING run_id",
        )
        .bind(id.get())
        .fetch_all(&mut *conn)
        .await
        .map_err(backend(doing()))?;
        for run in runs {
            sqlx::query::<DB>(
                "UPDATE send_run SET total = total - 1, \
                 skipped_unsubscribed = skipped_unsubscribed + 1 WHERE id = $1",
            )
            .bind(run)
            .execute(&mut *conn)
            .await
            .map_err(backend(doing()))?;
        }
        Ok(())
    }

    /// Marks the recipient's address as bouncing, with the server's reply.
    pub(crate) async fn mark_bounced<'c, E>(
        conn: E,
        id: RecipientId,
        at: DateTime<Utc>,
        reply: &str,
    ) -> Result<(), StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let done = sqlx::query::<DB>(
            "UPDATE recipient SET bounced_at = $1, bounce_reply = $2 WHERE id = $3",
        )
        .bind(DB::time(at))
        .bind(reply)
        .bind(id.get())
        .execute(conn)
        .await
        .map_err(backend(format!("marking recipient {id} as bouncing")))?;
        Self::found(DB::rows_affected(&done), id)
    }

    /// Clears both marks.
    pub(crate) async fn resubscribe<'c, E>(conn: E, id: RecipientId) -> Result<(), StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let done = sqlx::query::<DB>(
            "UPDATE recipient SET unsubscribed_at = NULL, bounced_at = NULL, bounce_reply = NULL \
             WHERE id = $1",
        )
        .bind(id.get())
        .execute(conn)
        .await
        .map_err(backend(format!("resubscribing recipient {id}")))?;
        Self::found(DB::rows_affected(&done), id)
    }

    fn found(rows: u64, id: RecipientId) -> Result<(), StoreError> {
        if rows == 0 {
            return Err(StoreError::not_found(Entity::Recipient, id.get()));
        }
        Ok(())
    }

    /// The recipient's marks.
    pub(crate) async fn suppression<'c, E>(
        conn: E,
        id: RecipientId,
    ) -> Result<Suppression, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let (_, marks): (Recipient, Suppression) =
            Self::one::<E, SuppressedRow<DB::Time>, (Recipient, Suppression)>(
                conn,
                &format!("{SELECT_SUPPRESSED} WHERE id = $1"),
                Entity::Recipient,
                id.get(),
            )
            .await?;
        Ok(marks)
    }

    /// The recipients with a mark, by id.
    pub(crate) async fn suppressed<'c, E>(
        conn: E,
        page: Page,
    ) -> Result<Vec<(Recipient, Suppression)>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::page::<E, SuppressedRow<DB::Time>, (Recipient, Suppression)>(
            conn,
            &format!(
                "{SELECT_SUPPRESSED} WHERE unsubscribed_at IS NOT NULL OR bounced_at IS NOT NULL"
            ),
            page,
            "listing unsubscribed and bouncing recipients",
        )
        .await
    }
}
