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

mod pool;
mod riders;
mod session;
mod tls;
mod transaction;
pub(crate) mod wire;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply};
use postpilot_core::usecases::StopSignal;

use self::pool::{Lease, Pool};
use self::riders::{Carried, Handoff, Rider, Riders, Written};
use self::session::{Progress, Session, Settings};
use self::transaction::{Turn, CHUNKED_DEPTH};
use crate::classify::{self, Aftermath, Failure, Stage};
use crate::config::{Password, SmtpConfig, TlsMode};
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

struct Inner {
    settings: Settings,
    identity: Identity,
    timeout: Duration,
    username: Option<String>,
    /// Kept only to scrub it from any text we return, should a server ever echo it.
    password: Option<Password>,
    templates: build::Templates,
    /// Held while a connection logs in, until one login has succeeded: the
    /// pool never opens several connections that each try the password.
    login_gate: tokio::sync::Mutex<()>,
    /// A login has succeeded: connections open in parallel from then on.
    logged_in: std::sync::atomic::AtomicBool,
    /// The server refused the login: every send fails at once with it,
    /// without connecting (no second try of a wrong password).
    login_refused: std::sync::OnceLock<MailError>,
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
}

/// TLS for `config`: the built-in roots, plus the CAs of its CA file.
///
/// # Errors
/// [`MailerConfigError::CaFile`] for a CA file that cannot be read or holds
/// no PEM certificate; [`MailerConfigError::Tls`] if rustls refuses.
fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, MailerConfigError> {
    let mut builder = TlsParameters::builder(config.host().to_owned());
    if let Some(path) = config.ca_file() {
        let ca_error = |why: String| MailerConfigError::CaFile {
            path: path.to_owned(),
            why,
        };
        let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
        if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(ca_error(
                "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        let certificate = Certificate::from_pem(&pem).map_err(|e| ca_error(e.to_string()))?;
        builder = builder.add_root_certificate(certificate);
    }
    for root in system_roots() {
        builder = builder.add_root_certificate(root);
    }
    builder
        .build_rustls()
        .map_err(|e| MailerConfigError::Tls(format!("{}: {e}", config.address())))
}

/// The system's root certificates (`/etc/ssl/certs` and the like, or
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`), read once per process, each kept only
/// if rustls can use it: trusted beside lettre's built-in Mozilla roots.
fn system_roots() -> Vec<Certificate> {
    static ROOTS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let ders = ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::debug!(%error, "a system root certificate could not be read");
        }
        found
            .certs
            .into_iter()
            .filter(|der| rustls::RootCertStore::empty().add(der.clone()).is_ok())
            .map(|der| der.to_vec())
            .collect()
    });
    ders.iter()
        .filter_map(|der| Certificate::from_der(der.clone()).ok())
        .collect()
}

impl Inner {
    /// A new session; while no login has succeeded yet, one at a time. A
    /// login the server refuses is remembered and returned from then on.
    async fn open(&self, progress: &mut Progress) -> Result<Session, MailError> {
        use std::sync::atomic::Ordering;
        let needs_login = self.settings.credentials.is_some();
        let mut gate = if needs_login && !self.logged_in.load(Ordering::Acquire) {
            Some(self.login_gate.lock().await)
        } else {
            None
        };
        if self.logged_in.load(Ordering::Acquire) {
            // Another connection logged in while this one waited.
            gate = None;
        }
        if let Some(refused) = self.login_refused.get() {
            return Err(refused.clone());
        }
        let opened = Session::open(&self.settings, progress).await;
        match opened {
            Ok(session) => {
                if needs_login {
                    self.logged_in.store(true, Ordering::Release);
                }
                drop(gate);
                Ok(session)
            }
            // The server answered the login (or offers no way to log in
            // we know): trying again would fail the same way.
            Err(failure)
                if failure.stage == Stage::Auth && failure.aftermath != Aftermath::Broken =>
            {
                let refused = MailError::LoginFailed(self.scrub(failure.error.reply().to_owned()));
                tracing::error!(server = %self.settings.server, error = %refused,
                    "login refused; no more logins are tried");
                Err(self.login_refused.get_or_init(|| refused).clone())
            }
            Err(failure) => Err(failure.error),
        }
    }

    /// Runs one email's turn on `slot`'s session, connecting first if
    /// there is none (or when the pooled one turns out to be dead). The
    /// session stays in `slot` whatever happens, for the caller to judge.
    async fn drive(
        &self,
        slot: &mut Option<Session>,
        turn: &Turn<'_>,
        ahead: &mut VecDeque<Rider>,
        riders: &Riders,
        progress: &mut Progress,
    ) -> Result<ServerReply, Failure> {
        let settings = &self.settings;
        loop {
            let reused = slot.is_some() && turn.fresh;
            let session = match slot {
                Some(session) => session,
                None => match self.open(progress).await {
                    Ok(session) => slot.insert(session),
                    Err(error) => {
                        return Err(Failure {
                            stage: progress.stage(),
                            error,
                            aftermath: Aftermath::Broken,
                        })
                    }
                },
            };
            let turn = Turn {
                probe: reused,
                ..*turn
            };
            match session.turn(settings, &turn, ahead, riders, progress).await {
                Ok(response) => return Ok(classify::reply(&response)),
                // A pooled connection the server has closed meanwhile (idle
                // timeout, restart; often with a 421 first) fails at its
                // first command, before anything of this message was
                // sent: try once more on a fresh connection.
                Err(failure)
                    if reused
                        && failure.stage == Stage::Mail
                        && failure.aftermath == Aftermath::Broken =>
                {
                    tracing::debug!(server = %settings.server,
                        error = %self.scrub(failure.error.to_string()),
                        "pooled connection was dead; reconnecting");
                    *slot = None;
                    lose_all(ahead, &failure.error, &settings.server);
                }
                Err(failure) => return Err(failure),
            }
        }
    }

    /// Makes a text bound for a log or the database safe: the password
    /// removed, should a server ever echo it, and every control character
    /// escaped, whichever path built the text (a reply, a lettre error).
    fn scrub(&self, text: String) -> String {
        let Some(password) = self.password.as_ref().map(Password::expose) else {
            return classify::visible_text(text);
        };
        if password.is_empty() {
            return classify::visible_text(text);
        }
        let text = if text.contains(password) {
            text.replace(password, "***")
        } else {
            text
        };
        let text = classify::visible_text(text);
        // A reply is made visible as it is read: an echoed password with
        // a control character in it is there in its escaped form.
        match postpilot_core::visible(password) {
            Cow::Owned(escaped) if text.contains(&escaped) => text.replace(&escaped, "***"),
            _ => text,
        }
    }

    fn scrub_error(&self, err: MailError) -> MailError {
        match err {
            MailError::Transient(t) => MailError::Transient(self.scrub(t)),
            MailError::Permanent(t) => MailError::Permanent(self.scrub(t)),
            MailError::AddressRefused(t) => MailError::AddressRefused(self.scrub(t)),
            MailError::UnknownOutcome(t) => MailError::UnknownOutcome(self.scrub(t)),
            MailError::LoginFailed(t) => MailError::LoginFailed(self.scrub(t)),
            MailError::NotStarted(t) => MailError::NotStarted(t),
        }
    }
}

/// Where a send got a connection.
enum Seat<'a> {
    /// A free permit of the pool, with an idle connection or none.
    Own(Lease<'a, Session>),
    /// A connection handed over by the email before, this one's commands
    /// written.
    Carried(Carried),
}

impl SmtpMailer {
    /// Waits for a connection for `body` to `to`: a free one of the pool,
    /// or a turn on one in use that takes this email on.
    ///
    /// # Errors
    /// The failure of the connection that took the email on before its
    /// turn came (see [`lost`]).
    async fn seat(&self, to: &lettre::Address, body: &Arc<[u8]>) -> Result<Seat<'_>, Failure> {
        let riders = &self.pool.riders;
        let not_started = || Failure {
            stage: Stage::Connect,
            error: MailError::NotStarted("the sender is stopping".into()),
            aftermath: Aftermath::Untouched,
        };
        let mut ticket = riders.join(to.clone(), Arc::clone(body));
        let handoff = tokio::select! {
            handoff = &mut ticket.handoff => handoff,
            () = riders.stop().stopped() => {
                if riders.withdraw(ticket.id) {
                    return Err(not_started());
                }
                // Taken on meanwhile: its handoff is coming.
                (&mut ticket.handoff).await
            }
            lease = self.pool.checkout() => {
                if riders.withdraw(ticket.id) {
                    if riders.stop().is_stopped() {
                        return Err(not_started());
                    }
                    return match lease {
                        Some(lease) => Ok(Seat::Own(lease)),
                        None => Err(lost(Written::Nothing, &MailError::Transient(format!(
                            "connection pool for {} is closed", self.inner.settings.server
                        )), &self.inner.settings.server)),
                    };
                }
                // Taken on meanwhile: its handoff is coming.
                drop(lease);
                (&mut ticket.handoff).await
            }
        };
        match handoff {
            Ok(Handoff::Carried(carried)) => Ok(Seat::Carried(carried)),
            Ok(Handoff::Lost(failure)) => Err(failure),
            // The send that took it on is gone, its connection with it.
            Err(_) => Err(lost(
                ticket.written(),
                &MailError::Transient("the connection was closed".into()),
                &self.inner.settings.server,
            )),
        }
    }

    /// Sends `body` to `to`: waits for a connection, takes its turn on it,
    /// then hands the connection to the next email written on it, or back
    /// to the pool.
    async fn deliver(
        &self,
        to: &lettre::Address,
        body: &Arc<[u8]>,
    ) -> Result<ServerReply, MailError> {
        let inner = &*self.inner;
        // A connection lost before anything of this message was written
        // is no try: it goes again (once) on another.
        let mut lost_before = false;
        loop {
            let (lease, mut slot, mut ahead, fresh, after_refusal) = match self.seat(to, body).await
            {
                Ok(Seat::Own(mut lease)) => {
                    let expired = lease.take_expired();
                    if !expired.is_empty() {
                        // Closed off the send's path, so they cost it nothing.
                        tokio::spawn(futures::future::join_all(
                            expired.into_iter().map(Session::quit),
                        ));
                    }
                    let pooled = lease.take();
                    (lease, pooled, VecDeque::new(), true, false)
                }
                Ok(Seat::Carried(carried)) => (
                    self.pool.adopt(carried.permit),
                    Some(carried.session),
                    carried.ahead,
                    false,
                    carried.after_refusal,
                ),
                Err(failure) if retry_lost(&failure) && !lost_before => {
                    lost_before = true;
                    continue;
                }
                Err(failure) => return Err(failure.error),
            };
            let turn = Turn {
                to,
                body,
                fresh,
                after_refusal,
                probe: false,
            };
            let mut progress = Progress::default();
            // Everything from connecting to the last reply runs under the one
            // deadline; when it passes, the future is dropped, and `progress`
            // says how far it got.
            let deadline = tokio::time::Instant::now() + inner.timeout;
            let outcome = tokio::time::timeout_at(
                deadline,
                inner.drive(
                    &mut slot,
                    &turn,
                    &mut ahead,
                    &self.pool.riders,
                    &mut progress,
                ),
            )
            .await;
            let (result, fit) = match outcome {
                Ok(Ok(reply)) => (Ok(reply), true),
                Ok(Err(failure)) => {
                    let fit = match failure.aftermath {
                        Aftermath::Rejected if ahead.is_empty() => match slot.as_mut() {
                            // Within what is left of the deadline.
                            Some(session) => tokio::time::timeout_at(deadline, session.reset())
                                .await
                                .unwrap_or(false),
                            None => false,
                        },
                        // The next emails' commands are written: their
                        // transactions begin where this one ended.
                        Aftermath::Rejected | Aftermath::Untouched => true,
                        Aftermath::Broken => false,
                    };
                    if !fit && retry_lost(&failure) && !fresh && !lost_before && ahead.is_empty() {
                        // Its envelope went with the email before, and the
                        // connection broke before its message was written.
                        lost_before = true;
                        drop(slot);
                        drop(lease);
                        continue;
                    }
                    (Err(failure.error), fit)
                }
                Err(_elapsed) => (
                    Err(progress.rejection.take().unwrap_or_else(|| {
                        classify::timed_out(progress.stage(), inner.timeout, &inner.settings.server)
                    })),
                    false,
                ),
            };
            let session = slot.filter(|_| fit);
            self.pass_on(lease, session, ahead, result.is_err());
            return result;
        }
    }

    /// After a turn: the connection (if still fit) goes to the first email
    /// written after this one, or back to the pool; if it is not fit,
    /// every email written after this one has lost it.
    fn pass_on(
        &self,
        lease: Lease<'_, Session>,
        session: Option<Session>,
        mut ahead: VecDeque<Rider>,
        refused: bool,
    ) {
        let server = &self.inner.settings.server;
        let Some(session) = session else {
            let cause = MailError::Transient("the connection failed".into());
            lose_all(&mut ahead, &cause, server);
            return;
        };
        let Some(next) = ahead.pop_front() else {
            lease.put_back(session);
            return;
        };
        let carried = Carried {
            session,
            permit: lease.into_permit(),
            ahead,
            after_refusal: refused,
        };
        if let Err(Handoff::Carried(mut carried)) = next.hand(Handoff::Carried(carried)) {
            // Its send is gone while its commands are on the connection:
            // nobody will read their replies, so the connection is closed,
            // and the emails after it lose it.
            let cause = MailError::Transient("the connection was closed".into());
            lose_all(&mut carried.ahead, &cause, server);
        }
    }
}

/// Tells every email in `ahead` that the connection was lost before its
/// turn, classified by what was written for it.
fn lose_all(ahead: &mut VecDeque<Rider>, cause: &MailError, server: &str) {
    for rider in ahead.drain(..) {
        let failure = lost(rider.written(), cause, server);
        // Its send is waiting; if it is gone, nobody needs the news.
        let _ = rider.hand(Handoff::Lost(failure));
    }
}

/// The failure of an email whose connection was lost before its turn: its
/// outcome is unknown once its whole message was written, else it was not
/// sent.
fn lost(written: Written, cause: &MailError, server: &str) -> Failure {
    let stage = if written == Written::Message {
        Stage::AfterDot
    } else {
        Stage::Mail
    };
    classify::lost(stage, cause.reply(), server)
}

/// Whether a failure left nothing of the message written and the
/// connection gone, so the email may go on another connection at once.
fn retry_lost(failure: &Failure) -> bool {
    failure.aftermath == Aftermath::Broken
        && failure.stage < Stage::Body
        && failure.error.is_transient()
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        let inner = &*self.inner;
        let body: Arc<[u8]> = inner
            .templates
            .email_off_loop(&inner.identity, email)
            .await?
            .into();
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
