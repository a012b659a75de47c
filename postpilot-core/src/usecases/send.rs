//! SendMailing: launch a run and deliver it (Отправка по требованию).
//!
//! The seed's algorithm on the queue of DESIGN §5: a launch records a run
//! with one delivery per recipient; deliveries are claimed in leased
//! batches, each recipient gets its own email, and each try is recorded as
//! an attempt with the server's reply. Nothing is held in memory beyond one
//! batch, and a run interrupted at any point is finished by delivering it
//! again.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
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
    AttemptStatus, Claim, Delivery, DeliveryResult, Launch, LeaseToken, MailingId, MailingStatus,
    NextStep, RunId, SendRun, Trigger,
};
use crate::error::{Error, Result};
use crate::ports::{
    Clock, Content, DeliveryRepository, MailError, Mailer, MailingRepository, MessageRepository,
    OutgoingEmail, ServerReply,
};

use super::pace::Pace;

/// How long a result may wait for others to be recorded with.
const GROUP_WAIT: Duration = Duration::from_millis(200);

/// Recorded for deliveries still unsent when the mailing's window closes.
pub const WINDOW_CLOSED: &str = "not sent: the mailing's end time passed";

/// How deliveries are taken and retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPolicy {
    /// Deliveries claimed (and recorded) together.
    pub batch_size: u32,
    /// How long a claim is owned before another sender may take it over;
    /// renewed every third of it while the sender works. After a crash,
    /// the claimed deliveries are taken up again once it has passed. Must
    /// exceed the longest single send (the SMTP deadline).
    pub lease: Duration,
    /// Tries per recipient for transient failures, the first included.
    pub max_tries: u32,
    /// Wait before the second try; doubled for each later one.
    pub retry_backoff: Duration,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// Sends that may have gone out without their result recorded yet
    /// (in flight, or back and waiting for the record being written): what
    /// a crash can make us repeat. Taken as at least `concurrency`. Above
    /// it, results are recorded in larger groups while sends go on, which
    /// is most of the speed on a fast server.
    pub max_unrecorded: usize,
    /// Messages per second at most; `None` for no limit.
    pub rate: Option<NonZeroU32>,
    /// Temporary failures in a row, with no success between, after which
    /// the server is taken to be down: the rest of the run is recorded as
    /// not sent instead of being retried for ever.
    pub give_up_after: u32,
}

impl Default for SendPolicy {
    fn default() -> Self {
        Self {
            batch_size: 50,
            lease: Duration::from_secs(60),
            max_tries: 3,
            retry_backoff: Duration::from_secs(2),
            concurrency: 8,
            max_unrecorded: 64,
            rate: None,
            give_up_after: 100,
        }
    }
}

/// Called with the run's totals after each recorded batch.
pub type Progress<'a> = &'a (dyn Fn(&SendRun) + Send + Sync);

/// The use case. Generic over its ports; wired by the front end.
#[derive(Debug, Clone)]
pub struct SendMailing<S, M, C> {
    store: S,
    mailer: M,
    clock: C,
    policy: SendPolicy,
}

