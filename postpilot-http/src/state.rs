//! What every handler shares: the use cases the composition root built,
//! the mailer, the token, the UI sessions, the metrics and the background
//! deliveries.

use std::sync::Arc;
use std::time::Duration;

use postpilot_core::ports::{Clock, Mailer, Scoped, Store, UserRepository};
use postpilot_core::usecases::{
    Accounts, History, Lists, Mailings, Messages, Previews, Recipients, SendMailing, Statistics,
    StopSignal, UseCases,
};
use postpilot_core::{Actor, TokenId, UserId};

use crate::auth::{ApiToken, Sessions};
use crate::limit::{Limiter, LoginLimit};
use crate::metrics::{CountingMailer, Metrics};
use crate::sending::Deliveries;

/// The ports the server runs over, named once: every handler takes one
/// `W: Wiring` rather than a parameter per port. The binary's composition
/// root picks the real adapters, tests their own (see ARCHITECTURE.md,
/// Wiring and the composition root).
pub trait Wiring: Send + Sync + 'static {
    /// Shared between requests and the server's sender (clones share a pool).
    type Store: Store + Scoped + Clone + 'static;
    /// Shared with the server's sender and test sends.
    type Mailer: Mailer + 'static;
    /// Handed to every use case.
    type Clock: Clock + Clone + 'static;
}

/// How the server behaves; [`HttpConfig::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The one secret: `Authorization: Bearer` for the API, `/login` for the UI.
    pub token: ApiToken,
    /// Largest request body accepted, in bytes (413 beyond).
    pub body_limit: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// How a UI session lasts after login.
    pub session_ttl: Duration,
    /// Whether the server's sender is also the scheduler, launching each
    /// mailing whose first send time has come (`serve` turns it on). Off,
    /// it delivers the runs launched otherwise.
    pub schedule: bool,
    /// Whether anyone may sign up at `/signup` (with email confirmation;
    /// needs a public URL for the link).
    pub allow_signup: bool,
    /// How long the sender, with nothing to do, waits before it looks
    /// again (for runs left unfinished, or mailings come due); a send from
    /// the API or the UI wakes it at once.
    pub poll: Duration,
    /// Raised to stop the sender gracefully: it claims nothing more, lets
    /// the sends in flight finish and records them, hands back what it had
    /// not started, and ends (see [`crate::Deliveries::wait`]).
    pub stop: StopSignal,
    /// How many wrong tokens a client may present (API and `/login` together).
    pub login_limit: LoginLimit,
    /// The zone of every time the UI shows and takes (the API speaks UTC
    /// offsets and needs none).
    pub timezone: chrono_tz::Tz,
}

impl HttpConfig {
    /// Defaults: 4 MiB bodies, 30 s per request, 12 h sessions, no scheduler, a 2 s poll, a stop never raised, 10
    /// wrong tokens per client per minute, times in UTC.
    pub fn new(token: ApiToken) -> Self {
        Self {
            token,
            body_limit: 4 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            session_ttl: Duration::from_secs(12 * 60 * 60),
            schedule: false,
            allow_signup: false,
            poll: Duration::from_secs(2),
            stop: StopSignal::never(),
            login_limit: LoginLimit::default(),
            timezone: chrono_tz::Tz::UTC,
        }
    }
}

/// The state of the router: cheap to clone, shared by every request. Its
/// use cases see everything (the system's scope); a request's handler gets
/// a copy whose use cases are scoped to its actor ([`Acting`]).
pub struct AppState<W: Wiring> {
    inner: Arc<Inner<W>>,
    /// The use cases of this copy: the system's, or one actor's.
    uses: UseCases<W::Store, W::Clock>,
}

struct Inner<W: Wiring> {
    uses: UseCases<W::Store, W::Clock>,
    mailer: Arc<CountingMailer<W::Mailer>>,
    config: HttpConfig,
    sessions: Sessions,
    limiter: Limiter,
    /// Wrong passwords per account, by the email's lower-case form.
    account_limiter: Limiter<String>,
    /// Requests to the public unsubscribe pages, per client.
    unsubscribe_limiter: Limiter,
    metrics: Metrics,
    deliveries: Deliveries,
    /// The first admin once there is one: the owner of what the system
    /// (the configured token) creates. Found once, then kept.
    system_owner: std::sync::OnceLock<UserId>,
}

impl<W: Wiring> Clone for AppState<W> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            uses: self.uses.clone(),
        }
    }
}

impl<W: Wiring> std::fmt::Debug for AppState<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .field("deliveries", &self.inner.deliveries)
            .finish_non_exhaustive()
    }
}

