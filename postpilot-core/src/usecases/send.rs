//! SendMailing: launch a run and deliver it (Отправка по требованию).
//!
//! The specification's algorithm on the queue of ARCHITECTURE.md, "Delivery engine": a launch records a run
//! with one delivery per recipient; deliveries are claimed in leased
//! batches, each recipient gets its own email, and each try is recorded as
//! an attempt with the server's reply. Nothing is held in memory beyond one
//! batch, and a run interrupted at any point is finished by delivering it
//! again.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::future::{self, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::domain::visible;
use crate::domain::{
    AttemptStatus, Audience, Claim, Delivery, DeliveryResult, InstanceId, Launch, LeaseToken,
    MailingId, MailingStatus, NextStep, RecipientId, RunId, SendRun, Trigger, UnsubscribeLinks,
};
use crate::error::{Error, Result};
use crate::ports::{
    Clock, DeliveryRepository, InstanceRepository, MailError, Mailer, MailingRepository,
    MessageRepository, OutgoingEmail, ServerReply, StoreError, SuppressionRepository,
};

use super::letters::Letters;
use super::pace::Pace;
use super::policy::until;
pub use super::policy::SendPolicy;
use super::stop::StopSignal;

/// How long a result may wait for others to be recorded with.
const GROUP_WAIT: Duration = Duration::from_millis(200);

/// Recorded for deliveries still unsent when the mailing's window closes.
pub const WINDOW_CLOSED: &str = "not sent: the mailing's end time passed";

/// How the response recorded for deliveries left when the server looked
/// down begins (`not sent: gave up after N temporary failures in a row;
/// last: …`).
pub const GAVE_UP: &str = "not sent: gave up";

/// Called with the run's totals after each recorded batch.
pub type Progress<'a> = &'a (dyn Fn(&SendRun) + Send + Sync);

/// The use case. Generic over its ports; wired by the front end.
#[derive(Debug, Clone)]
pub struct SendMailing<S, M, C> {
    store: S,
    mailer: M,
    clock: C,
    policy: SendPolicy,
    stop: StopSignal,
}

