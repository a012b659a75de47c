//! `SmtpMailer`: the Mailer port over SMTP, with a pool of our own and
//! failures classified by the stage they happened at (see `classify` for
//! the table).
//!
//! lettre's `AsyncSmtpTransport` cannot say how far a failed conversation
//! got, so a connection lost after the body's final `.` (the message may
//! have been delivered) looked like one lost before the greeting; and its
//! lower-level connection writes and awaits each command on its own. So
//! `session` drives the conversation over our own buffered I/O (`wire`),
//! pipelining the envelope where the server allows (`transaction`), and
//! borrows only lettre's commands, reply parser and TLS (`tls`).

mod ahead;
mod chunking;
mod handoff;
mod inner;
mod pool;
mod riders;
mod roots;
mod session;
mod tls;
mod transaction;
pub(crate) mod wire;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply};
use postpilot_core::usecases::StopSignal;

use self::inner::Inner;
use self::pool::Pool;
use self::riders::Riders;
use self::roots::tls_parameters;
use self::session::{Session, Settings};
use self::transaction::CHUNKED_DEPTH;
use crate::config::{SmtpConfig, TlsMode};
use crate::{build, HeloName, Identity, MailerConfigError};

/// Connections open to the server at most, unless set with
/// [`SmtpMailer::with_pool_size`].
pub const DEFAULT_POOL_SIZE: usize = 8;

/// An idle connection older than this is closed instead of reused.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends each email over SMTP, reusing pooled connections.
///
/// Cheap to clone; clones share the pool. Safe to call concurrently: at most
/// [pool size](SmtpMailer::with_pool_size) sends are in flight, each on its
/// own connection, and at most that many connections are open; further
/// sends wait for a free one (that wait is not part of the deadline).
/// `Debug` never shows the password.
#[derive(Clone)]
pub struct SmtpMailer {
    inner: Arc<Inner>,
    pool: Arc<Sessions>,
}

/// The pool of sessions and the sends waiting for one, which says QUIT on
/// each idle session when the last mailer sharing it is dropped (on a Tokio
/// runtime that is still running; [`SmtpMailer::close_idle`] is the sure
/// way, which waits for the replies).
struct Sessions {
    pool: Pool<Session>,
    riders: Riders,
}

impl Sessions {
    fn new(size: usize, stop: StopSignal) -> Self {
        Self {
            pool: Pool::new(size, IDLE_TIMEOUT),
            riders: Riders::new(stop),
        }
    }
}

impl std::ops::Deref for Sessions {
    type Target = Pool<Session>;

    fn deref(&self) -> &Pool<Session> {
        &self.pool
    }
}

impl Drop for Sessions {
    fn drop(&mut self) {
        let sessions = self.pool.drain();
        if sessions.is_empty() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(futures::future::join_all(
                sessions.into_iter().map(Session::quit),
            ));
        }
    }
}

