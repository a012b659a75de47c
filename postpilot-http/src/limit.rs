//! Limiting of token guesses. The API (`Authorization: Bearer`) and the
//! UI's `/login` take the same secret, so both share one limiter: a client
//! that presents a wrong token [`LoginLimit::max_failures`] times within
//! [`LoginLimit::window`] is refused — the right token included — with
//! `429 Too Many Requests` and `Retry-After` until that window ends.
//!
//! A client is its IP address (an IPv6 address by its /64 network, which
//! one host usually holds whole). Behind a reverse proxy every client
//! shares the proxy's address, and so one limit. The state is in memory
//! and bounded: it forgets a client once its window has passed, and the
//! oldest one when it holds [`MAX_CLIENTS`].

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// Clients remembered at once.
pub(crate) const MAX_CLIENTS: usize = 100_000;

/// How many wrong tokens a client may present, and over how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimit {
    /// Wrong tokens accepted within one window; the next attempt is refused.
    pub max_failures: u32,
    /// How long a window lasts from a client's first wrong token.
    pub window: Duration,
}

impl Default for LoginLimit {
    /// 10 wrong tokens per client per minute.
    fn default() -> Self {
        Self {
            max_failures: 10,
            window: Duration::from_secs(60),
        }
    }
}

/// Who is asking, as far as limiting goes: the peer's IP address, or
/// `None` when the server was not told (in-process calls), which all share
/// one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Client(Option<IpAddr>);

impl Client {
    pub fn of(addr: Option<SocketAddr>) -> Self {
        Self(addr.map(|a| match a.ip().to_canonical() {
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
            v4 => v4,
        }))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        Ok(Self::of(addr))
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    since: Instant,
    failures: u32,
}

/// The failures of each client (or account: `K`) within its current window.
#[derive(Debug)]
pub(crate) struct Limiter<K = Client> {
    limit: LoginLimit,
    clients: Mutex<HashMap<K, Entry>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    pub fn new(limit: LoginLimit) -> Self {
        Self {
            limit,
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Err(retry_after)` while `client` has used up its wrong tokens.
    pub fn check(&self, client: &K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut clients = self.lock();
        let Some(entry) = clients.get(client).copied() else {
            return Ok(());
        };
        let ends = entry.since + self.limit.window;
        if now >= ends {
            clients.remove(client);
            return Ok(());
        }
        if entry.failures >= self.limit.max_failures {
            return Err(ends - now);
        }
        Ok(())
    }

    /// Counts a wrong token from `client`.
    pub fn failed(&self, client: &K) {
        let now = Instant::now();
        let window = self.limit.window;
        let mut clients = self.lock();
        if !clients.contains_key(client) && clients.len() >= MAX_CLIENTS {
            clients.retain(|_, e| now < e.since + window);
            if clients.len() >= MAX_CLIENTS {
                if let Some(oldest) = clients
                    .iter()
                    .min_by_key(|(_, e)| e.since)
                    .map(|(c, _)| c.clone())
                {
                    clients.remove(&oldest);
                }
            }
        }
        let entry = clients.entry(client.clone()).or_insert(Entry {
            since: now,
            failures: 0,
        });
        if now >= entry.since + window {
            *entry = Entry {
                since: now,
                failures: 0,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Whole seconds to wait, rounded up and at least 1: the `Retry-After` value.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(ip: &str) -> Client {
        Client::of(Some(SocketAddr::new(ip.parse().expect("ip"), 4000)))
    }

    fn limiter(max_failures: u32, window: Duration) -> Limiter {
        Limiter::new(LoginLimit {
            max_failures,
            window,
        })
    }

    #[test]
    fn a_client_is_refused_after_its_failures_and_others_are_not() {
        let l = limiter(3, Duration::from_secs(60));
        let (a, b) = (client("192.0.2.1"), client("192.0.2.2"));
        for _ in 0..3 {
            assert!(l.check(&a).is_ok());
            l.failed(&a);
        }
        let wait = l.check(&a).expect_err("limited");
        assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(58));
        assert!(l.check(&b).is_ok(), "another address is not limited");
    }

    #[test]
    fn the_limit_lifts_when_the_window_has_passed() {
        let l = limiter(1, Duration::from_millis(30));
        let a = client("192.0.2.1");
        l.failed(&a);
        assert!(l.check(&a).is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(l.check(&a).is_ok());
        assert_eq!(l.len(), 0, "a passed window is forgotten");
        l.failed(&a);
        assert!(
            l.check(&a).is_err(),
            "a new window starts with the next failure"
        );
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_network_and_mapped_ipv4_as_ipv4() {
        assert_eq!(client("2001:db8:1:2::1"), client("2001:db8:1:2:ffff::9"));
        assert_ne!(client("2001:db8:1:2::1"), client("2001:db8:1:3::1"));
        assert_eq!(client("::ffff:192.0.2.1"), client("192.0.2.1"));
        assert_eq!(Client::of(None), Client::of(None));
    }

    #[test]
    fn memory_stays_bounded_however_many_clients_fail() {
        let l = limiter(10, Duration::from_secs(60));
        for i in 0..(MAX_CLIENTS as u32 + 50) {
            l.failed(&Client::of(Some(SocketAddr::from((i.to_be_bytes(), 1)))));
        }
        assert_eq!(l.len(), MAX_CLIENTS);
    }

    #[test]
    fn retry_after_is_rounded_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(59_001)), 60);
        assert_eq!(retry_after_secs(Duration::from_secs(60)), 60);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
