//! Runs: the statements every backend runs alike, within a transaction (or
//! on a pool) the backend provides. The claiming and recording of
//! deliveries, where the backends differ, stay with each backend.

use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    Audience, Launch, LeaseToken, MailingId, Page, Reach, RunId, RunMessage, SendAttempt, SendRun,
    Trigger,
};
use postpilot_core::ports::{Entity, StoreError};

use crate::dialect::{Dialect, Shared};
use crate::errors::backend;
use crate::query::{MAILING_EXISTS, MAILING_OF_RUN};
use crate::queue::{Tally, ADD_TO_RUN};
use crate::rows::{self, int, AttemptRow, RunMessageRow, RunRow, StoredTime, SELECT_RUN};
use crate::suppression::{IS_BOUNCED_ONLY, IS_SUPPRESSED, IS_UNSUBSCRIBED};

/// Whether the mailing's recipient `mr` already has a successful attempt
/// of the mailing `mailing` (a parameter) in any of its runs.
fn reached(mailing: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM send_attempt AS a WHERE a.mailing_id = {mailing} \
         AND a.recipient_id = mr.recipient_id AND a.status = 'success')"
    )
}

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    (i64, i64): for<'r> sqlx::FromRow<'r, DB::Row>,
    (String,): for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    RunRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
    RunMessageRow: for<'r> sqlx::FromRow<'r, DB::Row>,
    AttemptRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
    Option<DB::Time>: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (Option<DB::Time>,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The run, read within `conn`.
    pub(crate) async fn run_in<'c, E>(conn: E, id: RunId) -> Result<SendRun, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::one::<E, RunRow<DB::Time>, SendRun>(
            conn,
            &format!("{SELECT_RUN} WHERE id = $1"),
            Entity::Run,
            id.get(),
        )
        .await
    }

    /// Adds `tally` to the run's counters within `conn`; the run's totals
    /// after. `NotFound` for an unknown run.
    pub(crate) async fn add_tally(
        conn: &mut DB::Connection,
        run: RunId,
        tally: &Tally,
    ) -> Result<SendRun, StoreError> {
        let [sent, failed, successes, failures] = tally.counts();
        sqlx::query_as::<DB, RunRow<DB::Time>>(ADD_TO_RUN)
            .bind(sent)
            .bind(failed)
            .bind(successes)
            .bind(failures)
            .bind(run.get())
            .fetch_optional(conn)
            .await
            .map_err(backend(format!("updating the totals of run {run}")))?
            .ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?
            .try_into()
    }

    /// The mailing a run belongs to; `NotFound` for an unknown run.
    pub(crate) async fn mailing_of<'c, E>(conn: E, run: RunId) -> Result<i64, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::exists(conn, MAILING_OF_RUN, Entity::Run, run.get()).await
    }

    /// Starts a run with one pending delivery per current recipient that
    /// `selection` takes and marks the mailing launched, or returns its
    /// unfinished run (`resumed`).
    /// `lock_mailing` selects the mailing `$1`, locking it where the backend
    /// locks rows, so that concurrent launches of one mailing take turns.
    pub(crate) async fn launch_run(
        conn: &mut DB::Connection,
        lock_mailing: &str,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError> {
        let doing = format!("launching mailing {mailing}");
        Self::exists(&mut *conn, lock_mailing, Entity::Mailing, mailing.get()).await?;
        let unfinished = sqlx::query_as::<DB, RunRow<DB::Time>>(&format!(
            "{SELECT_RUN} WHERE mailing_id = $1 AND finished_at IS NULL ORDER BY id LIMIT 1"
        ))
        .bind(mailing.get())
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend(doing.clone()))?;
        if let Some(run) = unfinished {
            return Ok(Launch {
                run: run.try_into()?,
                resumed: true,
            });
        }
        sqlx::query::<DB>(
            "UPDATE mailing SET launched_at = coalesce(launched_at, $1) WHERE id = $2",
        )
        .bind(DB::time(now))
        .bind(mailing.get())
        .execute(&mut *conn)
        .await
        .map_err(backend(doing.clone()))?;
        // The run keeps the message as it is now: what it sends, and what
        // its history says it sent, whatever edits come later.
        let run: i64 = sqlx::query_scalar::<DB, i64>(
            "INSERT INTO send_run (mailing_id, \"trigger\", started_at, subject, body_text, body_html) \
             SELECT m.id, $2, $3, msg.subject, msg.body_text, msg.body_html \
             FROM mailing AS m JOIN message AS msg ON msg.id = m.message_id WHERE m.id = $1 \
             RETURNING id",
        )
        .bind(mailing.get())
        .bind(trigger.code())
        .bind(DB::time(now))
        .fetch_one(&mut *conn)
        .await
        .map_err(backend(doing.clone()))?;
        // One statement for every recipient taken; the address is copied so
        // the run is unaffected by later edits of the recipient.
        let only_unsent = match selection {
            Audience::Everyone => String::new(),
            Audience::OnlyUnsent => format!(" AND NOT {}", reached("$3")),
        };
        // Unsubscribed and bouncing recipients are left out, and counted.
        let taken = format!(
            "FROM mailing_recipient AS mr JOIN recipient AS r ON r.id = mr.recipient_id \
             WHERE mr.mailing_id = $1{only_unsent}"
        );
        let (unsubscribed, bounced) = sqlx::query_as::<DB, (i64, i64)>(&format!(
            "SELECT coalesce(sum(CASE WHEN {IS_UNSUBSCRIBED} THEN 1 ELSE 0 END), 0), \
                    coalesce(sum(CASE WHEN {IS_BOUNCED_ONLY} THEN 1 ELSE 0 END), 0) {}",
            taken.replace("$3", "$1")
        ))
        .bind(mailing.get())
        .fetch_one(&mut *conn)
        .await
        .map_err(backend(doing.clone()))?;
        let queued = sqlx::query::<DB>(&format!(
            "INSERT INTO delivery (run_id, recipient_id, email, full_name, comment, state, tries, not_before) \
             SELECT $1, r.id, r.email, r.full_name, r.comment, 'pending', 0, $2 \
             FROM mailing_recipient AS mr JOIN recipient AS r ON r.id = mr.recipient_id \
             WHERE mr.mailing_id = $3{only_unsent} AND NOT {IS_SUPPRESSED} ORDER BY mr.recipient_id"
        ))
        .bind(run)
        .bind(DB::time(now))
        .bind(mailing.get())
        .execute(&mut *conn)
        .await
        .map_err(backend(doing.clone()))?;
        sqlx::query::<DB>(
            "UPDATE send_run SET total = $1, skipped_unsubscribed = $2, skipped_bounced = $3 \
             WHERE id = $4",
        )
        .bind(int(DB::rows_affected(&queued)))
        .bind(unsubscribed)
        .bind(bounced)
        .bind(run)
        .execute(&mut *conn)
        .await
        .map_err(backend(doing))?;
        Ok(Launch {
            run: Self::run_in(&mut *conn, RunId(run)).await?,
            resumed: false,
        })
    }

    /// Of the mailing's recipients, how many there are and how many already
    /// have a successful attempt of it; `NotFound` for an unknown mailing.
    pub(crate) async fn reach<'c, E>(conn: E, mailing: MailingId) -> Result<Reach, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB> + Copy,
    {
        let doing = format!("counting whom mailing {mailing} reached");
        Self::exists(conn, MAILING_EXISTS, Entity::Mailing, mailing.get()).await?;
        let (recipients, reached): (i64, i64) = sqlx::query_as::<DB, (i64, i64)>(&format!(
            "SELECT count(*), coalesce(sum(CASE WHEN {} THEN 1 ELSE 0 END), 0) \
             FROM mailing_recipient AS mr WHERE mr.mailing_id = $1",
            reached("$1")
        ))
        .bind(mailing.get())
        .fetch_one(conn)
        .await
        .map_err(backend(doing))?;
        Ok(Reach {
            recipients: u64::try_from(recipients).unwrap_or(0),
            reached: u64::try_from(reached).unwrap_or(0),
        })
    }

    /// What the run sends (`None` for a run from before runs kept it);
    /// `NotFound` for an unknown run.
    pub(crate) async fn run_message<'c, E>(
        conn: E,
        run: RunId,
    ) -> Result<Option<RunMessage>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        sqlx::query_as::<DB, RunMessageRow>(
            "SELECT subject, body_text, body_html FROM send_run WHERE id = $1",
        )
        .bind(run.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading what run {run} sends")))?
        .ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?
        .try_into()
    }

    /// Marks the run finished at `now` if every delivery is done; returns it.
    pub(crate) async fn finish_run_if_done(
        conn: &mut DB::Connection,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        sqlx::query::<DB>(
            "UPDATE send_run SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM delivery \
                 WHERE run_id = $2 AND state IN ('pending', 'leased'))",
        )
        .bind(DB::time(now))
        .bind(run.get())
        .execute(&mut *conn)
        .await
        .map_err(backend(format!("finishing run {run}")))?;
        Self::run_in(&mut *conn, run).await
    }

    /// The earliest time a not-yet-done delivery of the run may be claimed
    /// (its retry time, or the end of its lease), `None` when all are done.
    pub(crate) async fn next_due<'c, E>(
        conn: E,
        run: RunId,
    ) -> Result<Option<DateTime<Utc>>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let due: Option<Option<DB::Time>> = sqlx::query_scalar::<DB, Option<DB::Time>>(
            "SELECT (SELECT min(t) FROM ( \
                 SELECT min(not_before) AS t FROM delivery WHERE run_id = $1 AND state = 'pending' \
                 UNION ALL \
                 SELECT min(lease_until) FROM delivery WHERE run_id = $1 AND state = 'leased') AS d) \
             FROM send_run WHERE id = $1",
        )
        .bind(run.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("finding when run {run} is next due")))?;
        let due = due.ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))?;
        due.map(|t| t.into_utc("delivery.not_before")).transpose()
    }

    /// The response of the run's last attempt that starts with `prefix`.
    pub(crate) async fn last_response_starting_with<'c, E>(
        conn: E,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        // The newest attempts of the run by its index, then the prefix:
        // bounded however many attempts the run has.
        sqlx::query_scalar::<DB, String>(
            "SELECT response FROM (SELECT id, response FROM send_attempt \
                 WHERE run_id = $1 ORDER BY id DESC LIMIT $3) AS recent \
             WHERE substr(response, 1, length($2)) = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(run.get())
        .bind(prefix)
        .bind(i64::from(postpilot_core::ports::RECENT_ATTEMPTS))
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading the responses of run {run}")))
    }

    /// The mailing's runs, newest first.
    pub(crate) async fn list_runs<'c, E>(
        conn: E,
        mailing: MailingId,
    ) -> Result<Vec<SendRun>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        Self::all::<E, RunRow<DB::Time>, SendRun>(
            conn,
            &format!("{SELECT_RUN} WHERE mailing_id = $1 ORDER BY id DESC"),
            &[mailing.get()],
            format!("listing the runs of mailing {mailing}"),
        )
        .await
    }

    /// A page of the mailing's attempts, in the order they were made.
    pub(crate) async fn list_attempts<'c, E>(
        conn: E,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let (limit, offset) = rows::page(page);
        Self::all::<E, AttemptRow<DB::Time>, SendAttempt>(
            conn,
            "SELECT id, mailing_id, run_id, recipient_id, email, attempt_at, status, response \
             FROM send_attempt WHERE mailing_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
            &[mailing.get(), limit, offset],
            format!("listing the attempts of mailing {mailing}"),
        )
        .await
    }

    /// Extends the lease of the run's deliveries still leased under `token`.
    pub(crate) async fn renew_lease<'c, E>(
        conn: E,
        run: RunId,
        token: &LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let done = sqlx::query::<DB>(
            "UPDATE delivery SET lease_until = $1 \
             WHERE run_id = $2 AND state = 'leased' AND lease_token = $3",
        )
        .bind(DB::time(until))
        .bind(run.get())
        .bind(token.0.as_str())
        .execute(conn)
        .await
        .map_err(backend(format!("renewing a lease of run {run}")))?;
        Ok(DB::rows_affected(&done))
    }

    /// Hands back the run's deliveries still leased under `token`: pending
    /// again, claimable at once.
    pub(crate) async fn release_lease<'c, E>(
        conn: E,
        run: RunId,
        token: &LeaseToken,
    ) -> Result<u64, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let done = sqlx::query::<DB>(
            "UPDATE delivery SET state = 'pending', lease_token = NULL, lease_until = NULL \
             WHERE run_id = $1 AND state = 'leased' AND lease_token = $2",
        )
        .bind(run.get())
        .bind(token.0.as_str())
        .execute(conn)
        .await
        .map_err(backend(format!("handing back a lease of run {run}")))?;
        Ok(DB::rows_affected(&done))
    }

    /// Runs not finished yet, oldest first.
    pub(crate) async fn unfinished_runs<'c, E>(
        conn: E,
        limit: u32,
    ) -> Result<Vec<RunId>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let ids: Vec<i64> = sqlx::query_scalar::<DB, i64>(
            "SELECT id FROM send_run WHERE finished_at IS NULL ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await
        .map_err(backend("listing unfinished runs"))?;
        Ok(ids.into_iter().map(RunId).collect())
    }

    /// Mailings never sent whose window is open at `now`, earliest start first.
    pub(crate) async fn due_mailings<'c, E>(
        conn: E,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailingId>, StoreError>
    where
        E: sqlx::Executor<'c, Database = DB>,
    {
        let ids: Vec<i64> = sqlx::query_scalar::<DB, i64>(
            "SELECT id FROM mailing WHERE launched_at IS NULL \
             AND first_sent_at <= $1 AND sent_completed_at > $1 \
             ORDER BY first_sent_at, id LIMIT $2",
        )
        .bind(DB::time(now))
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await
        .map_err(backend("listing mailings due to be sent"))?;
        Ok(ids.into_iter().map(MailingId).collect())
    }

    /// Cancels the recipient's deliveries still waiting in any run (not
    /// those in flight): each gets a failure attempt saying why, counted in
    /// its run. Called, in the same transaction, before the recipient is
    /// deleted, so a deleted recipient is not mailed later.
    pub(crate) async fn cancel_queued_for(
        conn: &mut DB::Connection,
        recipient: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let doing = || format!("cancelling the queued deliveries of recipient {recipient}");
        sqlx::query::<DB>(
            "INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
             SELECT r.mailing_id, d.run_id, d.recipient_id, d.email, $2, 'failure', \
                    'not sent: the recipient was deleted' \
             FROM delivery AS d JOIN send_run AS r ON r.id = d.run_id \
             WHERE d.recipient_id = $1 AND d.state = 'pending' ORDER BY d.id",
        )
        .bind(recipient)
        .bind(DB::time(now))
        .execute(&mut *conn)
        .await
        .map_err(backend(doing()))?;
        sqlx::query::<DB>(
            "UPDATE send_run SET failed = failed + x.n, attempts_failure = attempts_failure + x.n \
             FROM (SELECT run_id, count(*) AS n FROM delivery \
                   WHERE recipient_id = $1 AND state = 'pending' GROUP BY run_id) AS x \
             WHERE send_run.id = x.run_id",
        )
        .bind(recipient)
        .execute(&mut *conn)
        .await
        .map_err(backend(doing()))?;
        sqlx::query::<DB>(
            "UPDATE delivery SET state = 'failed', tries = tries + 1 \
             WHERE recipient_id = $1 AND state = 'pending'",
        )
        .bind(recipient)
        .execute(&mut *conn)
        .await
        .map_err(backend(doing()))?;
        Ok(())
    }
}
