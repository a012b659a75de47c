//! The users' repository port (ARCHITECTURE.md, "Users and ownership").

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::{
    EmailAddress, KeyHash, NewUser, Page, PasswordHash, Role, User, UserCounts, UserId,
};

/// Users, their passwords' hashes, roles and blocks.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a user with the hash of their password, stamped `now`.
    ///
    /// # Errors
    /// `Duplicate` (field `email`) when a user has this email in any
    /// letter case.
    async fn add_user(
        &self,
        new: &NewUser,
        password: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError>;

    /// Adds the first admin with the setup key (see
    /// `AccessRepository::replace_setup_key`): in one transaction, spends
    /// the key that hashes to `key` if it is live at `now` and adds `new`
    /// as `add_user` does, only while no admin exists. `None`, with nothing
    /// changed, for an unknown, expired or spent key, or once an admin
    /// exists.
    ///
    /// # Errors
    /// `Duplicate` (field `email`) as `add_user`; the key is not spent.
    async fn add_first_admin(
        &self,
        key: &KeyHash,
        new: &NewUser,
        password: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_user(&self, id: UserId) -> Result<User, StoreError>;

    /// The user whose login `email` is (in any letter case), with their
    /// password's hash.
    ///
    /// # Errors
    /// `Backend` only.
    async fn user_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<(User, PasswordHash)>, StoreError>;

    /// Users ordered by id, each with what they own and have launched
    /// counted at `now` ("active" means Running at `now`), in one
    /// statement whatever the page's size.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_users(
        &self,
        page: Page,
        now: DateTime<Utc>,
    ) -> Result<Vec<(User, UserCounts)>, StoreError>;

    /// How many users there are (none: the database has yet to get its
    /// first admin).
    ///
    /// # Errors
    /// `Backend` only.
    async fn count_users(&self) -> Result<u64, StoreError>;

    /// The first admin (the lowest id among admins, blocked or not): the
    /// owner of what the system creates.
    ///
    /// # Errors
    /// `Backend` only.
    async fn first_admin(&self) -> Result<Option<UserId>, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn set_role(&self, id: UserId, role: Role) -> Result<User, StoreError>;

    /// Blocks or unblocks a user. Blocking ends every session of theirs at
    /// once (their API tokens stop working too: every check of one reads
    /// the user).
    ///
    /// # Errors
    /// `NotFound`.
    async fn set_blocked(&self, id: UserId, blocked: bool) -> Result<User, StoreError>;

    /// Replaces a user's password hash and ends every session of theirs.
    ///
    /// # Errors
    /// `NotFound`.
    async fn set_password(&self, id: UserId, password: &PasswordHash) -> Result<(), StoreError>;

    /// Marks a user's email as confirmed.
    ///
    /// # Errors
    /// `NotFound`.
    async fn confirm_user(&self, id: UserId) -> Result<User, StoreError>;

    /// Records a successful login at `at`.
    ///
    /// # Errors
    /// `NotFound`.
    async fn note_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), StoreError>;
}