impl<S, M, C> SendMailing<S, M, C>
where
    S: MailingRepository
        + MessageRepository
        + DeliveryRepository
        + InstanceRepository
        + SuppressionRepository,
    M: Mailer,
    C: Clock,
{
    pub fn new(store: S, mailer: M, clock: C, policy: SendPolicy) -> Self {
        Self {
            store,
            mailer,
            clock,
            policy,
            stop: StopSignal::never(),
        }
    }

    /// Stops gracefully when `stop` is raised: no more claims, the sends in
    /// flight finish and are recorded, what was claimed but not started is
    /// handed back, and delivery returns with the run unfinished.
    #[must_use]
    pub fn with_stop(mut self, stop: StopSignal) -> Self {
        self.stop = stop;
        self
    }

    /// The stop signal this sender watches.
    pub fn stop_signal(&self) -> &StopSignal {
        &self.stop
    }

    pub(super) fn store(&self) -> &S {
        &self.store
    }

    pub(super) fn clock(&self) -> &C {
        &self.clock
    }

    /// Launches a run of the mailing now to the recipients `selection`
    /// takes, or picks up its unfinished run.
    ///
    /// # Errors
    /// `MailingCompleted` when the end time has passed; `NotFound`.
    pub async fn launch(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
    ) -> Result<Launch> {
        let now = self.clock.now();
        let found = self
            .patiently(
                || format!("reading mailing {mailing}"),
                || self.store.get_mailing(mailing),
            )
            .await?;
        if found.status(now) == MailingStatus::Completed {
            return Err(Error::MailingCompleted(mailing));
        }
        // One transaction: tried again after a failure, it either starts
        // the run or finds the one the failed try started and resumes it.
        let launch = self
            .patiently(
                || format!("launching a run of mailing {mailing}"),
                || self.store.launch_run(mailing, trigger, selection, now),
            )
            .await?;
        tracing::info!(
            mailing = %mailing, run = %launch.run.id, resumed = launch.resumed, ?selection,
            total = launch.run.total, "run launched"
        );
        Ok(launch)
    }

    /// Launches (or resumes) and delivers until the run is finished.
    ///
    /// # Errors
    /// As [`Self::launch`] and [`Self::deliver`].
    pub async fn send(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
        progress: Progress<'_>,
    ) -> Result<(Launch, SendRun)> {
        let launch = self.launch(mailing, trigger, selection).await?;
        progress(&launch.run);
        let done = self.deliver(launch.run.id, progress).await?;
        Ok((launch, done))
    }

    /// Delivers the run's due deliveries until none is left, then marks it
    /// finished. Up to `concurrency` sends are in flight while further
    /// batches are claimed. Results are recorded in groups while sending
    /// goes on (within 200 ms of coming back), and at most `max_unrecorded`
    /// sends are ever out unrecorded: a crash can repeat only those. When the mailing's end time passes, or the
    /// server looks down (`give_up_after`), what is left is recorded as not
    /// sent with the reason.
    ///
    /// # Errors
    /// Store failures; a failed send is recorded, never an error.
    pub async fn deliver(&self, run: RunId, progress: Progress<'_>) -> Result<SendRun> {
        self.deliver_until(run, Until::Finished, progress).await
    }

    /// As [`Self::deliver`], but returns as soon as nothing of the run is
    /// due now (retries waiting, or deliveries leased by another sender)
    /// instead of waiting for it: what a worker serving many runs calls.
    ///
    /// # Errors
    /// Store failures.
    pub async fn deliver_due(&self, run: RunId, progress: Progress<'_>) -> Result<SendRun> {
        self.deliver_until(run, Until::NothingDue, progress).await
    }

    async fn deliver_until(
        &self,
        run: RunId,
        until: Until,
        progress: Progress<'_>,
    ) -> Result<SendRun> {
        let mut totals = self
            .patiently(|| format!("reading run {run}"), || self.store.get_run(run))
            .await?;
        let mailing_id = totals.mailing_id;
        let mailing = self
            .patiently(
                || format!("reading mailing {mailing_id}"),
                || self.store.get_mailing(mailing_id),
            )
            .await?;
        // The run sends what was launched: the copy of the message it took
        // at launch, whatever edits came since. A run launched before runs
        // kept their text sends the message as it is when delivery starts.
        let launched = self
            .patiently(
                || format!("reading what run {run} sends"),
                || self.store.run_message(run),
            )
            .await?;
        let letters = match launched {
            Some(message) => Letters::new(message.subject, message.body_text, message.body_html),
            None => {
                let message = self
                    .patiently(
                        || format!("reading the message of mailing {mailing_id}"),
                        || self.store.get_message(mailing.message_id),
                    )
                    .await?;
                Letters::new(message.subject, message.body_text, message.body_html)
            }
        };
        let letters = Arc::new(letters.with_links(self.unsubscribe_links().await?));
        // Part of every message key: unique across databases.
        let instance = self
            .patiently(
                || "reading the database's instance id".to_owned(),
                || self.store.instance_id(),
            )
            .await?;
        let concurrency = self.policy.concurrency.max(1);
        let max_unrecorded = self.policy.max_unrecorded.max(concurrency);
        let group = (max_unrecorded / 2).max(1);
        let mut ledger = Ledger::default();
        let mut queue: VecDeque<(usize, Delivery)> = VecDeque::new();
        let mut in_flight = FuturesUnordered::new();
        let mut pace = Pace::new(self.policy.rate);
        let mut failures_in_a_row = 0u32;
        // Why no more sends start, once that is decided.
        let mut stop: Option<Stop> = None;
        // The last claim found nothing due.
        let mut drained = false;
        let mut renew_at = self.policy.renew_at(self.clock.now());
        // The one store operation under way beside the sends (a record, a
        // renewal or a claim: SQLite has one writer, so they take turns). A
        // send holds a slot of `max_unrecorded` from its start until its
        // result is recorded: at any moment at most that many sends can
        // have gone out unrecorded, which bounds what a crash can make us
        // repeat.
        let mut store_op: Option<StoreOp<'_>> = None;
        // Results have waited `GROUP_WAIT` with no send coming back.
        let mut group_due = false;
        loop {
            if stop.is_none() && self.stop.is_stopped() {
                tracing::info!(run = %run, "stopping: no more claims; finishing the sends in flight");
                stop = Some(Stop::Shutdown);
            }
            let recording = store_op.as_ref().map_or(0, |op| op.recording);
            while stop.is_none()
                && in_flight.len() < concurrency
                && in_flight.len() + ledger.unrecorded() + recording < max_unrecorded
            {
                let Some((slot, delivery)) = queue.pop_front() else {
                    break;
                };
                let wait = pace.wait(self.clock.now());
                in_flight.push(self.attempt(
                    run,
                    &instance,
                    slot,
                    delivery,
                    Arc::clone(&letters),
                    wait,
                ));
            }
            if let Some(stop) = &stop {
                match stop.not_sent_reason() {
                    // Claimed but never started: recorded under our lease, not left to expire.
                    Some(reason) => {
                        let now = self.clock.now();
                        for (slot, delivery) in queue.drain(..) {
                            ledger.add(slot, not_sent(&delivery, &reason, now));
                        }
                    }
                    // Handed back once everything in flight is recorded.
                    None => queue.clear(),
                }
            }
            if store_op.is_none() {
                let now = self.clock.now();
                if ledger.unrecorded() > 0
                    && (ledger.unrecorded() >= group
                        || in_flight.is_empty()
                        || (queue.is_empty() && (drained || stop.is_some()))
                        || group_due
                        || ledger.waited(now) >= GROUP_WAIT)
                {
                    group_due = false;
                    // Everything back so far goes into one record, written
                    // while the sends in flight go on. Results are let
                    // gather first (up to half the window, or a short
                    // while): each record costs the store about the same
                    // however many it holds.
                    let recording = ledger.unrecorded();
                    let record = self.record(run, ledger.take_results());
                    store_op = Some(StoreOp {
                        recording,
                        future: Box::pin(record.map(|r| r.map(Stored::Recorded))),
                    });
                } else if now >= renew_at && ledger.has_claims() {
                    // Our claims stay ours while we work on them, however long.
                    renew_at = self.policy.renew_at(now);
                    let renew = self.renew(run, ledger.tokens().cloned().collect(), now);
                    store_op = Some(StoreOp {
                        recording: 0,
                        future: Box::pin(renew.map(|r| r.map(|()| Stored::Renewed))),
                    });
                } else if stop.is_none() && !drained && queue.len() < concurrency {
                    // The next batch is claimed before this one runs out,
                    // so the sends never wait for it.
                    let claim = self.claim(run, mailing_id);
                    store_op = Some(StoreOp {
                        recording: 0,
                        future: Box::pin(claim.map(|c| c.map(Stored::Claimed))),
                    });
                }
            }
            let event = match (store_op.as_mut(), in_flight.is_empty()) {
                (Some(op), false) => match future::select(in_flight.next(), &mut op.future).await {
                    Either::Left((sent, _)) => Event::Sent(sent),
                    Either::Right((stored, _)) => Event::Stored(stored),
                },
                (Some(op), true) => Event::Stored((&mut op.future).await),
                (None, false) if ledger.unrecorded() > 0 => {
                    // Slow sends must not hold the results already back.
                    let wait = GROUP_WAIT.saturating_sub(ledger.waited(self.clock.now()));
                    match future::select(in_flight.next(), Box::pin(group_timer(wait))).await {
                        Either::Left((sent, _)) => Event::Sent(sent),
                        Either::Right(((), _)) => Event::GroupDue,
                    }
                }
                (None, false) => Event::Sent(in_flight.next().await),
                (None, true) => Event::Idle,
            };
            match event {
                Event::Stored(stored) => {
                    store_op = None;
                    let unrecorded = in_flight.len() + ledger.unrecorded();
                    match stored.map_err(|e| e.with_unrecorded(unrecorded))? {
                        Stored::Recorded(after) => {
                            totals = after;
                            progress(&totals);
                        }
                        Stored::Renewed => {}
                        Stored::Claimed(Claimed::Batch(claim)) => {
                            let slot = ledger.open(claim.token, claim.deliveries.len());
                            queue.extend(claim.deliveries.into_iter().map(|d| (slot, d)));
                        }
                        Stored::Claimed(Claimed::Nothing) => drained = true,
                        Stored::Claimed(Claimed::WindowClosed) => {
                            stop.get_or_insert(Stop::WindowClosed);
                        }
                    }
                }
                Event::GroupDue => group_due = true,
                Event::Sent(first) => {
                    // Whatever else is back already joins it.
                    let mut back: Vec<_> = first.into_iter().collect();
                    while let Some(Some(more)) = in_flight.next().now_or_never() {
                        back.push(more);
                    }
                    // A send that never started (stopped while waiting for
                    // its turn under the rate) stays leased, to be handed back.
                    for (slot, done) in back
                        .into_iter()
                        .filter_map(|(slot, done)| Some((slot, done?)))
                    {
                        if let Some(reply) = done.login_refused {
                            // Every further send would fail the same way
                            // (and lock the account on many servers).
                            if !matches!(stop, Some(Stop::LoginRefused { .. } | Stop::Shutdown)) {
                                tracing::error!(run = %run, reply = %reply,
                                    "the server refused the login; sending stopped");
                                stop = Some(Stop::LoginRefused { reply });
                            }
                        } else if done.result.status == AttemptStatus::Success {
                            failures_in_a_row = 0;
                        } else if done.transient {
                            failures_in_a_row = failures_in_a_row.saturating_add(1);
                            if failures_in_a_row >= self.policy.give_up_after && stop.is_none() {
                                stop = Some(Stop::ServerDown {
                                    failures: failures_in_a_row,
                                    last: done.result.response.clone(),
                                });
                            }
                        }
                        ledger.add(slot, done.result);
                    }
                }
                // Nothing in flight, nothing to record, nothing to start.
                Event::Idle => match &stop {
                    Some(Stop::Shutdown) => {
                        totals = self.hand_back(run, &ledger).await?;
                        progress(&totals);
                        return Ok(totals);
                    }
                    Some(stop) => {
                        let reason = stop.not_sent_reason().unwrap_or_default();
                        totals = self
                            .patiently(
                                || format!("recording what run {run} did not send"),
                                || self.store.fail_remaining(run, &reason, self.clock.now()),
                            )
                            .await?;
                        progress(&totals);
                        break;
                    }
                    None => {
                        let due = self
                            .patiently(
                                || format!("finding when run {run} is next due"),
                                || self.store.next_due(run),
                            )
                            .await?;
                        match due {
                            None => break,
                            Some(_) if until == Until::NothingDue => break,
                            Some(due) => {
                                totals = self.wait_for(run, mailing_id, due).await?;
                                progress(&totals);
                                drained = false;
                            }
                        }
                    }
                },
            }
        }
        let finished = self
            .patiently(
                || format!("finishing run {run}"),
                || self.store.finish_run_if_done(run, self.clock.now()),
            )
            .await?;
        tracing::info!(
            run = %run, sent = finished.sent, failed = finished.failed,
            pending = finished.pending(), "run delivered"
        );
        Ok(finished)
    }

    /// Waits until `due` (a retry, or the end of another sender's lease),
    /// the mailing's end, the next look at the run's progress, or a stop,
    /// whichever comes first; the run's totals after. Another sender may
    /// finish the run long before its lease would end: following its
    /// progress, delivery returns as soon as the run is done.
    async fn wait_for(
        &self,
        run: RunId,
        mailing: MailingId,
        due: DateTime<Utc>,
    ) -> Result<SendRun> {
        let ends_at = self
            .patiently(
                || format!("reading mailing {mailing}"),
                || self.store.get_mailing(mailing),
            )
            .await?
            .sent_completed_at;
        let wait = wait_until(self.clock.now(), due.min(ends_at)).min(FOLLOW_EVERY);
        future::select(self.clock.sleep(wait), Box::pin(self.stop.stopped())).await;
        self.patiently(|| format!("reading run {run}"), || self.store.get_run(run))
            .await
    }

    /// Hands back every claim still open (only deliveries never started are
    /// left in them, everything else being recorded); the run's totals.
    async fn hand_back(&self, run: RunId, ledger: &Ledger) -> Result<SendRun> {
        let mut handed_back = 0;
        for token in ledger.tokens() {
            handed_back += self
                .patiently(
                    || format!("handing back the unsent deliveries of run {run}"),
                    || self.store.release_lease(run, token),
                )
                .await?;
        }
        let totals = self
            .patiently(|| format!("reading run {run}"), || self.store.get_run(run))
            .await?;
        tracing::info!(
            run = %run, handed_back, sent = totals.sent, failed = totals.failed,
            pending = totals.pending(), "stopped; unsent deliveries handed back"
        );
        Ok(totals)
    }

    /// Runs a store operation, trying again with backoff while the
    /// backend fails (a restart, a dropped connection, a full disk), for
    /// at most `store_patience`. Other errors (not found, …) are final.
    ///
    /// # Errors
    /// `StoreUnavailable` once patience is spent; the operation's own error otherwise.
    async fn patiently<T, F, Fut>(&self, doing: impl Fn() -> String, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let started = self.clock.now();
        let mut failures = 0u32;
        loop {
            match op().await {
                Ok(value) => {
                    if failures > 0 {
                        tracing::warn!(failures, "the database answers again: {}", doing());
                    }
                    return Ok(value);
                }
                Err(source @ StoreError::Backend { .. }) => {
                    failures = failures.saturating_add(1);
                    let waited = until(started, self.clock.now());
                    let Some(wait) = self.policy.store_retry_wait(failures, waited) else {
                        return Err(Error::StoreUnavailable {
                            doing: doing(),
                            waited,
                            unrecorded: 0,
                            source,
                        });
                    };
                    tracing::warn!(
                        failures, error = %source, retry_in = ?wait,
                        "the database failed; trying again: {}", doing()
                    );
                    self.clock.sleep(wait).await;
                }
                Err(other) => return Err(other.into()),
            }
        }
    }

    /// Records `batches` (results grouped by lease token); the run's totals after.
    async fn record(
        &self,
        run: RunId,
        batches: Vec<(LeaseToken, Vec<DeliveryResult>)>,
    ) -> Result<SendRun> {
        let mut totals = None;
        for (token, results) in batches {
            let doing = || format!("recording {} results of run {run}", results.len());
            totals = Some(
                self.patiently(doing, || self.store.record_results(run, &token, &results))
                    .await
                    .map_err(|e| e.with_unrecorded(results.len()))?,
            );
        }
        match totals {
            Some(totals) => Ok(totals),
            None => {
                self.patiently(|| format!("reading run {run}"), || self.store.get_run(run))
                    .await
            }
        }
    }

    /// Extends the lease of every claim in `tokens` from `now`.
    async fn renew(&self, run: RunId, tokens: Vec<LeaseToken>, now: DateTime<Utc>) -> Result<()> {
        let until = self.policy.lease_until(now);
        for token in &tokens {
            self.patiently(
                || format!("renewing a lease of run {run}"),
                || self.store.renew_lease(run, token, until),
            )
            .await?;
        }
        Ok(())
    }

    /// Claims the next batch, unless the mailing's window has closed.
    async fn claim(&self, run: RunId, mailing: MailingId) -> Result<Claimed> {
        // Re-read each time: the window may have been edited meanwhile.
        let ends_at = self
            .patiently(
                || format!("reading mailing {mailing}"),
                || self.store.get_mailing(mailing),
            )
            .await?
            .sent_completed_at;
        let now = self.clock.now();
        if now >= ends_at {
            return Ok(Claimed::WindowClosed);
        }
        let claim = self
            .patiently(
                || format!("claiming deliveries of run {run}"),
                || {
                    self.store.claim_deliveries(
                        run,
                        self.policy.batch_size,
                        now,
                        self.policy.lease_until(now),
                    )
                },
            )
            .await?;
        Ok(if claim.deliveries.is_empty() {
            Claimed::Nothing
        } else {
            Claimed::Batch(claim)
        })
    }

    /// What makes each recipient's unsubscribe link: none without a
    /// public address (the front end says so once).
    async fn unsubscribe_links(&self) -> Result<Option<UnsubscribeLinks>> {
        let Some(base) = self.policy.public_url.clone() else {
            tracing::debug!("no public URL: emails go without an unsubscribe link");
            return Ok(None);
        };
        let secret = self
            .patiently(
                || "reading the database's unsubscribe secret".to_owned(),
                || self.store.unsubscribe_secret(),
            )
            .await?;
        Ok(Some(UnsubscribeLinks { base, secret }))
    }

    /// Marks a recipient whose address the server refused at RCPT, so
    /// later runs skip them. Done beside the run's records, not in them: a
    /// failure here is logged and loses only the mark (the delivery's
    /// failure is recorded as usual), so it never holds up the run.
    async fn mark_bounced(&self, recipient: RecipientId, reply: &str) {
        let reply = visible(reply);
        if let Err(e) = self
            .store
            .mark_bounced(recipient, self.clock.now(), &reply)
            .await
        {
            tracing::warn!(%recipient, error = %e, "could not mark the recipient as bouncing");
        }
    }

    /// One send, after waiting `wait` for the rate limit; `None` when a
    /// stop came while it waited, so it never started.
    async fn attempt(
        &self,
        run: RunId,
        instance: &InstanceId,
        slot: usize,
        delivery: Delivery,
        letters: Arc<Letters>,
        wait: Duration,
    ) -> (usize, Option<Attempted>) {
        if !wait.is_zero() {
            let stopped = Box::pin(self.stop.stopped());
            if let Either::Right(_) = future::select(self.clock.sleep(wait), stopped).await {
                return (slot, None);
            }
        }
        let outcome = match letters.for_delivery(&delivery) {
            Ok(content) => {
                let email = OutgoingEmail {
                    to: delivery.email.clone(),
                    to_name: delivery.full_name.clone(),
                    content,
                    message_key: OutgoingEmail::key_for(run, delivery.id, instance),
                    unsubscribe_url: letters.unsubscribe_url(&delivery),
                };
                self.mailer.send(&email).await
            }
            // Not sent: the same template fails for this recipient on every try.
            Err(unrenderable) => Err(unrenderable),
        };
        if let (Err(MailError::AddressRefused(reply)), Some(recipient)) =
            (&outcome, delivery.recipient_id)
        {
            self.mark_bounced(recipient, reply).await;
        }
        let transient = matches!(&outcome, Err(e) if e.is_transient());
        let login_refused = match &outcome {
            Err(MailError::LoginFailed(reply)) => Some(visible(reply).into_owned()),
            _ => None,
        };
        let result = self.result_of(&delivery, outcome, self.clock.now());
        (
            slot,
            Some(Attempted {
                transient,
                login_refused,
                result,
            }),
        )
    }

    /// Turns a send outcome into what is recorded, applying the retry policy.
    fn result_of(
        &self,
        delivery: &Delivery,
        outcome: Result<ServerReply, MailError>,
        at: DateTime<Utc>,
    ) -> DeliveryResult {
        let (status, response, next) = match outcome {
            // Whatever the mailer passes on of the server's text, what is
            // recorded holds no control character (`domain::visible`).
            Ok(reply) => (
                AttemptStatus::Success,
                visible(&reply.0).into_owned(),
                NextStep::Done,
            ),
            Err(err) => {
                let tries = delivery.tries.saturating_add(1);
                let next = self.policy.next_step(tries, &err, at);
                let response = visible(&err.to_string()).into_owned();
                tracing::warn!(delivery = %delivery.id, error = %response, "send failed");
                (AttemptStatus::Failure, response, next)
            }
        };
        DeliveryResult {
            delivery_id: delivery.id,
            attempt_at: at,
            status,
            response,
            next,
        }
    }
}

