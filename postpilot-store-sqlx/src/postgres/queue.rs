//! The delivery queue on PostgreSQL (`QueueRepository`): claiming deliveries under a lease,
//! recording their results, failing what remains, and renewing or handing
//! back a lease (ARCHITECTURE.md, "Delivery engine"). Claims and records
//! are hot: each is one round trip per batch, never per email.
//!
//! Several processes share the queue: a claim locks the rows it leases and
//! skips rows another claim holds (`FOR UPDATE SKIP LOCKED`), and results
//! are recorded in one statement that moves each delivery on and inserts
//! its attempt only where the delivery is still leased under the token, so
//! an attempt is never recorded for a lease someone else took over.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{Claim, DeliveryResult, LeaseToken, RunId, SendRun};
use postpilot_core::ports::{Entity, QueueRepository, StoreError};
use sqlx::postgres::PgArguments;
use sqlx::{PgConnection, Postgres};

use super::{commit, PgStore};
use crate::errors::backend;
use crate::queue::{claim_slices, new_token, stored_text, ResultColumns};
use crate::rows::{claimed, found, int, DeliveryRow, RunRow};
use crate::sql::queue as sql;

/// A statement returning rows of `R`, with its values still to bind.
type QueryAs<'q, R> = sqlx::query::QueryAs<'q, Postgres, R, PgArguments>;

/// Leases up to `$5` deliveries of run `$3` due at `$4` (pending and due,
/// or leased with a lease expired before `$4`), lowest id first, under
/// token `$1` until `$2`. The inner select walks the run's undone
/// deliveries in id order (the `delivery_undone` index) and stops at its
/// LIMIT; rows another claim has locked are skipped, not waited for. One
/// statement, committed on its own.
const CLAIM: &str = "UPDATE delivery SET state = 'leased', lease_token = $1, lease_until = $2 \
     WHERE id IN (SELECT id FROM delivery \
         WHERE run_id = $3 AND state IN ('pending', 'leased') \
           AND ((state = 'pending' AND not_before <= $4) \
                OR (state = 'leased' AND lease_until < $4)) \
         ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) \
     RETURNING id, run_id, recipient_id, email, full_name, comment, tries";

/// The values of [`CLAIM`], bound in the order of its placeholders.
struct ClaimValues<'a> {
    /// `$1`
    token: &'a str,
    /// `$2`
    lease_until: DateTime<Utc>,
    /// `$3`
    run: i64,
    /// `$4`
    now: DateTime<Utc>,
    /// `$5`
    limit: i64,
}

