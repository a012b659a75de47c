//! Turning what happened in an SMTP conversation into the port's
//! `ServerReply` and `MailError`.
//!
//! The session (`smtp::session`) tracks the [`Stage`] it has reached, so a
//! failure is classified by *where* it happened as well as by what it was:
//!
//! | what | before the final `.` was written | after it |
//! |---|---|---|
//! | 4xx reply (421 included) | `Transient` | `Transient` |
//! | 5xx reply | `Permanent` | `Permanent` |
//! | EOF, reset, other I/O error, unparsable reply | `Transient` | `UnknownOutcome` |
//! | deadline exceeded | `Transient` | `UnknownOutcome` |
//! | connection refused / cannot connect | `Transient` | — |
//! | our own refusal (STARTTLS required but not offered, no common AUTH mechanism, SMTPUTF8 needed) | `Permanent` | — |
//!
//! A reply is kept as the server wrote it (`450 4.3.0 Error: command
//! failed`) but made visible: bytes that are not UTF-8 were decoded to
//! U+FFFD (`wire`), and control characters become escapes
//! (`postpilot_core::visible`: `\0`, `\u{1b}`), so no reply can reach a
//! terminal, a log or the database as anything but text. A failure without
//! a reply names the server, the stage and the cause.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::time::Duration;

use lettre::transport::smtp::response::{Response, Severity};
use lettre::transport::smtp::Error as SmtpError;
use postpilot_core::ports::{MailError, ServerReply};
use postpilot_core::visible;

use crate::smtp::wire::WireError;

/// How far an SMTP conversation got. Ordered as a conversation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    /// Resolving the host and opening the TCP connection.
    Connect,
    /// The TLS handshake of implicit TLS (`smtps://`).
    TlsHandshake,
    /// Waiting for the server's `220` greeting.
    Greeting,
    Ehlo,
    StartTls,
    Auth,
    Mail,
    Rcpt,
    Data,
    /// Writing the message body and its final `.`: nothing is delivered yet.
    Body,
    /// The final `.` has been written: the server may have taken the message.
    AfterDot,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect",
            Self::TlsHandshake => "TLS handshake",
            Self::Greeting => "greeting",
            Self::Ehlo => "EHLO",
            Self::StartTls => "STARTTLS",
            Self::Auth => "AUTH",
            Self::Mail => "MAIL FROM",
            Self::Rcpt => "RCPT TO",
            Self::Data => "DATA",
            Self::Body => "message body",
            Self::AfterDot => "reply to the message",
        })
    }
}

/// What a failure means for the connection it happened on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aftermath {
    /// The server refused with a 4xx/5xx reply (not 421) and is still
    /// talking: after RSET the connection can carry the next message.
    Rejected,
    /// We refused before sending anything (e.g. SMTPUTF8 not offered): the
    /// connection is as good as before.
    Untouched,
    /// 421, EOF, an I/O error, a reply out of protocol: never reuse it.
    Broken,
}

/// A failed step of a conversation: where, what it means for the email, and
/// what it means for the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) stage: Stage,
    pub(crate) error: MailError,
    pub(crate) aftermath: Aftermath,
}

/// The server's reply, e.g. `250 2.0.0 Ok: queued as 3F2A`: the code and
/// every line of text, joined with spaces, made visible.
pub(crate) fn reply(response: &Response) -> ServerReply {
    let mut text = response.code().to_string();
    for line in response.message() {
        text.push(' ');
        text.push_str(line);
    }
    ServerReply(visible_text(text))
}

/// Whether `response` is a 2xx.
pub(crate) fn is_completion(response: &Response) -> bool {
    response.code().severity == Severity::PositiveCompletion
}

/// A 4xx/5xx `response` at `stage`: the reply, kept verbatim, is the error.
pub(crate) fn rejected(stage: Stage, response: &Response) -> Failure {
    let code = response.code();
    let text = visible_text(format!("{code} {}", joined(response)));
    let error = if code.severity == Severity::PermanentNegativeCompletion && stage == Stage::Rcpt {
        MailError::AddressRefused(text)
    } else if code.severity == Severity::PermanentNegativeCompletion {
        MailError::Permanent(text)
    } else {
        MailError::Transient(text)
    };
    // 421: the server is closing the connection. Otherwise it is still
    // talking: a transaction can go on after RSET, and a session refused
    // before it was set up (greeting, EHLO, AUTH) is not kept but is still
    // closed with QUIT.
    let usable = u16::from(code) != 421;
    let aftermath = if usable {
        Aftermath::Rejected
    } else {
        Aftermath::Broken
    };
    Failure {
        stage,
        error,
        aftermath,
    }
}