impl<S, M, C> SendMailing<S, M, C>
where
    S: MailingRepository + MessageRepository + DeliveryRepository,
    M: Mailer,
    C: Clock,
{
    pub fn new(store: S, mailer: M, clock: C, policy: SendPolicy) -> Self {
        Self {
            store,
            mailer,
            clock,
            policy,
        }
    }

    pub(super) fn store(&self) -> &S {
        &self.store
    }

    pub(super) fn clock(&self) -> &C {
        &self.clock
    }

    /// Launches a run of the mailing now, or picks up its unfinished one.
    ///
    /// # Errors
    /// `MailingCompleted` when the end time has passed; `NotFound`.
    pub async fn launch(&self, mailing: MailingId, trigger: Trigger) -> Result<Launch> {
        let now = self.clock.now();
        let found = self.store.get_mailing(mailing).await?;
        if found.status(now) == MailingStatus::Completed {
            return Err(Error::MailingCompleted(mailing));
        }
        let launch = self.store.launch_run(mailing, trigger, now).await?;
        tracing::info!(
            mailing = %mailing, run = %launch.run.id, resumed = launch.resumed,
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
        progress: Progress<'_>,
    ) -> Result<(Launch, SendRun)> {
        let launch = self.launch(mailing, trigger).await?;
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
        let mut totals = self.store.get_run(run).await?;
        let mailing = self.store.get_mailing(totals.mailing_id).await?;
        // The content is fixed for the whole run, even if the message is edited meanwhile.
        let message = self.store.get_message(mailing.message_id).await?;
        let content = Arc::new(Content {
            subject: message.subject,
            body_text: message.body_text,
        });
        let concurrency = self.policy.concurrency.max(1);
        let max_unrecorded = self.policy.max_unrecorded.max(concurrency);
        let group = (max_unrecorded / 2).max(1);
        let mut ledger = Ledger::default();
        let mut queue: VecDeque<(usize, Delivery)> = VecDeque::new();
        let mut in_flight = FuturesUnordered::new();
        let mut pace = Pace::new(self.policy.rate);
        let mut failures_in_a_row = 0u32;
        // Why no more sends start, once that is decided.
        let mut stop: Option<String> = None;
        // The last claim found nothing due.
        let mut drained = false;
        let mut renew_at = self.clock.now() + self.policy.lease / 3;
        // The one store operation under way beside the sends (a record or
        // a claim: SQLite has one writer, so they take turns). A send holds
        // a slot of `max_unrecorded` from its start until its result is
        // recorded: at any moment at most that many sends can have gone
        // out unrecorded, which bounds what a crash can make us repeat.
        let mut store_op: Option<StoreOp<'_>> = None;
        // Results have waited `GROUP_WAIT` with no send coming back.
        let mut group_due = false;
        loop {
            let now = self.clock.now();
            // Our claims stay ours while we work on them, however long. An
            // operation under way may hold the store's writer: renewing
            // waits for it to end (the next turn of the loop).
            if now >= renew_at && store_op.is_none() {
                for token in ledger.tokens() {
                    self.store
                        .renew_lease(run, token, now + self.policy.lease)
                        .await?;
                }
                renew_at = now + self.policy.lease / 3;
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
                in_flight.push(self.attempt(run, slot, delivery, Arc::clone(&content), wait));
            }
            if let Some(reason) = &stop {
                // Claimed but never started: recorded under our lease, not left to expire.
                let now = self.clock.now();
                for (slot, delivery) in queue.drain(..) {
                    ledger.add(slot, not_sent(&delivery, reason, now));
                }
            }
            if store_op.is_none() {
                if ledger.unrecorded() > 0
                    && (ledger.unrecorded() >= group
                        || in_flight.is_empty()
                        || (queue.is_empty() && (drained || stop.is_some()))
                        || group_due
                        || ledger.waited(self.clock.now()) >= GROUP_WAIT)
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
                } else if stop.is_none() && !drained && queue.len() < concurrency {
                    // The next batch is claimed before this one runs out,
                    // so the sends never wait for it.
                    let claim = self.claim(run, totals.mailing_id);
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
                    match stored? {
                        Stored::Recorded(after) => {
                            totals = after;
                            progress(&totals);
                        }
                        Stored::Claimed(Claimed::Batch(claim)) => {
                            let slot = ledger.open(claim.token, claim.deliveries.len());
                            queue.extend(claim.deliveries.into_iter().map(|d| (slot, d)));
                        }
                        Stored::Claimed(Claimed::Nothing) => drained = true,
                        Stored::Claimed(Claimed::WindowClosed) => {
                            stop = Some(WINDOW_CLOSED.to_owned());
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
                    for (slot, done) in back {
                        if done.result.status == AttemptStatus::Success {
                            failures_in_a_row = 0;
                        } else if done.transient {
                            failures_in_a_row += 1;
                            if failures_in_a_row >= self.policy.give_up_after && stop.is_none() {
                                stop = Some(format!(
                                    "not sent: gave up after {failures_in_a_row} temporary failures in a row; last: {}",
                                    done.result.response
                                ));
                            }
                        }
                        ledger.add(slot, done.result);
                    }
                }
                // Nothing in flight, nothing to record, nothing to start.
                Event::Idle => {
                    if let Some(reason) = &stop {
                        totals = self
                            .store
                            .fail_remaining(run, reason, self.clock.now())
                            .await?;
                        progress(&totals);
                        break;
                    }
                    match self.store.next_due(run).await? {
                        None => break,
                        Some(_) if until == Until::NothingDue => break,
                        Some(due) => {
                            let now = self.clock.now();
                            let ends_at = self
                                .store
                                .get_mailing(totals.mailing_id)
                                .await?
                                .sent_completed_at;
                            self.clock.sleep(wait_until(now, due.min(ends_at))).await;
                            drained = false;
                        }
                    }
                }
            }
        }
        let finished = self.store.finish_run_if_done(run, self.clock.now()).await?;
        tracing::info!(
            run = %run, sent = finished.sent, failed = finished.failed,
            pending = finished.pending(), "run delivered"
        );
        Ok(finished)
    }

    /// Records `batches` (results grouped by lease token); the run's totals after.
    async fn record(
        &self,
        run: RunId,
        batches: Vec<(LeaseToken, Vec<DeliveryResult>)>,
    ) -> Result<SendRun> {
        let mut totals = None;
        for (token, results) in batches {
            totals = Some(self.store.record_results(run, &token, &results).await?);
        }
        match totals {
            Some(totals) => Ok(totals),
            None => Ok(self.store.get_run(run).await?),
        }
    }

    /// Claims the next batch, unless the mailing's window has closed.
    async fn claim(&self, run: RunId, mailing: MailingId) -> Result<Claimed> {
        let now = self.clock.now();
        // Re-read each time: the window may have been edited meanwhile.
        if now >= self.store.get_mailing(mailing).await?.sent_completed_at {
            return Ok(Claimed::WindowClosed);
        }
        let claim = self
            .store
            .claim_deliveries(run, self.policy.batch_size, now, now + self.policy.lease)
            .await?;
        Ok(if claim.deliveries.is_empty() {
            Claimed::Nothing
        } else {
            Claimed::Batch(claim)
        })
    }

    /// One send, after waiting `wait` for the rate limit.
    async fn attempt(
        &self,
        run: RunId,
        slot: usize,
        delivery: Delivery,
        content: Arc<Content>,
        wait: Duration,
    ) -> (usize, Attempted) {
        if !wait.is_zero() {
            self.clock.sleep(wait).await;
        }
        let email = OutgoingEmail {
            to: delivery.email.clone(),
            to_name: delivery.full_name.clone(),
            content,
            message_key: OutgoingEmail::key_for(run, delivery.id),
        };
        let outcome = self.mailer.send(&email).await;
        let transient = matches!(&outcome, Err(e) if e.is_transient());
        let result = self.result_of(&delivery, outcome, self.clock.now());
        (slot, Attempted { transient, result })
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
                let tries = delivery.tries + 1;
                let next = if err.is_transient() && tries < self.policy.max_tries {
                    let backoff = self.policy.retry_backoff * 2u32.saturating_pow(tries - 1);
                    NextStep::RetryAt(
                        at + chrono::Duration::from_std(backoff).unwrap_or(chrono::Duration::MAX),
                    )
                } else {
                    NextStep::Done
                };
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

/// A finished send: its result and whether it failed temporarily.
struct Attempted {
    transient: bool,
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
    Claimed(Claimed),
}

/// What the delivery loop woke up for.
enum Event {
    Sent(Option<(usize, Attempted)>),
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
            .and_then(|(_, r)| (now - r.attempt_at).to_std().ok())
            .unwrap_or_default()
    }

    /// How many results wait to be recorded.
    fn unrecorded(&self) -> usize {
        self.unrecorded.len()
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
    (due - now)
        .to_std()
        .unwrap_or_default()
        .max(Duration::from_millis(20))
}