impl<'a> ClaimValues<'a> {
    fn bind(self, query: QueryAs<'a, DeliveryRow>) -> QueryAs<'a, DeliveryRow> {
        query
            .bind(self.token)
            .bind(self.lease_until)
            .bind(self.run)
            .bind(self.now)
            .bind(self.limit)
    }
}

/// Records the results in `$1`…`$7` (see [`ResultColumns`]: those of one
/// or more claims, each row with its claim's token) of run `$8`, in one
/// statement (one round trip, atomic without a transaction): moves each
/// delivery still leased under its row's token on, inserts one attempt for
/// each delivery moved, in the order given, and adds them to the run's
/// counters. Returns the run's row; none for an unknown run. PostgreSQL
/// runs every data-modifying `WITH` part to its end whether or not the
/// statement's result reads it, so no part can be skipped.
///
/// A delivery its result finishes (sent, or failed for good) leaves the
/// queue: nothing reads a finished delivery (its attempt is the record,
/// the run's counters the totals), and here a delete only marks the row
/// where an update writes a new version and an entry in each of three
/// indexes (it cannot be HOT: `state` decides `delivery_undone`). One to
/// be retried goes back to pending with its retry time.
///
/// Each delivery is looked up by id: the `+ 0` and `|| ''` keep the run
/// and state tests from matching an index, which PostgreSQL would
/// otherwise read through all the run's undone deliveries to match each
/// against the batch (a run's statistics are stale while it is young,
/// and its leased share always looks small), making every record cost
/// the run's size. `unnest` of parameters counts as a few rows, so
/// looking each up by id is the cheap plan.
const RECORD: &str = "WITH r AS ( \
         SELECT * FROM unnest(CAST($1 AS bigint[]), CAST($2 AS text[]), \
                CAST($3 AS timestamptz[]), CAST($4 AS text[]), CAST($5 AS text[]), \
                CAST($6 AS text[]), CAST($7 AS timestamptz[])) \
           WITH ORDINALITY AS r (id, token, attempt_at, status, response, state, not_before, n)), \
     done AS ( \
         DELETE FROM delivery AS d USING r \
         WHERE d.id = r.id AND d.lease_token = r.token AND r.state <> 'pending' \
           AND d.run_id + 0 = $8 AND d.state || '' = 'leased' \
         RETURNING d.id, d.run_id, d.recipient_id, d.email, r.attempt_at, r.status, r.response, \
                   r.state, r.n), \
     retried AS ( \
         UPDATE delivery AS d SET state = 'pending', tries = d.tries + 1, \
                not_before = r.not_before, lease_token = NULL, lease_until = NULL \
         FROM r \
         WHERE d.id = r.id AND d.lease_token = r.token AND r.state = 'pending' \
           AND d.run_id + 0 = $8 AND d.state || '' = 'leased' \
         RETURNING d.id, d.run_id, d.recipient_id, d.email, r.attempt_at, r.status, r.response, \
                   r.state, r.n), \
     moved AS (SELECT * FROM done UNION ALL SELECT * FROM retried), \
     recorded AS ( \
         INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
         SELECT s.mailing_id, m.run_id, m.recipient_id, m.email, m.attempt_at, m.status, m.response \
         FROM moved AS m JOIN send_run AS s ON s.id = m.run_id ORDER BY m.n), \
     t AS ( \
         SELECT count(*) FILTER (WHERE state = 'sent') AS new_sent, \
                count(*) FILTER (WHERE state = 'failed') AS new_failed, \
                count(*) FILTER (WHERE status = 'success') AS new_successes, \
                count(*) FILTER (WHERE status <> 'success') AS new_failures \
         FROM moved) \
     UPDATE send_run AS s SET sent = s.sent + t.new_sent, failed = s.failed + t.new_failed, \
         attempts_success = s.attempts_success + t.new_successes, \
         attempts_failure = s.attempts_failure + t.new_failures \
     FROM t WHERE s.id = $8 \
     RETURNING id, mailing_id, \"trigger\", started_at, finished_at, \
         total, sent, failed, subject, skipped_unsubscribed, skipped_bounced, launched_by, \
     launched_via_token, launched_via_token_name";

impl<'a> ResultColumns<'a> {
    /// Binds `$1`…`$7` of [`RECORD`] and `run` as `$8`.
    fn bind<'q, R>(self, query: QueryAs<'q, R>, run: RunId) -> QueryAs<'q, R>
    where
        'a: 'q,
    {
        query
            .bind(self.ids)
            .bind(self.tokens)
            .bind(self.attempt_at)
            .bind(self.statuses)
            .bind(self.responses)
            .bind(self.states)
            .bind(self.not_before)
            .bind(run.get())
    }
}

/// Records the results of one or more claims (each its token and its
/// results); returns the run's totals, `NotFound` for an unknown run.
async fn record(
    store: &PgStore,
    run: RunId,
    claims: &[(&LeaseToken, &[DeliveryResult])],
) -> Result<SendRun, StoreError> {
    let totals: Option<RunRow<DateTime<Utc>>> = ResultColumns::new(claims)
        .bind(sqlx::query_as(RECORD), run)
        .fetch_optional(&store.pool)
        .await
        .map_err(backend(format!("recording results of run {run}")))?;
    found(totals, Entity::Run, run.get())
}

