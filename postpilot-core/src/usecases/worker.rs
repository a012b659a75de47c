//! The worker: launches mailings whose scheduled time has come and delivers
//! every unfinished run, sharing the queue with any other sender on the
//! same database (ARCHITECTURE.md, "One sender per process").

use std::time::Duration;

use super::policy::until;
use super::send::{Progress, SendMailing, SendStore};
use crate::domain::{Audience, Trigger};
use crate::error::{Error, Result};
use crate::ports::{Clock, Mailer, StoreError};

/// Mailings launched and runs visited per pass.
const PER_PASS: u32 = 100;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Mailings launched because their first send time had come.
    pub launched: usize,
    /// Unfinished runs found (and given their due deliveries).
    pub unfinished: usize,
    /// Deliveries that reached a final state during the pass.
    pub delivered: u64,
    /// Runs the pass finished.
    pub finished: usize,
}

/// Runs passes of scheduling and delivery.
#[derive(Debug, Clone)]
pub struct Worker<S, M, C> {
    send: SendMailing<S, M, C>,
    /// Wait between passes when there is nothing to do.
    pub poll: Duration,
    /// Whether a pass launches the mailings whose first send time has come
    /// (the scheduler); on unless turned off. Off, a pass only delivers
    /// runs launched otherwise.
    pub schedule: bool,
}

impl<S: SendStore, M: Mailer, C: Clock> Worker<S, M, C> {
    pub fn new(send: SendMailing<S, M, C>) -> Self {
        Self {
            send,
            poll: Duration::from_secs(2),
            schedule: true,
        }
    }

    /// One pass: launch every mailing due at this moment, then deliver what
    /// is due of every unfinished run (without waiting for retries).
    ///
    /// # Errors
    /// Store failures.
    pub async fn pass(&self, progress: Progress<'_>) -> Result<Pass> {
        let mut pass = Pass::default();
        if self.stopped() {
            return Ok(pass);
        }
        let now = self.send.clock().now();
        let due = if self.schedule {
            self.send.store().due_mailings(now, PER_PASS).await?
        } else {
            Vec::new()
        };
        for mailing in due {
            match self
                .send
                .launch(mailing, Trigger::Schedule, Audience::Everyone)
                .await
            {
                Ok(launch) => {
                    if !launch.resumed {
                        pass.launched += 1;
                    }
                }
                // Deleted, disabled, or its window closed, since it was listed.
                Err(
                    Error::MailingCompleted(_)
                    | Error::MailingDisabled(_)
                    | Error::Store(StoreError::NotFound { .. }),
                ) => {}
                Err(e) => return Err(e),
            }
        }
        let runs = self.send.store().unfinished_runs(PER_PASS).await?;
        pass.unfinished = runs.len();
        for run in runs {
            // A stop asked for during a run ends it gracefully; no next one starts.
            if self.stopped() {
                break;
            }
            let before = self.send.store().get_run(run).await?;
            let after = match self.send.deliver_due(run, progress).await {
                Ok(after) => after,
                // The mailing was deleted meanwhile, with its runs.
                Err(Error::Store(StoreError::NotFound { .. })) => continue,
                Err(e) => return Err(e),
            };
            pass.delivered +=
                (after.sent + after.failed).saturating_sub(before.sent + before.failed);
            if after.is_finished() {
                pass.finished += 1;
            }
        }
        Ok(pass)
    }

    /// Passes until no run is left unfinished and no mailing is due, waiting
    /// for retries in between: `postpilot worker --until-idle`.
    ///
    /// # Errors
    /// Store failures.
    pub async fn run_until_idle(&self, progress: Progress<'_>) -> Result<Pass> {
        let mut total = Pass::default();
        loop {
            let pass = self.pass(progress).await?;
            total.launched += pass.launched;
            total.delivered += pass.delivered;
            total.finished += pass.finished;
            let left = self.send.store().unfinished_runs(PER_PASS).await?;
            total.unfinished = left.len();
            if self.stopped() {
                return Ok(total);
            }
            if left.is_empty()
                && (!self.schedule
                    || self
                        .send
                        .store()
                        .due_mailings(self.send.clock().now(), 1)
                        .await?
                        .is_empty())
            {
                return Ok(total);
            }
            if pass.delivered == 0 && pass.launched == 0 {
                self.pause(self.next_wait(&left).await?).await;
            }
        }
    }

    /// Passes for ever, until the sender's stop signal is raised (see
    /// [`SendMailing::with_stop`]): the run being delivered then stops
    /// gracefully (sends in flight finish and are recorded, unsent
    /// deliveries are handed back) and no further pass starts. Between
    /// passes with nothing done, or after a failed one (logged), it waits
    /// `poll`.
    ///
    /// # Errors
    /// None so far: failures are logged and retried.
    pub async fn run(&self, progress: Progress<'_>) -> Result<()> {
        while !self.stopped() {
            match self.pass(progress).await {
                Ok(pass) if pass.delivered > 0 || pass.launched > 0 => {}
                Ok(_) => self.pause(self.poll).await,
                // A long-running worker outlives a database hiccup.
                Err(e) => {
                    tracing::error!(error = %e, "worker pass failed; retrying");
                    self.pause(self.poll).await;
                }
            }
        }
        Ok(())
    }

    fn stopped(&self) -> bool {
        self.send.stop_signal().is_stopped()
    }

    /// Waits `wait`, or less if a stop is asked for meanwhile.
    async fn pause(&self, wait: Duration) {
        let stopped = Box::pin(self.send.stop_signal().stopped());
        futures::future::select(self.send.clock().sleep(wait), stopped).await;
    }

    /// How long a sender with nothing to do now may wait: until the
    /// earliest retry of an unfinished run, at most `poll`.
    ///
    /// # Errors
    /// Store failures.
    pub async fn idle_wait(&self) -> Result<Duration> {
        let runs = self.send.store().unfinished_runs(PER_PASS).await?;
        self.next_wait(&runs).await
    }

    /// How long to wait for the earliest retry among `runs`, at most `poll`.
    async fn next_wait(&self, runs: &[crate::domain::RunId]) -> Result<Duration> {
        let now = self.send.clock().now();
        let mut wait = self.poll;
        for run in runs {
            if let Some(due) = self.send.store().next_due(*run).await? {
                wait = wait.min(until(now, due));
            }
        }
        Ok(wait.max(Duration::from_millis(20)))
    }
}
