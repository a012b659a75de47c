//! Building the RFC 5322 email from an [`OutgoingEmail`]; shared by the
//! SMTP and the outbox mailer so both produce the same bytes. The part
//! that does not depend on the recipient is built once per content.

use std::sync::{Arc, Mutex, PoisonError};

use lettre::message::header::{self, ContentType, HeaderName, HeaderValue, Headers};
use lettre::message::{Mailbox, Mailboxes, MultiPart};
use lettre::Address;
use postpilot_core::ports::{Content, MailError, OutgoingEmail};
use postpilot_core::EmailAddress;

use crate::body::encoded;
use crate::Identity;

/// The lettre address of `address`.
///
/// # Errors
/// lettre's reason, should its rules be stricter than the domain's.
pub(crate) fn address(address: &EmailAddress) -> Result<Address, String> {
    address
        .as_str()
        .parse::<Address>()
        .map_err(|e| format!("address {address} is not usable: {e}"))
}

/// Checks that a message key is safe both inside `<…@domain>` and as a file
/// name: dot-separated words of letters, digits, `-`, `_`, `+`, `=`.
/// `OutgoingEmail::key_for` always yields such keys; the check is for a key
/// made some other way, which could otherwise escape the outbox directory.
///
/// # Errors
/// [`MailError::Permanent`]: the same key would fail on every try.
pub(crate) fn check_message_key(key: &str) -> Result<(), MailError> {
    let word_ok = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '='))
    };
    if key.len() <= 200 && key.split('.').all(word_ok) {
        Ok(())
    } else {
        Err(MailError::Permanent(format!(
            "message key {key:?} cannot be used in a Message-ID or file name"
        )))
    }
}

/// The headers every email of a sender starts its shared part with: From
/// (its display name RFC 2047-encoded when not ASCII) and Reply-To when
/// set. Made once per sender, so content rendered per recipient costs
/// only its own subject and body.
#[derive(Debug)]
struct Frame {
    identity: Identity,
    head: String,
}

impl Frame {
    /// # Errors
    /// [`MailError::Permanent`] for an address lettre refuses.
    fn new(identity: &Identity) -> Result<Self, MailError> {
        let from = address(identity.from.address()).map_err(|e| permanent("sender", e))?;
        let from_name = identity.from.name().map(|n| n.as_str().to_owned());
        let mut headers = Headers::new();
        headers.set(header::From::from(Mailboxes::from(Mailbox::new(
            from_name, from,
        ))));
        if let Some(reply_to) = &identity.reply_to {
            let reply_to = address(reply_to).map_err(|e| permanent("reply-to", e))?;
            headers.set(header::ReplyTo::from(Mailboxes::from(Mailbox::new(
                None, reply_to,
            ))));
        }
        Ok(Self {
            identity: identity.clone(),
            head: headers.to_string(),
        })
    }
}

/// The part of an email that is the same for every recipient of a
/// content: every header but To, Message-ID and Date, and the encoded body.
/// Built once per content, so a run does not encode its body again for each
/// recipient.
#[derive(Debug)]
pub(crate) struct Template {
    content: Arc<Content>,
    /// The headers, an empty line and the body, as lettre formats them.
    rest: Vec<u8>,
}

impl Template {
    /// The template of `content` after `frame`: Subject (RFC 2047-encoded
    /// when not ASCII), MIME-Version, `text/plain; charset=utf-8` and the
    /// body in the encoding lettre chooses for it, or with an HTML version
    /// `multipart/alternative`. The same bytes as lettre's `Message` with
    /// these headers, in this order, without Date.
    fn new(frame: &Frame, content: Arc<Content>) -> Self {
        let mut headers = Headers::new();
        headers.set(header::Subject::from(content.subject.as_str().to_owned()));
        headers.set(header::MIME_VERSION_1_0);
        let text = encoded(content.body_text.as_str());
        let mut rest = Vec::with_capacity(frame.head.len() + 256 + text.len());
        rest.extend_from_slice(frame.head.as_bytes());
        match &content.body_html {
            // Text first: a client shows the last part it can (RFC 2046 §5.1.4).
            Some(html) => {
                rest.extend_from_slice(headers.to_string().as_bytes());
                let parts = MultiPart::alternative_plain_html(text, encoded(html.as_str()));
                rest.extend_from_slice(&parts.formatted());
            }
            None => {
                let body = text;
                headers.set(ContentType::TEXT_PLAIN);
                headers.set(body.encoding());
                rest.extend_from_slice(headers.to_string().as_bytes());
                rest.extend_from_slice(b"\r\n");
                rest.extend_from_slice(&body.into_vec());
            }
        }
        // Every line ends with CRLF, the last one too (an .eml file is
        // then a whole text file; SMTP would add it anyway).
        if !rest.ends_with(b"\r\n") {
            rest.extend_from_slice(b"\r\n");
        }
        Self { rest, content }
    }

    /// Whether this is the template of `content` (the same one, not an equal one).
    pub(crate) fn is_for(&self, content: &Arc<Content>) -> bool {
        Arc::ptr_eq(&self.content, content)
    }

