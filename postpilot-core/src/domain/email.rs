//! `EmailAddress`: a recipient address that is safe to put in an SMTP envelope
//! and a `To:` header.
//!
//! Policy: a plain ASCII `local@domain` (dot-atom local part, no quoted local
//! parts, no comments, no IP-literal domains), at most 254 characters.
//! Internationalised addresses are refused rather than guessed at: they need
//! SMTPUTF8 support on the server, which postpilot does not assume.
//! Uniqueness is case-insensitive; [`EmailAddress::key`] gives the form compared.

use std::fmt;

use super::invalid::{InvalidField, Problem};

const FIELD: &str = "email";
const MAX_LEN: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;
/// RFC 5322 `atext` besides letters and digits.
const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address under the policy above.
    ///
    /// # Errors
    /// [`InvalidField`] with field `email` naming the first rule broken.
    pub fn parse(input: &str) -> Result<Self, InvalidField> {
        Self::parse_field(input, FIELD)
    }

    /// As [`EmailAddress::parse`], but the error names `field` (e.g. `from`).
    ///
    /// # Errors
    /// [`InvalidField`] naming `field`.
    pub fn parse_field(input: &str, field: &'static str) -> Result<Self, InvalidField> {
        let bad = |why| InvalidField::new(field, Problem::Email(why));
        if input.is_empty() {
            return Err(InvalidField::new(field, Problem::Empty));
        }
        if let Some(c) = input.chars().find(|c| c.is_control()) {
            return Err(if c == '\n' || c == '\r' {
                InvalidField::new(field, Problem::LineBreak)
            } else {
                InvalidField::new(field, Problem::ControlChar(c as u32))
            });
        }
        if input.chars().any(char::is_whitespace) {
            return Err(bad("must not contain spaces"));
        }
        if !input.is_ascii() {
            return Err(bad("only ASCII addresses are supported"));
        }
        if input.len() > MAX_LEN {
            return Err(InvalidField::new(
                field,
                Problem::TooLong {
                    max: MAX_LEN,
                    len: input.len(),
                },
            ));
        }
        let (local, domain) = input.rsplit_once('@').ok_or_else(|| bad("missing '@'"))?;
        if local.is_empty() {
            return Err(bad("missing the part before '@'"));
        }
        if domain.is_empty() {
            return Err(bad("missing the domain after '@'"));
        }
        if local.len() > MAX_LOCAL {
            return Err(bad("the part before '@' is longer than 64 characters"));
        }
        if local.contains('"') {
            return Err(bad("quoted local parts are not supported"));
        }
        if !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || ATEXT_SPECIALS.contains(c))
        {
            return Err(bad(
                "the part before '@' has a character that is not allowed",
            ));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(bad("dots must separate words in the part before '@'"));
        }
        for label in domain.split('.') {
            if label.is_empty() {
                return Err(bad("the domain has an empty label"));
            }
            if label.len() > MAX_LABEL {
                return Err(bad("a domain label is longer than 63 characters"));
            }
            if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(bad("the domain may hold only letters, digits, '-' and '.'"));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(bad("a domain label must not start or end with '-'"));
            }
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form two addresses are compared by for uniqueness.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The part after '@'.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = InvalidField;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "ivan@example.com",
            "Ivan.Petrov+news@mail.example.co.uk",
            "a@b",
            "o'brien@example.org",
            "x_y-z@sub-domain.example",
        ] {
            assert_eq!(EmailAddress::parse(ok).expect(ok).as_str(), ok);
        }
    }

    #[test]
    fn refuses_malformed_addresses_naming_the_field() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "ivan@",
            "ivan @example.com",
            "ivan@example.com\n",
            " ivan@example.com",
            "iv..an@example.com",
            ".ivan@example.com",
            "ivan.@example.com",
            "ivan@example..com",
            "ivan@-example.com",
            "ivan@exa_mple.com",
            "\"ivan\"@example.com",
            "иван@пример.рф",
            "ivan@example.com\r\nBcc: x@y.z",
            "ivan\u{0}@example.com",
        ] {
            let err = EmailAddress::parse(bad).expect_err(bad);
            assert_eq!(err.field, "email", "{bad:?}");
            assert!(err.to_string().starts_with("email: "), "{err}");
        }
    }

    #[test]
    fn refuses_over_long_addresses() {
        let local = "a".repeat(65);
        assert!(EmailAddress::parse(&format!("{local}@example.com")).is_err());
        let long = format!("{}@{}.com", "a".repeat(60), "b.".repeat(100));
        assert!(matches!(
            EmailAddress::parse(&long).map_err(|e| e.problem),
            Err(Problem::TooLong { max: 254, .. })
        ));
    }

    #[test]
    fn key_ignores_case() {
        let a = EmailAddress::parse("Ivan@Example.COM").expect("valid");
        let b = EmailAddress::parse("ivan@example.com").expect("valid");
        assert_ne!(a, b);
        assert_eq!(a.key(), b.key());
        assert_eq!(a.domain(), "Example.COM");
    }
}