/// The conversation broke at `stage`: I/O error, EOF, a reply out of protocol.
pub(crate) fn broken(stage: Stage, err: &WireError, server: &str) -> Failure {
    let cause = match err {
        WireError::Io(e) => innermost(e),
        other => other.to_string(),
    };
    lost(stage, &cause, server)
}

/// A lettre error at `stage` (a TLS handshake, an AUTH step lettre refuses).
pub(crate) fn lettre(stage: Stage, err: &SmtpError, server: &str) -> Failure {
    let cause = innermost(err);
    if err.is_client() {
        // lettre refused locally (e.g. a challenge it cannot answer): our
        // settings and the server's capabilities disagree, and trying again
        // will not change that.
        return Failure {
            stage,
            error: MailError::Permanent(format!("cannot send via {server}: {cause}")),
            aftermath: Aftermath::Broken,
        };
    }
    lost(stage, &cause, server)
}

/// A failed TLS handshake at `stage`. A certificate the client does not
/// trust (unknown CA, wrong name, expired) will be refused on every try:
/// permanent, naming the way out. Anything else (the connection dropped
/// mid-handshake) is a lost connection, as [`lettre`] says.
pub(crate) fn tls_failed(stage: Stage, err: &SmtpError, server: &str) -> Failure {
    let cause = innermost(err);
    if cause.contains("certificate") || cause.contains("Certificate") {
        return Failure {
            stage,
            error: MailError::Permanent(format!(
                "TLS handshake with {server} failed: {cause}; if the server's certificate \
                 is issued by a private CA, give that CA with ?ca=FILE in the SMTP URL \
                 or --smtp-ca-file"
            )),
            aftermath: Aftermath::Broken,
        };
    }
    lettre(stage, err, server)
}

/// The connection broke (or answered out of protocol) at `stage`.
pub(crate) fn lost(stage: Stage, cause: &str, server: &str) -> Failure {
    let error = if stage == Stage::AfterDot {
        MailError::UnknownOutcome(format!(
            "connection to {server} lost after the message was sent; \
             it may have been delivered ({cause})"
        ))
    } else {
        MailError::Transient(format!(
            "connection to {server} failed (stage: {stage}): {cause}"
        ))
    };
    Failure {
        stage,
        error,
        aftermath: Aftermath::Broken,
    }
}

/// A positive reply that is not the one the protocol calls for at `stage`
/// (e.g. `250` to DATA instead of `354`): we cannot tell what the server
/// is doing, so the connection is abandoned.
pub(crate) fn unexpected(stage: Stage, response: &Response, server: &str) -> Failure {
    lost(
        stage,
        // The reply is visible already: quoted, not escaped again.
        &format!("unexpected reply \"{}\"", reply(response).0),
        server,
    )
}

/// We refuse to go on, for a reason that will not change by trying again.
pub(crate) fn refused(stage: Stage, why: String, aftermath: Aftermath) -> Failure {
    Failure {
        stage,
        error: MailError::Permanent(why),
        aftermath,
    }
}

/// The TCP connection could not be opened.
pub(crate) fn connect_failed(err: &io::Error, server: &str) -> Failure {
    let error = if err.kind() == io::ErrorKind::ConnectionRefused {
        MailError::Transient(format!("connection refused: {server}"))
    } else {
        MailError::Transient(format!("cannot connect to {server}: {err}"))
    };
    Failure {
        stage: Stage::Connect,
        error,
        aftermath: Aftermath::Broken,
    }
}

/// The conversation's deadline passed at `stage`.
pub(crate) fn timed_out(stage: Stage, timeout: Duration, server: &str) -> MailError {
    match stage {
        Stage::Connect => MailError::Transient(format!(
            "timed out after {timeout:?} connecting to {server}"
        )),
        Stage::AfterDot => MailError::UnknownOutcome(format!(
            "no reply from {server} within {timeout:?} after the message was sent; \
             it may have been delivered"
        )),
        _ => MailError::Transient(format!(
            "timed out after {timeout:?} talking to {server} (stage: {stage})"
        )),
    }
}

