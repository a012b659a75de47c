//! The rows of users and their access as both backends read them, and
//! their decoding (ARCHITECTURE.md, "Users and ownership"); the statements
//! are in `sql/users.rs` and `sql/access.rs`.

use postpilot_core::domain::{
    ApiTokenInfo, EmailAddress, FullName, PasswordHash, Role, Session, TokenId, TokenName, User,
    UserCounts, UserId,
};
use postpilot_core::ports::StoreError;

use crate::errors::decode;
use crate::rows::{count, StoredTime};

/// A token's last use is written at most this often, so that an API
/// client's every request is not also a write.
pub(crate) const TOKEN_USE_GRANULARITY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow<T> {
    id: i64,
    email: String,
    full_name: String,
    role: String,
    blocked: bool,
    confirmed: bool,
    created_at: T,
    last_login_at: Option<T>,
}

impl<T: StoredTime> TryFrom<UserRow<T>> for User {
    type Error = StoreError;
    fn try_from(row: UserRow<T>) -> Result<Self, StoreError> {
        Ok(Self {
            id: UserId(row.id),
            email: decode("app_user.email", EmailAddress::parse(&row.email))?,
            full_name: decode("app_user.full_name", FullName::parse(&row.full_name))?,
            role: decode("app_user.role", Role::parse(&row.role))?,
            blocked: row.blocked,
            confirmed: row.confirmed,
            created_at: row.created_at.into_utc("app_user.created_at")?,
            last_login_at: row
                .last_login_at
                .map(|t| t.into_utc("app_user.last_login_at"))
                .transpose()?,
        })
    }
}

/// A listed user with what they own and have launched, counted.
#[derive(sqlx::FromRow)]
pub(crate) struct CountedUserRow<T> {
    #[sqlx(flatten)]
    user: UserRow<T>,
    recipients: i64,
    messages: i64,
    mailings: i64,
    mailings_active: i64,
    runs_launched: i64,
}

impl<T: StoredTime> TryFrom<CountedUserRow<T>> for (User, UserCounts) {
    type Error = StoreError;
    fn try_from(row: CountedUserRow<T>) -> Result<Self, StoreError> {
        let counts = UserCounts {
            recipients: count("recipient", row.recipients)?,
            messages: count("message", row.messages)?,
            mailings: count("mailing", row.mailings)?,
            mailings_active: count("mailing", row.mailings_active)?,
            runs_launched: count("send_run", row.runs_launched)?,
        };
        Ok((row.user.try_into()?, counts))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserWithHashRow<T> {
    #[sqlx(flatten)]
    user: UserRow<T>,
    password_hash: String,
}

impl<T: StoredTime> TryFrom<UserWithHashRow<T>> for (User, PasswordHash) {
    type Error = StoreError;
    fn try_from(row: UserWithHashRow<T>) -> Result<Self, StoreError> {
        let hash = if row.password_hash.is_empty() {
            PasswordHash::none()
        } else {
            decode(
                "app_user.password_hash",
                PasswordHash::from_stored(row.password_hash),
            )?
        };
        Ok((row.user.try_into()?, hash))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow<T> {
    csrf: String,
    session_expires_at: T,
    #[sqlx(flatten)]
    user: UserRow<T>,
}

impl<T: StoredTime> TryFrom<SessionRow<T>> for (Session, User) {
    type Error = StoreError;
    fn try_from(row: SessionRow<T>) -> Result<Self, StoreError> {
        let user: User = row.user.try_into()?;
        let session = Session {
            user: user.id,
            csrf: row.csrf,
            expires_at: row.session_expires_at.into_utc("user_session.expires_at")?,
        };
        Ok((session, user))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow<T> {
    token_id: i64,
    user_id: i64,
    token_name: String,
    token_created_at: T,
    token_last_used_at: Option<T>,
}

impl<T: StoredTime> TryFrom<TokenRow<T>> for ApiTokenInfo {
    type Error = StoreError;
    fn try_from(row: TokenRow<T>) -> Result<Self, StoreError> {
        Ok(Self {
            id: TokenId(row.token_id),
            user: UserId(row.user_id),
            name: decode("api_token.name", TokenName::parse(&row.token_name))?,
            created_at: row.token_created_at.into_utc("api_token.created_at")?,
            last_used_at: row
                .token_last_used_at
                .map(|t| t.into_utc("api_token.last_used_at"))
                .transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenUserRow<T> {
    #[sqlx(flatten)]
    token: TokenRow<T>,
    #[sqlx(flatten)]
    user: UserRow<T>,
}

impl<T: StoredTime> TryFrom<TokenUserRow<T>> for (ApiTokenInfo, User) {
    type Error = StoreError;
    fn try_from(row: TokenUserRow<T>) -> Result<Self, StoreError> {
        Ok((row.token.try_into()?, row.user.try_into()?))
    }
}
