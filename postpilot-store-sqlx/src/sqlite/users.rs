//! Users on SQLite (`UserRepository`): the shared SQL of `sql/users.rs`,
//! with times as integer microseconds.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    EmailAddress, KeyHash, NewUser, Page, PasswordHash, Role, User, UserCounts, UserId,
};
use postpilot_core::ports::{Entity, StoreError, UserRepository};
use sqlx::{Sqlite, Transaction};

use super::codec::micros;
use super::{commit, SqliteStore};
use crate::errors::{backend, duplicate_email};
use crate::rows::{self, changed, count, found};
use crate::sql::users as sql;
use crate::users::{CountedUserRow, UserRow, UserWithHashRow};

#[async_trait]
impl UserRepository for SqliteStore {
    async fn add_user(
        &self,
        new: &NewUser,
        password: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        let doing = "adding a user";
        let mut tx = self.write(doing).await?;
        let user = insert_user(&mut tx, new, password, now).await?;
        commit(tx, doing).await?;
        Ok(user)
    }

    async fn add_first_admin(
        &self,
        key: &KeyHash,
        new: &NewUser,
        password: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let doing = "adding the first admin";
        let mut tx = self.write(doing).await?;
        // The key first: its row lock makes a second use wait, then find none.
        let spent: Option<String> = sqlx::query_scalar(sql::TAKE_SETUP_KEY)
            .bind(key.as_str())
            .bind(micros(now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend(doing))?;
        let admin: Option<i64> = sqlx::query_scalar(sql::FIRST_ADMIN)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend(doing))?;
        if spent.is_none() || admin.is_some() {
            return Ok(None); // rolled back: nothing changed
        }
        let user = insert_user(&mut tx, new, password, now).await?;
        commit(tx, doing).await?;
        Ok(Some(user))
    }

    async fn get_user(&self, id: UserId) -> Result<User, StoreError> {
        let row: Option<UserRow<i64>> = sqlx::query_as(sql::GET_USER)
            .bind(id.get())
            .fetch_optional(&self.reader)
            .await
            .map_err(backend(format!("reading user {id}")))?;
        found(row, Entity::User, id.get())
    }

    async fn user_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<(User, PasswordHash)>, StoreError> {
        let row: Option<UserWithHashRow<i64>> = sqlx::query_as(sql::USER_BY_EMAIL)
            .bind(email.as_str())
            .fetch_optional(&self.reader)
            .await
            .map_err(backend("finding a user by email"))?;
        row.map(TryInto::try_into).transpose()
    }

    async fn list_users(
        &self,
        page: Page,
        now: DateTime<Utc>,
    ) -> Result<Vec<(User, UserCounts)>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<CountedUserRow<i64>> = sqlx::query_as(sql::LIST_USERS)
            .bind(limit)
            .bind(offset)
            .bind(micros(now))
            .fetch_all(&self.reader)
            .await
            .map_err(backend("listing users"))?;
        rows::decoded(found)
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(sql::COUNT_USERS)
            .fetch_one(&self.reader)
            .await
            .map_err(backend("counting users"))?;
        count("count(app_user)", n)
    }

    async fn first_admin(&self) -> Result<Option<UserId>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar(sql::FIRST_ADMIN)
            .fetch_optional(&self.reader)
            .await
            .map_err(backend("finding the first admin"))?;
        Ok(id.map(UserId))
    }

    async fn set_role(&self, id: UserId, role: Role) -> Result<User, StoreError> {
        let row: Option<UserRow<i64>> = sqlx::query_as(sql::SET_ROLE)
            .bind(id.get())
            .bind(role.code())
            .fetch_optional(&self.writer)
            .await
            .map_err(backend(format!("changing the role of user {id}")))?;
        found(row, Entity::User, id.get())
    }

    async fn set_blocked(&self, id: UserId, blocked: bool) -> Result<User, StoreError> {
        let doing = format!("blocking or unblocking user {id}");
        let mut tx = self.write(&doing).await?;
        let row: Option<UserRow<i64>> = sqlx::query_as(sql::SET_BLOCKED)
            .bind(id.get())
            .bind(blocked)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        let user = found(row, Entity::User, id.get())?;
        if blocked {
            sqlx::query(sql::END_SESSIONS_OF)
                .bind(id.get())
                .execute(&mut *tx)
                .await
                .map_err(backend(doing.clone()))?;
        }
        commit(tx, &doing).await?;
        Ok(user)
    }

    async fn set_password(&self, id: UserId, password: &PasswordHash) -> Result<(), StoreError> {
        let doing = format!("changing the password of user {id}");
        let mut tx = self.write(&doing).await?;
        let done = sqlx::query(sql::SET_PASSWORD)
            .bind(id.get())
            .bind(password.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        changed(done.rows_affected(), Entity::User, id.get())?;
        sqlx::query(sql::END_SESSIONS_OF)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(backend(doing.clone()))?;
        commit(tx, &doing).await
    }

    async fn confirm_user(&self, id: UserId) -> Result<User, StoreError> {
        let row: Option<UserRow<i64>> = sqlx::query_as(sql::CONFIRM_USER)
            .bind(id.get())
            .fetch_optional(&self.writer)
            .await
            .map_err(backend(format!("confirming user {id}")))?;
        found(row, Entity::User, id.get())
    }

    async fn note_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let done = sqlx::query(sql::NOTE_LOGIN)
            .bind(id.get())
            .bind(micros(at))
            .execute(&self.writer)
            .await
            .map_err(backend(format!("noting the login of user {id}")))?;
        changed(done.rows_affected(), Entity::User, id.get())
    }
}

/// Inserts a user in `tx`; an admin adopts what has no owner: what the
/// system made before any admin existed (a database upgraded, or a first
/// start).
async fn insert_user(
    tx: &mut Transaction<'static, Sqlite>,
    new: &NewUser,
    password: &PasswordHash,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let doing = "adding a user";
    let row: UserRow<i64> = sqlx::query_as(sql::INSERT_USER)
        .bind(new.email.as_str())
        .bind(new.full_name.as_str())
        .bind(password.as_str())
        .bind(new.role.code())
        .bind(new.confirmed)
        .bind(micros(now))
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate_email(doing, Entity::User, &new.email))?;
    let user: User = row.try_into()?;
    if user.role == Role::Admin {
        for adopt in sql::ADOPT_UNOWNED {
            sqlx::query(adopt)
                .bind(user.id.get())
                .execute(&mut **tx)
                .await
                .map_err(backend("giving the unowned rows to the first admin"))?;
        }
    }
    Ok(user)
}
