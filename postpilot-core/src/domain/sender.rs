//! The sender of every email: an address and, optionally, a display name
//! (`Магазин <news@shop.example>`). Built only valid: the name obeys the
//! rules of a full name (one line, no control character, at most 100
//! characters), the address those of [`EmailAddress`]; every refusal names
//! the field `from`.

use std::fmt;

use super::email::EmailAddress;
use super::invalid::{InvalidField, Problem};
use super::text::FullName;

/// Who sends: the From header's mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sender {
    name: Option<FullName>,
    address: EmailAddress,
}

impl Sender {
    /// The field every refusal names.
    pub const FIELD: &'static str = "from";

    /// Parses `address` or `Display Name <address>` (the name may be in
    /// double quotes, which are not part of it).
    ///
    /// # Errors
    /// [`InvalidField`] naming `from`: a bad address, a name that is not a
    /// valid full name, angle brackets or quotes inside the name, anything
    /// after the closing `>`.
    pub fn parse(input: &str) -> Result<Self, InvalidField> {
        Self::parse_field(input, Self::FIELD)
    }

    /// As [`Sender::parse`], naming `field` in refusals.
    ///
    /// # Errors
    /// As [`Sender::parse`].
    pub fn parse_field(input: &str, field: &'static str) -> Result<Self, InvalidField> {
        let fail = |problem| InvalidField::new(field, problem);
        let Some(open) = input.find('<') else {
            return Ok(Self {
                name: None,
                address: EmailAddress::parse_field(input, field)?,
            });
        };
        let rest = &input[open + 1..];
        let Some(address) = rest.strip_suffix('>') else {
            return Err(fail(Problem::Other(
                "must be an address or Name <address>, with nothing after the '>'".into(),
            )));
        };
        let address = EmailAddress::parse_field(address, field)?;
        let raw_name = input[..open].trim();
        let raw_name = match raw_name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
            Some(quoted) => quoted,
            None => raw_name,
        };
        if raw_name.contains(['<', '>', '"', '\\']) {
            return Err(fail(Problem::Other(
                "the name must not contain <, >, \" or \\".into(),
            )));
        }
        let name = FullName::parse(raw_name).map_err(|e| InvalidField::new(field, e.problem))?;
        Ok(Self {
            name: Some(name),
            address,
        })
    }

    /// A sender without a display name.
    pub fn address_only(address: EmailAddress) -> Self {
        Self {
            name: None,
            address,
        }
    }

    pub fn name(&self) -> Option<&FullName> {
        self.name.as_ref()
    }

    pub fn address(&self) -> &EmailAddress {
        &self.address
    }

    /// The domain of the address: where Message-IDs are made.
    pub fn domain(&self) -> &str {
        self.address.domain()
    }
}

impl From<EmailAddress> for Sender {
    fn from(address: EmailAddress) -> Self {
        Self::address_only(address)
    }
}

/// `address` or `Name <address>`, as given (not encoded for a header).
impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} <{}>", self.address),
            None => write!(f, "{}", self.address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_is_an_address_or_a_display_name_with_an_address() {
        let plain = Sender::parse("news@shop.example").expect("valid");
        assert_eq!(
            (plain.name(), plain.address().as_str()),
            (None, "news@shop.example")
        );

        for input in [
            "Магазин <news@shop.example>",
            "  Магазин   <news@shop.example>",
            "\"Магазин\" <news@shop.example>",
        ] {
            let named = Sender::parse(input).expect(input);
            assert_eq!(
                named.name().map(FullName::as_str),
                Some("Магазин"),
                "{input}"
            );
            assert_eq!(named.address().as_str(), "news@shop.example");
            assert_eq!(named.to_string(), "Магазин <news@shop.example>");
        }
        let bare = Sender::parse("<news@shop.example>");
        assert!(bare.is_err(), "an empty name is refused: {bare:?}");
    }

    #[test]
    fn bad_senders_are_refused_naming_from() {
        let long = format!("{} <news@shop.example>", "я".repeat(101));
        for bad in [
            "",
            "not an address",
            "Магазин <news@shop.example",
            "Магазин <news@shop.example> trailing",
            "Магазин <bad address>",
            "Маг\nазин <news@shop.example>",
            "Маг\u{7}азин <news@shop.example>",
            "Маг\u{202e}азин <news@shop.example>",
            "A <b> <news@shop.example>",
            "Sneaky\" <news@shop.example>",
            long.as_str(),
        ] {
            let err = Sender::parse(bad).expect_err(bad);
            assert_eq!(err.field, "from", "{bad:?}: {err}");
        }
    }
}
