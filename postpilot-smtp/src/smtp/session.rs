//! One SMTP connection, set up (greeting, EHLO, STARTTLS, AUTH) and then
//! carrying mail transactions (`transaction`), every failure known by the
//! [`Stage`] it happened at. The bytes go through our own [`Wire`]; lettre
//! lends its commands, reply parser and TLS.

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Auth, Ehlo, Quit, Rset, Starttls};
use lettre::transport::smtp::extension::{ClientId, Extension, ServerInfo};
use lettre::transport::smtp::response::Response;
use lettre::Address;
use postpilot_core::ports::MailError;
use tokio::net::TcpStream;

use super::tls;
use super::wire::Wire;
use crate::classify::{self, Aftermath, Failure, Stage};
use crate::config::TlsMode;

/// lettre's default mechanisms, in its order of preference.
const AUTH_MECHANISMS: &[Mechanism] = &[Mechanism::Plain, Mechanism::Login];

/// AUTH challenges answered at most: LOGIN needs two.
const MAX_CHALLENGES: usize = 10;

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
    /// A rejection already received, while the connection is being brought
    /// back in step (pipelined replies, RSET): should the deadline pass
    /// meanwhile, this is the send's result.
    pub(crate) rejection: Option<MailError>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            stage: Stage::Connect,
            rejection: None,
        }
    }
}

impl Progress {
    pub(crate) fn enter(&mut self, stage: Stage) {
        self.stage = stage;
    }

    /// The stage reached. Exact, since we do the writes: "after the dot"
    /// begins once the body's final `.` is written.
    pub(crate) fn stage(&self) -> Stage {
        self.stage
    }
}

/// An SMTP connection past its greeting, EHLO, STARTTLS and AUTH: ready for
/// a mail transaction.
pub(crate) struct Session {
    pub(super) wire: Wire,
    pub(super) info: ServerInfo,
    /// What the server offers beyond lettre's `ServerInfo`.
    pub(super) offers: Offers,
}

/// The extensions of the server's EHLO reply that lettre's `ServerInfo`
/// does not record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Offers {
    /// PIPELINING (RFC 2920).
    pub(crate) pipelining: bool,
    /// CHUNKING (RFC 3030): `BDAT`.
    pub(crate) chunking: bool,
}

impl Offers {
    fn from_keywords<'a>(keywords: impl Iterator<Item = &'a str>) -> Self {
        let mut offers = Self::default();
        for keyword in keywords {
            if keyword.eq_ignore_ascii_case("PIPELINING") {
                offers.pipelining = true;
            } else if keyword.eq_ignore_ascii_case("CHUNKING") {
                offers.chunking = true;
            }
        }
        offers
    }
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
        progress.enter(Stage::Connect);
        // Resolves on every new connection (not on every message): a
        // server's address may change over a long run.
        let tcp = TcpStream::connect((settings.host.as_str(), settings.port))
            .await
            .map_err(|e| classify::connect_failed(&e, server))?;
        // Our writes are whole commands or whole messages, each awaited by
        // a reply: Nagle's algorithm would only delay them.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(%server, error = %e, "cannot set TCP_NODELAY");
        }
        let mut stream: Box<dyn AsyncTokioStream> = Box::new(tcp);
        if let (TlsMode::Implicit, Some(parameters)) = (settings.tls, &settings.tls_parameters) {
            progress.enter(Stage::TlsHandshake);
            stream = tls::upgrade(stream, parameters.clone())
                .await
                .map_err(|e| classify::tls_failed(Stage::TlsHandshake, &e, server))?;
        }
        let mut wire = Wire::new(stream);

        let result = greet(&mut wire, settings, progress).await;
        let (info, offers, starttls) = or_quit(&mut wire, result).await?;
        let (mut info, mut offers) = (info, offers);
        if let (true, Some(parameters)) = (starttls, &settings.tls_parameters) {
            let stage = Stage::StartTls;
            let stream = wire
                .into_stream()
                .map_err(|e| classify::broken(stage, &e, server))?;
            let stream = tls::upgrade(stream, parameters.clone())
                .await
                .map_err(|e| classify::tls_failed(stage, &e, server))?;
            wire = Wire::new(stream);
            // What the server said in plain text no longer counts (RFC 3207 §4.2).
            let result = ehlo(&mut wire, settings, stage).await;
            (info, offers) = or_quit(&mut wire, result).await?;
        }

        if let Some(credentials) = &settings.credentials {
            progress.enter(Stage::Auth);
            let result = authenticate(&mut wire, &info, credentials, server).await;
            or_quit(&mut wire, result).await?;
        }
        Ok(Self { wire, info, offers })
    }

    /// Resets the session after a rejected transaction; `false` if the
    /// connection is no longer fit for another.
    pub(crate) async fn reset(&mut self) -> bool {
        if self.wire.is_broken() {
            return false;
        }
        self.wire.queue(&Rset);
        self.wire.send().await.is_ok()
            && matches!(self.wire.reply().await, Ok(reply) if classify::is_completion(&reply))
    }

    /// Says QUIT (within a short deadline) and closes the connection.
    pub(crate) async fn quit(mut self) {
        quit(&mut self.wire, Reply::Awaited).await;
    }

    /// Says QUIT and closes the connection without waiting for the
    /// server's reply: the reply could change nothing (see
    /// [`SmtpMailer::quit_idle`](super::SmtpMailer::quit_idle)).
    pub(crate) async fn quit_unanswered(mut self) {
        quit(&mut self.wire, Reply::NotAwaited).await;
    }
}

