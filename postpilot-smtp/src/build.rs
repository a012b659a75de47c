//! Building the RFC 5322 email from an [`OutgoingEmail`]; shared by the
//! SMTP and the outbox mailer so both produce the same bytes. The part
//! that does not depend on the recipient is built once per content.

use std::sync::{Arc, Mutex, PoisonError};

use lettre::message::header::{self, ContentType, HeaderName, HeaderValue, Headers};
use lettre::message::{Body, Mailbox, Mailboxes, MultiPart};
use lettre::Address;
use postpilot_core::ports::{Content, MailError, OutgoingEmail};
use postpilot_core::EmailAddress;

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
        let text = crlf_lines(content.body_text.as_str());
        let mut rest = frame.head.clone().into_bytes();
        match &content.body_html {
            // Text first: a client shows the last part it can (RFC 2046 §5.1.4).
            Some(html) => {
                rest.extend_from_slice(headers.to_string().as_bytes());
                let parts = MultiPart::alternative_plain_html(text, crlf_lines(html.as_str()));
                rest.extend_from_slice(&parts.formatted());
            }
            None => {
                let body = Body::new(text);
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
        let mut out = headers.to_string().into_bytes();
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

    /// The email before it is signed.
    fn unsigned(&self, identity: &Identity, email: &OutgoingEmail) -> Result<Vec<u8>, MailError> {
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

/// `text` with every line break — CRLF, a bare LF or a bare CR — written
/// as CRLF: text/plain has no bare CR or LF (RFC 2046 §4.1.1), and lettre
/// turns only a bare LF into CRLF.
pub(crate) fn crlf_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

fn permanent(what: &str, e: String) -> MailError {
    MailError::Permanent(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use postpilot_core::ports::Content;
    use postpilot_core::{BodyText, FullName, Subject};

    use super::*;

    fn email(key: &str) -> OutgoingEmail {
        OutgoingEmail {
            to: EmailAddress::parse("ivan@example.com").expect("valid address"),
            to_name: FullName::parse("Иван Петров").expect("valid name"),
            content: Arc::new(Content {
                subject: Subject::parse("Скидки недели").expect("valid subject"),
                body_text: BodyText::parse("Здравствуйте!\nline two").expect("valid body"),
                body_html: None,
            }),
            message_key: key.to_owned(),
            unsubscribe_url: None,
        }
    }

    fn from() -> Identity {
        EmailAddress::parse("news@shop.example")
            .expect("valid address")
            .into()
    }

    #[test]
    fn an_email_with_an_unsubscribe_url_carries_the_one_click_pair_and_one_without_none() {
        let templates = Templates::default();
        let mut with = email("postpilot.1.1");
        with.unsubscribe_url = Some("https://shop.example/u/7.AbC-_x".to_owned());
        let text =
            String::from_utf8(templates.email(&from(), &with).expect("built")).expect("utf-8");
        assert!(
            text.contains(
                "\r\nList-Unsubscribe: <https://shop.example/u/7.AbC-_x>\r\n\
                 List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            ),
            "{text}"
        );
        let (head, _) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(
            head.contains("List-Unsubscribe:"),
            "a header, not body text"
        );
        let without = String::from_utf8(
            templates
                .email(&from(), &email("postpilot.1.2"))
                .expect("built"),
        )
        .expect("utf-8");
        assert!(!without.contains("List-Unsubscribe"), "{without}");
    }

    #[test]
    fn an_unsubscribe_url_that_cannot_go_into_a_header_fails_permanently() {
        for bad in [
            "https://x/u/1\r\nBcc: a@b",
            "https://x/u/1> <https://evil",
            "https://x/u/ 1",
            "",
        ] {
            let mut e = email("postpilot.1.1");
            e.unsubscribe_url = Some(bad.to_owned());
            let err = Templates::default()
                .email(&from(), &e)
                .expect_err("refused");
            assert!(matches!(err, MailError::Permanent(_)), "{bad:?}: {err:?}");
        }
        let mut long = email("postpilot.1.1");
        long.unsubscribe_url = Some(format!("https://x/{}", "a".repeat(MAX_UNSUBSCRIBE_URL)));
        assert!(Templates::default().email(&from(), &long).is_err());
    }

    #[test]
    fn email_is_ascii_with_encoded_headers_and_the_message_id() {
        let bytes = Templates::default()
            .email(&from(), &email("postpilot.3.17"))
            .expect("buildable");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.is_ascii(), "needs no 8BITMIME:\n{text}");
        assert!(
            text.contains("Message-ID: <postpilot.3.17@shop.example>\r\n"),
            "{text}"
        );
        assert!(text.contains("From: news@shop.example\r\n"), "{text}");
        assert!(text.contains("To: =?utf-8?"), "{text}");
        assert!(text.contains("<ivan@example.com>"), "{text}");
        assert!(text.contains("Subject: =?utf-8?"), "{text}");
        assert!(
            text.contains("Content-Type: text/plain; charset=utf-8\r\n"),
            "{text}"
        );
        assert!(text.contains("MIME-Version: 1.0\r\n"), "{text}");
        assert!(text.contains("\r\nDate: "), "{text}");
    }

    #[test]
    fn a_message_with_an_html_version_is_multipart_alternative_with_the_text_first() {
        let mut with_html = email("postpilot.1.1");
        with_html.content = Arc::new(Content {
            body_html: Some(
                postpilot_core::BodyHtml::parse("<p>Здравствуйте!</p>\n<p>Скидки</p>")
                    .expect("html"),
            ),
            ..(*with_html.content).clone()
        });
        let text = String::from_utf8(
            Templates::default()
                .email(&from(), &with_html)
                .expect("built"),
        )
        .expect("utf-8");
        assert!(
            text.contains("Content-Type: multipart/alternative;"),
            "{text}"
        );
        let plain = text
            .find("Content-Type: text/plain; charset=utf-8")
            .expect("text part");
        let html = text
            .find("Content-Type: text/html; charset=utf-8")
            .expect("html part");
        assert!(plain < html, "text first:\n{text}");
        assert!(!text.contains("\n\n") || text.contains("\r\n\r\n"));
        for line in text.split("\r\n") {
            assert!(
                !line.contains('\n') && !line.contains('\r'),
                "bare line end in {line:?}"
            );
        }
    }

    #[test]
    fn emails_of_one_content_share_the_body_and_differ_in_to_and_message_id() {
        let templates = Templates::default();
        let first = email("postpilot.1.1");
        let mut second = email("postpilot.1.2");
        second.content = Arc::clone(&first.content);
        second.to = EmailAddress::parse("olga@example.com").expect("valid address");
        let a = String::from_utf8(templates.email(&from(), &first).expect("built")).expect("utf-8");
        let b =
            String::from_utf8(templates.email(&from(), &second).expect("built")).expect("utf-8");
        for (text, key, to) in [(&a, "1.1", "ivan@"), (&b, "1.2", "olga@")] {
            assert_eq!(
                text.matches("\r\nMessage-ID: ").count()
                    + usize::from(text.starts_with("Message-ID: ")),
                1,
                "{text}"
            );
            assert!(
                text.contains(&format!("<postpilot.{key}@shop.example>")),
                "{text}"
            );
            assert!(text.contains(to), "{text}");
            assert_eq!(text.matches("Date: ").count(), 1, "{text}");
            assert_eq!(text.matches("From: ").count(), 1, "{text}");
        }
        let body = |t: &str| t.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
        assert_eq!(body(&a), body(&b));
        assert!(
            !b.contains("ivan@"),
            "nothing of the first recipient is left"
        );

        // Another content (even an equal one) gets its own template.
        let mut third = email("postpilot.1.3");
        third.content = Arc::new(Content {
            subject: Subject::parse("Другая тема").expect("valid subject"),
            body_text: BodyText::parse("Другой текст").expect("valid body"),
            body_html: None,
        });
        let c = String::from_utf8(templates.email(&from(), &third).expect("built")).expect("utf-8");
        assert_ne!(body(&c), body(&a));
    }

    fn header<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
        let head = text.split_once("\r\n\r\n").map_or(text, |(h, _)| h);
        head.split("\r\n")
            .filter_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
            .collect()
    }

    #[test]
    fn a_sender_with_a_cyrillic_display_name_is_an_encoded_word_before_the_address() {
        let identity = Identity {
            from: postpilot_core::Sender::parse("Магазин «Ромашка» <news@shop.example>")
                .expect("valid sender"),
            reply_to: Some(EmailAddress::parse("help@shop.example").expect("valid")),
            helo: None,
            dkim: None,
        };
        let bytes = Templates::default()
            .email(&identity, &email("postpilot.3.17"))
            .expect("buildable");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.is_ascii(), "{text}");
        let from = header(&text, "From");
        assert_eq!(from.len(), 1, "{text}");
        assert!(from[0].starts_with("=?utf-8?b?"), "{text}");
        assert!(from[0].ends_with("?= <news@shop.example>"), "{text}");
        assert_eq!(
            header(&text, "Reply-To"),
            vec!["help@shop.example"],
            "{text}"
        );
        assert_eq!(
            header(&text, "Message-ID"),
            vec!["<postpilot.3.17@shop.example>"],
            "the From domain makes the Message-ID"
        );
    }

    #[test]
    fn an_ascii_display_name_is_a_quoted_string_and_without_reply_to_there_is_no_such_header() {
        let identity: Identity = postpilot_core::Sender::parse("Shop News <news@shop.example>")
            .expect("valid sender")
            .into();
        let text = String::from_utf8(
            Templates::default()
                .email(&identity, &email("postpilot.1.1"))
                .expect("buildable"),
        )
        .expect("utf-8");
        assert_eq!(
            header(&text, "From"),
            vec!["\"Shop News\" <news@shop.example>"],
            "{text}"
        );
        assert!(header(&text, "Reply-To").is_empty(), "{text}");
    }

    /// The shared part as lettre's `Message` builds it with the same
    /// headers (what `Template` used to do for each content).
    fn built_by_lettre(identity: &Identity, content: &Content) -> Vec<u8> {
        use lettre::address::Envelope;
        use lettre::Message;
        let from = address(identity.from.address()).expect("sender");
        let envelope = Envelope::new(Some(from.clone()), vec![from.clone()]).expect("envelope");
        let name = identity.from.name().map(|n| n.as_str().to_owned());
        let mut builder = Message::builder().from(Mailbox::new(name, from));
        if let Some(reply_to) = &identity.reply_to {
            builder = builder.reply_to(Mailbox::new(None, address(reply_to).expect("reply-to")));
        }
        let builder = builder
            .subject(content.subject.as_str())
            .header(header::MIME_VERSION_1_0)
            .envelope(envelope);
        let text = crlf_lines(content.body_text.as_str());
        let mut message = match &content.body_html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                text,
                crlf_lines(html.as_str()),
            )),
            None => builder.header(ContentType::TEXT_PLAIN).body(text),
        }
        .expect("built");
        message.headers_mut().remove::<header::Date>();
        let mut rest = message.formatted();
        if !rest.ends_with(b"\r\n") {
            rest.extend_from_slice(b"\r\n");
        }
        rest
    }

    /// `text` with its MIME boundary (random) replaced by a fixed one.
    fn fixed_boundary(text: &[u8]) -> String {
        let text = String::from_utf8(text.to_vec()).expect("utf-8");
        match text
            .split_once("boundary=\"")
            .and_then(|(_, tail)| tail.split_once('"'))
        {
            Some((boundary, _)) => text.replace(boundary, "BOUNDARY"),
            None => text,
        }
    }

    #[test]
    fn the_shared_part_is_byte_for_byte_what_lettre_builds_for_the_whole_email() {
        let named = Identity {
            from: postpilot_core::Sender::parse("Магазин «Ромашка» <news@shop.example>")
                .expect("valid sender"),
            reply_to: Some(EmailAddress::parse("help@shop.example").expect("valid")),
            helo: None,
            dkim: None,
        };
        let quoted: Identity = postpilot_core::Sender::parse("Shop News <news@shop.example>")
            .expect("valid sender")
            .into();
        let content = |subject: &str, body: &str, html: Option<&str>| Content {
            subject: Subject::parse(subject).expect("subject"),
            body_text: BodyText::parse(body).expect("body"),
            body_html: html.map(|h| postpilot_core::BodyHtml::parse(h).expect("html")),
        };
        let long = format!("{}\n{}", "x".repeat(2000), "я".repeat(700));
        let contents = [
            content("Benchmark", &"x".repeat(1023), None),
            content("Plain ASCII", "Hello,\nshort lines.\n", None),
            content(
                "Получатель 7, скидки недели 🎉",
                &format!(
                    "Здравствуйте, Получатель 7!\n{}\nОтписаться: https://x/u/7.a",
                    "x".repeat(1023)
                ),
                None,
            ),
            content(
                "Стихи",
                "    Мороз и солнце;\rдень\nчудесный!\r\n\tконец",
                None,
            ),
            content("Long", &long, None),
            content("Тема", "Текст", Some("<p>Здравствуйте!</p>\n<p>Скидки</p>")),
        ];
        for identity in [from(), named, quoted] {
            let frame = Frame::new(&identity).expect("frame");
            for c in &contents {
                let ours = Template::new(&frame, Arc::new(c.clone())).rest;
                assert_eq!(
                    fixed_boundary(&ours),
                    fixed_boundary(&built_by_lettre(&identity, c)),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn every_line_break_becomes_crlf_and_nothing_else_changes() {
        assert_eq!(crlf_lines("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
        assert_eq!(crlf_lines("\r\r\n\n\r"), "\r\n\r\n\r\n\r\n");
        assert_eq!(crlf_lines("  отступ\tтаб"), "  отступ\tтаб");
        assert_eq!(crlf_lines(""), "");
    }

    /// The decoded body of a built email (lettre writes a UTF-8 body in
    /// base64 or quoted-printable).
    fn decoded_body(text: &str) -> Vec<u8> {
        let (head, body) = text.split_once("\r\n\r\n").expect("a header");
        let joined: String = body.split("\r\n").collect();
        if head.contains("Content-Transfer-Encoding: base64") {
            base64_decode(&joined)
        } else {
            body.as_bytes().to_vec()
        }
    }

    fn base64_decode(text: &str) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for byte in text.bytes().filter(|b| *b != b'=') {
            let value = ALPHABET.iter().position(|a| *a == byte).expect("base64");
            acc = (acc << 6) | u32::try_from(value).expect("small");
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push(u8::try_from((acc >> bits) & 0xff).expect("a byte"));
            }
        }
        out
    }

    #[test]
    fn bare_cr_and_lf_go_out_as_crlf_indentation_is_kept_and_the_email_ends_with_crlf() {
        let mut indented = email("postpilot.1.1");
        indented.content = Arc::new(Content {
            subject: Subject::parse("Стихи").expect("valid subject"),
            body_text: BodyText::parse("    Мороз и солнце;\rдень\nчудесный!\r\n\tконец")
                .expect("valid body"),
            body_html: None,
        });
        let text = String::from_utf8(
            Templates::default()
                .email(&from(), &indented)
                .expect("buildable"),
        )
        .expect("utf-8");
        assert!(text.ends_with("\r\n"), "{text:?}");
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'\r' => assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
                b'\n' => assert_eq!(bytes[i - 1], b'\r', "bare LF at {i}"),
                _ => {}
            }
        }
        let body = String::from_utf8(decoded_body(&text)).expect("utf-8 body");
        assert_eq!(
            body.trim_end_matches("\r\n"),
            "    Мороз и солнце;\r\nдень\r\nчудесный!\r\n\tконец"
        );
    }

    #[test]
    fn unsafe_message_keys_are_permanent_failures() {
        for bad in [
            "",
            "../etc/passwd",
            "a/b",
            "a..b",
            ".a",
            "a b",
            "a>b",
            "ключ",
        ] {
            assert!(
                matches!(
                    Templates::default().email(&from(), &email(bad)),
                    Err(MailError::Permanent(_))
                ),
                "{bad:?}"
            );
        }
        assert!(Templates::default()
            .email(&from(), &email("postpilot.1.2"))
            .is_ok());
    }
}
