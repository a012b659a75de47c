//! Users and their access (ARCHITECTURE.md, "Users and ownership"): adding
//! users, logging in and out, sessions, API tokens, blocks and roles, with
//! who may do what decided here.

use chrono::TimeDelta;

use std::sync::Arc;

mod setup;
pub use setup::SETUP_KEY_TTL;

use crate::domain::{
    dummy_check, AccessKey, Actor, ApiTokenInfo, BodyText, EmailAddress, Link, LinkPurpose,
    NewUser, Page, Password, PublicUrl, Role, Session, Subject, TokenId, TokenName, User,
    UserCounts, UserId,
};
use crate::error::{Error, Result};
use crate::ports::{
    AccessRepository, Clock, Content, InstanceRepository, Mailer, OutgoingEmail, StoreError,
    UserRepository,
};

/// A session just started: the key for the client's cookie, shown once.
#[derive(Debug)]
pub struct LoggedIn {
    pub key: AccessKey,
    pub session: Session,
    pub user: User,
}

/// How long a sign-up's confirmation link lasts.
pub const CONFIRM_LINK_TTL: TimeDelta = TimeDelta::hours(24);
/// How long a password reset link lasts.
pub const RESET_LINK_TTL: TimeDelta = TimeDelta::hours(1);

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

    /// Users by id, each with what they own and have launched, counted
    /// now.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a manager or an admin.
    pub async fn list(&self, actor: &Actor, page: Page) -> Result<Vec<(User, UserCounts)>> {
        allow(actor, Role::moderates, "list users")?;
        Ok(self.store.list_users(page, self.clock.now()).await?)
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
        self.start_session(user, ttl).await
    }

    /// A session of `ttl` for `user`, noted as their login.
    async fn start_session(&self, user: User, ttl: TimeDelta) -> Result<LoggedIn> {
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

    /// The API token the client presented and its user, unless revoked or
    /// the user may no longer be let in.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn token_user(&self, key: &AccessKey) -> Result<Option<(TokenId, User)>> {
        let found = self.store.use_token(&key.hash(), self.clock.now()).await?;
        Ok(found
            .filter(|(_, user)| user.may_log_in())
            .map(|(token, user)| (token.id, user)))
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

    /// Signs up a user (role user, not confirmed) and mails them a link to
    /// `base`/confirm/KEY that confirms their email once, within
    /// [`CONFIRM_LINK_TTL`]. An email that already has an account gets no
    /// second one and no email: the answer is the same, so a sign-up does
    /// not tell which addresses have accounts.
    ///
    /// # Errors
    /// `Invalid` for the fields; the mailer's failure.
    pub async fn sign_up<M: Mailer>(
        &self,
        new: NewUser,
        password: &Password,
        base: &PublicUrl,
        mailer: &M,
    ) -> Result<()>
    where
        S: InstanceRepository,
    {
        if self.store.user_by_email(&new.email).await?.is_some() {
            return Ok(());
        }
        let new = NewUser {
            role: Role::User,
            confirmed: false,
            ..new
        };
        let now = self.clock.now();
        let user = match self.store.add_user(&new, &password.hash(), now).await {
            Ok(user) => user,
            // Signed up at the same moment by another request: as above.
            Err(StoreError::Duplicate { .. }) => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        let key = self
            .link(&user, LinkPurpose::Confirm, CONFIRM_LINK_TTL)
            .await?;
        let text = format!(
            "Здравствуйте, {}!\n\nЧтобы подтвердить адрес и войти в postpilot, откройте ссылку \
             (она действует 24 часа):\n\n{base}/confirm/{}\n\nЕсли вы не регистрировались, \
             просто удалите это письмо.",
            user.full_name,
            key.expose()
        );
        self.mail(mailer, &user, "Подтверждение адреса — postpilot", text)
            .await
    }

    /// Confirms the email of the user whose link key was presented; once.
    ///
    /// # Errors
    /// `WrongCredentials` for a key used, expired or never made.
    pub async fn confirm(&self, key: &AccessKey) -> Result<User> {
        let now = self.clock.now();
        let Some(id) = self
            .store
            .take_link(&key.hash(), LinkPurpose::Confirm, now)
            .await?
        else {
            return Err(Error::WrongCredentials);
        };
        Ok(self.store.confirm_user(id).await?)
    }

    /// Mails the user whose login `email` is a link to `base`/reset/KEY
    /// that sets a new password once, within [`RESET_LINK_TTL`]. Nothing
    /// for an unknown or blocked account, with the same answer.
    ///
    /// # Errors
    /// The mailer's failure.
    pub async fn request_reset<M: Mailer>(
        &self,
        email: &EmailAddress,
        base: &PublicUrl,
        mailer: &M,
    ) -> Result<()>
    where
        S: InstanceRepository,
    {
        let Some((user, _)) = self.store.user_by_email(email).await? else {
            return Ok(());
        };
        if user.blocked {
            return Ok(());
        }
        let key = self.link(&user, LinkPurpose::Reset, RESET_LINK_TTL).await?;
        let text = format!(
            "Здравствуйте, {}!\n\nЧтобы задать новый пароль postpilot, откройте ссылку \
             (она действует час и открывается один раз):\n\n{base}/reset/{}\n\n\
             Если вы не просили сменить пароль, просто удалите это письмо: пароль останется прежним.",
            user.full_name,
            key.expose()
        );
        self.mail(mailer, &user, "Новый пароль — postpilot", text)
            .await
    }

    /// Sets a new password with a reset link's key, once; ends the user's
    /// sessions and confirms their email (the link reached it).
    ///
    /// # Errors
    /// `WrongCredentials` for a key used, expired or never made.
    pub async fn reset(&self, key: &AccessKey, password: &Password) -> Result<User> {
        let now = self.clock.now();
        let Some(id) = self
            .store
            .take_link(&key.hash(), LinkPurpose::Reset, now)
            .await?
        else {
            return Err(Error::WrongCredentials);
        };
        self.store.set_password(id, &password.hash()).await?;
        Ok(self.store.confirm_user(id).await?)
    }

    /// A fresh one-time link of `user` for `purpose`, lasting `ttl`.
    async fn link(&self, user: &User, purpose: LinkPurpose, ttl: TimeDelta) -> Result<AccessKey> {
        let now = self.clock.now();
        let key = AccessKey::generate();
        let link = Link {
            user: user.id,
            purpose,
            expires_at: now.checked_add_signed(ttl).unwrap_or(now),
        };
        self.store.add_link(&key.hash(), &link, now).await?;
        Ok(key)
    }

    /// Sends `user` a plain-text email of the service's own.
    async fn mail<M: Mailer>(
        &self,
        mailer: &M,
        user: &User,
        subject: &str,
        text: String,
    ) -> Result<()>
    where
        S: InstanceRepository,
    {
        let instance = self.store.instance_id().await?;
        let stamp = self.clock.now().timestamp_micros();
        let email = OutgoingEmail {
            to: user.email.clone(),
            to_name: user.full_name.clone(),
            content: Arc::new(Content {
                subject: Subject::parse(subject)?,
                body_text: BodyText::parse(&text)?,
                body_html: None,
            }),
            message_key: format!("postpilot.account.{stamp}.{instance}"),
            unsubscribe_url: None,
        };
        mailer.send(&email).await?;
        Ok(())
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
