//! Users and their roles (ARCHITECTURE.md, "Users and ownership"): who may
//! see and change what. The rules are here as pure functions; the store
//! applies them through the `Scope` every scoped repository call takes.

use std::fmt;

use chrono::{DateTime, Utc};

use super::invalid::{InvalidField, Problem};
use super::{EmailAddress, FullName, TokenId, UserId};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Sees and changes only what they own.
    User,
    /// Sees everyone's data, blocks users and disables mailings; changes
    /// nothing of another user.
    Manager,
    /// Everything, creating users and changing roles included.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::User, Role::Manager, Role::Admin];

    /// The code stored and spoken by the API and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }

    /// The role a code names.
    ///
    /// # Errors
    /// [`InvalidField`] naming `role` for any other text.
    pub fn parse(code: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|role| role.code() == code)
            .ok_or_else(|| {
                InvalidField::new(
                    "role",
                    Problem::Other(format!(
                        "must be one of user, manager, admin (got {:?})",
                        crate::domain::visible(code)
                    )),
                )
            })
    }

    /// Whether this role reads every user's data.
    pub fn sees_everyone(self) -> bool {
        matches!(self, Self::Manager | Self::Admin)
    }

    /// Whether this role changes every user's data.
    pub fn changes_everyone(self) -> bool {
        matches!(self, Self::Admin)
    }

    /// Whether this role blocks users and disables mailings.
    pub fn moderates(self) -> bool {
        matches!(self, Self::Manager | Self::Admin)
    }

    /// Whether this role adds users and changes their roles.
    pub fn administers(self) -> bool {
        matches!(self, Self::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A user as stored (never with the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// The login, unique case-insensitively.
    pub email: EmailAddress,
    pub full_name: FullName,
    pub role: Role,
    /// A blocked user cannot log in; their sessions and tokens stop working.
    pub blocked: bool,
    /// Whether the email was confirmed; an unconfirmed user cannot log in.
    pub confirmed: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl User {
    /// Whether this user may be let in now: confirmed and not blocked.
    pub fn may_log_in(&self) -> bool {
        self.confirmed && !self.blocked
    }
}

/// What a user owns and has launched, counted (a manager's Пользователи,
/// the home page's breakdown by user).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounts {
    pub recipients: u64,
    pub messages: u64,
    pub mailings: u64,
    /// Their mailings Running at the moment of the query.
    pub mailings_active: u64,
    /// Runs this user launched, of anyone's mailings (`send_run.launched_by`).
    pub runs_launched: u64,
}

/// Who is acting: what every use case that checks permissions takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The command line on the database's machine, or the automation token
    /// (`POSTPILOT_API_TOKEN`): the database's full access, as an admin.
    System,
    /// A logged-in user, through a session or one of their API tokens.
    User(User),
}

impl Actor {
    /// The role the actor acts with.
    pub fn role(&self) -> Role {
        match self {
            Self::System => Role::Admin,
            Self::User(user) => user.role,
        }
    }

    /// The acting user, if a user acts.
    pub fn user(&self) -> Option<&User> {
        match self {
            Self::System => None,
            Self::User(user) => Some(user),
        }
    }
}

/// Whose objects (recipients, messages, mailings, lists, and what hangs
/// from them: members, runs, attempts) a store handle shows or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owners {
    Everyone,
    Only(UserId),
}

impl Owners {
    /// The one owner, or `None` for everyone: how the store binds it
    /// (`owner_id = $n OR $n IS NULL`).
    pub fn only(self) -> Option<UserId> {
        match self {
            Self::Everyone => None,
            Self::Only(id) => Some(id),
        }
    }
}

/// What a store handle lets its caller see and change, and who owns what
/// it creates (ARCHITECTURE.md, "Users and ownership"). Another user's
/// object outside `sees` is not found (404), never "forbidden", so its
/// existence is not revealed; a change of one inside `sees` but outside
/// `changes` (a manager's view of a user's) is not found either: the store
/// changes nothing outside `changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    pub sees: Owners,
    pub changes: Owners,
    /// The owner of what is created; `None` only for the system before
    /// any admin exists (the first admin added then becomes its owner).
    pub new_owner: Option<UserId>,
    /// The user acting through the handle (`None`: the system), recorded
    /// as who launched a run.
    pub actor: Option<UserId>,
    /// The actor's API token the request came with, recorded beside
    /// `actor` on a run; `None` for a session, the CLI and the system
    /// (ARCHITECTURE.md, "Users and ownership": who launched a run).
    pub via_token: Option<TokenId>,
}

