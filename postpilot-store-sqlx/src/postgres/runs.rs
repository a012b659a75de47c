//! Runs on PostgreSQL (`RunRepository`): launching one (the queue filled in
//! one statement), reading them, and finishing one when its queue is done.
//! The statements are `sql/runs.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Audience, Launch, MailingId, Reach, RunId, RunMessage, SendRun, TokenId, Trigger, UserId,
};
use postpilot_core::ports::{Entity, RunRepository, Scoped, StoreError};
use sqlx::Postgres;

use super::{commit, PgStore};
use crate::errors::backend;
use crate::rows::{decoded, found, int, RunMessageRow, RunRow};
use crate::sql::runs as sql;

/// The run, read within `conn`.
pub(super) async fn run_in<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    id: RunId,
    owner: Option<i64>,
) -> Result<SendRun, StoreError> {
    let row: Option<RunRow<DateTime<Utc>>> = sqlx::query_as(sql::GET_RUN)
        .bind(id.get())
        .bind(owner)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading run {id}")))?;
    found(row, Entity::Run, id.get())
}

/// How many rows of `delivery` PostgreSQL's statistics last counted
/// (`reltuples`: -1 when never counted).
const COUNTED_DELIVERIES: &str =
    "SELECT reltuples FROM pg_class WHERE oid = CAST('delivery' AS regclass)";

/// Whether a launch that queued `queued` deliveries leaves the statistics
/// of `delivery` too stale to plan claims by: the rule autovacuum applies
/// before it gathers them (50 rows, plus a tenth of the rows it last
/// counted, `counted`), applied at once rather than within its next round.
fn statistics_stale(queued: u64, counted: f32) -> bool {
    // `as` saturates: never counted (-1), or not a number, is 0.
    let counted = counted.max(0.0) as u64;
    queued > 50u64.saturating_add(counted / 10)
}