/// How often a sender with nothing to do looks at the run's progress,
/// while it waits for a retry or for another sender's lease.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// Why a sender starts no more sends.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stop {
    /// The mailing's end time passed.
    WindowClosed,
    /// Temporary failures in a row reached `give_up_after`.
    ServerDown { failures: u32, last: String },
    /// The server refused the login: nothing more can be sent.
    LoginRefused { reply: String },
    /// A graceful stop was asked for.
    Shutdown,
}

impl Stop {
    /// What is recorded for the deliveries left; `None` when they are
    /// handed back for a later sender instead.
    fn not_sent_reason(&self) -> Option<String> {
        match self {
            Self::WindowClosed => Some(WINDOW_CLOSED.to_owned()),
            Self::ServerDown { failures, last } => Some(format!(
                "{GAVE_UP} after {failures} temporary failures in a row; last: {last}"
            )),
            Self::LoginRefused { reply } => Some(format!(
                "not sent: the SMTP server refused the login: {reply}"
            )),
            Self::Shutdown => None,
        }
    }
}

impl Error {
    /// Adds `more` to the results an outage left unrecorded.
    fn with_unrecorded(self, more: usize) -> Self {
        match self {
            Self::StoreUnavailable {
                doing,
                waited,
                unrecorded,
                source,
            } => Self::StoreUnavailable {
                doing,
                waited,
                unrecorded: unrecorded.saturating_add(more),
                source,
            },
            other => other,
        }
    }
}

