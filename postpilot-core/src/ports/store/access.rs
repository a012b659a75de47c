//! The access port (ARCHITECTURE.md, "Users and ownership"): UI sessions,
//! API tokens and one-time links, each found by the hash of its key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{
    ApiTokenInfo, KeyHash, Link, LinkPurpose, Session, TokenId, TokenName, User, UserId,
};

/// Sessions, API tokens and one-time links.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccessRepository: Send + Sync {
    /// Stores a session under the hash of its key. Sessions that have
    /// ended by `now` may be removed on the way.
    ///
    /// # Errors
    /// `NotFound` when the user does not exist.
    async fn start_session(
        &self,
        key: &KeyHash,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The session whose key hashes to `key`, with its user, unless it has
    /// ended by `now`. The caller decides whether the user may still be let
    /// in (blocked, unconfirmed).
    ///
    /// # Errors
    /// `Backend` only.
    async fn session(
        &self,
        key: &KeyHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError>;

    /// Ends a session; ending one that has ended is no error.
    ///
    /// # Errors
    /// `Backend` only.
    async fn end_session(&self, key: &KeyHash) -> Result<(), StoreError>;

    /// Stores a user's API token under the hash of its key.
    ///
    /// # Errors
    /// `NotFound` when the user does not exist.
    async fn add_token(
        &self,
        user: UserId,
        name: &TokenName,
        key: &KeyHash,
        now: DateTime<Utc>,
    ) -> Result<ApiTokenInfo, StoreError>;

    /// The token whose key hashes to `key`, unless revoked, with its user;
    /// notes `now` as its last use.
    ///
    /// # Errors
    /// `Backend` only.
    async fn use_token(
        &self,
        key: &KeyHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(ApiTokenInfo, User)>, StoreError>;

    /// A user's tokens (not revoked), by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiTokenInfo>, StoreError>;

    /// Revokes one of `user`'s tokens for good.
    ///
    /// # Errors
    /// `NotFound` when `user` has no such token (another user's included).
    async fn revoke_token(&self, user: UserId, id: TokenId) -> Result<(), StoreError>;

    /// Stores a one-time link under the hash of its key. Links that have
    /// expired by `now` may be removed on the way.
    ///
    /// # Errors
    /// `NotFound` when the user does not exist.
    async fn add_link(
        &self,
        key: &KeyHash,
        link: &Link,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Uses up the link whose key hashes to `key`, if it is for `purpose`
    /// and has not expired by `now`: its user, once. A second use, an
    /// expired link or another purpose's finds nothing.
    ///
    /// # Errors
    /// `Backend` only.
    async fn take_link(
        &self,
        key: &KeyHash,
        purpose: LinkPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError>;

    /// Makes `key` the one setup key (the first admin's, ARCHITECTURE.md,
    /// "Users and ownership"), live until `expires_at`: every earlier one
    /// stops working.
    ///
    /// # Errors
    /// `Backend` only.
    async fn replace_setup_key(
        &self,
        key: &KeyHash,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Whether the setup key hashes to `key` and is live at `now`.
    ///
    /// # Errors
    /// `Backend` only.
    async fn setup_key_live(&self, key: &KeyHash, now: DateTime<Utc>) -> Result<bool, StoreError>;
}
