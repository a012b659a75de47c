//! Who the emails come from: the From mailbox (with a display name or
//! not), an optional Reply-To, the name the SMTP client gives in EHLO, and
//! the DKIM signer that vouches for them.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use lettre::transport::smtp::extension::ClientId;
use postpilot_core::{EmailAddress, Sender};

use crate::Dkim;
use thiserror::Error;

/// The sender of every email, as both mailers build it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The From header (display name RFC 2047-encoded when not ASCII) and
    /// the envelope sender (MAIL FROM); its domain ends every Message-ID.
    pub from: Sender,
    /// A Reply-To header, when set.
    pub reply_to: Option<EmailAddress>,
    /// The EHLO name of the SMTP client; `None`: [`HeloName::default_for`]
    /// the From address. The outbox has no use for it.
    pub helo: Option<HeloName>,
    /// Signs every email with DKIM, when set.
    pub dkim: Option<Dkim>,
}

impl From<Sender> for Identity {
    fn from(from: Sender) -> Self {
        Self {
            from,
            reply_to: None,
            helo: None,
            dkim: None,
        }
    }
}

impl From<EmailAddress> for Identity {
    fn from(from: EmailAddress) -> Self {
        Sender::from(from).into()
    }
}

/// The name given in EHLO (RFC 5321 §4.1.1.1): a fully qualified domain
/// name (letters, digits and inner hyphens in labels of at most 63, at
/// least two labels, at most 253 characters) or an address literal
/// (`[192.0.2.1]`, `[IPv6:2001:db8::1]`). A bare host name such as `vm` is
/// refused: receivers score it as spam or refuse it
/// (`reject_non_fqdn_helo_hostname`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeloName(ClientId);

/// Why a name cannot be given in EHLO; never echoes more than the name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct HeloNameError(String);

impl HeloName {
    /// The default: the machine's host name when it is fully qualified (has
    /// a dot), else the domain of `from`.
    pub fn default_for(from: &EmailAddress) -> Self {
        hostname::get()
            .ok()
            .and_then(|name| name.into_string().ok())
            .and_then(|name| name.parse().ok())
            .or_else(|| from.domain().parse().ok())
            // An EmailAddress's domain is always a valid name; should it
            // be a single label, the loopback literal is the safe answer.
            .unwrap_or(Self(ClientId::Ipv4(Ipv4Addr::LOCALHOST)))
    }

    pub(crate) fn client_id(&self) -> ClientId {
        self.0.clone()
    }
}

impl fmt::Display for HeloName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for HeloName {
    type Err = HeloNameError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if let Some(literal) = input.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if let Some(v6) = literal.strip_prefix("IPv6:") {
                return v6
                    .parse::<Ipv6Addr>()
                    .map(|ip| Self(ClientId::Ipv6(ip)))
                    .map_err(|_| HeloNameError(format!("{v6:?} is not an IPv6 address")));
            }
            return literal
                .parse::<Ipv4Addr>()
                .map(|ip| Self(ClientId::Ipv4(ip)))
                .map_err(|_| {
                    HeloNameError(
                        "an address literal is [IPv4 address] or [IPv6:IPv6 address]".into(),
                    )
                });
        }
        let name = input.strip_suffix('.').unwrap_or(input);
        if name.is_empty() {
            return Err(HeloNameError("must not be empty".into()));
        }
        if !is_dns_name(name) {
            return Err(HeloNameError(
                "must be a domain name (labels of letters, digits and inner hyphens joined by dots) or an address literal like [192.0.2.1]"
                    .into(),
            ));
        }
        if !name.contains('.') {
            return Err(HeloNameError(
                "must be a fully qualified domain name, with a dot (a bare host name is refused by receivers)"
                    .into(),
            ));
        }
        Ok(Self(ClientId::Domain(name.to_owned())))
    }
}

/// Whether `name` is a DNS name in ASCII: labels of at most 63 letters,
/// digits and inner hyphens joined by dots, at most 253 characters.
pub(crate) fn is_dns_name(name: &str) -> bool {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    name.len() <= 253 && name.split('.').all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helo_names_are_fully_qualified_domains_or_address_literals() {
        for (input, shown) in [
            ("mail.shop.example", "mail.shop.example"),
            ("mail.shop.example.", "mail.shop.example"),
            ("xn--80ak6aa92e.example", "xn--80ak6aa92e.example"),
            ("[192.0.2.1]", "[192.0.2.1]"),
            ("[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]"),
        ] {
            let name: HeloName = input.parse().expect(input);
            assert_eq!(name.to_string(), shown);
        }
        for bad in [
            "",
            "vm",
            "localhost",
            "-a.example",
            "a-.example",
            "a..example",
            "a b.example",
            "магазин.рф",
            "[300.1.1.1]",
            "[IPv6:nope]",
            "[2001:db8::1]",
            "a.example\r\nRCPT TO:<x@y>",
        ] {
            assert!(bad.parse::<HeloName>().is_err(), "{bad:?}");
        }
        let long = format!("{}.example", "a.".repeat(130));
        assert!(long.parse::<HeloName>().is_err());
    }

    #[test]
    fn the_default_helo_name_is_fully_qualified_or_the_from_domain() {
        let from = EmailAddress::parse("news@shop.example").expect("valid");
        let name = HeloName::default_for(&from).to_string();
        let host = hostname::get()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default();
        if host.contains('.') {
            assert_eq!(name, host.trim_end_matches('.'));
        } else {
            assert_eq!(
                name, "shop.example",
                "the bare host name {host:?} is never used"
            );
        }
    }
}