/// Whether QUIT waits for the server's `221`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Awaited,
    NotAwaited,
}

/// Says QUIT (RFC 5321 §4.1.1.10) unless the connection is broken, reads
/// the reply if `reply` says so, and shuts the connection down; within
/// [`QUIT_TIMEOUT`].
async fn quit(wire: &mut Wire, reply: Reply) {
    let _ = tokio::time::timeout(QUIT_TIMEOUT, async {
        if !wire.is_broken() {
            wire.queue(&Quit);
            if wire.send().await.is_ok() && reply == Reply::Awaited {
                let _ = wire.reply().await;
            }
        }
        wire.shutdown().await;
    })
    .await;
}

/// `result`, after saying QUIT when it is a failure that left the
/// connection in step (a refused greeting, EHLO or login): a connection
/// set up no further is closed politely too.
async fn or_quit<T>(wire: &mut Wire, result: Result<T, Failure>) -> Result<T, Failure> {
    if let Err(failure) = &result {
        if failure.aftermath != Aftermath::Broken {
            quit(wire, Reply::Awaited).await;
        }
    }
    result
}

/// The greeting, EHLO and, when it is to be used, the STARTTLS command and
/// its reply: what the server offers, and whether the TLS handshake is to
/// follow.
async fn greet(
    wire: &mut Wire,
    settings: &Settings,
    progress: &mut Progress,
) -> Result<(ServerInfo, Offers, bool), Failure> {
    let server = settings.server.as_str();
    progress.enter(Stage::Greeting);
    let greeting = reply(wire, Stage::Greeting, server).await?;
    check(Stage::Greeting, greeting, classify::is_completion, server)?;
    progress.enter(Stage::Ehlo);
    let (info, offers) = ehlo(wire, settings, Stage::Ehlo).await?;

    let starttls = match settings.tls {
        TlsMode::StartTls => {
            if !info.supports_feature(Extension::StartTls) {
                return Err(classify::refused(
                    Stage::StartTls,
                    format!("{server} does not offer STARTTLS, which tls=starttls requires"),
                    Aftermath::Untouched,
                ));
            }
            true
        }
        TlsMode::Opportunistic => info.supports_feature(Extension::StartTls),
        TlsMode::None | TlsMode::Implicit => false,
    } && settings.tls_parameters.is_some();
    if starttls {
        progress.enter(Stage::StartTls);
        let stage = Stage::StartTls;
        wire.queue(&Starttls);
        send(wire, stage, server).await?;
        let ready = reply(wire, stage, server).await?;
        check(stage, ready, classify::is_completion, server)?;
    }
    Ok((info, offers, starttls))
}

