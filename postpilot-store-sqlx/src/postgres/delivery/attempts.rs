//! A mailing's attempts on PostgreSQL: pages of them (filtered, in either
//! direction, with their total), the export's batches, and a run's recent
//! responses.

use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Direction, Listed, MailingId, Page, RunId,
    SendAttempt,
};
use postpilot_core::ports::{StoreError, RECENT_ATTEMPTS};
use sqlx::{Postgres, QueryBuilder};

use super::super::pages::{number, push_page};
use super::super::PgStore;
use crate::errors::backend;
use crate::listing::{attempt_counter, order_by};
use crate::rows::{self, AttemptRow};

/// The columns of an [`AttemptRow`] of `send_attempt AS a`.
const ATTEMPT_COLUMNS: &str =
    "a.id, a.mailing_id, a.run_id, a.recipient_id, a.email, a.attempt_at, a.status, a.response";

/// A page of the mailing's attempts, in the order they were made.
pub(super) async fn list(
    store: &PgStore,
    mailing: MailingId,
    page: Page,
) -> Result<Vec<SendAttempt>, StoreError> {
    let (limit, offset) = rows::page(page);
    // $1 the mailing, $2 the page's size, $3 its start.
    let found: Vec<AttemptRow<DateTime<Utc>>> = sqlx::query_as(
        "SELECT id, mailing_id, run_id, recipient_id, email, attempt_at, status, response \
         FROM send_attempt WHERE mailing_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    )
    .bind(mailing.get())
    .bind(limit)
    .bind(offset)
    .fetch_all(&store.pool)
    .await
    .map_err(backend(format!(
        "listing the attempts of mailing {mailing}"
    )))?;
    rows::decoded(found)
}

/// `SELECT columns FROM …` of the mailing's attempts the filter takes.
/// Emails are ASCII (the domain admits no other), so `lower` folds them
/// exactly.
fn filtered<'a>(
    columns: &str,
    mailing: MailingId,
    filter: &AttemptFilter,
) -> QueryBuilder<'a, Postgres> {
    let mut sql = QueryBuilder::new(format!(
        "SELECT {columns} FROM send_attempt AS a WHERE a.mailing_id = "
    ));
    sql.push_bind(mailing.get());
    if let Some(status) = filter.status {
        sql.push(" AND a.status = ").push_bind(status.code());
    }
    if let Some(email) = &filter.email {
        sql.push(" AND lower(a.email) LIKE ")
            .push_bind(email.like_pattern())
            .push(" ESCAPE '\\'");
    }
    sql
}

/// The mailing's attempts the filter takes, by id one way or the other,
/// and their total; on one snapshot. Without an email search the total
/// comes from the runs' counters (kept with every attempt recorded), not
/// from counting a million rows.
pub(super) async fn find(
    store: &PgStore,
    mailing: MailingId,
    listing: &AttemptListing,
) -> Result<Listed<SendAttempt>, StoreError> {
    let doing = format!("listing the attempts of mailing {mailing}");
    let mut tx = store.snapshot(&doing).await?;
    let total = if listing.filter.email.is_some() {
        number(
            &mut tx,
            filtered("count(*)", mailing, &listing.filter),
            &doing,
        )
        .await?
    } else {
        let mut sql = QueryBuilder::new(format!(
            "SELECT CAST(coalesce(sum({}), 0) AS BIGINT) FROM send_run WHERE mailing_id = ",
            attempt_counter(listing.filter.status)
        ));
        sql.push_bind(mailing.get());
        number(&mut tx, sql, &doing).await?
    };
    let direction = if listing.oldest_first {
        Direction::Ascending
    } else {
        Direction::Descending
    };
    let mut sql = filtered(ATTEMPT_COLUMNS, mailing, &listing.filter);
    sql.push(order_by(None, "a.id", direction));
    push_page(&mut sql, listing.page);
    let found: Vec<AttemptRow<DateTime<Utc>>> = sql
        .build_query_as()
        .fetch_all(&mut *tx)
        .await
        .map_err(backend(doing))?;
    Ok(Listed {
        items: rows::decoded(found)?,
        total,
    })
}

/// The mailing's attempts the filter takes older than the cursor's, newest
/// first, at most its limit.
pub(super) async fn before(
    store: &PgStore,
    mailing: MailingId,
    filter: &AttemptFilter,
    cursor: AttemptCursor,
) -> Result<Vec<SendAttempt>, StoreError> {
    let doing = format!("exporting the attempts of mailing {mailing}");
    let mut sql = filtered(ATTEMPT_COLUMNS, mailing, filter);
    if let Some(before) = cursor.before {
        sql.push(" AND a.id < ").push_bind(before.get());
    }
    sql.push(order_by(None, "a.id", Direction::Descending));
    push_page(&mut sql, Page::new(0, cursor.limit));
    let found: Vec<AttemptRow<DateTime<Utc>>> = sql
        .build_query_as()
        .fetch_all(&store.pool)
        .await
        .map_err(backend(doing))?;
    rows::decoded(found)
}

/// The response of the run's last attempt that starts with `prefix`,
/// among its [`RECENT_ATTEMPTS`] newest: the newest attempts of the run by
/// its index, then the prefix, bounded however many attempts the run has.
pub(super) async fn last_response_starting_with(
    store: &PgStore,
    run: RunId,
    prefix: &str,
) -> Result<Option<String>, StoreError> {
    // $1 the run, $2 the prefix, $3 how many recent attempts.
    sqlx::query_scalar(
        "SELECT response FROM (SELECT id, response FROM send_attempt \
             WHERE run_id = $1 ORDER BY id DESC LIMIT $3) AS recent \
         WHERE substr(response, 1, length($2)) = $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(run.get())
    .bind(prefix)
    .bind(i64::from(RECENT_ATTEMPTS))
    .fetch_optional(&store.pool)
    .await
    .map_err(backend(format!("reading the responses of run {run}")))
}
