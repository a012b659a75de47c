//! A user's and an API token's JSON (never a password or a key's hash).

use chrono::{DateTime, Utc};
use postpilot_core::{
    ApiTokenInfo, EmailAddress, FullName, InvalidField, NewUser, Password, Role, TokenName, User,
    UserCounts,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::rules::{self, as_sent};

/// Пользователь: who logs in, with their role.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    pub id: i64,
    #[schema(example = "anna@example.com")]
    pub email: String,
    #[schema(example = "Анна Смирнова")]
    pub full_name: String,
    /// `user`, `manager` or `admin`.
    #[schema(example = "user")]
    pub role: &'static str,
    pub blocked: bool,
    /// Whether the email was confirmed (a signed-up user's).
    pub confirmed: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<User> for UserJson {
    fn from(u: User) -> Self {
        Self {
            id: u.id.get(),
            email: u.email.to_string(),
            full_name: u.full_name.into_string(),
            role: u.role.code(),
            blocked: u.blocked,
            confirmed: u.confirmed,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

/// What a user owns and has launched, counted now.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCountsJson {
    /// Получатели they own.
    pub recipients: u64,
    /// Сообщения they own.
    pub messages: u64,
    /// Рассылки they own.
    pub mailings: u64,
    /// Of their mailings, those Запущена now.
    pub mailings_active: u64,
    /// Runs they launched, of anyone's mailings.
    pub runs_launched: u64,
}

impl From<UserCounts> for UserCountsJson {
    fn from(c: UserCounts) -> Self {
        Self {
            recipients: c.recipients,
            messages: c.messages,
            mailings: c.mailings,
            mailings_active: c.mailings_active,
            runs_launched: c.runs_launched,
        }
    }
}

/// A user as listed to managers and admins: the user and their counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedUserJson {
    #[serde(flatten)]
    pub user: UserJson,
    pub counts: UserCountsJson,
}

impl From<(User, UserCounts)> for ListedUserJson {
    fn from((user, counts): (User, UserCounts)) -> Self {
        Self {
            user: user.into(),
            counts: counts.into(),
        }
    }
}

/// A named API token (its key is shown only once, when it is made).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenJson {
    pub id: i64,
    pub user_id: i64,
    #[schema(example = "ci")]
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiTokenInfo> for TokenJson {
    fn from(t: ApiTokenInfo) -> Self {
        Self {
            id: t.id.get(),
            user_id: t.user.get(),
            name: t.name.into_string(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// Who the API answers as: the user whose token was presented, or the
/// configured token (no user; an admin's rights).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeJson {
    /// `user`, `manager` or `admin`.
    pub role: &'static str,
    /// The user; null for the configured token.
    pub user: Option<UserJson>,
}

/// A user to add (admins only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserJson {
    #[schema(schema_with = rules::email)]
    pub email: String,
    #[schema(schema_with = rules::full_name)]
    pub full_name: String,
    #[schema(schema_with = rules::role)]
    pub role: String,
    #[schema(schema_with = rules::password)]
    pub password: String,
}

impl NewUserJson {
    pub fn validate(self) -> Result<(NewUser, Password), InvalidField> {
        let user = NewUser {
            email: EmailAddress::parse(&self.email)?,
            full_name: FullName::parse(as_sent(
                "full_name",
                &self.full_name,
                FullName::MAX_CHARS,
            )?)?,
            role: Role::parse(&self.role)?,
            confirmed: true,
        };
        Ok((user, Password::parse(&self.password)?))
    }
}

/// A user's new role (admins only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleJson {
    #[schema(schema_with = rules::role)]
    pub role: String,
}

impl RoleJson {
    pub fn validate(self) -> Result<Role, InvalidField> {
        Role::parse(&self.role)
    }
}

/// A new API token's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenJson {
    #[schema(schema_with = rules::token_name)]
    pub name: String,
}

impl NewTokenJson {
    pub fn validate(self) -> Result<TokenName, InvalidField> {
        TokenName::parse(as_sent("name", &self.name, TokenName::MAX_CHARS)?)
    }
}

/// A token just made: its key is in `token`, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenMadeJson {
    /// Present it as `Authorization: Bearer <token>`. It is not stored and
    /// cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenJson,
}