/// Says EHLO at `stage`; returns what the server offers.
async fn ehlo(
    wire: &mut Wire,
    settings: &Settings,
    stage: Stage,
) -> Result<(ServerInfo, Offers), Failure> {
    let server = settings.server.as_str();
    wire.queue(&Ehlo::new(settings.hello.clone()));
    send(wire, stage, server).await?;
    let response = reply(wire, stage, server).await?;
    let response = check(stage, response, classify::is_completion, server)?;
    let info = ServerInfo::from_response(&without_blank_lines(&response))
        .map_err(|e| classify::lettre(stage, &e, server))?;
    // The first line is the server's name, the others its keywords.
    let offers = Offers::from_keywords(
        response
            .message()
            .skip(1)
            .filter_map(|line| line.split_whitespace().next()),
    );
    Ok((info, offers))
}

/// `response` with its blank lines emptied: lettre's `ServerInfo` skips an
/// empty line but panics on one of only spaces.
fn without_blank_lines(response: &Response) -> Response {
    let lines = response
        .message()
        .map(|line| {
            if line.trim().is_empty() {
                String::new()
            } else {
                line.to_owned()
            }
        })
        .collect();
    Response::new(response.code(), lines)
}

/// AUTH with the first of our mechanisms the server offers, answering its
/// challenges (334) as lettre's client does.
async fn authenticate(
    wire: &mut Wire,
    info: &ServerInfo,
    credentials: &Credentials,
    server: &str,
) -> Result<(), Failure> {
    let stage = Stage::Auth;
    let Some(mechanism) = info.get_auth_mechanism(AUTH_MECHANISMS) else {
        return Err(classify::refused(
            stage,
            format!("cannot send via {server}: No compatible authentication mechanism was found"),
            Aftermath::Untouched,
        ));
    };
    let lettre = |e| classify::lettre(stage, &e, server);
    wire.queue(&Auth::new(mechanism, credentials.clone(), None).map_err(lettre)?);
    send(wire, stage, server).await?;
    let mut response = reply(wire, stage, server).await?;
    for _ in 0..MAX_CHALLENGES {
        if !response.has_code(334) {
            break;
        }
        wire.queue(
            &Auth::new_from_response(mechanism, credentials.clone(), &response).map_err(lettre)?,
        );
        send(wire, stage, server).await?;
        response = reply(wire, stage, server).await?;
    }
    check(stage, response, classify::is_completion, server).map(drop)
}

/// Writes what is queued; a failure is classified at `stage`.
pub(super) async fn send(wire: &mut Wire, stage: Stage, server: &str) -> Result<(), Failure> {
    wire.send()
        .await
        .map_err(|e| classify::broken(stage, &e, server))
}

/// Reads the next reply; a failure to read one is classified at `stage`.
pub(super) async fn reply(
    wire: &mut Wire,
    stage: Stage,
    server: &str,
) -> Result<Response, Failure> {
    wire.reply()
        .await
        .map_err(|e| classify::broken(stage, &e, server))
}

/// `response` if it is the one the protocol calls for (`ok`); else the
/// failure: the server's refusal (4xx/5xx), or an out-of-protocol positive
/// reply (e.g. `250` to DATA instead of `354`).
pub(super) fn check(
    stage: Stage,
    response: Response,
    ok: impl Fn(&Response) -> bool,
    server: &str,
) -> Result<Response, Failure> {
    if ok(&response) {
        Ok(response)
    } else if response.is_positive() {
        Err(classify::unexpected(stage, &response, server))
    } else {
        Err(classify::rejected(stage, &response))
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn an_ehlo_line_of_spaces_is_no_panic() {
        let response = Response::from_str("250-mx\r\n250-   \r\n250 8BITMIME\r\n").expect("reply");
        let info = ServerInfo::from_response(&without_blank_lines(&response)).expect("info");
        assert!(info.supports_feature(Extension::EightBitMime));
    }
}
