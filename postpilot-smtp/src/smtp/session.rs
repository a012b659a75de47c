//! One SMTP connection, driven step by step through lettre's public
//! lower-level client (`AsyncSmtpConnection`) so that every failure is
//! known by the [`Stage`] it happened at.

use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::Address;
use postpilot_core::ports::MailError;
use tokio::net::TcpStream;

use super::probe::{self, Activity, ProbedStream};
use crate::classify::{self, Aftermath, Failure, Stage};
use crate::config::TlsMode;

/// lettre's default mechanisms, in its order of preference.
const AUTH_MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];

/// How long closing a connection politely (QUIT) may take.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything a session needs that is the same for every connection; built
/// once per mailer (the TLS configuration above all).
pub(crate) struct Settings {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `host:port`, for messages.
    pub(crate) server: String,
    pub(crate) tls: TlsMode,
    /// For every mode but `TlsMode::None`.
    pub(crate) tls_parameters: Option<TlsParameters>,
    pub(crate) hello: ClientId,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) from: Address,
}

/// How far a conversation got. It lives outside the conversation's future,
/// so it can still be read after a deadline has dropped that future.
#[derive(Debug)]
pub(crate) struct Progress {
    stage: Stage,
    activity: Option<Arc<Activity>>,
    /// A rejection already received, while the connection is being reset:
    /// should the deadline pass during RSET, this is the send's result.
    pub(crate) rejection: Option<MailError>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            stage: Stage::Connect,
            activity: None,
            rejection: None,
        }
    }
}

impl Progress {
    fn enter(&mut self, stage: Stage) {
        self.stage = stage;
    }

    /// The stage reached, refined by what the connection did since the
    /// stage began: waiting for the greeting becomes EHLO once EHLO was
    /// attempted; writing the body becomes "after the dot" once the reply
    /// was awaited, since lettre reads only after the final `.` is written.
    pub(crate) fn stage(&self) -> Stage {
        let activity = self.activity.as_deref();
        match self.stage {
            Stage::Greeting if activity.is_some_and(Activity::written_since_mark) => Stage::Ehlo,
            Stage::Body if activity.is_some_and(Activity::read_since_mark) => Stage::AfterDot,
            stage => stage,
        }
    }
}

/// An SMTP connection past its greeting, EHLO, STARTTLS and AUTH: ready for
/// a mail transaction.
pub(crate) struct Session {
    conn: AsyncSmtpConnection,
    activity: Arc<Activity>,
}

impl Session {
    /// Connects to the server and sets the session up.
    ///
    /// # Errors
    /// The [`Failure`] of the stage that failed.
    pub(crate) async fn open(
        settings: &Settings,
        progress: &mut Progress,
    ) -> Result<Self, Failure> {
        let server = settings.server.as_str();
        progress.activity = None;
        progress.enter(Stage::Connect);
        // Resolves on every new connection (not on every message): a
        // server's address may change over a long run.
        let tcp = TcpStream::connect((settings.host.as_str(), settings.port))
            .await
            .map_err(|e| classify::connect_failed(&e, server))?;
        // lettre writes the body and the final ".\r\n" separately; with
        // Nagle's algorithm the small second write waits for the server to
        // acknowledge the first, which it delays: ~40 ms per message.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(%server, error = %e, "cannot set TCP_NODELAY");
        }

        let activity = Arc::new(Activity::default());
        let stream = ProbedStream::new(tcp, Arc::clone(&activity));
        let stream: Box<dyn AsyncTokioStream> = match (settings.tls, &settings.tls_parameters) {
            (TlsMode::Implicit, Some(parameters)) => {
                progress.enter(Stage::TlsHandshake);
                probe::implicit_tls(stream, parameters.clone())
                    .await
                    .map_err(|e| classify::failure(Stage::TlsHandshake, &e, server))?
            }
            _ => Box::new(stream),
        };

