//! SendMailing: launch a run and deliver it (Отправка по требованию). This
//! file is the use case's public API; how a run is delivered is the engine's
//! (ARCHITECTURE.md, "Delivery engine").
//!
//! A launch records a run with one delivery per recipient; delivering claims
//! them in leased batches, sends each recipient its own email, and records
//! each try as an attempt with the server's reply. Nothing is held in memory
//! beyond a few batches, and a run interrupted at any point is finished by
//! delivering it again.
//!
//! - [`engine`]: the send loop, one method per phase;
//! - [`attempt`]: one send and the result it records;
//! - [`ledger`]: the claims being worked on and the results not yet recorded;
//! - [`stop`]: why sending stops, and what is recorded for what is left;
//! - [`store_ops`]: the engine's store operations, each waiting out an outage.

mod attempt;
mod engine;
mod ledger;
mod stop;
mod store_ops;

use crate::domain::{Audience, Launch, MailingId, MailingStatus, RunId, SendRun, Trigger};
use crate::error::{Error, Result};
use crate::ports::{
    Clock, DeliveryRepository, InstanceRepository, Mailer, MailingRepository, MessageRepository,
    SuppressionRepository,
};

pub use super::policy::SendPolicy;
use super::stop::StopSignal;
use engine::Engine;

/// Recorded for deliveries still unsent when the mailing's window closes.
pub const WINDOW_CLOSED: &str = "not sent: the mailing's end time passed";

/// Recorded for deliveries still unsent when the mailing is disabled.
pub const DISABLED: &str = "not sent: the mailing was disabled";

/// How the response recorded for deliveries left when the server looked
/// down begins (`not sent: gave up after N temporary failures in a row;
/// last: …`).
pub const GAVE_UP: &str = "not sent: gave up";

/// Called with the run's totals after each recorded batch.
pub type Progress<'a> = &'a (dyn Fn(&SendRun) + Send + Sync);

/// The store ports a sender uses.
pub trait SendStore:
    MailingRepository
    + MessageRepository
    + DeliveryRepository
    + InstanceRepository
    + SuppressionRepository
{
}

impl<T> SendStore for T where
    T: MailingRepository
        + MessageRepository
        + DeliveryRepository
        + InstanceRepository
        + SuppressionRepository
{
}

/// When delivery returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Until {
    /// Every delivery is done (waiting for retries as needed).
    Finished,
    /// Nothing is due now.
    NothingDue,
}

/// The use case. Generic over its ports; wired by the front end.
#[derive(Debug, Clone)]
pub struct SendMailing<S, M, C> {
    store: S,
    mailer: M,
    clock: C,
    policy: SendPolicy,
    stop: StopSignal,
}

impl<S: SendStore, M: Mailer, C: Clock> SendMailing<S, M, C> {
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
    /// `MailingCompleted` when the end time has passed; `MailingDisabled`
    /// while a manager has it disabled; `NotFound`.
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
        // Disabled after this read, the run stops at its first claim.
        if found.is_disabled() {
            return Err(Error::MailingDisabled(mailing));
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
    /// sends are ever out unrecorded: a crash can repeat only those. When
    /// the mailing's end time passes, it is disabled, or the server looks
    /// down (`give_up_after`), what is left is recorded as not sent with
    /// the reason.
    ///
    /// # Errors
    /// Store failures; a failed send is recorded, never an error.
    pub async fn deliver(&self, run: RunId, progress: Progress<'_>) -> Result<SendRun> {
        Engine::start(self, run, Until::Finished, progress)
            .await?
            .run()
            .await
    }

    /// As [`Self::deliver`], but returns as soon as nothing of the run is
    /// due now (retries waiting, or deliveries leased by another sender)
    /// instead of waiting for it: what a worker serving many runs calls.
    ///
    /// # Errors
    /// Store failures.
    pub async fn deliver_due(&self, run: RunId, progress: Progress<'_>) -> Result<SendRun> {
        Engine::start(self, run, Until::NothingDue, progress)
            .await?
            .run()
            .await
    }
}
