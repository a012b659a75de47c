//! Runs, the delivery queue and the attempt record on SQLite (DESIGN §5).

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Claim, Delivery, DeliveryResult, Launch, LeaseToken, MailingId, Page, RunId, SendAttempt,
    SendRun, Trigger,
};
use postpilot_core::ports::{DeliveryRepository, Entity, StoreError};

use super::codec::{self, int, micros};
use super::queue::{
    new_token, next_state, results_json, Tally, CLAIM, MOVE_ON, RECORD_ATTEMPTS, UNDONE_AND_DUE,
};
use super::runs::{mailing_of, run_in, AttemptRow, DeliveryRow, RunRow, SELECT_RUN};
use super::{commit, SqliteStore};
use crate::errors::backend;

#[async_trait]
impl DeliveryRepository for SqliteStore {
    async fn launch_run(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError> {
        let doing = format!("launching mailing {mailing}");
        let mut tx = self.write(&doing).await?;
        let unfinished = sqlx::query_as::<_, RunRow>(&format!(
            "{SELECT_RUN} WHERE mailing_id = ? AND finished_at IS NULL ORDER BY id LIMIT 1"
        ))
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
        let marked =
            sqlx::query("UPDATE mailing SET launched_at = coalesce(launched_at, ?) WHERE id = ?")
                .bind(micros(now))
                .bind(mailing.get())
                .execute(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
        if marked.rows_affected() == 0 {
            return Err(StoreError::not_found(Entity::Mailing, mailing.get()));
        }
        let run: i64 = sqlx::query_scalar(
            "INSERT INTO send_run (mailing_id, \"trigger\", started_at) VALUES (?, ?, ?) \
             RETURNING id",
        )
        .bind(mailing.get())
        .bind(trigger.code())
        .bind(micros(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        // One statement for every recipient; the address is copied so the
        // run is unaffected by later edits of the recipient.
        let queued = sqlx::query(
            "INSERT INTO delivery (run_id, recipient_id, email, full_name, state, tries, not_before) \
             SELECT ?, r.id, r.email, r.full_name, 'pending', 0, ? \
             FROM mailing_recipient AS mr JOIN recipient AS r ON r.id = mr.recipient_id \
             WHERE mr.mailing_id = ? ORDER BY mr.recipient_id",
        )
        .bind(run)
        .bind(micros(now))
        .bind(mailing.get())
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        sqlx::query("UPDATE send_run SET total = ? WHERE id = ?")
            .bind(int(queued.rows_affected()))
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

    async fn claim_deliveries(
        &self,
        run: RunId,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let doing = format!("claiming deliveries of run {run}");
        let token = new_token();
        let mut tx = self.write(&doing).await?;
        mailing_of(&mut *tx, run).await?;
        let limit = i64::from(limit);
        let rows = sqlx::query_as::<_, DeliveryRow>(CLAIM)
            .bind(&token.0)
            .bind(micros(lease_until))
            .bind(run.get())
            .bind(micros(now))
            .bind(limit)
            .bind(run.get())
            .bind(micros(now))
            .bind(limit)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let mut deliveries = rows
            .into_iter()
            .map(Delivery::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING's order is unspecified.
        deliveries.sort_by_key(|d| d.id);
        commit(tx, &doing).await?;
        Ok(Claim { token, deliveries })
    }

    async fn record_results(
        &self,
        run: RunId,
        token: &LeaseToken,
        results: &[DeliveryResult],
    ) -> Result<SendRun, StoreError> {
        let doing = format!("recording results of run {run}");
        let mut tx = self.write(&doing).await?;
        let mailing = mailing_of(&mut *tx, run).await?;
        // A result for a delivery already answered in this batch would
        // find it no longer leased: only the first one counts.
        let mut seen = HashSet::with_capacity(results.len());
        let results: Vec<&DeliveryResult> = results
            .iter()
            .filter(|r| seen.insert(r.delivery_id))
            .collect();
        let batch = results_json(&results);
        // Attempts first, while the deliveries are still leased.
        sqlx::query(RECORD_ATTEMPTS)
            .bind(mailing)
            .bind(&batch)
            .bind(run.get())
            .bind(&token.0)
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let moved: Vec<i64> = sqlx::query_scalar(MOVE_ON)
            .bind(&batch)
            .bind(run.get())
            .bind(&token.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let moved: HashSet<i64> = moved.into_iter().collect();
        let mut tally = Tally::default();
        for result in results
            .iter()
            .filter(|r| moved.contains(&r.delivery_id.get()))
        {
            tally.count(result.status, next_state(result).0);
        }
        tally.add_to(&mut tx, run).await?;
        let totals = run_in(&mut *tx, run).await?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("failing the remaining deliveries of run {run}");
        let mut tx = self.write(&doing).await?;
        let mailing = mailing_of(&mut *tx, run).await?;
        // Both statements select the same rows: the transaction holds the
        // write lock, so nothing changes between them.
        let recorded = sqlx::query(&format!(
            "INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
             SELECT ?, run_id, recipient_id, email, ?, 'failure', ? FROM delivery \
             WHERE {UNDONE_AND_DUE} ORDER BY id"
        ))
        .bind(mailing)
        .bind(micros(now))
        .bind(reason)
        .bind(run.get())
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        sqlx::query(&format!(
            "UPDATE delivery SET state = 'failed', tries = tries + 1, \
             lease_token = NULL, lease_until = NULL WHERE {UNDONE_AND_DUE}"
        ))
        .bind(run.get())
        .bind(micros(now))
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        Tally::failures(int(recorded.rows_affected()))
            .add_to(&mut tx, run)
            .await?;
        let totals = run_in(&mut *tx, run).await?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    async fn finish_run_if_done(
        &self,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("finishing run {run}");
        let mut tx = self.write(&doing).await?;
        sqlx::query(
            "UPDATE send_run SET finished_at = ? WHERE id = ? AND finished_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM delivery \
                 WHERE run_id = ? AND state IN ('pending', 'leased'))",
        )
        .bind(micros(now))
        .bind(run.get())
        .bind(run.get())
        .execute(&mut *tx)
        .await
        .map_err(backend(doing.clone()))?;
        let totals = run_in(&mut *tx, run).await?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let due: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT (SELECT min(t) FROM ( \
                 SELECT min(not_before) AS t FROM delivery WHERE run_id = ?1 AND state = 'pending' \
                 UNION ALL \
                 SELECT min(lease_until) FROM delivery WHERE run_id = ?1 AND state = 'leased')) \
             FROM send_run WHERE id = ?1",
        )
        .bind(run.get())
        .fetch_optional(&self.reader)
        .await
        .map_err(backend(format!("finding when run {run} is next due")))?;
        let due = due.ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?;
        codec::opt_time("delivery.not_before", due)
    }

    async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError> {
        run_in(&self.reader, id).await
    }

    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError> {
        sqlx::query_as::<_, RunRow>(&format!(
            "{SELECT_RUN} WHERE mailing_id = ? ORDER BY id DESC"
        ))
        .bind(mailing.get())
        .fetch_all(&self.reader)
        .await
        .map_err(backend(format!("listing the runs of mailing {mailing}")))?
        .into_iter()
        .map(SendRun::try_from)
        .collect()
    }

    async fn list_attempts(
        &self,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        let (limit, offset) = codec::page(page);
        sqlx::query_as::<_, AttemptRow>(
            "SELECT id, mailing_id, run_id, recipient_id, email, attempt_at, status, response \
             FROM send_attempt WHERE mailing_id = ? ORDER BY id LIMIT ? OFFSET ?",
        )
        .bind(mailing.get())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await
        .map_err(backend(format!(
            "listing the attempts of mailing {mailing}"
        )))?
        .into_iter()
        .map(SendAttempt::try_from)
        .collect()
    }
}
