//! Users and their access (ARCHITECTURE.md, "Users and ownership"): adding
//! users, logging in and out, sessions, API tokens, blocks and roles, with
//! who may do what decided here.

use chrono::TimeDelta;

use crate::domain::{
    dummy_check, AccessKey, Actor, ApiTokenInfo, EmailAddress, NewUser, Page, Password, Role,
    Session, TokenId, TokenName, User, UserId,
};
use crate::error::{Error, Result};
use crate::ports::{AccessRepository, Clock, UserRepository};

/// A session just started: the key for the client's cookie, shown once.
#[derive(Debug)]
pub struct LoggedIn {
    pub key: AccessKey,
    pub session: Session,
    pub user: User,
}

/// Users and their access.
#[derive(Debug, Clone)]
pub struct Accounts<S, C> {
    store: S,
    clock: C,
}

impl<S: UserRepository + AccessRepository, C: Clock> Accounts<S, C> {
    pub fn new(store: S, clock: C) -> Self {
        Self { store, clock }
    }

    /// Adds a user with `password` (none: the user cannot log in until one
    /// is set).
    ///
    /// # Errors
    /// `Forbidden` unless the actor is an admin; `Duplicate` on `email`.
    pub async fn add(
        &self,
        actor: &Actor,
        new: NewUser,
        password: Option<&Password>,
    ) -> Result<User> {
        allow(actor, Role::administers, "add users")?;
        let hash = password
            .map(Password::hash)
            .unwrap_or_else(crate::domain::PasswordHash::none);
        Ok(self.store.add_user(&new, &hash, self.clock.now()).await?)
    }

