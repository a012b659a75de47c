//! Runs on PostgreSQL: launching one (the queue filled in one statement),
//! reading them, and finishing one when its queue is done.

use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Audience, Launch, MailingId, Reach, RunId, RunMessage, SendRun, Trigger,
};
use postpilot_core::ports::{Entity, StoreError};
use sqlx::Postgres;

use super::super::{commit, PgStore};
use crate::errors::backend;
use crate::rows::{decoded, found, int, RunMessageRow, RunRow};

/// The run `$1`.
const GET_RUN: &str = "SELECT id, mailing_id, \"trigger\", started_at, finished_at, \
     total, sent, failed, subject, skipped_unsubscribed, skipped_bounced \
     FROM send_run WHERE id = $1";

/// The unfinished run of mailing `$1`, if any.
const UNFINISHED_RUN: &str = "SELECT id, mailing_id, \"trigger\", started_at, finished_at, \
     total, sent, failed, subject, skipped_unsubscribed, skipped_bounced \
     FROM send_run WHERE mailing_id = $1 AND finished_at IS NULL ORDER BY id LIMIT 1";

/// The runs of mailing `$1`, newest first.
const LIST_RUNS: &str = "SELECT id, mailing_id, \"trigger\", started_at, finished_at, \
     total, sent, failed, subject, skipped_unsubscribed, skipped_bounced \
     FROM send_run WHERE mailing_id = $1 ORDER BY id DESC";

/// Starts run `$1`'s queue: one pending delivery, due at `$2`, per recipient
/// of mailing `$3` not unsubscribed nor bouncing, in recipient order. The
/// address is copied so the run is unaffected by later edits. `{only_unsent}`
/// is empty or [`ONLY_UNSENT`].
fn queue_deliveries(only_unsent: &str) -> String {
    format!(
        "INSERT INTO delivery \
         (run_id, recipient_id, email, full_name, comment, state, tries, not_before) \
         SELECT $1, r.id, r.email, r.full_name, r.comment, 'pending', 0, $2 \
         FROM mailing_recipient AS mr JOIN recipient AS r ON r.id = mr.recipient_id \
         WHERE mr.mailing_id = $3{only_unsent} \
           AND NOT (r.unsubscribed_at IS NOT NULL OR r.bounced_at IS NOT NULL) \
         ORDER BY mr.recipient_id"
    )
}

/// Of the recipients of mailing `$1`, how many are left out as unsubscribed
/// and how many as bouncing only (unsubscribing counts first).
fn count_suppressed(only_unsent: &str) -> String {
    format!(
        "SELECT coalesce(sum(CASE WHEN r.unsubscribed_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                coalesce(sum(CASE WHEN r.unsubscribed_at IS NULL AND r.bounced_at IS NOT NULL \
                    THEN 1 ELSE 0 END), 0) \
         FROM mailing_recipient AS mr JOIN recipient AS r ON r.id = mr.recipient_id \
         WHERE mr.mailing_id = $1{only_unsent}"
    )
}

/// `Audience::OnlyUnsent`: the mailing's recipient `mr` has no successful
/// attempt of the mailing, whose id is the statement's `mr.mailing_id`.
const ONLY_UNSENT: &str = " AND NOT EXISTS (SELECT 1 FROM send_attempt AS a \
     WHERE a.mailing_id = mr.mailing_id AND a.recipient_id = mr.recipient_id \
       AND a.status = 'success')";

