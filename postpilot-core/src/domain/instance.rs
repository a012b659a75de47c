//! The instance id of a database: random, made once when the database is
//! created, so that Message-IDs made from run and delivery ids (which start
//! at 1 in every database) are unique across databases sending as one domain.

use std::fmt;

use super::invalid::{InvalidField, Problem};

/// 8 to 64 lowercase ASCII letters and digits: safe in a Message-ID and in
/// a file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstanceId(String);

impl InstanceId {
    /// # Errors
    /// [`InvalidField`] naming `instance` for anything but 8–64 lowercase
    /// ASCII letters and digits.
    pub fn parse(input: &str) -> Result<Self, InvalidField> {
        let fail = |why: &str| InvalidField::new("instance", Problem::Other(why.to_owned()));
        if !(8..=64).contains(&input.len()) {
            return Err(fail("must be 8 to 64 characters"));
        }
        if !input
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(fail("must be lowercase ASCII letters and digits"));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_id_is_8_to_64_lowercase_letters_and_digits() {
        assert!(InstanceId::parse("0123456789abcdef0123456789abcdef").is_ok());
        assert!(InstanceId::parse("abcd1234").is_ok());
        for bad in [
            "",
            "abc",
            "ABCDEF12",
            "abcd-1234",
            "abcd.1234",
            "абвгдежз",
            &"a".repeat(65),
        ] {
            assert_eq!(
                InstanceId::parse(bad).expect_err(bad).field,
                "instance",
                "{bad:?}"
            );
        }
    }
}