/// A finished send: its result and whether it failed temporarily.
struct Attempted {
    transient: bool,
    /// The server's reply to a refused login.
    login_refused: Option<String>,
    result: DeliveryResult,
}

/// A store operation under way while sends go on, and how many results it
/// records (their slots stay taken until it is written).
struct StoreOp<'a> {
    recording: usize,
    future: Pin<Box<dyn Future<Output = Result<Stored>> + Send + 'a>>,
}

/// What a store operation ended with.
enum Stored {
    /// A record was written; the run's totals after it.
    Recorded(SendRun),
    Renewed,
    Claimed(Claimed),
}

/// What the delivery loop woke up for.
enum Event {
    Sent(Option<(usize, Option<Attempted>)>),
    Stored(Result<Stored>),
    /// Results have waited long enough to be recorded.
    GroupDue,
    Idle,
}

/// When `deliver` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Until {
    /// Every delivery is done (waiting for retries as needed).
    Finished,
    /// Nothing is due now.
    NothingDue,
}

enum Claimed {
    Batch(Claim),
    Nothing,
    WindowClosed,
}

/// The claims being worked on and the results not yet recorded.
#[derive(Default)]
struct Ledger {
    next_slot: usize,
    /// Per claim: its lease token and how many of its deliveries have no result yet.
    claims: HashMap<usize, (LeaseToken, usize)>,
    unrecorded: Vec<(usize, DeliveryResult)>,
}