/// Fails, with one failure attempt at `$2` carrying `$3`, every delivery of
/// run `$1` not done: pending, or leased with a lease expired before `$2`.
/// Live leases are left to their holders.
const FAIL_REMAINING: &str = "WITH failed AS ( \
         UPDATE delivery SET state = 'failed', tries = tries + 1, \
                lease_token = NULL, lease_until = NULL \
         WHERE id IN (SELECT id FROM delivery \
             WHERE run_id = $1 AND state IN ('pending', 'leased') \
               AND (state = 'pending' OR lease_until < $2) \
             ORDER BY id FOR UPDATE) \
         RETURNING id, run_id, recipient_id, email) \
     INSERT INTO send_attempt \
         (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
     SELECT s.mailing_id, f.run_id, f.recipient_id, f.email, $2, 'failure', $3 \
     FROM failed AS f JOIN send_run AS s ON s.id = f.run_id ORDER BY f.id";

/// Locks run `run` for changing its counters (`NotFound` for an unknown
/// run): what failing the rest does first, so it takes its locks in the
/// order a mailing's delete does (the run, then its deliveries). Taken
/// after the deliveries, a delete in between (holding the run, waiting for
/// the deliveries in `runs_take_attempts`) would deadlock with it.
async fn lock_run(conn: &mut PgConnection, run: RunId) -> Result<(), StoreError> {
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT id FROM send_run WHERE id = $1 FOR NO KEY UPDATE")
            .bind(run.get())
            .fetch_optional(conn)
            .await
            .map_err(backend(format!("locking run {run}")))?;
    locked
        .map(|_| ())
        .ok_or_else(|| StoreError::not_found(Entity::Run, run.get()))
}

/// Failing the rest, after [`lock_run`]: fails the run's deliveries not
/// done with an attempt at `now` carrying `reason` ([`FAIL_REMAINING`]);
/// returns how many.
async fn fail_queued(
    conn: &mut PgConnection,
    run: RunId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(FAIL_REMAINING)
        .bind(run.get())
        .bind(now)
        .bind(stored_text(reason))
        .execute(conn)
        .await
        .map_err(backend(format!(
            "failing the remaining deliveries of run {run}"
        )))?;
    Ok(done.rows_affected())
}

/// Failing the rest, last: adds the `failed` deliveries to the run's
/// counters; returns its totals.
async fn count_failed(
    conn: &mut PgConnection,
    run: RunId,
    failed: u64,
) -> Result<SendRun, StoreError> {
    let totals: Option<RunRow<DateTime<Utc>>> = sqlx::query_as(sql::FAIL_COUNTED)
        .bind(int(failed))
        .bind(run.get())
        .fetch_optional(conn)
        .await
        .map_err(backend(format!(
            "failing the remaining deliveries of run {run}"
        )))?;
    found(totals, Entity::Run, run.get())
}

#[async_trait]
impl QueueRepository for PgStore {
    /// Leases up to `limit` deliveries of the run due at `now`, until `lease_until`.
    async fn claim_deliveries(
        &self,
        run: RunId,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let token = new_token();
        let values = ClaimValues {
            token: &token.0,
            lease_until,
            run: run.get(),
            now,
            limit: i64::from(limit),
        };
        let rows = values
            .bind(sqlx::query_as(CLAIM))
            .fetch_all(&self.pool)
            .await
            .map_err(backend(format!("claiming deliveries of run {run}")))?;
        if rows.is_empty() {
            // Nothing due, or no such run: only then is it worth asking.
            super::runs::run_in(&self.pool, run, None).await?;
        }
        Ok(Claim {
            token,
            deliveries: claimed(rows)?,
        })
    }

    async fn record_results(
        &self,
        run: RunId,
        token: &LeaseToken,
        results: &[DeliveryResult],
    ) -> Result<SendRun, StoreError> {
        record(self, run, &[(token, results)]).await
    }

    async fn record_claims(
        &self,
        run: RunId,
        claims: &[(LeaseToken, Vec<DeliveryResult>)],
    ) -> Result<SendRun, StoreError> {
        record(self, run, &claim_slices(claims)).await
    }

