//! Passwords (ARCHITECTURE.md, "Users and ownership"): what a user types,
//! and the Argon2id hash that is all the store keeps of it. Neither shows
//! itself in `Debug`; there is no `Display`.

use std::fmt;
use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash as Phc, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use secrecy::{ExposeSecret, SecretString};

use super::invalid::{InvalidField, Problem};

const FIELD: &str = "password";

/// A password as typed: 10 to 256 characters, none hidden (control
/// characters, line separators, bidi controls: `domain::is_hidden`).
/// Zeroed in memory when dropped.
pub struct Password(SecretString);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    /// A password that keeps the rules above.
    ///
    /// # Errors
    /// [`InvalidField`] naming `password`; the problem never quotes it.
    pub fn parse(input: &str) -> Result<Self, InvalidField> {
        let password = Self::presented(input)?;
        let len = input.chars().count();
        if len < Self::MIN_CHARS {
            return Err(InvalidField::new(
                FIELD,
                Problem::Other(format!(
                    "must be at least {} characters (got {len})",
                    Self::MIN_CHARS
                )),
            ));
        }
        if let Some(c) = input.chars().find(|&c| super::is_hidden(c)) {
            return Err(InvalidField::new(FIELD, Problem::ControlChar(c as u32)));
        }
        Ok(password)
    }

    /// A password as presented at a login: only its length is bounded
    /// (1 to 256 characters). The other rules are for new passwords: a
    /// login checks against whatever was set.
    ///
    /// # Errors
    /// [`InvalidField`] naming `password`.
    pub fn presented(input: &str) -> Result<Self, InvalidField> {
        let len = input.chars().count();
        if len == 0 {
            return Err(InvalidField::new(FIELD, Problem::Empty));
        }
        if len > Self::MAX_CHARS {
            return Err(InvalidField::new(
                FIELD,
                Problem::TooLong {
                    max: Self::MAX_CHARS,
                    len,
                },
            ));
        }
        Ok(Self(input.into()))
    }

    /// The Argon2id hash of this password, under a fresh random salt, with
    /// the crate's default parameters (OWASP's: 19 MiB, 2 passes).
    pub fn hash(&self) -> PasswordHash {
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default()
            .hash_password(self.0.expose_secret().as_bytes(), &salt)
            // Only an output or salt of an invalid length fails, and both
            // are the crate's own defaults.
            .map(|hash| hash.to_string())
            .unwrap_or_default();
        PasswordHash(phc)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An Argon2id hash in the PHC string format (`$argon2id$v=19$m=…`): its
/// salt and parameters travel with it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// A hash as the store read it.
    ///
    /// # Errors
    /// [`InvalidField`] naming `password_hash` when it is no PHC string.
    pub fn from_stored(phc: String) -> Result<Self, InvalidField> {
        Phc::new(&phc).map_err(|err| {
            InvalidField::new(
                "password_hash",
                Problem::Other(format!("is no PHC string: {err}")),
            )
        })?;
        Ok(Self(phc))
    }

    /// A hash that no password matches, for a user who has none yet (an
    /// account made by a setup or sign-up link before its password is set).
    pub fn none() -> Self {
        Self(String::new())
    }

    /// Whether `password` is the one hashed, in the time a real check
    /// takes; never true for [`PasswordHash::none`].
    pub fn verify(&self, password: &Password) -> bool {
        let Ok(phc) = Phc::new(&self.0) else {
            // Spend the time a real check takes, so a missing hash does
            // not show in the time taken.
            dummy_check(password);
            return false;
        };
        Argon2::default()
            .verify_password(password.0.expose_secret().as_bytes(), &phc)
            .is_ok()
    }

    /// The PHC string, for the store to keep.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks `password` against a hash of a random one: the work of a login
/// for an unknown account, so that the time taken does not tell whether an
/// account exists.
pub fn dummy_check(password: &Password) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        Password(random.as_str().into()).hash().0
    });
    if let Ok(phc) = Phc::new(phc) {
        let _ = Argon2::default().verify_password(password.0.expose_secret().as_bytes(), &phc);
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text).expect("a valid password")
    }

    #[test]
    fn a_password_matches_its_own_hash_and_no_other() {
        let hash = password("correct horse battery").hash();
        assert!(hash.as_str().starts_with("$argon2id$"), "{}", hash.as_str());
        assert!(hash.verify(&password("correct horse battery")));
        assert!(!hash.verify(&password("correct horse battery!")));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let (a, b) = (
            password("same password").hash(),
            password("same password").hash(),
        );
        assert_ne!(a, b, "a fresh salt each time");
        assert!(a.verify(&password("same password")) && b.verify(&password("same password")));
    }

    #[test]
    fn no_password_matches_the_empty_hash() {
        assert!(!PasswordHash::none().verify(&password("any password at all")));
    }

    #[test]
    fn a_stored_hash_must_be_a_phc_string() {
        let hash = password("correct horse battery").hash();
        let read = PasswordHash::from_stored(hash.as_str().to_owned()).expect("PHC");
        assert!(read.verify(&password("correct horse battery")));
        let err = PasswordHash::from_stored("plain".into()).expect_err("not PHC");
        assert_eq!(err.field, "password_hash");
    }

    #[test]
    fn short_long_or_control_passwords_are_refused_without_quoting_them() {
        for bad in ["", "short", &"x".repeat(257), "tab\tinside password"] {
            let err = Password::parse(bad).expect_err(bad);
            assert_eq!(err.field, "password");
            if !bad.is_empty() && bad.len() < 100 {
                assert!(!err.to_string().contains(bad), "{err}");
            }
        }
        assert!(Password::parse(&"x".repeat(256)).is_ok());
        assert!(Password::parse("пароль-кириллицей").is_ok());
    }

    #[test]
    fn neither_a_password_nor_its_hash_shows_in_debug() {
        let pw = password("correct horse battery");
        let hash = pw.hash();
        assert_eq!(format!("{pw:?}"), "Password(<redacted>)");
        assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
    }
}