impl Ledger {
    fn open(&mut self, token: LeaseToken, size: usize) -> usize {
        let slot = self.next_slot;
        self.next_slot += 1;
        self.claims.insert(slot, (token, size));
        slot
    }

    fn add(&mut self, slot: usize, result: DeliveryResult) {
        self.unrecorded.push((slot, result));
    }

    /// How long the oldest unrecorded result (the first: they come in
    /// the order they are back) has waited, by its attempt time.
    fn waited(&self, now: DateTime<Utc>) -> Duration {
        self.unrecorded
            .first()
            .map(|(_, r)| until(r.attempt_at, now))
            .unwrap_or_default()
    }

    /// How many results wait to be recorded.
    fn unrecorded(&self) -> usize {
        self.unrecorded.len()
    }

    /// Whether any claim is still being worked on.
    fn has_claims(&self) -> bool {
        !self.claims.is_empty()
    }

    /// The tokens of the claims still being worked on.
    fn tokens(&self) -> impl Iterator<Item = &LeaseToken> {
        self.claims.values().map(|(token, _)| token)
    }

    /// The unrecorded results grouped by lease token; a claim whose every
    /// delivery has its result is forgotten, so memory stays flat.
    fn take_results(&mut self) -> Vec<(LeaseToken, Vec<DeliveryResult>)> {
        let mut groups: HashMap<usize, Vec<DeliveryResult>> = HashMap::new();
        for (slot, result) in self.unrecorded.drain(..) {
            groups.entry(slot).or_default().push(result);
        }
        let mut out = Vec::with_capacity(groups.len());
        for (slot, results) in groups {
            let Some((token, outstanding)) = self.claims.get_mut(&slot) else {
                continue;
            };
            *outstanding = outstanding.saturating_sub(results.len());
            let token = if *outstanding == 0 {
                self.claims.remove(&slot).map(|(t, _)| t)
            } else {
                Some(token.clone())
            };
            if let Some(token) = token {
                out.push((token, results));
            }
        }
        out
    }
}

/// Wakes the send loop once results have waited `wait` with no send coming
/// back to record them. A cap on the latency of grouping (like Nagle's on
/// TCP), so it uses the runtime's timer, not the [`Clock`] port, whose
/// sleeps are the domain's (retries, rate, the window). Without Tokio,
/// results wait for the next send to come back.
async fn group_timer(wait: Duration) {
    #[cfg(feature = "tokio")]
    tokio::time::sleep(wait).await;
    #[cfg(not(feature = "tokio"))]
    {
        let _ = wait;
        std::future::pending::<()>().await;
    }
}

/// A claimed delivery that will not be sent, recorded as a failure with `reason`.
fn not_sent(delivery: &Delivery, reason: &str, at: DateTime<Utc>) -> DeliveryResult {
    DeliveryResult {
        delivery_id: delivery.id,
        attempt_at: at,
        status: AttemptStatus::Failure,
        response: reason.to_owned(),
        next: NextStep::Done,
    }
}

/// How long to wait from `now` until `due`, at least a little so a busy
/// loop cannot form.
fn wait_until(now: DateTime<Utc>, due: DateTime<Utc>) -> Duration {
    until(now, due).max(Duration::from_millis(20))
}