    /// Fails every delivery of the run not done (see [`FAIL_REMAINING`]) and
    /// counts them in the run; returns its totals.
    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError> {
        let doing = format!("failing the remaining deliveries of run {run}");
        let mut tx = self.begin(&doing).await?;
        lock_run(&mut tx, run).await?;
        let failed = fail_queued(&mut tx, run, reason, now).await?;
        let totals = count_failed(&mut tx, run, failed).await?;
        commit(tx, &doing).await?;
        Ok(totals)
    }

    /// Extends the lease of the run's deliveries still leased under `token`.
    async fn renew_lease(
        &self,
        run: RunId,
        token: &LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(sql::RENEW_LEASE)
            .bind(until)
            .bind(run.get())
            .bind(token.0.as_str())
            .execute(&self.pool)
            .await
            .map_err(backend(format!("renewing a lease of run {run}")))?;
        Ok(done.rows_affected())
    }

    /// Hands back the run's deliveries still leased under `token`: pending
    /// again, claimable at once.
    async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError> {
        let done = sqlx::query(sql::RELEASE_LEASE)
            .bind(run.get())
            .bind(token.0.as_str())
            .execute(&self.pool)
            .await
            .map_err(backend(format!("handing back a lease of run {run}")))?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use postpilot_core::domain::{
        AttemptStatus, Audience, BodyText, Claim, Comment, DeliveryResult, EmailAddress, FullName,
        MailingId, NewMailing, NewMessage, NewRecipient, NextStep, RecipientIds, RunId, Subject,
        Trigger, Window,
    };
    use postpilot_core::ports::{
        MailingRepository, MessageRepository, QueueRepository, RecipientRepository, RunRepository,
        StoreError,
    };

    use super::{count_failed, fail_queued, lock_run, CLAIM, RECORD};
    use crate::queue::ResultColumns;
    use crate::rows::{RunRow, RUN_COLUMNS};
    use crate::testing::ScratchDatabase;
    use crate::PgStore;

    #[test]
    fn the_record_returns_the_run_row() {
        assert!(RECORD.ends_with(&format!("RETURNING {RUN_COLUMNS}")));
    }

    /// A store on a database of its own, or `None` with no server to test on.
    async fn fresh(test: &str) -> Option<(ScratchDatabase, PgStore)> {
        let database = ScratchDatabase::create(test).await?;
        let store = PgStore::connect(database.url()).await.expect("store");
        Some((database, store))
    }

    async fn done(database: ScratchDatabase, store: PgStore) {
        store.close().await;
        database.drop_database().await;
    }

    fn minute(m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, m, 0)
            .single()
            .expect("time")
    }

    /// A run of `n` deliveries just launched, and a claim of its first 40.
    async fn young_run(store: &PgStore, n: usize) -> (RunId, Claim) {
        let (_, run, claim) = young_mailing(store, n).await;
        (run, claim)
    }

