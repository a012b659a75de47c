//! The engine's store operations. Each goes through [`SendMailing::patiently`],
//! so a database outage is waited out (ARCHITECTURE.md, "Database outages").

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future;

use super::ledger::Ledger;
use super::{SendMailing, SendStore};
use crate::domain::{
    Claim, DeliveryResult, InstanceId, LeaseToken, Mailing, MailingId, RunId, SendRun,
    UnsubscribeLinks,
};
use crate::error::{Error, Result};
use crate::ports::{Clock, Mailer, StoreError};
use crate::usecases::letters::Letters;
use crate::usecases::policy::until;

/// How often a sender with nothing to do looks at the run's progress,
/// while it waits for a retry or for another sender's lease.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// Whether the mailing may still be sent, as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    Open,
    WindowClosed,
    Disabled,
}

/// What a claim found.
pub(super) enum Claimed {
    Batch(Claim),
    Nothing,
    WindowClosed,
    Disabled,
}

impl<S: SendStore, M: Mailer, C: Clock> SendMailing<S, M, C> {
    /// Runs a store operation, trying again with backoff while the
    /// backend fails (a restart, a dropped connection, a full disk), for
    /// at most `store_patience`. Other errors (not found, …) are final.
    ///
    /// # Errors
    /// `StoreUnavailable` once patience is spent; the operation's own error otherwise.
    pub(super) async fn patiently<T, F, Fut>(
        &self,
        doing: impl Fn() -> String,
        mut op: F,
    ) -> Result<T>
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

    /// The run's totals.
    pub(super) async fn get_run(&self, run: RunId) -> Result<SendRun> {
        self.patiently(|| format!("reading run {run}"), || self.store.get_run(run))
            .await
    }

    /// What the run sends: the copy of the message it took at launch,
    /// whatever edits came since. A run launched before runs kept their
    /// text sends the message as it is when delivery starts.
    pub(super) async fn letters(&self, run: RunId, mailing_id: MailingId) -> Result<Letters> {
        let mailing = self
            .patiently(
                || format!("reading mailing {mailing_id}"),
                || self.store.get_mailing(mailing_id),
            )
            .await?;
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
        Ok(letters.with_links(self.unsubscribe_links().await?))
    }