impl<W: Wiring> AppState<W> {
    /// The state over the use cases a composition root built (their send
    /// policy is the server sender's: its rate, concurrency and bound on
    /// unrecorded sends hold for the server) and the mailer they send with.
    pub fn new(uses: UseCases<W::Store, W::Clock>, mailer: W::Mailer, config: HttpConfig) -> Self {
        let metrics = Metrics::new();
        Self {
            uses: uses.clone(),
            inner: Arc::new(Inner {
                uses,
                mailer: Arc::new(CountingMailer::new(mailer, metrics.clone())),
                sessions: Sessions::new(config.session_ttl),
                limiter: Limiter::new(config.login_limit),
                account_limiter: Limiter::new(config.login_limit),
                unsubscribe_limiter: Limiter::new(crate::ui::UNSUBSCRIBE_LIMIT),
                config,
                metrics,
                deliveries: Deliveries::default(),
                system_owner: std::sync::OnceLock::new(),
            }),
        }
    }

    /// This state with its use cases scoped to `actor`, acting through
    /// their API token `via` if the request came with one (ARCHITECTURE.md,
    /// "Users and ownership").
    ///
    /// # Errors
    /// Backend failures finding the first admin (the system's owner).
    pub(crate) async fn acting(
        &self,
        actor: &Actor,
        via: Option<TokenId>,
    ) -> Result<Self, postpilot_core::Error> {
        let system_owner = match (actor, self.inner.system_owner.get()) {
            (Actor::User(_), _) => None,
            (Actor::System, Some(owner)) => Some(*owner),
            (Actor::System, None) => {
                let found = self.uses.store().first_admin().await?;
                if let Some(owner) = found {
                    let _ = self.inner.system_owner.set(owner);
                }
                found
            }
        };
        Ok(Self {
            inner: Arc::clone(&self.inner),
            uses: self.inner.uses.scoped(actor.scope(system_owner).via(via)),
        })
    }

    /// The mailer of tests sends and of the service's own emails
    /// (confirmations, password resets), counted in the metrics.
    pub(crate) fn mailer(&self) -> Arc<CountingMailer<W::Mailer>> {
        Arc::clone(&self.inner.mailer)
    }

    /// The address users reach the server at (`--public-url`), for links
    /// in emails; none: no link can be mailed.
    pub(crate) fn public_url(&self) -> Option<postpilot_core::PublicUrl> {
        self.uses.policy().public_url.clone()
    }

    /// The server's sender, to wait for at shutdown.
    pub fn deliveries(&self) -> &Deliveries {
        &self.inner.deliveries
    }

    pub(crate) fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    pub(crate) fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    pub(crate) fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    pub(crate) fn unsubscribe_limiter(&self) -> &Limiter {
        &self.inner.unsubscribe_limiter
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn store(&self) -> &W::Store {
        self.uses.store()
    }

    /// The zone of the UI's times.
    pub(crate) fn zone(&self) -> chrono_tz::Tz {
        self.inner.config.timezone
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.uses.clock().now()
    }

    pub(crate) fn accounts(&self) -> Accounts<W::Store, W::Clock> {
        self.uses.accounts.clone()
    }

    /// Wrong passwords per account (logins by email and password).
    pub(crate) fn account_limiter(&self) -> &Limiter<String> {
        &self.inner.account_limiter
    }

    pub(crate) fn recipients(&self) -> Recipients<W::Store> {
        self.uses.recipients.clone()
    }

    pub(crate) fn lists(&self) -> Lists<W::Store> {
        self.uses.lists.clone()
    }

    pub(crate) fn messages(&self) -> Messages<W::Store, W::Clock> {
        self.uses.messages.clone()
    }

    pub(crate) fn mailings(&self) -> Mailings<W::Store, W::Clock> {
        self.uses.mailings.clone()
    }

    pub(crate) fn history(&self) -> History<W::Store> {
        self.uses.history.clone()
    }

    pub(crate) fn statistics(&self) -> Statistics<W::Store, W::Clock> {
        self.uses.statistics.clone()
    }

    /// Previews and test sends, counted in the metrics.
    pub(crate) fn previews(&self) -> Previews<W::Store, Arc<CountingMailer<W::Mailer>>> {
        self.uses.previews(Arc::clone(&self.inner.mailer))
    }

    /// A sender over this state's (scoped) use cases: what launches a run
    /// for the actor, so that only a mailing they may change is launched.
    /// The server's sender then delivers it.
    pub(crate) fn launcher(
        &self,
    ) -> SendMailing<W::Store, Arc<CountingMailer<W::Mailer>>, W::Clock> {
        self.uses.sender(Arc::clone(&self.inner.mailer))
    }

    /// The server's sender, counted in the metrics, stopped by [`HttpConfig::stop`].
    pub(crate) fn sender(&self) -> SendMailing<W::Store, Arc<CountingMailer<W::Mailer>>, W::Clock> {
        self.inner
            .uses
            .sender(Arc::clone(&self.inner.mailer))
            .with_stop(self.inner.config.stop.clone())
    }
}