    /// The email `identity` sends as `email`, whose content must be this
    /// template's: To (`full_name <email>`, RFC 2047-encoded when not
    /// ASCII), `Message-ID: <{message_key}@{domain of from}>`, Date (now),
    /// with an unsubscribe URL `List-Unsubscribe: <URL>` and
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058),
    /// then the template.
    ///
    /// # Errors
    /// [`MailError::Permanent`] for a message key or recipient address that
    /// cannot be used. Never panics.
    pub(crate) fn render(
        &self,
        identity: &Identity,
        email: &OutgoingEmail,
    ) -> Result<Vec<u8>, MailError> {
        check_message_key(&email.message_key)?;
        let to = Mailbox::new(
            Some(email.to_name.as_str().to_owned()),
            address(&email.to).map_err(|e| permanent("recipient", e))?,
        );
        let mut headers = Headers::new();
        headers.set(header::To::from(Mailboxes::from(to)));
        headers.set(header::MessageId::from(format!(
            "<{}@{}>",
            email.message_key,
            identity.from.domain()
        )));
        headers.set(header::Date::now());
        if let Some(url) = &email.unsubscribe_url {
            one_click_unsubscribe(&mut headers, url)?;
        }
        let head = headers.to_string();
        let mut out = Vec::with_capacity(head.len() + self.rest.len());
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(&self.rest);
        Ok(out)
    }
}

/// The longest unsubscribe URL written into a header: the header line stays
/// under SMTP's 998 characters without folding (a URL has no white space
/// to fold at).
const MAX_UNSUBSCRIBE_URL: usize = 900;

/// Adds the RFC 8058 pair for `url`.
///
/// # Errors
/// [`MailError::Permanent`] for a URL that cannot go into a header as is:
/// longer than [`MAX_UNSUBSCRIBE_URL`], or with a character that is not
/// visible ASCII or is `<`/`>` (the core's links never have one).
fn one_click_unsubscribe(headers: &mut Headers, url: &str) -> Result<(), MailError> {
    let usable = !url.is_empty()
        && url.len() <= MAX_UNSUBSCRIBE_URL
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    if !usable {
        return Err(permanent(
            "unsubscribe URL",
            format!("{url:?} cannot be written into List-Unsubscribe"),
        ));
    }
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe"),
        format!("<{url}>"),
    ));
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click".to_owned(),
    ));
    Ok(())
}

/// The sender's frame and the last template made, reused while emails of
/// the same content come.
#[derive(Debug, Default)]
pub(crate) struct Templates(Mutex<Cache>);

#[derive(Debug, Default)]
struct Cache {
    frame: Option<Arc<Frame>>,
    last: Option<Arc<Template>>,
}

impl Templates {
    /// The email `identity` sends as `email` (see [`Template::render`]),
    /// signed when `identity` has a DKIM key.
    ///
    /// # Errors
    /// As [`Template::new`], [`Template::render`] and [`crate::Dkim::sign`].
    pub(crate) fn email(
        &self,
        identity: &Identity,
        email: &OutgoingEmail,
    ) -> Result<Vec<u8>, MailError> {
        let unsigned = self.unsigned(identity, email)?;
        match &identity.dkim {
            Some(dkim) => dkim.sign(unsigned),
            None => Ok(unsigned),
        }
    }

    /// As [`Templates::email`], signing on a blocking thread: a signature
    /// (RSA above all, milliseconds each) would otherwise hold the one
    /// thread that drives every connection (ARCHITECTURE.md, "SMTP").
    ///
    /// # Errors
    /// As [`Templates::email`]; [`MailError::Transient`] when the runtime
    /// shuts down before the signature is made.
    pub(crate) async fn email_off_loop(
        &self,
        identity: &Identity,
        email: &OutgoingEmail,
    ) -> Result<Vec<u8>, MailError> {
        let unsigned = self.unsigned(identity, email)?;
        let Some(dkim) = identity.dkim.clone() else {
            return Ok(unsigned);
        };
        tokio::task::spawn_blocking(move || dkim.sign(unsigned))
            .await
            .map_err(|e| {
                if e.is_panic() {
                    MailError::Permanent("signing the email with DKIM failed".to_owned())
                } else {
                    MailError::Transient("signing the email with DKIM was cancelled".to_owned())
                }
            })?
    }

    /// The email before it is signed (the mailer signs it off the loop).
    ///
    /// # Errors
    /// As [`Template::new`] and [`Template::render`].
    pub(crate) fn unsigned(
        &self,
        identity: &Identity,
        email: &OutgoingEmail,
    ) -> Result<Vec<u8>, MailError> {
        let (frame, cached) = {
            let cache = self.lock();
            let frame = cache
                .frame
                .as_ref()
                .filter(|f| f.identity == *identity)
                .cloned();
            let last = cache
                .last
                .as_ref()
                .filter(|t| t.is_for(&email.content))
                .cloned();
            (frame, last)
        };
        let template = match cached {
            Some(template) => template,
            None => {
                let frame = match frame {
                    Some(frame) => frame,
                    None => {
                        let made = Arc::new(Frame::new(identity)?);
                        self.lock().frame = Some(Arc::clone(&made));
                        made
                    }
                };
                let made = Arc::new(Template::new(&frame, Arc::clone(&email.content)));
                self.lock().last = Some(Arc::clone(&made));
                made
            }
        };
        template.render(identity, email)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        // Only whole values are stored under the lock.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn permanent(what: &str, e: String) -> MailError {
    MailError::Permanent(format!("{what}: {e}"))
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