    /// A mailing to `n` recipients, its run just launched, and a claim of
    /// the run's first 40 deliveries.
    async fn young_mailing(store: &PgStore, n: usize) -> (MailingId, RunId, Claim) {
        let rows: Vec<NewRecipient> = (0..n)
            .map(|i| NewRecipient {
                email: EmailAddress::parse(&format!("r{i}@example.com")).expect("email"),
                full_name: FullName::parse("Получатель").expect("name"),
                comment: Comment::default(),
            })
            .collect();
        let recipients: Vec<_> = store
            .insert_recipients(&rows)
            .await
            .expect("recipients")
            .into_iter()
            .map(|id| id.expect("new"))
            .collect();
        let message = NewMessage {
            subject: Subject::parse("Скидки").expect("subject"),
            body_text: BodyText::parse("Здравствуйте!").expect("body"),
            body_html: None,
        };
        let message = store
            .insert_message(&message, minute(0))
            .await
            .expect("message");
        let mailing = NewMailing {
            window: Window::new(minute(0), minute(59)).expect("window"),
            message_id: message.id,
            recipient_ids: RecipientIds::new(recipients).expect("ids"),
        };
        let mailing = store.insert_mailing(&mailing).await.expect("mailing");
        let run = store
            .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, minute(1))
            .await
            .expect("launched")
            .run
            .id;
        let claim = store
            .claim_deliveries(run, 40, minute(1), minute(16))
            .await
            .expect("claimed");
        (mailing.id, run, claim)
    }

    /// A result for each of the claim's deliveries: sent at minute 2.
    fn all_sent(claim: &Claim) -> Vec<DeliveryResult> {
        claim
            .deliveries
            .iter()
            .map(|d| DeliveryResult {
                delivery_id: d.id,
                attempt_at: minute(2),
                status: AttemptStatus::Success,
                response: "250 ok".into(),
                next: NextStep::Done,
            })
            .collect()
    }

    /// The claim's deliveries recorded sent by [`RECORD`] in a transaction
    /// left open: it holds them until committed.
    async fn record_left_open(
        store: &PgStore,
        run: RunId,
        claim: &Claim,
    ) -> sqlx::Transaction<'static, sqlx::Postgres> {
        let results = all_sent(claim);
        let mut tx = store.pool.begin().await.expect("transaction");
        let totals: Option<RunRow<DateTime<Utc>>> = ResultColumns::new(&[(&claim.token, &results)])
            .bind(sqlx::query_as(RECORD), run)
            .fetch_optional(&mut *tx)
            .await
            .expect("recorded");
        assert!(totals.is_some());
        tx
    }

    /// Attempts of `run`, and of them those with a recipient.
    async fn attempts_of(store: &PgStore, run: RunId) -> (i64, i64) {
        sqlx::query_as("SELECT count(*), count(recipient_id) FROM send_attempt WHERE run_id = $1")
            .bind(run.get())
            .fetch_one(&store.pool)
            .await
            .expect("counted")
    }

    /// Starts `delete` while a transaction holds what it needs, sees it
    /// wait, lets `finish` end that transaction, and sees the delete end.
    async fn delete_waiting_for(
        delete: impl std::future::Future<Output = Result<(), StoreError>> + Send + 'static,
        finish: impl std::future::Future<Output = ()>,
    ) {
        let deleting = tokio::spawn(delete);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!deleting.is_finished(), "the delete waits");
        finish.await;
        deleting.await.expect("joined").expect("deleted");
    }

    /// Runs `delete` while a record of the claim is uncommitted: it waits
    /// for the record, which then commits, and ends.
    async fn delete_during_a_record(
        store: &PgStore,
        run: RunId,
        claim: &Claim,
        delete: impl std::future::Future<Output = Result<(), StoreError>> + Send + 'static,
    ) {
        let record = record_left_open(store, run, claim).await;
        delete_waiting_for(delete, async {
            record.commit().await.expect("committed");
        })
        .await;
    }

    /// With no foreign key to take them along, a mailing deleted while a
    /// record of its run is still uncommitted waits for it, then deletes
    /// its attempts too: none is left pointing at a deleted run, nor any
    /// delivery.
    #[tokio::test]
    async fn a_mailing_deleted_during_a_record_takes_the_records_attempts_along() {
        let Some((database, store)) =
            fresh("a_mailing_deleted_during_a_record_takes_the_records_attempts_along").await
        else {
            return;
        };
        // 50 recipients: 40 claimed and recorded, 10 still queued.
        let (mailing, run, claim) = young_mailing(&store, 50).await;
        let other = store.clone();
        delete_during_a_record(&store, run, &claim, async move {
            other.delete_mailing(mailing).await
        })
        .await;
        assert_eq!(attempts_of(&store, run).await, (0, 0));
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM delivery WHERE run_id = $1")
            .bind(run.get())
            .fetch_one(&store.pool)
            .await
            .expect("counted");
        assert_eq!(queued, 0);
        done(database, store).await;
    }

    /// Failing the rest takes the run before its deliveries, as a mailing's
    /// delete does: a delete between its two statements waits for it
    /// instead of deadlocking (it did while the run was only read first),
    /// then takes the failures' attempts along.
    #[tokio::test]
    async fn a_mailing_deleted_while_the_rest_is_failed_waits_without_a_deadlock() {
        let Some((database, store)) =
            fresh("a_mailing_deleted_while_the_rest_is_failed_waits_without_a_deadlock").await
        else {
            return;
        };
        // 50 recipients: 40 claimed (leased until minute 16), 10 queued.
        let (mailing, run, _) = young_mailing(&store, 50).await;
        // fail_remaining's steps, with the delete started between them.
        let mut tx = store.pool.begin().await.expect("transaction");
        lock_run(&mut tx, run).await.expect("locked");
        let failed = fail_queued(&mut tx, run, "ended", minute(3))
            .await
            .expect("failed");
        assert_eq!(failed, 10);
        let other = store.clone();
        delete_waiting_for(async move { other.delete_mailing(mailing).await }, async {
            count_failed(&mut tx, run, failed).await.expect("counted");
            tx.commit().await.expect("committed");
        })
        .await;
        assert_eq!(attempts_of(&store, run).await, (0, 0));
        done(database, store).await;
    }

    /// Likewise a recipient deleted while a record of it is uncommitted: its
    /// attempt is kept, without the recipient.
    #[tokio::test]
    async fn a_recipient_deleted_during_a_record_leaves_the_records_attempt_without_it() {
        let Some((database, store)) =
            fresh("a_recipient_deleted_during_a_record_leaves_the_records_attempt_without_it")
                .await
        else {
            return;
        };
        let (_, run, claim) = young_mailing(&store, 1).await;
        let recipient = claim.deliveries[0].recipient_id.expect("a recipient");
        let other = store.clone();
        delete_during_a_record(&store, run, &claim, async move {
            other.delete_recipient(recipient).await
        })
        .await;
        assert_eq!(attempts_of(&store, run).await, (1, 0));
        done(database, store).await;
    }

    /// PostgreSQL's plan of [`RECORD`] for the claim's deliveries, all
    /// sent (see [`plan_of`]).
    async fn record_plan(store: &PgStore, run: RunId, claim: &Claim, mode: &str) -> String {
        let n = claim.deliveries.len();
        let array = |items: Vec<String>| format!("'{{{}}}'", items.join(","));
        let each = |item: &str| array(vec![item.to_owned(); n]);
        let ids = claim.deliveries.iter().map(|d| d.id.get().to_string());
        let args = [
            array(ids.collect()),
            each(&claim.token.0),
            each("\"2026-12-01 09:02:00+00\""),
            each("success"),
            each("\"250 ok\""),
            each("sent"),
            each("NULL"),
            run.get().to_string(),
        ];
        let types =
            "bigint[], text[], timestamptz[], text[], text[], text[], timestamptz[], bigint";
        plan_of(store, mode, RECORD, types, &args.join(", ")).await
    }

    /// PostgreSQL's plan of a claim of 40 deliveries of `run` due at minute
    /// 2 (see [`plan_of`]).
    async fn claim_plan(store: &PgStore, run: RunId, mode: &str) -> String {
        let args = format!(
            "'t', '2026-12-01 09:20:00+00', {}, '2026-12-01 09:02:00+00', 40",
            run.get()
        );
        let types = "text, timestamptz, bigint, timestamptz, bigint";
        plan_of(store, mode, CLAIM, types, &args).await
    }

    /// The plan, one step a line, of `sql` prepared with parameters of
    /// `types` and executed with `args` (SQL literals), as a prepared
    /// statement first plans it for its values (`mode` `force_custom_plan`)
    /// or settles on for any (`force_generic_plan`).
    async fn plan_of(store: &PgStore, mode: &str, sql: &str, types: &str, args: &str) -> String {
        let mut conn = store.pool.acquire().await.expect("connection");
        sqlx::raw_sql(&format!(
            "SET plan_cache_mode = {mode}; PREPARE planned ({types}) AS {sql}"
        ))
        .execute(&mut *conn)
        .await
        .expect("prepared");
        let plan: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN EXECUTE planned ({args})"))
            .fetch_all(&mut *conn)
            .await
            .expect("explained");
        sqlx::raw_sql("DEALLOCATE planned; RESET plan_cache_mode")
            .execute(&mut *conn)
            .await
            .expect("deallocated");
        plan.into_iter()
            .map(|(step,)| step)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Once a launch has queued a large run, claims walk an index in id
    /// order and stop at the claim's size: without the statistics the
    /// launch gathers, PostgreSQL read and sorted all the run's undone
    /// deliveries for every claim (21 ms a claim at the start of 100,000).
    #[tokio::test]
    async fn claims_of_a_large_run_just_launched_walk_an_index_in_order() {
        let Some((database, store)) =
            fresh("claims_of_a_large_run_just_launched_walk_an_index_in_order").await
        else {
            return;
        };
        // Below about 50,000 the plan without statistics happens to be right.
        let (run, _) = young_run(&store, 100_000).await;
        for mode in ["force_custom_plan", "force_generic_plan"] {
            let plan = claim_plan(&store, run, mode).await;
            assert!(plan.contains("LockRows"), "{mode}:\n{plan}");
            assert!(
                !plan.contains("Sort") && !plan.contains("Bitmap"),
                "{mode}:\n{plan}"
            );
        }
        done(database, store).await;
    }

    /// A finished delivery leaves the queue; one to be retried stays,
    /// pending again at its retry time, its lease gone.
    #[tokio::test]
    async fn a_record_removes_the_deliveries_it_finishes_and_keeps_the_retried() {
        let Some((database, store)) =
            fresh("a_record_removes_the_deliveries_it_finishes_and_keeps_the_retried").await
        else {
            return;
        };
        let (run, claim) = young_run(&store, 3).await;
        let result = |i: usize, status, next| DeliveryResult {
            delivery_id: claim.deliveries[i].id,
            attempt_at: minute(2),
            status,
            response: "a reply".into(),
            next,
        };
        let results = [
            result(0, AttemptStatus::Success, NextStep::Done),
            result(1, AttemptStatus::Failure, NextStep::Done),
            result(2, AttemptStatus::Failure, NextStep::RetryAt(minute(30))),
        ];
        let totals = store
            .record_results(run, &claim.token, &results)
            .await
            .expect("recorded");
        assert_eq!((totals.sent, totals.failed), (1, 1));
        /// id, state, tries, not_before, lease_token
        type Queued = (i64, String, i64, DateTime<Utc>, Option<String>);
        let left: Vec<Queued> = sqlx::query_as(
            "SELECT id, state, tries, not_before, lease_token FROM delivery ORDER BY id",
        )
        .fetch_all(&store.pool)
        .await
        .expect("queue");
        let retried = claim.deliveries[2].id.get();
        assert_eq!(left, [(retried, "pending".to_owned(), 1, minute(30), None)]);
        done(database, store).await;
    }

    /// Whatever PostgreSQL knows of a young run (nothing yet, or a count
    /// that finds almost nothing leased), a record looks each of its
    /// deliveries up by id instead of reading all the run's undone ones:
    /// the old plan made each record cost the run's size.
    #[tokio::test]
    async fn a_record_looks_its_deliveries_up_by_id_however_large_the_run() {
        let Some((database, store)) =
            fresh("a_record_looks_its_deliveries_up_by_id_however_large_the_run").await
        else {
            return;
        };
        let (run, claim) = young_run(&store, 20_000).await;
        for analyzed in [false, true] {
            if analyzed {
                sqlx::query("ANALYZE delivery")
                    .execute(&store.pool)
                    .await
                    .expect("analyzed");
            }
            for mode in ["force_custom_plan", "force_generic_plan"] {
                let plan = record_plan(&store, run, &claim, mode).await;
                assert!(
                    plan.contains("delivery_pkey"),
                    "{mode}, analyzed {analyzed}:\n{plan}"
                );
                assert!(
                    !plan.contains("delivery_undone") && !plan.contains("delivery_by_run"),
                    "{mode}, analyzed {analyzed}:\n{plan}"
                );
            }
        }
        done(database, store).await;
    }
}
