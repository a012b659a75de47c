//! The Clock port: time is injected so status rules, schedules and every
//! wait of the send engine can be tested at their boundaries.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Waits `duration` without blocking the thread: a retry backoff, the
    /// rate limit, the grouping of results, a worker's poll.
    async fn sleep(&self, duration: Duration);
}

/// The real clock, sleeping on tokio's timer (the core's `tokio` feature).
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[cfg(feature = "tokio")]
#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

#[async_trait]
impl<T: Clock + ?Sized> Clock for std::sync::Arc<T> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }

    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await;
    }
}
