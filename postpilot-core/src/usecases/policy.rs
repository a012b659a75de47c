//! How deliveries are taken, retried and given up on: the policy and the
//! pure arithmetic of its decisions (retry times, leases, waiting out a
//! database outage). Every sum is checked, so no accepted value can panic.
//! See ARCHITECTURE.md, "Delivery engine".

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{InvalidField, NextStep, Problem, PublicUrl};
use crate::ports::MailError;

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
    /// How long a failing database is waited for (its operations retried
    /// with backoff) before the sender stops; results in hand are kept
    /// until recorded.
    pub store_patience: Duration,
    /// Where recipients reach the server (`--public-url`): with it, every
    /// email carries a one-click unsubscribe link; without it, none.
    pub public_url: Option<PublicUrl>,
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
            store_patience: Duration::from_secs(60),
            public_url: None,
        }
    }
}

/// The longest lease a policy may have.
pub const MAX_LEASE: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest first retry backoff a policy may have.
pub const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest a failing database may be waited for.
pub const MAX_STORE_PATIENCE: Duration = Duration::from_secs(24 * 60 * 60);
/// The most tries per recipient a policy may allow.
pub const MAX_TRIES: u32 = 100;
/// No single retry waits longer than this, however many tries came before.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The first wait after a failed store operation; doubled after each
/// further failure, up to [`STORE_RETRY_MAX`].
const STORE_RETRY_FIRST: Duration = Duration::from_millis(250);
const STORE_RETRY_MAX: Duration = Duration::from_secs(5);

impl SendPolicy {
    /// Checks every value against its bound.
    ///
    /// # Errors
    /// `InvalidField` naming the first value out of bounds.
    pub fn validate(&self) -> Result<(), InvalidField> {
        let within = |field: &'static str, value: Duration, max: Duration| {
            if value.is_zero() || value > max {
                Err(InvalidField::new(
                    field,
                    Problem::Other(format!(
                        "must be more than zero and at most {}s",
                        max.as_secs()
                    )),
                ))
            } else {
                Ok(())
            }
        };
        within("lease", self.lease, MAX_LEASE)?;
        within("retry_backoff", self.retry_backoff, MAX_RETRY_BACKOFF)?;
        within("store_patience", self.store_patience, MAX_STORE_PATIENCE)?;
        if !(1..=MAX_TRIES).contains(&self.max_tries) {
            return Err(InvalidField::new(
                "max_tries",
                Problem::Other(format!("must be from 1 to {MAX_TRIES}")),
            ));
        }
        Ok(())
    }

    /// What becomes of a delivery whose try number `tries` (the first is 1)
    /// failed with `error` at `at`: retried after the backoff when the
    /// failure is temporary and tries are left, done otherwise.
    pub fn next_step(&self, tries: u32, error: &MailError, at: DateTime<Utc>) -> NextStep {
        if error.is_transient() && tries < self.max_tries {
            NextStep::RetryAt(later(at, self.retry_delay(tries)))
        } else {
            NextStep::Done
        }
    }

    /// The wait after try number `tries` failed: the backoff, doubled for
    /// each try after the first, at most [`MAX_RETRY_DELAY`].
    pub fn retry_delay(&self, tries: u32) -> Duration {
        let doublings = tries.saturating_sub(1);
        2u32.checked_pow(doublings)
            .and_then(|factor| self.retry_backoff.checked_mul(factor))
            .map_or(MAX_RETRY_DELAY, |d| d.min(MAX_RETRY_DELAY))
    }

    /// Until when a claim made (or renewed) at `now` is ours.
    pub fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        later(now, self.lease)
    }

    /// When a lease taken at `now` is next renewed: after a third of it.
    pub fn renew_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        later(now, self.lease / 3)
    }

    /// How long to wait before trying a store operation again after its
    /// `failures`-th failure in a row, `waited` after the first; `None`
    /// once `store_patience` is spent.
    pub fn store_retry_wait(&self, failures: u32, waited: Duration) -> Option<Duration> {
        let left = self.store_patience.checked_sub(waited)?;
        if left.is_zero() {
            return None;
        }
        let backoff = 2u32
            .checked_pow(failures.saturating_sub(1))
            .and_then(|factor| STORE_RETRY_FIRST.checked_mul(factor))
            .map_or(STORE_RETRY_MAX, |d| d.min(STORE_RETRY_MAX));
        Some(backoff.min(left))
    }
}

/// `at` plus `wait`, or the latest representable time when that overflows.
pub fn later(at: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|wait| at.checked_add_signed(wait))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How long from `now` until `then`; zero when it has passed.
pub fn until(now: DateTime<Utc>, then: DateTime<Utc>) -> Duration {
    (then - now).to_std().unwrap_or_default()
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