    /// The database's instance id: part of every message key, unique across databases.
    pub(super) async fn instance(&self) -> Result<Arc<InstanceId>> {
        self.patiently(
            || "reading the database's instance id".to_owned(),
            || self.store.instance_id(),
        )
        .await
        .map(Arc::new)
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

    /// Records `batches` (results grouped by lease token) in one store
    /// operation; the run's totals after.
    pub(super) async fn record(
        &self,
        run: RunId,
        batches: Vec<(LeaseToken, Vec<DeliveryResult>)>,
    ) -> Result<SendRun> {
        if batches.is_empty() {
            return self.get_run(run).await;
        }
        let count: usize = batches.iter().map(|(_, results)| results.len()).sum();
        let doing = || format!("recording {count} results of run {run}");
        self.patiently(doing, || self.store.record_claims(run, &batches))
            .await
            .map_err(|e| e.with_unrecorded(count))
    }

    /// Extends the lease of every claim in `tokens` from `now`.
    pub(super) async fn renew(
        &self,
        run: RunId,
        tokens: Vec<LeaseToken>,
        now: DateTime<Utc>,
    ) -> Result<()> {
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

    /// Whether the mailing may still be sent: read anew each time, as its
    /// window may have been edited, or it disabled, meanwhile.
    pub(super) async fn standing(&self, mailing: MailingId) -> Result<Standing> {
        let found = self.mailing(mailing).await?;
        Ok(standing_of(&found, self.clock.now()))
    }

    /// As [`Self::standing`], once, without waiting out an outage: what a
    /// record looks at on the side. A failed look is no answer (`Open`);
    /// the next look, or the next claim, asks again, so a database that
    /// fails holds up no record for it.
    pub(super) async fn glance(&self, mailing: MailingId) -> Result<Standing> {
        match self.store.get_mailing(mailing).await {
            Ok(found) => Ok(standing_of(&found, self.clock.now())),
            Err(StoreError::Backend { .. }) => Ok(Standing::Open),
            Err(other) => Err(other.into()),
        }
    }

    /// Claims the next batch; with `look`, first reads whether the mailing
    /// may still be sent, and claims nothing if its window has closed or it
    /// was disabled.
    pub(super) async fn claim(
        &self,
        run: RunId,
        mailing: MailingId,
        look: bool,
    ) -> Result<Claimed> {
        if look {
            match self.standing(mailing).await? {
                Standing::Open => {}
                Standing::WindowClosed => return Ok(Claimed::WindowClosed),
                Standing::Disabled => return Ok(Claimed::Disabled),
            }
        }
        let now = self.clock.now();
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

    /// The mailing as it is now.
    async fn mailing(&self, mailing: MailingId) -> Result<Mailing> {
        self.patiently(
            || format!("reading mailing {mailing}"),
            || self.store.get_mailing(mailing),
        )
        .await
    }

    /// When the run's next delivery is due; `None` when none is left.
    pub(super) async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>> {
        self.patiently(
            || format!("finding when run {run} is next due"),
            || self.store.next_due(run),
        )
        .await
    }

    /// Waits until `due` (a retry, or the end of another sender's lease),
    /// the mailing's end, the next look at the run's progress, or a stop,
    /// whichever comes first; the run's totals after. Another sender may
    /// finish the run long before its lease would end: following its
    /// progress, delivery returns as soon as the run is done.
    pub(super) async fn wait_for(
        &self,
        run: RunId,
        mailing: MailingId,
        due: DateTime<Utc>,
    ) -> Result<SendRun> {
        let ends_at = self.mailing(mailing).await?.sent_completed_at;
        let wait = wait_until(self.clock.now(), due.min(ends_at)).min(FOLLOW_EVERY);
        future::select(self.clock.sleep(wait), Box::pin(self.stop.stopped())).await;
        self.get_run(run).await
    }

    /// Records every delivery of the run left unsent as failed with `reason`.
    pub(super) async fn fail_remaining(&self, run: RunId, reason: &str) -> Result<SendRun> {
        self.patiently(
            || format!("recording what run {run} did not send"),
            || self.store.fail_remaining(run, reason, self.clock.now()),
        )
        .await
    }

    /// Hands back every claim still open (only deliveries never started are
    /// left in them, everything else being recorded); the run's totals.
    pub(super) async fn hand_back(&self, run: RunId, ledger: &Ledger) -> Result<SendRun> {
        let mut handed_back = 0;
        for token in ledger.tokens() {
            handed_back += self
                .patiently(
                    || format!("handing back the unsent deliveries of run {run}"),
                    || self.store.release_lease(run, token),
                )
                .await?;
        }
        let totals = self.get_run(run).await?;
        tracing::info!(
            run = %run, handed_back, sent = totals.sent, failed = totals.failed,
            pending = totals.pending(), "stopped; unsent deliveries handed back"
        );
        Ok(totals)
    }

    /// Marks the run finished if every delivery is done; its totals.
    pub(super) async fn finish(&self, run: RunId) -> Result<SendRun> {
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
}

impl Error {
    /// Adds `more` to the results an outage left unrecorded.
    pub(super) fn with_unrecorded(self, more: usize) -> Self {
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

/// Whether `mailing` may still be sent at `now`.
fn standing_of(mailing: &Mailing, now: DateTime<Utc>) -> Standing {
    if now >= mailing.sent_completed_at {
        Standing::WindowClosed
    } else if mailing.is_disabled() {
        Standing::Disabled
    } else {
        Standing::Open
    }
}

/// How long to wait from `now` until `due`, at least a little so a busy
/// loop cannot form.
fn wait_until(now: DateTime<Utc>, due: DateTime<Utc>) -> Duration {
    until(now, due).max(Duration::from_millis(20))
}
