//! The UI sessions opened with the configured token, in memory
//! (ARCHITECTURE.md, "HTTP"); a user's sessions are in the database.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use postpilot_core::Actor;

use super::{random_hex, Session, SESSION_COOKIE};

/// Sessions kept at once; the oldest is dropped beyond.
const MAX_SESSIONS: usize = 10_000;

struct Entry {
    csrf: String,
    expires: Instant,
}

/// The sessions opened with the configured token (the login URL printed
/// at start), in memory: a restart ends them, and the token opens a new
/// one. A user's sessions are in the database (`AccessRepository`).
pub(crate) struct Sessions {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Sessions {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic elsewhere cannot leave a map of sessions half-updated.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a session with its own random id and CSRF token.
    pub fn create(&self) -> Session {
        let session = Session {
            id: random_hex(),
            csrf: random_hex(),
            actor: Actor::System,
        };
        let now = Instant::now();
        let mut entries = self.lock();
        entries.retain(|_, e| e.expires > now);
        if entries.len() >= MAX_SESSIONS {
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.expires)
                .map(|(id, _)| id.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            session.id.clone(),
            Entry {
                csrf: session.csrf.clone(),
                expires: now + self.ttl,
            },
        );
        session
    }

    /// The live session named `id`.
    pub fn get(&self, id: &str) -> Option<Session> {
        let entries = self.lock();
        let entry = entries.get(id)?;
        (entry.expires > Instant::now()).then(|| Session {
            id: id.to_owned(),
            csrf: entry.csrf.clone(),
            actor: Actor::System,
        })
    }

    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// The `Set-Cookie` value that hands `session` to the browser.
    pub fn cookie(&self, session: &Session) -> HeaderValue {
        let value = format!(
            "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
            session.id,
            self.ttl.as_secs()
        );
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}
