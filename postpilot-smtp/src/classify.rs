//! Turning lettre's replies and errors into the port's `ServerReply` and
//! `MailError`.
//!
//! What lettre 0.11 can tell (see `lettre::transport::smtp::Error`):
//! - `status()`/`is_transient()`/`is_permanent()`: the server answered 4xx/5xx
//!   (to any command: MAIL, RCPT, DATA, the final `.`, AUTH, …). The error's
//!   source is the reply text, all lines joined.
//! - a *connection* error (no predicate of its own: it is what is left):
//!   resolving, connecting, the TLS handshake or the STARTTLS upgrade failed,
//!   all before any message was sent.
//! - `is_client()`: lettre refused locally (no common AUTH mechanism,
//!   STARTTLS required but not offered, 8BITMIME needed but not offered).
//! - `is_response()`: a reply that could not be parsed, or the connection
//!   closed while a reply was awaited; `is_timeout()`: an I/O timeout; any
//!   other I/O error is a *network* error.
//!
//! What it cannot tell: *at which stage* a network or response error
//! happened. A connection lost while the greeting is awaited and one lost
//! after the body's final `.` look the same, so "unknown outcome" cannot be
//! recognised through `AsyncSmtpTransport`; such errors are reported as
//! transient (retried) with a text saying the stage is unknown.

use std::error::Error as _;
use std::io;

use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::Error as SmtpError;
use postpilot_core::ports::{MailError, ServerReply};

/// The server's reply to an accepted message, e.g. `250 2.0.0 Ok: queued as 3F2A`:
/// the code and every line of text, joined with spaces.
pub(crate) fn reply(response: &Response) -> ServerReply {
    let mut text = response.code().to_string();
    for line in response.message() {
        text.push(' ');
        text.push_str(line);
    }
    ServerReply(text)
}

/// Classifies a lettre error from a conversation with `server` (`host:port`).
pub(crate) fn smtp_error(err: &SmtpError, server: &str) -> MailError {
    if let Some(code) = err.status() {
        // The source is the server's reply text; keep it verbatim after the code.
        let text = match err.source() {
            Some(text) => format!("{code} {text}"),
            None => code.to_string(),
        };
        return if err.is_permanent() {
            MailError::Permanent(text)
        } else {
            MailError::Transient(text)
        };
    }
    let cause = root_cause(err);
    if err.is_client() {
        // A mismatch between our settings and the server's capabilities:
        // trying again will not change it.
        return MailError::Permanent(format!("cannot send via {server}: {cause}"));
    }
    if err.is_timeout() {
        return MailError::Transient(format!("timed out talking to {server}: {cause}"));
    }
    if err.is_transport_shutdown() {
        return MailError::Transient(format!("connection pool for {server} was shut down"));
    }
    if err.is_response() || is_network(err) {
        return MailError::Transient(format!(
            "connection to {server} failed mid-conversation (stage unknown): {cause}"
        ));
    }
    // A connection (or TLS) error: nothing was sent yet.
    match io_error(err).map(io::Error::kind) {
        Some(io::ErrorKind::ConnectionRefused) => {
            MailError::Transient(format!("connection refused: {server}"))
        }
        _ => MailError::Transient(format!("cannot connect to {server}: {cause}")),
    }
}

/// lettre has no `is_network`/`is_connection`; its `Display` starts with the kind.
fn is_network(err: &SmtpError) -> bool {
    err.to_string().starts_with("network error")
}

/// The innermost error's text: lettre's own `Display` prefixes its kind,
/// which our messages already say in their own words.
fn root_cause(err: &SmtpError) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn io_error(err: &SmtpError) -> Option<&io::Error> {
    let mut cause = err.source();
    while let Some(e) = cause {
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            return Some(io_err);
        }
        cause = e.source();
    }
    None
}
