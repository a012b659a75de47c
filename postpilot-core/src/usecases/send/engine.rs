//! The send loop, as named phases over one state (ARCHITECTURE.md,
//! "Delivery engine").
//!
//! One task drives every send and one store operation at a time (a record,
//! a lease renewal or a claim: SQLite has one writer, so they take turns).
//! A *slot* is a place in the window of `max_unrecorded`: a send takes one
//! when it starts and gives it back once its result is recorded, so at
//! most that many sends are ever out unrecorded, which bounds what a crash
//! can make us repeat.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::{self, BoxFuture, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;

use super::attempt::{not_sent, Sent};
use super::ledger::{ClaimNo, Ledger};
use super::stop::Stop;
use super::store_ops::{Claimed, Standing};
use super::{Progress, SendMailing, SendStore, Until};
use crate::domain::{Delivery, InstanceId, MailingId, RunId, SendRun};
use crate::error::Result;
use crate::ports::{Clock, Mailer};
use crate::usecases::letters::Letters;
use crate::usecases::pace::Pace;
use crate::usecases::policy::later;
use next_op::{next_op, NextOp};

mod back;
mod next_op;

/// How long a result may wait for others to be recorded with.
const GROUP_WAIT: Duration = Duration::from_millis(200);

/// How often, at most, a claim or a record also reads whether the mailing
/// may still be sent: a mailing disabled or closed meanwhile stops the
/// sending within about this long (a batch claimed whole may take long to
/// send, so records look too), and a fast run does not read its mailing
/// with each of its many claims.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The store operation under way while sends go on.
struct StoreOp<'a> {
    /// Results it records: their slots stay taken until it is written.
    recording: usize,
    future: BoxFuture<'a, Result<Stored>>,
}

/// What a store operation ended with.
enum Stored {
    /// A record was written; the run's totals after it.
    Recorded(SendRun),
    /// A record and the claim made beside it.
    RecordedAndClaimed(SendRun, Claimed),
    /// A record and a look at whether the mailing may still be sent.
    RecordedAndLooked(SendRun, Standing),
    Renewed,
    Claimed(Claimed),
}

/// What the loop woke up for.
enum Event {
    Sent(Option<Sent>),
    Stored(Result<Stored>),
    /// Results have waited `GROUP_WAIT` with no send coming back.
    GroupDue,
    /// Nothing in flight, nothing to record, nothing to start.
    Idle,
}

/// How a delivery ends.
enum End {
    /// Stopped: the run's totals once what was not started is handed back.
    HandedBack(SendRun),
    /// Nothing more to do: the run is marked finished if it is done.
    Finish,
}

/// One delivery of a run: the state the phases share.
pub(super) struct Engine<'a, S, M, C> {
    send: &'a SendMailing<S, M, C>,
    run: RunId,
    mailing: MailingId,
    until: Until,
    progress: Progress<'a>,
    letters: Arc<Letters>,
    instance: Arc<InstanceId>,
    /// Sends in flight at once, at most.
    concurrency: usize,
    /// Slots: sends out unrecorded at once, at most.
    max_unrecorded: usize,
    /// Results worth a record without waiting for more: half the slots.
    group: usize,
    ledger: Ledger,
    /// Claimed deliveries not started yet.
    queue: VecDeque<(ClaimNo, Delivery)>,
    in_flight: FuturesUnordered<BoxFuture<'a, Sent>>,
    pace: Pace,
    failures_in_a_row: u32,
    /// Why no more sends start, once that is decided.
    stop: Option<Stop>,
    /// The last claim found nothing due.
    drained: bool,
    renew_at: DateTime<Utc>,
    store_op: Option<StoreOp<'a>>,
    /// Results have waited `GROUP_WAIT` with no send coming back.
    group_due: bool,
    /// When a claim or record next looks at whether the mailing may still
    /// be sent.
    look_at: DateTime<Utc>,
}

impl<'a, S: SendStore, M: Mailer, C: Clock> Engine<'a, S, M, C> {
    /// Reads what the run sends, ready for its first turn.
    pub(super) async fn start(
        send: &'a SendMailing<S, M, C>,
        run: RunId,
        until: Until,
        progress: Progress<'a>,
    ) -> Result<Self> {
        let mailing = send.get_run(run).await?.mailing_id;
        let letters = Arc::new(send.letters(run, mailing).await?);
        let instance = send.instance().await?;
        let concurrency = send.policy.concurrency.max(1);
        let max_unrecorded = send.policy.max_unrecorded.max(concurrency);
        Ok(Self {
            send,
            run,
            mailing,
            until,
            progress,
            letters,
            instance,
            concurrency,
            max_unrecorded,
            group: (max_unrecorded / 2).max(1),
            ledger: Ledger::default(),
            queue: VecDeque::new(),
            in_flight: FuturesUnordered::new(),
            pace: Pace::new(send.policy.rate),
            failures_in_a_row: 0,
            stop: None,
            drained: false,
            renew_at: send.policy.renew_at(send.clock.now()),
            store_op: None,
            group_due: false,
            look_at: send.clock.now(),
        })
    }