/// `text` with its control characters escaped, reusing it when it has none.
pub(crate) fn visible_text(text: String) -> String {
    match visible(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
    }
}

/// The innermost cause in plain words: the outer ones' `Display` adds
/// their kind ("network error: …"), which our messages say in their own words.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The lines of a reply joined with spaces, an enhanced status code repeated
/// at the start of each line kept only once: as lettre words its errors.
fn joined(response: &Response) -> String {
    let mut lines = response.message();
    let mut text = lines.next().unwrap_or_default().to_owned();
    let repeated = enhanced_status_code(response);
    for line in lines {
        text.push(' ');
        text.push_str(match repeated {
            Some(code) => line
                .strip_prefix(code)
                .filter(|rest| rest.starts_with(' '))
                .map_or(line, str::trim_start),
            None => line,
        });
    }
    text
}

/// The enhanced status code (RFC 2034) a reply starts with, if its class
/// agrees with the reply code.
fn enhanced_status_code(response: &Response) -> Option<&str> {
    let class = match response.code().severity {
        Severity::PositiveCompletion => "2",
        Severity::TransientNegativeCompletion => "4",
        Severity::PermanentNegativeCompletion => "5",
        Severity::PositiveIntermediate => return None,
    };
    let word = response.first_word()?;
    let (first, rest) = word.split_once('.')?;
    let (subject, detail) = rest.split_once('.')?;
    let number =
        |part: &str| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    (first == class && number(subject) && number(detail)).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_decides_between_transient_and_unknown_outcome_for_a_lost_connection() {
        let before = lost(Stage::Body, "reset", "mx:25");
        assert_eq!(
            before.error,
            MailError::Transient("connection to mx:25 failed (stage: message body): reset".into())
        );
        let after = lost(Stage::AfterDot, "reset", "mx:25");
        assert!(matches!(after.error, MailError::UnknownOutcome(_)));
        assert!(after.error.reply().contains("may have been delivered"));
    }

    #[test]
    fn only_a_5xx_at_rcpt_refuses_the_address_itself() {
        use std::str::FromStr;
        let refused = Response::from_str("550 5.1.1 user unknown\r\n").expect("reply");
        assert!(matches!(
            rejected(Stage::Rcpt, &refused).error,
            MailError::AddressRefused(_)
        ));
        for stage in [Stage::Mail, Stage::Data, Stage::AfterDot] {
            assert!(
                matches!(rejected(stage, &refused).error, MailError::Permanent(_)),
                "{stage}"
            );
        }
        let busy = Response::from_str("450 4.2.1 mailbox busy\r\n").expect("reply");
        assert!(rejected(Stage::Rcpt, &busy).error.is_transient());
    }

    #[test]
    fn replies_are_made_visible_once_wherever_they_are_quoted() {
        use std::str::FromStr;
        let response = Response::from_str("250-a\u{1b}[2J\r\n250 b\\x\0\r\n").expect("reply");
        assert_eq!(reply(&response).0, r"250 a\u{1b}[2J b\x\0");
        let response = Response::from_str("550 5.1.1 no\u{7}\r\n").expect("reply");
        assert_eq!(
            rejected(Stage::Rcpt, &response).error,
            MailError::AddressRefused(r"550 5.1.1 no\u{7}".into())
        );
        let response = Response::from_str("250 \u{1b}]0;x\u{7}\r\n").expect("reply");
        assert_eq!(
            unexpected(Stage::Data, &response, "mx:25").error,
            MailError::Transient(
                r#"connection to mx:25 failed (stage: DATA): unexpected reply "250 \u{1b}]0;x\u{7}""#
                    .into()
            )
        );
    }

    #[test]
    fn deadline_after_the_dot_is_an_unknown_outcome_and_before_it_transient() {
        let t = Duration::from_secs(1);
        assert!(matches!(
            timed_out(Stage::AfterDot, t, "mx:25"),
            MailError::UnknownOutcome(_)
        ));
        assert_eq!(
            timed_out(Stage::Rcpt, t, "mx:25"),
            MailError::Transient("timed out after 1s talking to mx:25 (stage: RCPT TO)".into())
        );
        assert_eq!(
            timed_out(Stage::Connect, t, "mx:25"),
            MailError::Transient("timed out after 1s connecting to mx:25".into())
        );
    }
}