        activity.mark();
        progress.activity = Some(Arc::clone(&activity));
        progress.enter(Stage::Greeting);
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &settings.hello)
            .await
            .map_err(|e| classify::failure(progress.stage(), &e, server))?;

        let starttls = match settings.tls {
            TlsMode::StartTls => {
                if !conn.server_info().supports_feature(Extension::StartTls) {
                    return Err(classify::refused(
                        Stage::StartTls,
                        format!("{server} does not offer STARTTLS, which tls=starttls requires"),
                        Aftermath::Broken,
                    ));
                }
                true
            }
            TlsMode::Opportunistic => conn.can_starttls(),
            TlsMode::None | TlsMode::Implicit => false,
        };
        if let (true, Some(parameters)) = (starttls, &settings.tls_parameters) {
            progress.enter(Stage::StartTls);
            conn.starttls(parameters.clone(), &settings.hello)
                .await
                .map_err(|e| classify::failure(Stage::StartTls, &e, server))?;
        }

        if let Some(credentials) = &settings.credentials {
            progress.enter(Stage::Auth);
            conn.auth(AUTH_MECHANISMS, credentials)
                .await
                .map_err(|e| classify::failure(Stage::Auth, &e, server))?;
        }
        Ok(Self { conn, activity })
    }

    /// Makes `progress` follow this session (one taken from the pool).
    pub(crate) fn adopt(&self, progress: &mut Progress) {
        progress.activity = Some(Arc::clone(&self.activity));
    }

    /// One mail transaction: MAIL FROM, RCPT TO, DATA, the body and its
    /// final `.`. Returns the server's reply to the `.`.
    ///
    /// # Errors
    /// The [`Failure`] of the stage that failed.
    pub(crate) async fn transaction(
        &mut self,
        settings: &Settings,
        to: &Address,
        body: &[u8],
        progress: &mut Progress,
    ) -> Result<Response, Failure> {
        let server = settings.server.as_str();
        progress.enter(Stage::Mail);
        let parameters = self.mail_parameters(settings, to, body)?;
        let reply = self
            .conn
            .command(Mail::new(Some(settings.from.clone()), parameters))
            .await
            .map_err(|e| classify::failure(Stage::Mail, &e, server))?;
        expect(Stage::Mail, &reply, classify::is_completion, server)?;

        progress.enter(Stage::Rcpt);
        let reply = self
            .conn
            .command(Rcpt::new(to.clone(), Vec::new()))
            .await
            .map_err(|e| classify::failure(Stage::Rcpt, &e, server))?;
        expect(Stage::Rcpt, &reply, classify::is_completion, server)?;

        progress.enter(Stage::Data);
        let reply = self
            .conn
            .command(Data)
            .await
            .map_err(|e| classify::failure(Stage::Data, &e, server))?;
        expect(Stage::Data, &reply, |r| r.has_code(354), server)?;

        // From here on, whether the final '.' went out decides between
        // "not sent" and "may have been delivered": see `probe`.
        self.activity.mark();
        progress.enter(Stage::Body);
        let reply = self
            .conn
            .message(body)
            .await
            .map_err(|e| classify::failure(progress.stage(), &e, server))?;
        expect(Stage::AfterDot, &reply, classify::is_completion, server)?;
        Ok(reply)
    }

    /// The MAIL FROM parameters `body` and the addresses need, as lettre's
    /// own transport chooses them.
    fn mail_parameters(
        &self,
        settings: &Settings,
        to: &Address,
        body: &[u8],
    ) -> Result<Vec<MailParameter>, Failure> {
        let info = self.conn.server_info();
        let mut parameters = Vec::new();
        let ascii = |a: &Address| <Address as AsRef<str>>::as_ref(a).is_ascii();
        if !(ascii(&settings.from) && ascii(to)) {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(classify::refused(
                    Stage::Mail,
                    format!(
                        "{} does not support SMTPUTF8, which a non-ASCII address needs",
                        settings.server
                    ),
                    Aftermath::Untouched,
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !body.is_ascii() {
            if !info.supports_feature(Extension::EightBitMime) {
                return Err(classify::refused(
                    Stage::Mail,
                    format!(
                        "{} does not support 8BITMIME, which the message needs",
                        settings.server
                    ),
                    Aftermath::Untouched,
                ));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        Ok(parameters)
    }

    /// Resets the session after a rejected transaction; `false` if the
    /// connection is no longer fit for another.
    pub(crate) async fn reset(&mut self) -> bool {
        matches!(self.conn.command(Rset).await, Ok(reply) if classify::is_completion(&reply))
    }

    /// Says QUIT (within a short deadline) and closes the connection.
    pub(crate) async fn quit(mut self) {
        let _ = tokio::time::timeout(QUIT_TIMEOUT, self.conn.quit()).await;
    }
}

/// Checks that a positive reply is the one the protocol calls for.
fn expect(
    stage: Stage,
    reply: &Response,
    ok: impl Fn(&Response) -> bool,
    server: &str,
) -> Result<(), Failure> {
    if ok(reply) {
        Ok(())
    } else {
        Err(classify::unexpected(stage, reply, server))
    }
}
