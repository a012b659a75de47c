//! The first admin from a one-time setup link (ARCHITECTURE.md, "Users and
//! ownership"): `serve` on a database without an admin makes a key and
//! prints its link; the link's form adds the first admin, once.

use chrono::TimeDelta;

use super::{Accounts, LoggedIn};
use crate::domain::{AccessKey, EmailAddress, FullName, NewUser, Password, Role};
use crate::error::{Error, Result};
use crate::ports::{AccessRepository, Clock, UserRepository};

/// How long a setup link lasts.
pub const SETUP_KEY_TTL: TimeDelta = TimeDelta::hours(24);

impl<S: UserRepository + AccessRepository, C: Clock> Accounts<S, C> {
    /// A fresh setup key, lasting [`SETUP_KEY_TTL`], while the database has
    /// no admin; `None` once it has one. Each key replaces the one before:
    /// only the link printed last works, so one copied from an older
    /// start's output opens nothing.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn setup_key(&self) -> Result<Option<AccessKey>> {
        if self.store.first_admin().await?.is_some() {
            return Ok(None);
        }
        let key = AccessKey::generate();
        let now = self.clock.now();
        let expires_at = now.checked_add_signed(SETUP_KEY_TTL).unwrap_or(now);
        self.store
            .replace_setup_key(&key.hash(), expires_at)
            .await?;
        Ok(Some(key))
    }

    /// Whether `key` opens the setup form now: it is the live setup key and
    /// no admin exists yet. Spends nothing.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn setup_open(&self, key: &AccessKey) -> Result<bool> {
        let now = self.clock.now();
        Ok(self.store.setup_key_live(&key.hash(), now).await?
            && self.store.first_admin().await?.is_none())
    }

    /// Adds the first admin (confirmed) with the setup key, spending it,
    /// and logs them in with a session of `ttl`.
    ///
    /// # Errors
    /// `WrongCredentials` for a key unknown, expired or spent, or once an
    /// admin exists (nothing changed); `Duplicate` on `email` (the key
    /// stays live).
    pub async fn set_up(
        &self,
        key: &AccessKey,
        email: EmailAddress,
        full_name: FullName,
        password: &Password,
        ttl: TimeDelta,
    ) -> Result<LoggedIn> {
        let new = NewUser {
            email,
            full_name,
            role: Role::Admin,
            confirmed: true,
        };
        let now = self.clock.now();
        let added = self
            .store
            .add_first_admin(&key.hash(), &new, &password.hash(), now)
            .await?;
        let user = added.ok_or(Error::WrongCredentials)?;
        self.start_session(user, ttl).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::mocks::MockStore;
    use crate::usecases::accounts_tests::user;
    use crate::usecases::send_tests::{fixed_clock, t0};

    #[tokio::test]
    async fn a_setup_key_lasts_a_day_and_none_is_made_once_an_admin_exists() {
        let mut store = MockStore::new();
        store.expect_first_admin().times(1).returning(|| Ok(None));
        store
            .expect_replace_setup_key()
            .withf(|_, until| *until == t0() + SETUP_KEY_TTL)
            .times(1)
            .returning(|_, _| Ok(()));
        let key = Accounts::new(store, fixed_clock()).setup_key().await;
        assert!(key.expect("made").is_some());

        let mut store = MockStore::new();
        store.expect_first_admin().returning(|| Ok(Some(UserId(1))));
        store.expect_replace_setup_key().never();
        let key = Accounts::new(store, fixed_clock()).setup_key().await;
        assert!(key.expect("read").is_none());
    }

    #[tokio::test]
    async fn setting_up_adds_a_confirmed_admin_and_logs_them_in_and_a_refused_key_is_wrong_credentials(
    ) {
        let mut store = MockStore::new();
        store
            .expect_add_first_admin()
            .withf(|_, new, _, now| new.role == Role::Admin && new.confirmed && *now == t0())
            .times(1)
            .returning(|_, _, _, _| Ok(Some(user(1, Role::Admin))));
        store
            .expect_start_session()
            .times(1)
            .returning(|_, _, _| Ok(()));
        store.expect_note_login().times(1).returning(|_, _| Ok(()));
        let accounts = Accounts::new(store, fixed_clock());
        let password = Password::parse("correct horse battery").expect("valid");
        let email = || EmailAddress::parse("anna@example.com").expect("valid");
        let name = || FullName::parse("Анна").expect("valid");
        let key = AccessKey::generate();
        let ttl = TimeDelta::hours(8);
        let logged_in = accounts
            .set_up(&key, email(), name(), &password, ttl)
            .await
            .expect("set up");
        assert_eq!(logged_in.user.id, UserId(1));

        let mut store = MockStore::new();
        store
            .expect_add_first_admin()
            .returning(|_, _, _, _| Ok(None));
        store.expect_start_session().never();
        let refused = Accounts::new(store, fixed_clock())
            .set_up(&key, email(), name(), &password, ttl)
            .await
            .expect_err("refused");
        assert!(matches!(refused, Error::WrongCredentials), "{refused:?}");
    }
}
