//! What both backends share for users and access (ARCHITECTURE.md, "Users
//! and ownership"): the SQL, written once with numbered `$n` placeholders
//! (which both sqlx drivers bind by number), and the rows with their
//! decoding. Each backend's `users.rs` and `access.rs` run these
//! statements, binding times as it stores them.

use postpilot_core::domain::{
    ApiTokenInfo, EmailAddress, FullName, PasswordHash, Role, Session, TokenId, TokenName, User,
    UserId,
};
use postpilot_core::ports::StoreError;

use crate::errors::decode;
use crate::rows::StoredTime;

pub(crate) const INSERT_USER: &str = "INSERT INTO app_user \
     (email, full_name, password_hash, role, blocked, confirmed, created_at) \
     VALUES ($1, $2, $3, $4, false, $5, $6) \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";
pub(crate) const GET_USER: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at FROM app_user WHERE id = $1";
pub(crate) const USER_BY_EMAIL: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at, password_hash FROM app_user WHERE lower(email) = lower($1)";
pub(crate) const LIST_USERS: &str = "SELECT id, email, full_name, role, blocked, confirmed, \
     created_at, last_login_at FROM app_user ORDER BY id LIMIT $1 OFFSET $2";
pub(crate) const COUNT_USERS: &str = "SELECT count(*) FROM app_user";
pub(crate) const SET_ROLE: &str = "UPDATE app_user SET role = $2 WHERE id = $1 \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";
pub(crate) const SET_BLOCKED: &str = "UPDATE app_user SET blocked = $2 WHERE id = $1 \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";
pub(crate) const SET_PASSWORD: &str = "UPDATE app_user SET password_hash = $2 WHERE id = $1";
pub(crate) const CONFIRM_USER: &str = "UPDATE app_user SET confirmed = true WHERE id = $1 \
     RETURNING id, email, full_name, role, blocked, confirmed, created_at, last_login_at";
pub(crate) const NOTE_LOGIN: &str = "UPDATE app_user SET last_login_at = $2 WHERE id = $1";
pub(crate) const END_SESSIONS_OF: &str = "DELETE FROM user_session WHERE user_id = $1";

pub(crate) const END_STALE_SESSIONS: &str = "DELETE FROM user_session WHERE expires_at <= $1";
pub(crate) const START_SESSION: &str =
    "INSERT INTO user_session (key_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)";
pub(crate) const SESSION: &str = "SELECT s.csrf, s.expires_at AS session_expires_at, \
     u.id, u.email, u.full_name, u.role, u.blocked, u.confirmed, u.created_at, u.last_login_at \
     FROM user_session AS s JOIN app_user AS u ON u.id = s.user_id \
     WHERE s.key_hash = $1 AND s.expires_at > $2";
pub(crate) const END_SESSION: &str = "DELETE FROM user_session WHERE key_hash = $1";
pub(crate) const ADD_TOKEN: &str = "INSERT INTO api_token (user_id, name, key_hash, created_at) \
     VALUES ($1, $2, $3, $4) \
     RETURNING id AS token_id, user_id, name AS token_name, \
     created_at AS token_created_at, last_used_at AS token_last_used_at";
pub(crate) const TOKEN: &str = "SELECT t.id AS token_id, t.user_id, t.name AS token_name, \
     t.created_at AS token_created_at, t.last_used_at AS token_last_used_at, \
     u.id, u.email, u.full_name, u.role, u.blocked, u.confirmed, u.created_at, u.last_login_at \
     FROM api_token AS t JOIN app_user AS u ON u.id = t.user_id WHERE t.key_hash = $1";
pub(crate) const NOTE_TOKEN_USE: &str = "UPDATE api_token SET last_used_at = $2 WHERE id = $1";
pub(crate) const LIST_TOKENS: &str = "SELECT id AS token_id, user_id, name AS token_name, \
     created_at AS token_created_at, last_used_at AS token_last_used_at \
     FROM api_token WHERE user_id = $1 ORDER BY id";
pub(crate) const REVOKE_TOKEN: &str = "DELETE FROM api_token WHERE user_id = $1 AND id = $2";
pub(crate) const END_STALE_LINKS: &str = "DELETE FROM user_link WHERE expires_at <= $1";
pub(crate) const ADD_LINK: &str =
    "INSERT INTO user_link (key_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)";
pub(crate) const TAKE_LINK: &str = "DELETE FROM user_link \
     WHERE key_hash = $1 AND purpose = $2 AND expires_at > $3 RETURNING user_id";

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
