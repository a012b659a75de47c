//! `SmtpMailer`: the Mailer port over lettre's pooled async SMTP transport.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransport, AsyncSmtpTransportBuilder};
use lettre::{AsyncTransport, Tokio1Executor};
use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply};
use postpilot_core::EmailAddress;

use crate::config::{Password, SmtpConfig, TlsMode};
use crate::{build, classify, MailerConfigError};

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Sends each email over SMTP, reusing pooled connections (lettre's pool:
/// up to 10 idle connections, each closed after 60 s idle).
///
/// Cheap to clone; clones share the pool. Safe to call concurrently: each
/// send in flight uses its own connection. `Debug` never shows the password.
#[derive(Clone)]
pub struct SmtpMailer {
    inner: Arc<Inner>,
}

struct Inner {
    builder: AsyncSmtpTransportBuilder,
    /// The transport (and so the pool) in use, built on the first send and
    /// replaced after a deadline is exceeded; see [`Inner::discard`].
    slot: Mutex<Slot>,
    from: EmailAddress,
    timeout: Duration,
    /// `host:port`, for messages.
    server: String,
    tls: TlsMode,
    username: Option<String>,
    /// Kept only to scrub it from any text we return, should a server ever echo it.
    password: Option<Password>,
}

#[derive(Default)]
struct Slot {
    generation: u64,
    transport: Option<Transport>,
}

impl SmtpMailer {
    /// A mailer sending as `from` to the server of `config`; `timeout` is the
    /// deadline of one whole SMTP conversation (connect to the final reply).
    ///
    /// No connection is made here: the first send connects. Nor does this
    /// need a Tokio runtime (the pool is built on the first send).
    ///
    /// # Errors
    /// [`MailerConfigError`] for a zero timeout, a sender lettre cannot use,
    /// or TLS settings that cannot be built.
    pub fn new(
        config: &SmtpConfig,
        from: EmailAddress,
        timeout: Duration,
    ) -> Result<Self, MailerConfigError> {
        if timeout.is_zero() {
            return Err(MailerConfigError::ZeroTimeout);
        }
        build::address(&from).map_err(MailerConfigError::From)?;

        let tls_parameters = || {
            TlsParameters::new(config.host().to_owned())
                .map_err(|e| MailerConfigError::Tls(format!("{}: {e}", config.address())))
        };
        let tls = match config.tls() {
            TlsMode::None => Tls::None,
            TlsMode::Opportunistic => Tls::Opportunistic(tls_parameters()?),
            TlsMode::StartTls => Tls::Required(tls_parameters()?),
            TlsMode::Implicit => Tls::Wrapper(tls_parameters()?),
        };
        // lettre's own timeout bounds the TCP connect and nothing else; the
        // whole conversation is bounded in `send`.
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host())
            .port(config.port())
            .tls(tls)
            .timeout(Some(timeout));
        if let (Some(user), Some(password)) = (config.username(), config.password()) {
            builder = builder.credentials(Credentials::new(
                user.to_owned(),
                password.expose().to_owned(),
            ));
        }

        Ok(Self {
            inner: Arc::new(Inner {
                builder,
                slot: Mutex::new(Slot::default()),
                from,
                timeout,
                server: config.address(),
                tls: config.tls(),
                username: config.username().map(str::to_owned),
                password: config.password().cloned(),
            }),
        })
    }
}

impl Inner {
    /// The current transport and its generation, building it if needed.
    fn transport(&self) -> (u64, Transport) {
        // A panic elsewhere while holding the lock leaves the slot consistent
        // (it is only ever replaced whole), so a poisoned lock is usable.
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = slot.generation;
        let transport = slot
            .transport
            .get_or_insert_with(|| self.builder.clone().build())
            .clone();
        (generation, transport)
    }

    /// Drops the pool a cut-short send used. When a send is cancelled
    /// mid-conversation, lettre returns its connection to the pool without
    /// marking it broken, and a late reply still on the wire would be read as
    /// the answer to the next command. So no connection of that pool may be
    /// used again: the next send builds a fresh pool, and the old one closes
    /// its connections once the sends still using it finish.
    fn discard(&self, generation: u64) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.generation == generation {
            slot.generation += 1;
            slot.transport = None;
        }
    }

    /// Removes the password from a text bound for a log or the database.
    fn scrub(&self, text: String) -> String {
        match &self.password {
            Some(p) if !p.expose().is_empty() && text.contains(p.expose()) => {
                text.replace(p.expose(), "***")
            }
            _ => text,
        }
    }

    fn scrub_error(&self, err: MailError) -> MailError {
        match err {
            MailError::Transient(t) => MailError::Transient(self.scrub(t)),
            MailError::Permanent(t) => MailError::Permanent(self.scrub(t)),
            MailError::UnknownOutcome(t) => MailError::UnknownOutcome(self.scrub(t)),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping lettre's pool spawns a task to close its connections,
        // which panics outside a Tokio runtime (e.g. a mailer outliving the
        // runtime it sent on). There, leak the pool instead: the process is
        // typically exiting and the OS closes the sockets.
        let slot = self.slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        if tokio::runtime::Handle::try_current().is_err() {
            if let Some(transport) = slot.transport.take() {
                std::mem::forget(transport);
            }
        }
    }
}

/// Discards the pool of a send that did not run to completion: cut short by
/// the deadline, or dropped by the caller. See [`Inner::discard`].
struct UnfinishedSend<'a> {
    inner: &'a Inner,
    generation: u64,
    finished: bool,
}

impl Drop for UnfinishedSend<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.inner.discard(self.generation);
        }
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        let inner = &*self.inner;
        let message = build::message(&inner.from, email)?;
        let (generation, transport) = inner.transport();
        let mut guard = UnfinishedSend {
            inner,
            generation,
            finished: false,
        };
        let outcome = tokio::time::timeout(inner.timeout, transport.send(message)).await;
        guard.finished = outcome.is_ok();
        drop(guard);
        match outcome {
            Ok(Ok(response)) => {
                let reply = inner.scrub(classify::reply(&response).0);
                tracing::debug!(key = %email.message_key, %reply, "email accepted");
                Ok(ServerReply(reply))
            }
            Ok(Err(err)) => {
                let err = inner.scrub_error(classify::smtp_error(&err, &inner.server));
                tracing::debug!(key = %email.message_key, error = %err, "email not sent");
                Err(err)
            }
            Err(_elapsed) => {
                // The guard has discarded the pool. lettre does not say how
                // far the conversation got, so neither can we: the body may
                // have been sent already.
                let err = MailError::Transient(format!(
                    "timed out after {:?} talking to {} (stage unknown)",
                    inner.timeout, inner.server
                ));
                tracing::warn!(key = %email.message_key, error = %err, "SMTP deadline exceeded; discarding the connection pool");
                Err(err)
            }
        }
    }
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SmtpMailer")
            .field("server", &inner.server)
            .field("tls", &inner.tls)
            .field("username", &inner.username)
            .field("password", &inner.password.as_ref().map(|_| "[redacted]"))
            .field("from", &inner.from.as_str())
            .field("timeout", &inner.timeout)
            .finish_non_exhaustive()
    }
}