impl PgStore {
    /// Gathers the statistics of `delivery` when a launch made them stale.
    /// Without them a young run looks a few rows long, and PostgreSQL plans
    /// each claim as reading and sorting all the run's undone deliveries
    /// instead of walking `delivery_undone` in order up to the claim's
    /// size: 21 ms a claim at the start of a 100,000-email run, every
    /// claim costing the run's size. Autovacuum gathers them too, but only
    /// within its next round (a minute). It waits at most a fifth of a
    /// second for its lock (another launch's, or a vacuum of the table). A
    /// failure is logged, not returned: the run is launched, only slower to
    /// claim. (A role that does not own the table gets a warning from the
    /// server, not an error, and the launch goes on the same way.)
    async fn refresh_queue_statistics(&self, queued: u64) {
        let refreshed = async {
            let counted: f32 = sqlx::query_scalar(COUNTED_DELIVERIES)
                .fetch_one(&self.pool)
                .await?;
            if statistics_stale(queued, counted) {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SET LOCAL lock_timeout = '200ms'")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("ANALYZE delivery").execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Ok::<(), sqlx::Error>(())
        };
        if let Err(error) = refreshed.await {
            tracing::warn!(%error, "could not gather the delivery queue's statistics");
        }
    }
}

#[async_trait]
impl RunRepository for PgStore {
    /// Starts a run with one pending delivery per current recipient the
    /// audience takes and marks the mailing launched, or returns its
    /// unfinished run (`resumed`). Concurrent launches of one mailing take
    /// turns on the mailing's row lock.
    async fn launch_run(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        audience: Audience,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError> {
        let doing = format!("launching mailing {mailing}");
        let mut tx = self.begin(&doing).await?;
        // Locks the mailing against a concurrent launch (but not against
        // attempts referring to it, which lock its key only).
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM mailing WHERE id = $1 AND ($2 IS NULL OR owner_id = $2) \
             FOR NO KEY UPDATE",
        )
        .bind(mailing.get())
        .bind(self.owners().changes)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        if exists.is_none() {
            return Err(StoreError::not_found(Entity::Mailing, mailing.get()));
        }
        let unfinished: Option<RunRow<DateTime<Utc>>> = sqlx::query_as(sql::UNFINISHED_RUN)
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
        sqlx::query(sql::MARK_LAUNCHED)
            .bind(now)
            .bind(mailing.get())
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let run: i64 = sqlx::query_scalar(sql::NEW_RUN)
            .bind(mailing.get())
            .bind(trigger.code())
            .bind(now)
            .bind(self.scope().actor.map(UserId::get))
            .bind(self.scope().via_token.map(TokenId::get))
            .fetch_one(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let only_unsent = match audience {
            Audience::Everyone => "",
            Audience::OnlyUnsent => sql::ONLY_UNSENT,
        };
        let (unsubscribed, bounced): (i64, i64) =
            sqlx::query_as(&sql::count_suppressed(only_unsent))
                .bind(mailing.get())
                .fetch_one(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
        let queued = sqlx::query(&sql::queue_deliveries(only_unsent))
            .bind(run)
            .bind(now)
            .bind(mailing.get())
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        sqlx::query(sql::SET_TOTALS)
            .bind(int(queued.rows_affected()))
            .bind(unsubscribed)
            .bind(bounced)
            .bind(run)
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let run = run_in(&mut *tx, RunId(run), None).await?;
        commit(tx, &doing).await?;
        self.refresh_queue_statistics(queued.rows_affected()).await;
        Ok(Launch {
            run,
            resumed: false,
        })
    }

    /// Of the mailing's recipients, how many there are and how many already
    /// have a successful attempt of it; `NotFound` for an unknown mailing.
    async fn reach(&self, mailing: MailingId) -> Result<Reach, StoreError> {
        let doing = format!("counting whom mailing {mailing} reached");
        let counts: Option<(i64, i64)> = sqlx::query_as(sql::REACH)
            .bind(mailing.get())
            .bind(self.owners().sees)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend(doing))?;
        let (recipients, reached) =
            counts.ok_or_else(|| StoreError::not_found(Entity::Mailing, mailing.get()))?;
        Ok(Reach {
            recipients: u64::try_from(recipients).unwrap_or(0),
            reached: u64::try_from(reached).unwrap_or(0),
        })
    }

    /// Marks the run finished at `now` if every delivery is done; returns it.
    async fn finish_run_if_done(
        &self,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("finishing run {run}");
        let mut tx = self.begin(&doing).await?;
        sqlx::query(sql::FINISH_IF_DONE)
            .bind(now)
            .bind(run.get())
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let totals = run_in(&mut *tx, run, None).await?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    /// Runs not finished yet, oldest first.
    async fn unfinished_runs(&self, limit: u32) -> Result<Vec<RunId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(sql::UNFINISHED_RUNS)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend("listing unfinished runs"))?;
        Ok(ids.into_iter().map(RunId).collect())
    }

    /// The earliest time a not-yet-done delivery of the run may be claimed
    /// (its retry time, or the end of its lease), `None` when all are done.
    async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let due: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(sql::NEXT_DUE)
            .bind(run.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend(format!("finding when run {run} is next due")))?;
        let due = due.ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?;
        Ok(due)
    }

    async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError> {
        run_in(&self.pool, id, self.owners().sees).await
    }

    /// What the run sends (`None` for a run from before runs kept it);
    /// `NotFound` for an unknown run.
    async fn run_message(&self, run: RunId) -> Result<Option<RunMessage>, StoreError> {
        let row: Option<RunMessageRow> = sqlx::query_as(sql::RUN_MESSAGE)
            .bind(run.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend(format!("reading what run {run} sends")))?;
        found(row, Entity::Run, run.get())
    }

    /// The mailing's runs, newest first.
    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError> {
        let found: Vec<RunRow<DateTime<Utc>>> = sqlx::query_as(sql::LIST_RUNS)
            .bind(mailing.get())
            .bind(self.owners().sees)
            .fetch_all(&self.pool)
            .await
            .map_err(backend(format!("listing the runs of mailing {mailing}")))?;
        decoded(found)
    }
}

#[cfg(test)]
mod tests {
    use super::statistics_stale;

    #[test]
    fn statistics_are_stale_past_fifty_rows_and_a_tenth_of_those_counted() {
        assert!(!statistics_stale(50, -1.0));
        assert!(statistics_stale(51, -1.0));
        assert!(!statistics_stale(1_050, 10_000.0));
        assert!(statistics_stale(1_051, 10_000.0));
        assert!(statistics_stale(u64::MAX, f32::MAX));
        assert!(!statistics_stale(0, f32::NAN));
        assert!(statistics_stale(51, f32::NAN));
    }
}
