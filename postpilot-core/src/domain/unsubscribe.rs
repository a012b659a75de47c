//! One-click unsubscribe (RFC 8058): the public address recipients reach
//! the server at, and the tokens in their links. See ARCHITECTURE.md,
//! "Unsubscribe and suppression".
//!
//! A token is `RECIPIENT.MAC`: the recipient id and a truncated
//! HMAC-SHA256 of it under the database's secret, so it needs no login and
//! no stored state, cannot be forged or altered to name someone else, and is
//! the same in every email to that recipient. The mailing is not part of it:
//! unsubscribing stops every mailing (postpilot has no per-list
//! subscriptions), so a mailing id would only make links differ.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::invalid::{InvalidField, Problem};
use super::RecipientId;

/// Bytes of the MAC kept in a token: 128 bits, beyond guessing.
const MAC_BYTES: usize = 16;

/// What the MAC covers besides the id, so the secret could serve another
/// purpose later without its MACs being interchangeable.
const PURPOSE: &[u8] = b"postpilot unsubscribe v1:";

/// The database's random unsubscribe secret. Its `Debug` shows nothing.
#[derive(Clone)]
pub struct UnsubscribeSecret {
    secret: Vec<u8>,
    /// The HMAC keyed with the secret and fed [`PURPOSE`], made once: each
    /// token (one per email sent) then costs a clone and two SHA-256 blocks
    /// instead of four.
    keyed: Hmac<Sha256>,
}

impl PartialEq for UnsubscribeSecret {
    fn eq(&self, other: &Self) -> bool {
        self.secret == other.secret
    }
}

impl Eq for UnsubscribeSecret {}

impl UnsubscribeSecret {
    /// The secret as stored (at least 32 characters).
    ///
    /// # Errors
    /// [`InvalidField`] naming `unsubscribe_secret` when shorter.
    pub fn parse(stored: &str) -> Result<Self, InvalidField> {
        if stored.len() < 32 {
            return Err(InvalidField::new(
                "unsubscribe_secret",
                Problem::Other("must be at least 32 characters".to_owned()),
            ));
        }
        let secret = stored.as_bytes().to_vec();
        // HMAC takes a key of any length, so this cannot fail.
        let mut keyed = <Hmac<Sha256> as Mac>::new_from_slice(&secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        keyed.update(PURPOSE);
        Ok(Self { secret, keyed })
    }

    fn mac(&self, recipient: RecipientId) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(recipient.get().to_string().as_bytes());
        mac
    }

    /// The token of `recipient`: URL-safe, the same on every call.
    pub fn token(&self, recipient: RecipientId) -> String {
        let tag = self.mac(recipient).finalize().into_bytes();
        format!("{recipient}.{}", URL_SAFE_NO_PAD.encode(&tag[..MAC_BYTES]))
    }

    /// The recipient a token was made for; `None` for anything not made
    /// with this secret (checked in constant time).
    pub fn recipient_of(&self, token: &str) -> Option<RecipientId> {
        let (id, tag) = token.split_once('.')?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || id.starts_with('0') {
            return None;
        }
        let recipient = RecipientId(id.parse().ok()?);
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != MAC_BYTES {
            return None;
        }
        self.mac(recipient)
            .verify_truncated_left(&tag)
            .ok()
            .map(|()| recipient)
    }
}

impl fmt::Debug for UnsubscribeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnsubscribeSecret([redacted])")
    }
}

/// The base address recipients reach `serve` at (`--public-url`): http or
/// https, with a host, no credentials, query or fragment. Kept without a
/// trailing slash, so links are `BASE/u/TOKEN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// # Errors
    /// [`InvalidField`] naming `public_url`.
    pub fn parse(input: &str) -> Result<Self, InvalidField> {
        let fail = |why: &str| InvalidField::new("public_url", Problem::Other(why.to_owned()));
        let url =
            url::Url::parse(input.trim()).map_err(|e| fail(&format!("is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(fail("must start with http:// or https://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(fail("must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(fail("must not hold a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(fail("must not have a query (?…) or fragment (#…)"));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Makes the unsubscribe link of each recipient.
#[derive(Debug, Clone)]
pub struct UnsubscribeLinks {
    pub base: PublicUrl,
    pub secret: UnsubscribeSecret,
}

impl UnsubscribeLinks {
    /// `BASE/u/TOKEN`.
    pub fn link(&self, recipient: RecipientId) -> String {
        format!("{}/u/{}", self.base, self.secret.token(recipient))
    }
}

/// Why a recipient is not sent to: unsubscribed, or their address was
/// refused permanently at RCPT (with the server's reply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppression {
    pub unsubscribed_at: Option<DateTime<Utc>>,
    pub bounced_at: Option<DateTime<Utc>>,
    pub bounce_reply: Option<String>,
}

impl Suppression {
    /// Neither unsubscribed nor bouncing: later runs send to them.
    pub fn is_clear(&self) -> bool {
        self.unsubscribed_at.is_none() && self.bounced_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> UnsubscribeSecret {
        UnsubscribeSecret::parse(&s.repeat(32)).expect("secret")
    }

    #[test]
    fn a_token_is_url_safe_stable_and_names_its_recipient() {
        let s = secret("a");
        let t = s.token(RecipientId(42));
        assert_eq!(t, s.token(RecipientId(42)));
        assert!(t.starts_with("42."), "{t}");
        assert!(
            t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{t}"
        );
        assert_eq!(s.recipient_of(&t), Some(RecipientId(42)));
    }

    #[test]
    fn a_token_of_another_secret_or_altered_is_refused() {
        let t = secret("a").token(RecipientId(42));
        assert_eq!(secret("b").recipient_of(&t), None);
        let (_, tag) = t.split_once('.').expect("dot");
        let s = secret("a");
        assert_eq!(s.recipient_of(&format!("43.{tag}")), None, "another id");
        assert_eq!(s.recipient_of(&format!("042.{tag}")), None, "padded id");
        assert_eq!(s.recipient_of(&format!("42.{}", &tag[1..])), None);
        for junk in ["", ".", "42", "42.", "x.y", "-1.AAAA", "42.!!!!"] {
            assert_eq!(s.recipient_of(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn the_secret_is_never_shown() {
        assert_eq!(
            format!("{:?}", secret("a")),
            "UnsubscribeSecret([redacted])"
        );
        assert!(UnsubscribeSecret::parse("short").is_err());
    }

    #[test]
    fn a_public_url_is_http_or_https_without_query_fragment_or_credentials() {
        let base = PublicUrl::parse("https://mail.shop.example/").expect("url");
        assert_eq!(base.as_str(), "https://mail.shop.example");
        let prefixed = PublicUrl::parse("http://shop.example:8080/news/").expect("url");
        assert_eq!(prefixed.as_str(), "http://shop.example:8080/news");
        for bad in [
            "",
            "shop.example",
            "ftp://shop.example",
            "https://shop.example/?a=1",
            "https://shop.example/#x",
            "https://user:pw@shop.example",
            "mailto:a@shop.example",
        ] {
            let err = PublicUrl::parse(bad).expect_err(bad);
            assert_eq!(err.field, "public_url", "{bad}");
        }
    }

    #[test]
    fn a_link_is_the_base_then_u_then_the_token() {
        let links = UnsubscribeLinks {
            base: PublicUrl::parse("https://shop.example/news").expect("url"),
            secret: secret("a"),
        };
        let link = links.link(RecipientId(7));
        let token = secret("a").token(RecipientId(7));
        assert_eq!(link, format!("https://shop.example/news/u/{token}"));
    }
}
