//! Keys that let a client in (ARCHITECTURE.md, "Users and ownership"): a
//! UI session's cookie, an API token, a one-time link's key. Each is 32
//! random bytes in hex, shown once; the store keeps only its SHA-256
//! ([`KeyHash`]), so a copy of the database opens nothing. A key that
//! random needs no slow hash: guessing one is 2^256 work whatever the hash.

use std::fmt;

use chrono::{DateTime, Utc};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{TokenId, TokenName, UserId};

/// Hex digits of a key: 32 bytes.
const KEY_HEX: usize = 64;

/// A secret key as handed to a client. Zeroed in memory when dropped;
/// `Debug` never shows it.
pub struct AccessKey(SecretString);

impl AccessKey {
    /// A fresh key from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Self(hex.into())
    }

    /// A key as a client presented it: `None` unless it has a key's shape
    /// (64 lower-case hex digits), so nothing else reaches the store.
    pub fn presented(text: &str) -> Option<Self> {
        let shaped = text.len() == KEY_HEX
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        shaped.then(|| Self(text.into()))
    }

    /// The key itself, to hand to its client once. Never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// What the store keeps of this key and finds it by.
    pub fn hash(&self) -> KeyHash {
        let digest = Sha256::digest(self.expose().as_bytes());
        KeyHash(digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(<redacted>)")
    }
}

/// The SHA-256 of an [`AccessKey`], in hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyHash(String);

impl KeyHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A UI session: whose it is, the secret every form of it carries back,
/// and when it ends.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A named API token of a user, as listed (the key is never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: TokenId,
    pub user: UserId,
    pub name: TokenName,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkPurpose {
    /// Confirms a signed-up user's email.
    Confirm,
    /// Sets a new password.
    Reset,
}

impl LinkPurpose {
    /// The code the store keeps.
    pub fn code(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reset => "reset",
        }
    }
}

/// A one-time link: for whom, what for, until when. Its key is used at
/// most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub user: UserId,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_64_hex_digits_and_differ() {
        let (a, b) = (AccessKey::generate(), AccessKey::generate());
        assert_eq!(a.expose().len(), 64);
        assert!(AccessKey::presented(a.expose()).is_some());
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn a_presented_key_hashes_as_the_one_handed_out() {
        let key = AccessKey::generate();
        let presented = AccessKey::presented(key.expose()).expect("shaped");
        assert_eq!(presented.hash(), key.hash());
        assert_ne!(key.hash().as_str(), key.expose(), "the hash is not the key");
    }

    #[test]
    fn text_without_a_keys_shape_is_not_taken() {
        let key = AccessKey::generate();
        for bad in [
            "",
            "abc",
            &key.expose()[1..],
            &format!("{}0", key.expose()),
            &key.expose().to_uppercase(),
            &"g".repeat(64),
        ] {
            assert!(AccessKey::presented(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_a_key_or_a_csrf_secret() {
        let key = AccessKey::generate();
        assert_eq!(format!("{key:?}"), "AccessKey(<redacted>)");
        let session = Session {
            user: UserId(1),
            csrf: "secret-csrf".into(),
            expires_at: DateTime::UNIX_EPOCH,
        };
        assert!(!format!("{session:?}").contains("secret-csrf"));
    }
}