/// Starts a run with one pending delivery per current recipient the
/// audience takes and marks the mailing launched, or returns its
/// unfinished run (`resumed`). Concurrent launches of one mailing take
/// turns on the mailing's row lock.
pub(super) async fn launch(
    store: &PgStore,
    mailing: MailingId,
    trigger: Trigger,
    audience: Audience,
    now: DateTime<Utc>,
) -> Result<Launch, StoreError> {
    let doing = format!("launching mailing {mailing}");
    let mut tx = store.begin(&doing).await?;
    // Locks the mailing against a concurrent launch (but not against
    // attempts referring to it, which lock its key only).
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM mailing WHERE id = $1 FOR NO KEY UPDATE")
            .bind(mailing.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
    if exists.is_none() {
        return Err(StoreError::not_found(Entity::Mailing, mailing.get()));
    }
    let unfinished: Option<RunRow<DateTime<Utc>>> = sqlx::query_as(UNFINISHED_RUN)
        .bind(mailing.get())
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
    if let Some(run) = unfinished {
        return Ok(Launch {
            run: run.try_into()?,
            resumed: true,
        });
    }
    // $1 now, $2 the mailing.
    sqlx::query("UPDATE mailing SET launched_at = coalesce(launched_at, $1) WHERE id = $2")
        .bind(now)
        .bind(mailing.get())
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
    // The run keeps the message as it is now: what it sends, and what its
    // history says it sent, whatever edits come later.
    // $1 the mailing, $2 the trigger, $3 now.
    let run: i64 = sqlx::query_scalar(
        "INSERT INTO send_run \
         (mailing_id, \"trigger\", started_at, subject, body_text, body_html) \
         SELECT m.id, $2, $3, msg.subject, msg.body_text, msg.body_html \
         FROM mailing AS m JOIN message AS msg ON msg.id = m.message_id WHERE m.id = $1 \
         RETURNING id",
    )
    .bind(mailing.get())
    .bind(trigger.code())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(backend(doing.clone()))?;
    let only_unsent = match audience {
        Audience::Everyone => "",
        Audience::OnlyUnsent => ONLY_UNSENT,
    };
    let (unsubscribed, bounced): (i64, i64) = sqlx::query_as(&count_suppressed(only_unsent))
        .bind(mailing.get())
        .fetch_one(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
    let queued = sqlx::query(&queue_deliveries(only_unsent))
        .bind(run)
        .bind(now)
        .bind(mailing.get())
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
    // $1 deliveries queued, $2 left out as unsubscribed, $3 as bouncing, $4 the run.
    sqlx::query(
        "UPDATE send_run SET total = $1, skipped_unsubscribed = $2, skipped_bounced = $3 \
         WHERE id = $4",
    )
    .bind(int(queued.rows_affected()))
    .bind(unsubscribed)
    .bind(bounced)
    .bind(run)
    .execute(&mut *tx)
    .await
    .map_err(backend(doing.clone()))?;
    let run = run_in(&mut *tx, RunId(run)).await?;
    commit(tx, &doing).await?;
    Ok(Launch {
        run,
        resumed: false,
    })
}

/// The run, read within `conn`.
pub(super) async fn run_in<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    id: RunId,
) -> Result<SendRun, StoreError> {
    let row: Option<RunRow<DateTime<Utc>>> = sqlx::query_as(GET_RUN)
        .bind(id.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading run {id}")))?;
    found(row, Entity::Run, id.get())
}

/// Of the mailing's recipients, how many there are and how many already
/// have a successful attempt of it; `NotFound` for an unknown mailing.
pub(super) async fn reach(store: &PgStore, mailing: MailingId) -> Result<Reach, StoreError> {
    let doing = format!("counting whom mailing {mailing} reached");
    // NULL counts for an unknown mailing: its row is what says it exists.
    let counts: Option<(i64, i64)> = sqlx::query_as(
        "SELECT (SELECT count(*) FROM mailing_recipient AS mr WHERE mr.mailing_id = m.id), \
                (SELECT count(*) FROM mailing_recipient AS mr WHERE mr.mailing_id = m.id \
                   AND EXISTS (SELECT 1 FROM send_attempt AS a WHERE a.mailing_id = m.id \
                     AND a.recipient_id = mr.recipient_id AND a.status = 'success')) \
         FROM mailing AS m WHERE m.id = $1",
    )
    .bind(mailing.get())
    .fetch_optional(&store.pool)
    .await
    .map_err(backend(doing))?;
    let (recipients, reached) =
        counts.ok_or_else(|| StoreError::not_found(Entity::Mailing, mailing.get()))?;
    Ok(Reach {
        recipients: u64::try_from(recipients).unwrap_or(0),
        reached: u64::try_from(reached).unwrap_or(0),
    })
}

/// What the run sends (`None` for a run from before runs kept it);
/// `NotFound` for an unknown run.
pub(super) async fn run_message(
    store: &PgStore,
    run: RunId,
) -> Result<Option<RunMessage>, StoreError> {
    let row: Option<RunMessageRow> =
        sqlx::query_as("SELECT subject, body_text, body_html FROM send_run WHERE id = $1")
            .bind(run.get())
            .fetch_optional(&store.pool)
            .await
            .map_err(backend(format!("reading what run {run} sends")))?;
    found(row, Entity::Run, run.get())
}

/// Marks the run finished at `now` if every delivery is done; returns it.
pub(super) async fn finish_if_done(
    store: &PgStore,
    run: RunId,
    now: DateTime<Utc>,
) -> Result<SendRun, StoreError> {
    let doing = format!("finishing run {run}");
    let mut tx = store.begin(&doing).await?;
    // $1 now, $2 the run.
    sqlx::query(
        "UPDATE send_run SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM delivery \
             WHERE run_id = $2 AND state IN ('pending', 'leased'))",
    )
    .bind(now)
    .bind(run.get())
    .execute(&mut *tx)
    .await
    .map_err(backend(doing.clone()))?;
    let totals = run_in(&mut *tx, run).await?;
    commit(tx, &doing).await?;
    Ok(totals)
}

/// The earliest time a not-yet-done delivery of the run may be claimed
/// (its retry time, or the end of its lease), `None` when all are done.
pub(super) async fn next_due(
    store: &PgStore,
    run: RunId,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let due: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "SELECT (SELECT min(t) FROM ( \
             SELECT min(not_before) AS t FROM delivery WHERE run_id = $1 AND state = 'pending' \
             UNION ALL \
             SELECT min(lease_until) FROM delivery WHERE run_id = $1 AND state = 'leased') AS d) \
         FROM send_run WHERE id = $1",
    )
    .bind(run.get())
    .fetch_optional(&store.pool)
    .await
    .map_err(backend(format!("finding when run {run} is next due")))?;
    let due = due.ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?;
    Ok(due)
}

/// Runs not finished yet, oldest first.
pub(super) async fn unfinished(store: &PgStore, limit: u32) -> Result<Vec<RunId>, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM send_run WHERE finished_at IS NULL ORDER BY id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await
    .map_err(backend("listing unfinished runs"))?;
    Ok(ids.into_iter().map(RunId).collect())
}

/// The mailing's runs, newest first.
pub(super) async fn list(store: &PgStore, mailing: MailingId) -> Result<Vec<SendRun>, StoreError> {
    let found: Vec<RunRow<DateTime<Utc>>> = sqlx::query_as(LIST_RUNS)
        .bind(mailing.get())
        .fetch_all(&store.pool)
        .await
        .map_err(backend(format!("listing the runs of mailing {mailing}")))?;
    decoded(found)
}

#[cfg(test)]
mod tests {
    use super::{GET_RUN, LIST_RUNS, UNFINISHED_RUN};
    use crate::rows::RUN_COLUMNS;

    #[test]
    fn every_statement_reading_a_run_names_its_columns() {
        for sql in [GET_RUN, LIST_RUNS, UNFINISHED_RUN] {
            assert!(
                sql.starts_with(&format!("SELECT {RUN_COLUMNS} FROM send_run")),
                "{sql}"
            );
        }
    }
}