impl SmtpMailer {
    /// A mailer sending as `identity` (an
    /// [`EmailAddress`](postpilot_core::EmailAddress), a
    /// [`Sender`](postpilot_core::Sender) or a whole [`Identity`], whose
    /// EHLO name defaults to [`HeloName::default_for`] the From address) to
    /// the server of `config`; `timeout` is the
    /// deadline of one whole SMTP conversation (connect to the final reply).
    /// The pool holds [`DEFAULT_POOL_SIZE`] connections.
    ///
    /// No connection is made here: the first send connects. Nor does this
    /// need a Tokio runtime.
    ///
    /// # Errors
    /// [`MailerConfigError`] for a zero timeout, a sender lettre cannot use,
    /// or TLS settings that cannot be built.
    pub fn new(
        config: &SmtpConfig,
        identity: impl Into<Identity>,
        timeout: Duration,
    ) -> Result<Self, MailerConfigError> {
        if timeout.is_zero() {
            return Err(MailerConfigError::ZeroTimeout);
        }
        let identity = identity.into();
        let from_address =
            build::address(identity.from.address()).map_err(MailerConfigError::From)?;
        if let Some(reply_to) = &identity.reply_to {
            build::address(reply_to).map_err(MailerConfigError::ReplyTo)?;
        }
        let hello = identity
            .helo
            .clone()
            .unwrap_or_else(|| HeloName::default_for(identity.from.address()));
        // Built once: it loads the root certificates.
        let tls_parameters = match config.tls() {
            TlsMode::None => None,
            TlsMode::Opportunistic | TlsMode::StartTls | TlsMode::Implicit => {
                Some(tls_parameters(config)?)
            }
        };
        let credentials = match (config.username(), config.password()) {
            (Some(user), Some(password)) => Some(Credentials::new(
                user.to_owned(),
                password.expose().to_owned(),
            )),
            _ => None,
        };
        let settings = Settings {
            host: config.host().to_owned(),
            port: config.port(),
            server: config.address(),
            tls: config.tls(),
            tls_parameters,
            hello: hello.client_id(),
            credentials,
            from: from_address,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                identity,
                timeout,
                username: config.username().map(str::to_owned),
                password: config.password().cloned(),
                templates: build::Templates::default(),
                login_gate: tokio::sync::Mutex::new(()),
                logged_in: std::sync::atomic::AtomicBool::new(false),
                login_refused: std::sync::OnceLock::new(),
            }),
            pool: Arc::new(Sessions::new(DEFAULT_POOL_SIZE, StopSignal::never())),
        })
    }

    /// The same mailer with a pool of `size` connections (0 is taken as 1),
    /// e.g. to match the number of sends the caller keeps in flight.
    ///
    /// The new pool starts empty and is shared by the clones made from the
    /// returned mailer, not by those made before.
    #[must_use]
    pub fn with_pool_size(self, size: usize) -> Self {
        Self {
            inner: self.inner,
            pool: Arc::new(Sessions::new(size, self.pool.riders.stop().clone())),
        }
    }

    /// The same mailer, watching `stop` (the sender's stop signal): once it
    /// is raised, a send still waiting for a connection, with nothing of
    /// its email written, returns [`MailError::NotStarted`] at once, and no
    /// connection takes on more emails; the sends under way finish.
    ///
    /// The new pool starts empty, as with [`SmtpMailer::with_pool_size`].
    #[must_use]
    pub fn with_stop(self, stop: StopSignal) -> Self {
        let size = self.pool.size();
        Self {
            inner: self.inner,
            pool: Arc::new(Sessions::new(size, stop)),
        }
    }

    /// The name this mailer gives in EHLO.
    pub fn helo_name(&self) -> String {
        self.inner.settings.hello.to_string()
    }

    /// The server's reply to a refused login, once one was refused: this
    /// mailer then sends nothing more.
    pub fn login_refused(&self) -> Option<String> {
        self.inner.login_refused.get().map(|e| e.reply().to_owned())
    }

    /// How many connections the pool holds at most.
    pub fn pool_size(&self) -> usize {
        self.pool.size()
    }

    /// Sends worth keeping in flight per connection of the pool: with more
    /// sends than connections, a connection whose server pipelines writes
    /// the next email with the previous one's body (one round trip per
    /// email), or, when it offers CHUNKING, several whole emails ahead of
    /// their replies. The sends beyond what a connection takes wait for one,
    /// as any send does when all connections are busy.
    pub const IN_FLIGHT_PER_CONNECTION: usize = CHUNKED_DEPTH + 2;

    /// Closes the idle connections politely (QUIT). Sends still in flight
    /// keep theirs, and later sends open new ones.
    pub async fn close_idle(&self) {
        let sessions = self.pool.drain();
        futures::future::join_all(sessions.into_iter().map(Session::quit)).await;
    }

    /// As [`SmtpMailer::close_idle`], but without waiting for the replies
    /// to QUIT: what a process about to exit calls once every send's result
    /// is in hand, since a reply to QUIT could change none of them, and
    /// waiting for it costs a round trip at the end of every run (see
    /// ARCHITECTURE.md, "SMTP"). QUIT is written and the
    /// connection closed; the server's `221` is left unread.
    pub async fn quit_idle(&self) {
        let sessions = self.pool.drain();
        futures::future::join_all(sessions.into_iter().map(Session::quit_unanswered)).await;
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        let inner = &*self.inner;
        // Shared with the connection that may take this email on, not copied.
        let body = Arc::new(
            inner
                .templates
                .email_off_loop(&inner.identity, email)
                .await?,
        );
        let to = build::address(&email.to).map_err(MailError::Permanent)?;
        match self.deliver(&to, &body).await {
            Ok(reply) => {
                let reply = ServerReply(inner.scrub(reply.0));
                tracing::debug!(key = %email.message_key, reply = %reply.0, "email accepted");
                Ok(reply)
            }
            Err(err) => {
                let err = inner.scrub_error(err);
                tracing::debug!(key = %email.message_key, error = %err, "email not sent");
                Err(err)
            }
        }
    }

    fn preview(&self, email: &OutgoingEmail) -> Result<Vec<u8>, MailError> {
        let inner = &*self.inner;
        inner.templates.email(&inner.identity, email)
    }
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SmtpMailer")
            .field("server", &inner.settings.server)
            .field("tls", &inner.settings.tls)
            .field("username", &inner.username)
            .field("password", &inner.password.as_ref().map(|_| "[redacted]"))
            .field("from", &inner.identity.from.to_string())
            .field("reply_to", &inner.identity.reply_to)
            .field("helo", &inner.settings.hello.to_string())
            .field("timeout", &inner.timeout)
            .field("pool", &self.pool.pool)
            .finish()
    }
}
