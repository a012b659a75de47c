//! A small pool of idle SMTP connections.
//!
//! A [`Semaphore`] with `size` permits bounds the sends in flight; each send
//! holds a permit while it uses at most one connection, taken from the idle
//! list or opened fresh only when that list is empty. A connection is idle
//! only between two sends and a send returns it before giving up its permit,
//! so connections in use plus idle ones never exceed `size`: the number of
//! connections open to the server is bounded by the pool size.
//!
//! The pool knows nothing of SMTP: the caller decides whether a connection
//! is good enough to return ([`Lease::put_back`]); one that is not is simply
//! dropped. Idle connections older than the idle timeout are handed back
//! to the caller to close on the next checkout rather than reused: servers
//! drop idle clients (Postfix after 300 s), and a long-idle connection is
//! more likely dead than not.
//!
//! A permit can change hands with its connection: a send that pipelines the
//! next email onto its connection passes both to that email's send
//! ([`Lease::into_permit`], [`Pool::adopt`]); the bound holds, since the
//! permit still goes with exactly one connection.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(crate) struct Pool<C> {
    size: usize,
    idle_timeout: Duration,
    permits: Arc<Semaphore>,
    /// Most recently returned last: reusing the warmest connection lets the
    /// others age out when fewer are needed.
    idle: Mutex<Vec<Idle<C>>>,
}

struct Idle<C> {
    conn: C,
    since: Instant,
}

/// The right to use one connection: the pooled one it came with, if any.
/// Dropping it (or the connection) frees the permit without returning a
/// connection: that is what happens to a broken one or to a send cut short.
pub(crate) struct Lease<'a, C> {
    pool: &'a Pool<C>,
    conn: Option<C>,
    /// Idle connections found too old: not to be used, only closed.
    expired: Vec<C>,
    // Declared last so it is released after `put_back` has run.
    permit: OwnedSemaphorePermit,
}

impl<C> Pool<C> {
    /// A pool of at most `size` connections (0 is taken as 1), each kept
    /// idle for at most `idle_timeout`.
    pub(crate) fn new(size: usize, idle_timeout: Duration) -> Self {
        let size = size.max(1);
        Self {
            size,
            idle_timeout,
            permits: Arc::new(Semaphore::new(size)),
            idle: Mutex::new(Vec::with_capacity(size)),
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Waits for a free slot; the lease carries the most recently used idle
    /// connection, if there is one that has not been idle too long.
    ///
    /// `None` only if the semaphore were closed, which this pool never does.
    pub(crate) async fn checkout(&self) -> Option<Lease<'_, C>> {
        let permit = Arc::clone(&self.permits).acquire_owned().await.ok()?;
        let mut idle = self.lock();
        let now = Instant::now();
        let (fresh, expired): (Vec<_>, Vec<_>) = idle
            .drain(..)
            .partition(|i| now.saturating_duration_since(i.since) < self.idle_timeout);
        *idle = fresh;
        let conn = idle.pop().map(|i| i.conn);
        drop(idle);
        Some(Lease {
            pool: self,
            conn,
            expired: expired.into_iter().map(|i| i.conn).collect(),
            permit,
        })
    }

    /// The lease of a permit taken from another lease with its connection
    /// ([`Lease::into_permit`]): no connection comes with it.
    pub(crate) fn adopt(&self, permit: OwnedSemaphorePermit) -> Lease<'_, C> {
        Lease {
            pool: self,
            conn: None,
            expired: Vec::new(),
            permit,
        }
    }

    /// Takes every idle connection out of the pool, e.g. to close them.
    pub(crate) fn drain(&self) -> Vec<C> {
        self.lock().drain(..).map(|i| i.conn).collect()
    }

    /// How many connections are idle right now.
    pub(crate) fn idle_count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Idle<C>>> {
        // Only whole pushes and pops happen under the lock, so a panic
        // elsewhere cannot leave the list half-changed.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<'a, C> Lease<'a, C> {
    /// The pooled connection this lease came with, if any.
    pub(crate) fn take(&mut self) -> Option<C> {
        self.conn.take()
    }

    /// Idle connections found too old at checkout, for the caller to close.
    pub(crate) fn take_expired(&mut self) -> Vec<C> {
        std::mem::take(&mut self.expired)
    }

    /// The permit, to go with the connection to another send.
    pub(crate) fn into_permit(self) -> OwnedSemaphorePermit {
        self.permit
    }

    /// Returns a connection, good for the next message, to the pool.
    pub(crate) fn put_back(self, conn: C) {
        self.return_idle(conn);
    }

    /// Gives the lease up unused: the idle connection it came with goes back
    /// to the pool, not closed (a send taken on by another connection while
    /// it also got a permit has no use for this one). The expired ones are
    /// the caller's to close.
    pub(crate) fn give_up(mut self) -> Vec<C> {
        if let Some(conn) = self.conn.take() {
            self.return_idle(conn);
        }
        std::mem::take(&mut self.expired)
    }

    fn return_idle(&self, conn: C) {
        let mut idle = self.pool.lock();
        // Cannot be full while this lease holds a permit (see the module
        // docs); the check only keeps a bug from growing the list.
        if idle.len() < self.pool.size {
            idle.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }
}

impl<C> fmt::Debug for Pool<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("idle", &self.idle_count())
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    const IDLE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn returned_connection_is_handed_to_the_next_checkout() {
        let pool = Pool::new(2, IDLE);
        let mut lease = pool.checkout().await.expect("open pool");
        assert_eq!(lease.take(), None);
        lease.put_back(7);
        let mut lease = pool.checkout().await.expect("open pool");
        assert_eq!(lease.take(), Some(7));
        drop(lease);
        assert_eq!(pool.idle_count(), 0, "a dropped lease returns nothing");
    }

    #[tokio::test]
    async fn connections_idle_too_long_come_back_only_to_be_closed() {
        let pool = Pool::new(2, Duration::from_millis(20));
        pool.checkout().await.expect("open pool").put_back(1);
        tokio::time::sleep(Duration::from_millis(40)).await;
        let mut lease = pool.checkout().await.expect("open pool");
        assert_eq!(lease.take(), None);
        assert_eq!(lease.take_expired(), vec![1]);
    }

    #[tokio::test]
    async fn connections_in_use_plus_idle_never_exceed_the_size() {
        let pool = Arc::new(Pool::new(3, IDLE));
        let open = Arc::new(AtomicUsize::new(0));
        let max_open = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (pool, open, max_open) = (pool.clone(), open.clone(), max_open.clone());
            tasks.push(tokio::spawn(async move {
                let mut lease = pool.checkout().await.expect("open pool");
                let conn = match lease.take() {
                    Some(conn) => conn,
                    None => {
                        let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                        max_open.fetch_max(now, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        now
                    }
                };
                tokio::task::yield_now().await;
                lease.put_back(conn);
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        assert!(max_open.load(Ordering::SeqCst) <= 3);
        assert!(pool.idle_count() <= 3);
    }

    #[tokio::test]
    async fn a_lease_given_up_returns_its_connection_to_the_pool() {
        let pool = Pool::new(1, IDLE);
        pool.checkout().await.expect("open pool").put_back(7);
        let lease = pool.checkout().await.expect("open pool");
        assert!(lease.give_up().is_empty());
        assert_eq!(pool.idle_count(), 1, "the connection is idle again");
        let mut lease = pool.checkout().await.expect("the permit came back too");
        assert_eq!(lease.take(), Some(7));
    }

    #[test]
    fn zero_size_is_taken_as_one() {
        assert_eq!(Pool::<u8>::new(0, IDLE).size(), 1);
    }
}