    /// Turns until the run is delivered (or nothing is due, or a stop).
    pub(super) async fn run(mut self) -> Result<SendRun> {
        loop {
            self.note_stop_request();
            self.start_sends();
            self.abandon_queue();
            self.start_store_op();
            let event = self.next_event().await;
            match self.handle(event).await? {
                None => {}
                Some(End::HandedBack(totals)) => return Ok(totals),
                Some(End::Finish) => return self.send.finish(self.run).await,
            }
        }
    }

    /// A stop asked for (SIGTERM, Ctrl-C) ends the sending.
    fn note_stop_request(&mut self) {
        if self.stop.is_none() && self.send.stop.is_stopped() {
            tracing::info!(run = %self.run, "stopping: no more claims; finishing the sends in flight");
            self.stop = Some(Stop::Shutdown);
        }
    }

    /// Slots taken: sends in flight, results back, results being recorded.
    fn slots_taken(&self) -> usize {
        let recording = self.store_op.as_ref().map_or(0, |op| op.recording);
        self.in_flight.len() + self.ledger.unrecorded() + recording
    }

    /// Starts sends from the queue, up to `concurrency` and while a slot is free.
    fn start_sends(&mut self) {
        let send = self.send;
        while self.stop.is_none()
            && self.in_flight.len() < self.concurrency
            && self.slots_taken() < self.max_unrecorded
        {
            let Some((claim, delivery)) = self.queue.pop_front() else {
                break;
            };
            let wait = self.pace.wait(send.clock.now());
            let attempt = send.attempt(
                self.run,
                Arc::clone(&self.instance),
                claim,
                delivery,
                Arc::clone(&self.letters),
                wait,
            );
            self.in_flight.push(attempt.boxed());
        }
    }

    /// Once stopping, nothing of the queue is sent: it is recorded as not
    /// sent under our lease (not left to expire), or on a shutdown handed
    /// back once everything in flight is recorded.
    fn abandon_queue(&mut self) {
        let Some(stop) = &self.stop else { return };
        if self.queue.is_empty() {
            return;
        }
        match stop.not_sent_reason() {
            Some(reason) => {
                let now = self.send.clock.now();
                for (claim, delivery) in self.queue.drain(..) {
                    self.ledger.add(claim, not_sent(&delivery, &reason, now));
                }
            }
            None => self.queue.clear(),
        }
    }

    /// With no store operation under way, starts one ([`next_op`]).
    fn start_store_op(&mut self) {
        if self.store_op.is_some() {
            return;
        }
        let now = self.send.clock.now();
        let renew_due = now >= self.renew_at && self.ledger.has_claims();
        self.store_op = match next_op(self.record_due(now), renew_due, self.claim_wanted()) {
            Some(NextOp::Record { with_claim }) => Some(self.start_record(with_claim)),
            Some(NextOp::Renew) => Some(self.start_renewal(now)),
            Some(NextOp::Claim) => Some(self.start_claim()),
            None => None,
        };
    }

    /// Whether to claim the next batch now: before the queue runs out, so
    /// the sends never wait for it.
    fn claim_wanted(&self) -> bool {
        self.stop.is_none() && !self.drained && self.queue.len() < self.concurrency
    }

    /// Whether the results back are to be recorded now. They gather first
    /// (up to half the slots, or a short while), as each record costs the
    /// store about the same however many it holds, but not when no more
    /// are coming, nor when they hold up the sends (every slot taken).
    fn record_due(&self, now: DateTime<Utc>) -> bool {
        let back = self.ledger.unrecorded();
        back > 0
            && (back >= self.group
                || self.in_flight.is_empty()
                // No send can start before some are recorded.
                || self.slots_taken() >= self.max_unrecorded
                || (self.queue.is_empty() && (self.drained || self.stop.is_some()))
                || self.group_due
                || self.ledger.waited(now) >= GROUP_WAIT)
    }

