//! Sessions, API tokens and one-time links on SQLite (`AccessRepository`):
//! the shared SQL of `sql/access.rs`, with times as integer microseconds.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    ApiTokenInfo, KeyHash, Link, LinkPurpose, Session, TokenId, TokenName, User, UserId,
};
use postpilot_core::ports::{AccessRepository, Entity, StoreError};

use super::codec::micros;
use super::{commit, SqliteStore};
use crate::errors::{backend, missing_user};
use crate::rows::{self, changed};
use crate::sql::access as sql;
use crate::users::{SessionRow, TokenRow, TokenUserRow, TOKEN_USE_GRANULARITY};

#[async_trait]
impl AccessRepository for SqliteStore {
    async fn start_session(
        &self,
        key: &KeyHash,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let doing = format!("starting a session for user {}", session.user);
        let mut tx = self.write(&doing).await?;
        sqlx::query(sql::END_STALE_SESSIONS)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        sqlx::query(sql::START_SESSION)
            .bind(key.as_str())
            .bind(session.user.get())
            .bind(&session.csrf)
            .bind(micros(session.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(missing_user(doing.clone(), session.user))?;
        commit(tx, &doing).await
    }

    async fn session(
        &self,
        key: &KeyHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let row: Option<SessionRow<i64>> = sqlx::query_as(sql::SESSION)
            .bind(key.as_str())
            .bind(micros(now))
            .fetch_optional(&self.reader)
            .await
            .map_err(backend("reading a session"))?;
        row.map(TryInto::try_into).transpose()
    }

    async fn end_session(&self, key: &KeyHash) -> Result<(), StoreError> {
        sqlx::query(sql::END_SESSION)
            .bind(key.as_str())
            .execute(&self.writer)
            .await
            .map_err(backend("ending a session"))?;
        Ok(())
    }

    async fn add_token(
        &self,
        user: UserId,
        name: &TokenName,
        key: &KeyHash,
        now: DateTime<Utc>,
    ) -> Result<ApiTokenInfo, StoreError> {
        let row: TokenRow<i64> = sqlx::query_as(sql::ADD_TOKEN)
            .bind(user.get())
            .bind(name.as_str())
            .bind(key.as_str())
            .bind(micros(now))
            .fetch_one(&self.writer)
            .await
            .map_err(missing_user(
                format!("adding a token for user {user}"),
                user,
            ))?;
        row.try_into()
    }

    async fn use_token(
        &self,
        key: &KeyHash,
        now: DateTime<Utc>,
    ) -> Result<Option<(ApiTokenInfo, User)>, StoreError> {
        let row: Option<TokenUserRow<i64>> = sqlx::query_as(sql::TOKEN)
            .bind(key.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(backend("reading an API token"))?;
        let Some((mut token, user)) = row.map(<(ApiTokenInfo, User)>::try_from).transpose()? else {
            return Ok(None);
        };
        if token
            .last_used_at
            .is_none_or(|at| at + TOKEN_USE_GRANULARITY <= now)
        {
            sqlx::query(sql::NOTE_TOKEN_USE)
                .bind(token.id.get())
                .bind(micros(now))
                .execute(&self.writer)
                .await
                .map_err(backend("noting an API token's use"))?;
            token.last_used_at = Some(now);
        }
        Ok(Some((token, user)))
    }

    async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiTokenInfo>, StoreError> {
        let found: Vec<TokenRow<i64>> = sqlx::query_as(sql::LIST_TOKENS)
            .bind(user.get())
            .fetch_all(&self.reader)
            .await
            .map_err(backend(format!("listing the tokens of user {user}")))?;
        rows::decoded(found)
    }

    async fn revoke_token(&self, user: UserId, id: TokenId) -> Result<(), StoreError> {
        let done = sqlx::query(sql::REVOKE_TOKEN)
            .bind(user.get())
            .bind(id.get())
            .execute(&self.writer)
            .await
            .map_err(backend(format!("revoking token {id}")))?;
        changed(done.rows_affected(), Entity::Token, id.get())
    }

    async fn add_link(
        &self,
        key: &KeyHash,
        link: &Link,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let doing = format!("adding a link for user {}", link.user);
        let mut tx = self.write(&doing).await?;
        sqlx::query(sql::END_STALE_LINKS)
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        sqlx::query(sql::ADD_LINK)
            .bind(key.as_str())
            .bind(link.user.get())
            .bind(link.purpose.code())
            .bind(micros(link.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(missing_user(doing.clone(), link.user))?;
        commit(tx, &doing).await
    }

    async fn take_link(
        &self,
        key: &KeyHash,
        purpose: LinkPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError> {
        let user: Option<i64> = sqlx::query_scalar(sql::TAKE_LINK)
            .bind(key.as_str())
            .bind(purpose.code())
            .bind(micros(now))
            .fetch_optional(&self.writer)
            .await
            .map_err(backend("using a one-time link"))?;
        Ok(user.map(UserId))
    }

    async fn replace_setup_key(
        &self,
        key: &KeyHash,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let doing = "making a setup key";
        let mut tx = self.write(doing).await?;
        sqlx::query(sql::END_SETUP_KEYS)
            .execute(&mut *tx)
            .await
            .map_err(backend(doing))?;
        sqlx::query(sql::ADD_SETUP_KEY)
            .bind(key.as_str())
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await
            .map_err(backend(doing))?;
        commit(tx, doing).await
    }

    async fn setup_key_live(&self, key: &KeyHash, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(sql::SETUP_KEY_LIVE)
            .bind(key.as_str())
            .bind(micros(now))
            .fetch_one(&self.reader)
            .await
            .map_err(backend("reading the setup key"))?;
        Ok(n > 0)
    }
}
