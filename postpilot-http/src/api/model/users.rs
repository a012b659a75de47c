//! A user's and an API token's JSON (never a password or a key's hash).

use chrono::{DateTime, Utc};
use postpilot_core::{ApiTokenInfo, User};
use serde::Serialize;
use utoipa::ToSchema;

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