    /// Everything back so far goes into one record, written while the
    /// sends in flight go on; `with_claim`, the next claim beside it.
    fn start_record(&mut self, with_claim: bool) -> StoreOp<'a> {
        self.group_due = false;
        let recording = self.ledger.unrecorded();
        let record = self.send.record(self.run, self.ledger.take_results());
        let look = self.look_due();
        let future = if with_claim {
            let claim = self.send.claim(self.run, self.mailing, look);
            future::try_join(record, claim)
                .map(|r| r.map(|(totals, claimed)| Stored::RecordedAndClaimed(totals, claimed)))
                .boxed()
        } else if look {
            let standing = self.send.glance(self.mailing);
            future::try_join(record, standing)
                .map(|r| r.map(|(totals, standing)| Stored::RecordedAndLooked(totals, standing)))
                .boxed()
        } else {
            record.map(|r| r.map(Stored::Recorded)).boxed()
        };
        StoreOp { recording, future }
    }

    /// Whether the store operation starting now is to look at whether the
    /// mailing may still be sent (at most once every [`LOOK_EVERY`]).
    fn look_due(&mut self) -> bool {
        let now = self.send.clock.now();
        let due = self.stop.is_none() && now >= self.look_at;
        if due {
            self.look_at = later(now, LOOK_EVERY);
        }
        due
    }

    /// Our claims stay ours while we work on them, however long.
    fn start_renewal(&mut self, now: DateTime<Utc>) -> StoreOp<'a> {
        self.renew_at = self.send.policy.renew_at(now);
        let renew = self
            .send
            .renew(self.run, self.ledger.tokens().cloned().collect(), now);
        StoreOp {
            recording: 0,
            future: renew.map(|r| r.map(|()| Stored::Renewed)).boxed(),
        }
    }

    fn start_claim(&mut self) -> StoreOp<'a> {
        let look = self.look_due();
        let claim = self.send.claim(self.run, self.mailing, look);
        StoreOp {
            recording: 0,
            future: claim.map(|c| c.map(Stored::Claimed)).boxed(),
        }
    }

    /// Waits for a send to come back, the store operation to end, or the
    /// results back to have waited long enough (slow sends must not hold
    /// them); `Idle` at once when nothing is under way.
    async fn next_event(&mut self) -> Event {
        match (self.store_op.as_mut(), self.in_flight.is_empty()) {
            (Some(op), false) => {
                match future::select(self.in_flight.next(), &mut op.future).await {
                    Either::Left((sent, _)) => Event::Sent(sent),
                    Either::Right((stored, _)) => Event::Stored(stored),
                }
            }
            (Some(op), true) => Event::Stored((&mut op.future).await),
            (None, false) if self.ledger.unrecorded() > 0 => {
                let clock = &self.send.clock;
                let wait = GROUP_WAIT.saturating_sub(self.ledger.waited(clock.now()));
                match future::select(self.in_flight.next(), clock.sleep(wait)).await {
                    Either::Left((sent, _)) => Event::Sent(sent),
                    Either::Right(((), _)) => Event::GroupDue,
                }
            }
            (None, false) => Event::Sent(self.in_flight.next().await),
            (None, true) => Event::Idle,
        }
    }

    /// Handles `event`; `Some` when delivery ends.
    async fn handle(&mut self, event: Event) -> Result<Option<End>> {
        match event {
            Event::Sent(first) => self.take_back(first),
            Event::Stored(stored) => self.stored(stored)?,
            Event::GroupDue => self.group_due = true,
            Event::Idle => return self.when_idle().await,
        }
        Ok(None)
    }

    /// The store operation ended: its totals reported, its batch queued.
    fn stored(&mut self, stored: Result<Stored>) -> Result<()> {
        self.store_op = None;
        let unrecorded = self.in_flight.len() + self.ledger.unrecorded();
        match stored.map_err(|e| e.with_unrecorded(unrecorded))? {
            Stored::Recorded(totals) => (self.progress)(&totals),
            Stored::RecordedAndClaimed(totals, claimed) => {
                (self.progress)(&totals);
                self.claimed(claimed);
            }
            Stored::RecordedAndLooked(totals, standing) => {
                (self.progress)(&totals);
                self.looked(standing);
            }
            Stored::Renewed => {}
            Stored::Claimed(claimed) => self.claimed(claimed),
        }
        Ok(())
    }

    /// A claim's batch joins the queue.
    fn claimed(&mut self, claimed: Claimed) {
        match claimed {
            Claimed::Batch(claim) => {
                let no = self.ledger.open(claim.token, claim.deliveries.len());
                self.queue
                    .extend(claim.deliveries.into_iter().map(|d| (no, d)));
            }
            Claimed::Nothing => self.drained = true,
            Claimed::WindowClosed => self.looked(Standing::WindowClosed),
            Claimed::Disabled => self.looked(Standing::Disabled),
        }
    }

    /// A mailing closed or disabled stops the sending: nothing more is
    /// claimed or started, and what is left is recorded as not sent.
    fn looked(&mut self, standing: Standing) {
        let stop = match standing {
            Standing::Open => return,
            Standing::WindowClosed => Stop::WindowClosed,
            Standing::Disabled => {
                tracing::info!(run = %self.run, "the mailing was disabled: sending stops");
                Stop::Disabled
            }
        };
        self.stop.get_or_insert(stop);
    }

    /// Nothing under way: on a shutdown hand back what is left; on another
    /// stop record it as not sent; else end, or wait for the next due
    /// delivery and go on.
    async fn when_idle(&mut self) -> Result<Option<End>> {
        let (send, run) = (self.send, self.run);
        let totals = match &self.stop {
            Some(Stop::Shutdown) => {
                let totals = send.hand_back(run, &self.ledger).await?;
                (self.progress)(&totals);
                return Ok(Some(End::HandedBack(totals)));
            }
            Some(stop) => {
                let reason = stop.not_sent_reason().unwrap_or_default();
                (self.progress)(&send.fail_remaining(run, &reason).await?);
                return Ok(Some(End::Finish));
            }
            None => match send.next_due(run).await? {
                Some(due) if self.until == Until::Finished => {
                    send.wait_for(run, self.mailing, due).await?
                }
                _ => return Ok(Some(End::Finish)),
            },
        };
        (self.progress)(&totals);
        self.drained = false;
        Ok(None)
    }
}
