//! The Mailer port: send one prepared email to one recipient.

use std::sync::Arc;

use async_trait::async_trait;
use thiserror::Error;

use crate::domain::{
    BodyHtml, BodyText, DeliveryId, EmailAddress, FullName, InstanceId, RunId, Subject,
};

/// The part of an email that is the same for every recipient of a run;
/// shared, not copied, between recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub subject: Subject,
    pub body_text: BodyText,
    /// The HTML version: the email is then `multipart/alternative`, the
    /// text first.
    pub body_html: Option<BodyHtml>,
}

/// One email to one recipient, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: EmailAddress,
    pub to_name: FullName,
    pub content: Arc<Content>,
    /// Stable per (run, recipient): the same on every try, so a receiving
    /// system can drop a duplicate; unique across databases. The mailer
    /// makes the Message-ID from it.
    pub message_key: String,
    /// The recipient's one-click unsubscribe link, when the server has a
    /// public address: the mailer writes `List-Unsubscribe` with it and
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
    pub unsubscribe_url: Option<String>,
}

impl OutgoingEmail {
    /// The stable key of the email of `delivery` in `run` of the database
    /// `instance`: `postpilot.RUN.DELIVERY.INSTANCE`. Run and delivery ids
    /// start at 1 in every database; the instance makes the key unique
    /// across databases sending as one domain.
    pub fn key_for(run: RunId, delivery: DeliveryId, instance: &InstanceId) -> String {
        format!("postpilot.{run}.{delivery}.{instance}")
    }
}

/// The mail server's reply to an accepted message, e.g. `250 2.0.0 Ok: queued as 3F2A`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerReply(pub String);

/// Why an email was not (known to be) accepted. Each variant carries the
/// server's reply, or the clearest cause there is when the server said nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MailError {
    /// Worth trying again later: a 4xx reply, connection refused or lost
    /// before the message was sent, a timeout before DATA.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Final: a 5xx reply, or a message the server can never take.
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// A 5xx reply to `RCPT TO` (e.g. `550 5.1.1 user unknown`): the
    /// server refuses this address for good. Final like `Permanent`; the
    /// send engine also marks the recipient as bouncing, so later runs
    /// skip them. Kept apart from other 5xx replies (a refused body, a
    /// refused sender), which say nothing against the address.
    #[error("permanent failure: {0}")]
    AddressRefused(String),
    /// The message may or may not have been accepted: the connection broke
    /// after its body was sent. Not retried, so it is never sent twice.
    #[error("unknown outcome: {0}")]
    UnknownOutcome(String),
    /// The server refused the login (e.g. `535 5.7.8 Authentication
    /// credentials invalid`): nothing can be sent with these credentials.
    /// The send engine sends nothing more of the run and records the rest
    /// as not sent with this reply; the mailer tries no further login.
    #[error("login refused: {0}")]
    LoginFailed(String),
    /// Nothing of the email reached the server: it was still waiting for a
    /// connection when the sender was asked to stop. No attempt was made,
    /// so none is recorded: the send engine hands the delivery back, as it
    /// does the ones it had not started.
    #[error("not sent: {0}")]
    NotStarted(String),
}

impl MailError {
    /// The server's reply or the cause, without the classification.
    pub fn reply(&self) -> &str {
        match self {
            Self::Transient(r)
            | Self::Permanent(r)
            | Self::AddressRefused(r)
            | Self::UnknownOutcome(r)
            | Self::LoginFailed(r)
            | Self::NotStarted(r) => r,
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// Sends email. Implementations must be safe to call concurrently.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `email`; returns the server's reply on acceptance.
    ///
    /// # Errors
    /// [`MailError`] classified as transient, permanent or unknown outcome,
    /// carrying the server's reply.
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError>;

    /// The email `send` would transmit for `email`, headers and body,
    /// without sending it: what a preview shows. The default, for mailers
    /// that cannot tell, is a plain rendering of To, Subject and the body.
    ///
    /// # Errors
    /// [`MailError::Permanent`] for an email that cannot be built, as
    /// `send` would refuse it.
    fn preview(&self, email: &OutgoingEmail) -> Result<Vec<u8>, MailError> {
        Ok(format!(
            "To: {} <{}>\r\nSubject: {}\r\n\r\n{}\r\n",
            email.to_name,
            email.to,
            email.content.subject,
            email.content.body_text.as_str().replace('\n', "\r\n"),
        )
        .into_bytes())
    }
}

#[async_trait]
impl<T: Mailer + ?Sized> Mailer for Arc<T> {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        (**self).send(email).await
    }

    fn preview(&self, email: &OutgoingEmail) -> Result<Vec<u8>, MailError> {
        (**self).preview(email)
    }
}
