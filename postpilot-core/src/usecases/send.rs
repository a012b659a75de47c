//! SendMailing: launch a run and deliver it (Отправка по требованию).
//!
//! The seed's algorithm on the queue of DESIGN §5: a launch records a run
//! with one delivery per recipient; deliveries are claimed in leased
//! batches, each recipient gets its own email, and each try is recorded as
//! an attempt with the server's reply. Nothing is held in memory beyond one
//! batch, and a run interrupted at any point is finished by delivering it
//! again.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{
    AttemptStatus, Delivery, DeliveryResult, Launch, MailingId, MailingStatus, NextStep, RunId,
    SendRun, Trigger,
};
use crate::error::{Error, Result};
use crate::ports::{
    Clock, Content, DeliveryRepository, MailError, Mailer, MailingRepository, MessageRepository,
    OutgoingEmail, ServerReply,
};

/// Recorded for deliveries still unsent when the mailing's window closes.
pub const WINDOW_CLOSED: &str = "not sent: the mailing's end time passed";

/// How deliveries are taken and retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPolicy {
    /// Deliveries claimed (and recorded) together.
    pub batch_size: u32,
    /// How long a claim is owned before another sender may take it over.
    pub lease: Duration,
    /// Tries per recipient for transient failures, the first included.
    pub max_tries: u32,
    /// Wait before the second try; doubled for each later one.
    pub retry_backoff: Duration,
}

impl Default for SendPolicy {
    fn default() -> Self {
        Self {
            batch_size: 50,
            lease: Duration::from_secs(15 * 60),
            max_tries: 3,
            retry_backoff: Duration::from_secs(2),
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
    /// finished. When the mailing's end time passes first, what is left is
    /// recorded as failed with [`WINDOW_CLOSED`].
    ///
    /// # Errors
    /// Store failures; a failed send is recorded, never an error.
    pub async fn deliver(&self, run: RunId, progress: Progress<'_>) -> Result<SendRun> {
        let mut totals = self.store.get_run(run).await?;
        let mailing = self.store.get_mailing(totals.mailing_id).await?;
        // The content is fixed for the whole run, even if the message is edited meanwhile.
        let message = self.store.get_message(mailing.message_id).await?;
        let content = Arc::new(Content {
            subject: message.subject,
            body_text: message.body_text,
        });
        loop {
            let now = self.clock.now();
            // Re-read each batch: the window may have been edited meanwhile.
            let ends_at = self
                .store
                .get_mailing(totals.mailing_id)
                .await?
                .sent_completed_at;
            if now >= ends_at {
                totals = self.store.fail_remaining(run, WINDOW_CLOSED, now).await?;
                progress(&totals);
                break;
            }
            let claim = self
                .store
                .claim_deliveries(run, self.policy.batch_size, now, now + self.policy.lease)
                .await?;
            if claim.deliveries.is_empty() {
                match self.store.next_due(run).await? {
                    None => break,
                    Some(due) => {
                        self.clock.sleep(wait_until(now, due.min(ends_at))).await;
                        continue;
                    }
                }
            }
            let mut results = Vec::with_capacity(claim.deliveries.len());
            for delivery in &claim.deliveries {
                let email = OutgoingEmail {
                    to: delivery.email.clone(),
                    to_name: delivery.full_name.clone(),
                    content: Arc::clone(&content),
                    message_key: OutgoingEmail::key_for(run, delivery.id),
                };
                let outcome = self.mailer.send(&email).await;
                results.push(self.result_of(delivery, outcome, self.clock.now()));
            }
            totals = self
                .store
                .record_results(run, &claim.token, &results)
                .await?;
            progress(&totals);
        }
        let finished = self.store.finish_run_if_done(run, self.clock.now()).await?;
        tracing::info!(
            run = %run, sent = finished.sent, failed = finished.failed,
            pending = finished.pending(), "run delivered"
        );
        Ok(finished)
    }

    /// Turns a send outcome into what is recorded, applying the retry policy.
    fn result_of(
        &self,
        delivery: &Delivery,
        outcome: Result<ServerReply, MailError>,
        at: DateTime<Utc>,
    ) -> DeliveryResult {
        let (status, response, next) = match outcome {
            Ok(reply) => (AttemptStatus::Success, reply.0, NextStep::Done),
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
                tracing::warn!(delivery = %delivery.id, error = %err, "send failed");
                (AttemptStatus::Failure, err.to_string(), next)
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

/// How long to wait from `now` until `due`, at least a little so a busy
/// loop cannot form.
fn wait_until(now: DateTime<Utc>, due: DateTime<Utc>) -> Duration {
    (due - now)
        .to_std()
        .unwrap_or_default()
        .max(Duration::from_millis(20))
}