impl Scope {
    /// Everything, creating for `new_owner`: the system's scope.
    pub fn everything(new_owner: Option<UserId>) -> Self {
        Self {
            sees: Owners::Everyone,
            changes: Owners::Everyone,
            new_owner,
            actor: None,
            via_token: None,
        }
    }

    /// A user's own objects and nothing else.
    pub fn own(user: UserId) -> Self {
        Self {
            sees: Owners::Only(user),
            changes: Owners::Only(user),
            new_owner: Some(user),
            actor: Some(user),
            via_token: None,
        }
    }

    /// This scope acting through the actor's API token `token` (none: a
    /// session, the CLI, the system).
    pub fn via(self, token: Option<TokenId>) -> Self {
        Self {
            via_token: token,
            ..self
        }
    }
}

impl Actor {
    /// The actor's scope: a user sees and changes their own; a manager
    /// sees everyone's and changes their own; an admin sees and changes
    /// everyone's; the system is an admin creating for `system_owner`
    /// (the first admin, if any).
    pub fn scope(&self, system_owner: Option<UserId>) -> Scope {
        match self {
            Self::System => Scope::everything(system_owner),
            Self::User(user) => {
                let own = Owners::Only(user.id);
                let reach = |everyone: bool| if everyone { Owners::Everyone } else { own };
                Scope {
                    sees: reach(user.role.sees_everyone()),
                    changes: reach(user.role.changes_everyone()),
                    new_owner: Some(user.id),
                    actor: Some(user.id),
                    via_token: None,
                }
            }
        }
    }
}

/// A user to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: EmailAddress,
    pub full_name: FullName,
    pub role: Role,
    /// False for a sign-up until its email is confirmed.
    pub confirmed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_from_its_code() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(role));
        }
    }

    #[test]
    fn an_unknown_role_names_the_field_and_the_choices() {
        let err = Role::parse("root").expect_err("not a role");
        assert_eq!(err.field, "role");
        assert!(err.to_string().contains("user, manager, admin"), "{err}");
        assert!(Role::parse("Admin").is_err(), "codes are lower case");
    }

    #[test]
    fn a_manager_sees_everyone_but_changes_only_their_own() {
        assert!(Role::Manager.sees_everyone());
        assert!(!Role::Manager.changes_everyone());
        assert!(Role::Manager.moderates());
        assert!(!Role::Manager.administers());
    }

    #[test]
    fn a_user_sees_and_changes_only_their_own() {
        assert!(!Role::User.sees_everyone());
        assert!(!Role::User.changes_everyone());
        assert!(!Role::User.moderates());
        assert!(!Role::User.administers());
    }

    #[test]
    fn the_system_acts_as_an_admin_and_a_user_with_their_role() {
        assert_eq!(Actor::System.role(), Role::Admin);
        assert!(Actor::System.user().is_none());
    }

    fn actor(id: i64, role: Role) -> Actor {
        Actor::User(User {
            id: UserId(id),
            email: EmailAddress::parse("a@example.com").expect("valid"),
            full_name: FullName::parse("A").expect("valid"),
            role,
            blocked: false,
            confirmed: true,
            created_at: DateTime::UNIX_EPOCH,
            last_login_at: None,
        })
    }

    #[test]
    fn each_role_scopes_what_it_sees_and_changes() {
        let me = UserId(7);
        assert_eq!(actor(7, Role::User).scope(None), Scope::own(me));
        assert_eq!(
            actor(7, Role::Manager).scope(None),
            Scope {
                sees: Owners::Everyone,
                changes: Owners::Only(me),
                new_owner: Some(me),
                actor: Some(me),
                via_token: None,
            }
        );
        assert_eq!(
            actor(7, Role::Admin).scope(Some(UserId(1))),
            Scope {
                actor: Some(me),
                ..Scope::everything(Some(me))
            },
            "an admin creates for themselves"
        );
        assert_eq!(
            Actor::System.scope(Some(UserId(1))),
            Scope::everything(Some(UserId(1)))
        );
        assert_eq!(
            Scope::own(me).via(Some(TokenId(3))).via_token,
            Some(TokenId(3)),
            "a request with a user's token carries it"
        );
        assert_eq!(Owners::Only(me).only(), Some(me));
        assert_eq!(Owners::Everyone.only(), None);
    }

    #[test]
    fn an_admin_may_do_everything() {
        assert!(Role::Admin.sees_everyone());
        assert!(Role::Admin.changes_everyone());
        assert!(Role::Admin.moderates());
        assert!(Role::Admin.administers());
    }
}
