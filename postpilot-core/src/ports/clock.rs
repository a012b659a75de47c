//! The Clock port: time is injected so status rules and schedules can be
//! tested at their boundaries.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Waits `duration` (a retry backoff).
    async fn sleep(&self, duration: Duration);
}

/// The real clock. Sleeping needs an async runtime's timer, which the core
/// does not pick; front ends pass a clock whose `sleep` uses theirs.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock<S = ThreadSleep> {
    sleeper: S,
}

/// Something that can wait.
#[async_trait]
pub trait Sleep: Send + Sync {
    async fn sleep(&self, duration: Duration);
}

/// Falls back to blocking the thread: correct anywhere, fine for tests and
/// short waits; the CLI plugs in tokio's timer instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleep;

#[async_trait]
impl Sleep for ThreadSleep {
    async fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

impl SystemClock<ThreadSleep> {
    /// A clock whose `sleep` blocks the thread; prefer [`SystemClock::tokio`] under tokio.
    pub fn new() -> Self {
        Self {
            sleeper: ThreadSleep,
        }
    }
}

impl<S> SystemClock<S> {
    pub fn with_sleep(sleeper: S) -> Self {
        Self { sleeper }
    }
}

/// Sleeps on tokio's timer, so a retry backoff does not block the runtime.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

#[cfg(feature = "tokio")]
#[async_trait]
impl Sleep for TokioSleep {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

#[cfg(feature = "tokio")]
impl SystemClock<TokioSleep> {
    /// The real clock, sleeping on tokio's timer.
    pub fn tokio() -> Self {
        Self {
            sleeper: TokioSleep,
        }
    }
}

#[async_trait]
impl<S: Sleep> Clock for SystemClock<S> {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep(&self, duration: Duration) {
        self.sleeper.sleep(duration).await;
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