    /// How many users there are: none until the first admin is added.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn count(&self) -> Result<u64> {
        Ok(self.store.count_users().await?)
    }

    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, id: UserId) -> Result<User> {
        Ok(self.store.get_user(id).await?)
    }

    /// The user whose login `email` is, in any letter case.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn by_email(&self, email: &EmailAddress) -> Result<Option<User>> {
        Ok(self.store.user_by_email(email).await?.map(|(user, _)| user))
    }

    /// Users by id.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a manager or an admin.
    pub async fn list(&self, actor: &Actor, page: Page) -> Result<Vec<User>> {
        allow(actor, Role::moderates, "list users")?;
        Ok(self.store.list_users(page).await?)
    }

    /// Checks `email` and `password` and starts a session of `ttl`. The
    /// same error for an unknown email and a wrong password, in the same
    /// time (a check against a dummy hash), so a login does not tell which
    /// accounts exist.
    ///
    /// # Errors
    /// `WrongCredentials`; `AccountBlocked` or `AccountUnconfirmed` (only
    /// once the password was right).
    pub async fn log_in(&self, email: &str, password: &str, ttl: TimeDelta) -> Result<LoggedIn> {
        let password = Password::presented(password).map_err(|_| Error::WrongCredentials)?;
        let Ok(email) = EmailAddress::parse(email) else {
            dummy_check(&password);
            return Err(Error::WrongCredentials);
        };
        let Some((user, hash)) = self.store.user_by_email(&email).await? else {
            dummy_check(&password);
            return Err(Error::WrongCredentials);
        };
        if !hash.verify(&password) {
            return Err(Error::WrongCredentials);
        }
        admit(&user)?;
        let now = self.clock.now();
        let key = AccessKey::generate();
        let session = Session {
            user: user.id,
            csrf: AccessKey::generate().expose().to_owned(),
            expires_at: now.checked_add_signed(ttl).unwrap_or(now),
        };
        self.store.start_session(&key.hash(), &session, now).await?;
        self.store.note_login(user.id, now).await?;
        Ok(LoggedIn { key, session, user })
    }

    /// The live session whose key the client presented, with its user,
    /// unless the user may no longer be let in (blocked meanwhile).
    ///
    /// # Errors
    /// Backend failures.
    pub async fn session(&self, key: &AccessKey) -> Result<Option<(Session, User)>> {
        let found = self.store.session(&key.hash(), self.clock.now()).await?;
        Ok(found.filter(|(_, user)| user.may_log_in()))
    }

    /// Ends the session of `key`.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn log_out(&self, key: &AccessKey) -> Result<()> {
        Ok(self.store.end_session(&key.hash()).await?)
    }

    /// The user whose API token the client presented, unless revoked or the
    /// user may no longer be let in.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn token_user(&self, key: &AccessKey) -> Result<Option<User>> {
        let found = self.store.use_token(&key.hash(), self.clock.now()).await?;
        Ok(found.map(|(_, user)| user).filter(User::may_log_in))
    }

    /// A new API token of the actor's: its key, shown once, and its record.
    ///
    /// # Errors
    /// `Forbidden` for the system (tokens belong to users).
    pub async fn add_token(
        &self,
        actor: &Actor,
        name: TokenName,
    ) -> Result<(AccessKey, ApiTokenInfo)> {
        let user = acting_user(actor, "make API tokens")?;
        let key = AccessKey::generate();
        let info = self
            .store
            .add_token(user.id, &name, &key.hash(), self.clock.now())
            .await?;
        Ok((key, info))
    }

    /// The actor's API tokens.
    ///
    /// # Errors
    /// `Forbidden` for the system.
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<ApiTokenInfo>> {
        let user = acting_user(actor, "list API tokens")?;
        Ok(self.store.list_tokens(user.id).await?)
    }

    /// Revokes one of the actor's API tokens.
    ///
    /// # Errors
    /// `NotFound` for a token that is not the actor's; `Forbidden` for the
    /// system.
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<()> {
        let user = acting_user(actor, "revoke API tokens")?;
        Ok(self.store.revoke_token(user.id, id).await?)
    }

    /// Blocks or unblocks a user; blocking ends their sessions at once.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a manager or an admin, for one's own
    /// account, and for a manager blocking an admin; `NotFound`.
    pub async fn set_blocked(&self, actor: &Actor, id: UserId, blocked: bool) -> Result<User> {
        allow(actor, Role::moderates, "block or unblock users")?;
        if actor.user().is_some_and(|me| me.id == id) {
            return Err(forbidden(actor, "block or unblock their own account"));
        }
        let target = self.store.get_user(id).await?;
        if target.role.administers() && !actor.role().administers() {
            return Err(forbidden(actor, "block or unblock an admin"));
        }
        Ok(self.store.set_blocked(id, blocked).await?)
    }

    /// Changes a user's role.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is an admin, and for one's own role (so
    /// an admin always remains); `NotFound`.
    pub async fn set_role(&self, actor: &Actor, id: UserId, role: Role) -> Result<User> {
        allow(actor, Role::administers, "change roles")?;
        if actor.user().is_some_and(|me| me.id == id) {
            return Err(forbidden(actor, "change their own role"));
        }
        Ok(self.store.set_role(id, role).await?)
    }

    /// Sets a user's password and ends their sessions.
    ///
    /// # Errors
    /// `Forbidden` unless it is the actor's own password or the actor is an
    /// admin; `NotFound`.
    pub async fn set_password(&self, actor: &Actor, id: UserId, password: &Password) -> Result<()> {
        let own = actor.user().is_some_and(|me| me.id == id);
        if !own {
            allow(actor, Role::administers, "set another user's password")?;
        }
        Ok(self.store.set_password(id, &password.hash()).await?)
    }
}

/// Let in only a user who may log in now.
fn admit(user: &User) -> Result<()> {
    if user.blocked {
        Err(Error::AccountBlocked)
    } else if !user.confirmed {
        Err(Error::AccountUnconfirmed)
    } else {
        Ok(())
    }
}

fn forbidden(actor: &Actor, action: &'static str) -> Error {
    Error::Forbidden {
        role: actor.role(),
        action,
    }
}

/// `Forbidden` unless the actor's role has `permission`.
fn allow(actor: &Actor, permission: fn(Role) -> bool, action: &'static str) -> Result<()> {
    if permission(actor.role()) {
        Ok(())
    } else {
        Err(forbidden(actor, action))
    }
}

/// The acting user; `Forbidden` for the system, which owns no tokens.
fn acting_user<'a>(actor: &'a Actor, action: &'static str) -> Result<&'a User> {
    actor.user().ok_or_else(|| forbidden(actor, action))
}
