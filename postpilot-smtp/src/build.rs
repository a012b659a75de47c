//! Building the RFC 5322 email from an [`OutgoingEmail`]; shared by the
//! SMTP and the outbox mailer so both produce the same bytes.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{Address, Message};
use postpilot_core::ports::{MailError, OutgoingEmail};
use postpilot_core::EmailAddress;

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

/// Builds the email `from` sends as `email`: From, To (`full_name <email>`,
/// RFC 2047-encoded when not ASCII), Subject (likewise), Date (now),
/// `Message-ID: <{message_key}@{domain of from}>` and a
/// `text/plain; charset=utf-8` body.
///
/// # Errors
/// [`MailError::Permanent`] for anything lettre refuses: the same input
/// would be refused on every try. Never panics.
pub(crate) fn message(from: &EmailAddress, email: &OutgoingEmail) -> Result<Message, MailError> {
    check_message_key(&email.message_key)?;
    let permanent = |what: &str, e: String| MailError::Permanent(format!("{what}: {e}"));
    let from_box = Mailbox::new(None, address(from).map_err(|e| permanent("sender", e))?);
    let to_box = Mailbox::new(
        Some(email.to_name.as_str().to_owned()),
        address(&email.to).map_err(|e| permanent("recipient", e))?,
    );
    Message::builder()
        .from(from_box)
        .to(to_box)
        .subject(email.content.subject.as_str())
        .message_id(Some(format!("<{}@{}>", email.message_key, from.domain())))
        .header(ContentType::TEXT_PLAIN)
        .body(email.content.body_text.as_str().to_owned())
        .map_err(|e| permanent("cannot build the email", e.to_string()))
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
            }),
            message_key: key.to_owned(),
        }
    }

    fn from() -> EmailAddress {
        EmailAddress::parse("news@shop.example").expect("valid address")
    }

    #[test]
    fn email_is_ascii_with_encoded_headers_and_the_message_id() {
        let bytes = message(&from(), &email("postpilot.3.17"))
            .expect("buildable")
            .formatted();
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
        assert!(text.contains("\r\nDate: "), "{text}");
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
                matches!(message(&from(), &email(bad)), Err(MailError::Permanent(_))),
                "{bad:?}"
            );
        }
        assert!(message(&from(), &email("postpilot.1.2")).is_ok());
    }
}
