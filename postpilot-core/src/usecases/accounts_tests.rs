//! Accounts against mocks: logins, sessions, tokens, and who may block,
//! promote or set passwords.

use std::sync::OnceLock;

use chrono::TimeDelta;

use super::accounts::Accounts;
use super::send_tests::{fixed_clock, t0};
use crate::domain::*;
use crate::error::Error;
use crate::mocks::MockStore;
use crate::ports::clock::MockClock;

const PASSWORD: &str = "correct horse battery";

fn hash() -> PasswordHash {
    static HASH: OnceLock<PasswordHash> = OnceLock::new();
    HASH.get_or_init(|| Password::parse(PASSWORD).expect("valid").hash())
        .clone()
}

pub(super) fn user(id: i64, role: Role) -> User {
    User {
        id: UserId(id),
        email: EmailAddress::parse(&format!("u{id}@example.com")).expect("valid"),
        full_name: FullName::parse("Анна").expect("valid"),
        role,
        blocked: false,
        confirmed: true,
        created_at: t0(),
        last_login_at: None,
    }
}

fn accounts(store: MockStore) -> Accounts<MockStore, MockClock> {
    Accounts::new(store, fixed_clock())
}

fn store_finding(found: Option<User>) -> MockStore {
    let mut store = MockStore::new();
    store
        .expect_user_by_email()
        .returning(move |_| Ok(found.clone().map(|u| (u, hash()))));
    store
}

#[tokio::test]
async fn a_right_password_starts_a_session_of_the_given_length_and_notes_the_login() {
    let mut store = store_finding(Some(user(7, Role::User)));
    store
        .expect_start_session()
        .withf(|_, session, now| {
            session.user == UserId(7)
                && session.expires_at == t0() + TimeDelta::hours(8)
                && session.csrf.len() == 64
                && *now == t0()
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    store
        .expect_note_login()
        .withf(|id, at| *id == UserId(7) && *at == t0())
        .times(1)
        .returning(|_, _| Ok(()));
    let logged_in = accounts(store)
        .log_in("U7@example.com", PASSWORD, TimeDelta::hours(8))
        .await
        .expect("logged in");
    assert_eq!(logged_in.user.id, UserId(7));
    assert_ne!(logged_in.key.expose(), logged_in.session.csrf);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_refusal_and_no_session() {
    for (store, email, password) in [
        (
            store_finding(Some(user(7, Role::User))),
            "u7@example.com",
            "wrong password!",
        ),
        (store_finding(None), "nobody@example.com", PASSWORD),
        (MockStore::new(), "not an email", PASSWORD),
        (MockStore::new(), "u7@example.com", ""),
    ] {
        let err = accounts(store)
            .log_in(email, password, TimeDelta::hours(1))
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::WrongCredentials), "{email}: {err:?}");
        assert_eq!(err.to_string(), "wrong email or password");
    }
}

#[tokio::test]
async fn a_blocked_or_unconfirmed_user_is_refused_even_with_the_right_password() {
    let blocked = User {
        blocked: true,
        ..user(7, Role::Admin)
    };
    let err = accounts(store_finding(Some(blocked)))
        .log_in("u7@example.com", PASSWORD, TimeDelta::hours(1))
        .await
        .expect_err("blocked");
    assert!(matches!(err, Error::AccountBlocked), "{err:?}");

    let unconfirmed = User {
        confirmed: false,
        ..user(7, Role::User)
    };
    let err = accounts(store_finding(Some(unconfirmed)))
        .log_in("u7@example.com", PASSWORD, TimeDelta::hours(1))
        .await
        .expect_err("unconfirmed");
    assert!(matches!(err, Error::AccountUnconfirmed), "{err:?}");
}

#[tokio::test]
async fn a_session_or_token_of_a_user_blocked_meanwhile_lets_nobody_in() {
    let blocked = User {
        blocked: true,
        ..user(7, Role::User)
    };
    let mut store = MockStore::new();
    let found = blocked.clone();
    store.expect_session().returning(move |_, _| {
        Ok(Some((
            Session {
                user: UserId(7),
                csrf: "c".into(),
                expires_at: t0(),
            },
            found.clone(),
        )))
    });
    store.expect_use_token().returning(move |_, _| {
        Ok(Some((
            ApiTokenInfo {
                id: TokenId(1),
                user: UserId(7),
                name: TokenName::parse("ci").expect("valid"),
                created_at: t0(),
                last_used_at: None,
            },
            blocked.clone(),
        )))
    });
    let accounts = accounts(store);
    let key = AccessKey::generate();
    assert!(accounts.session(&key).await.expect("read").is_none());
    assert!(accounts.token_user(&key).await.expect("read").is_none());
}

#[tokio::test]
async fn only_admins_add_users_and_change_roles() {
    let new = NewUser {
        email: EmailAddress::parse("new@example.com").expect("valid"),
        full_name: FullName::parse("Новый").expect("valid"),
        role: Role::User,
        confirmed: true,
    };
    for role in [Role::User, Role::Manager] {
        let actor = Actor::User(user(1, role));
        let err = accounts(MockStore::new())
            .add(&actor, new.clone(), None)
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
        let err = accounts(MockStore::new())
            .set_role(&actor, UserId(2), Role::Admin)
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    }
    let mut store = MockStore::new();
    store
        .expect_add_user()
        .withf(|added, hash, _| {
            added.email.as_str() == "new@example.com" && *hash == PasswordHash::none()
        })
        .times(1)
        .returning(|_, _, _| Ok(user(2, Role::User)));
    accounts(store)
        .add(&Actor::System, new, None)
        .await
        .expect("the system adds users");
}

#[tokio::test]
async fn only_managers_and_admins_list_users_with_their_counts_at_the_clock_time() {
    let err = accounts(MockStore::new())
        .list(&Actor::User(user(1, Role::User)), Page::ALL)
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let mut store = MockStore::new();
    store
        .expect_list_users()
        .withf(|page, now| *page == Page::ALL && *now == t0())
        .times(2)
        .returning(|_, _| Ok(vec![(user(2, Role::User), UserCounts::default())]));
    let accounts = accounts(store);
    for actor in [Actor::User(user(1, Role::Manager)), Actor::System] {
        let listed = accounts.list(&actor, Page::ALL).await.expect("listed");
        assert_eq!(listed[0].0.id, UserId(2));
    }
}

#[tokio::test]
async fn a_manager_blocks_users_but_not_admins_nor_themselves() {
    let manager = Actor::User(user(1, Role::Manager));
    let mut store = MockStore::new();
    store.expect_get_user().returning(|id| {
        Ok(user(
            id.get(),
            if id.get() == 3 {
                Role::Admin
            } else {
                Role::User
            },
        ))
    });
    store
        .expect_set_blocked()
        .withf(|id, blocked| *id == UserId(2) && *blocked)
        .times(1)
        .returning(|_, _| {
            Ok(User {
                blocked: true,
                ..user(2, Role::User)
            })
        });
    let accounts = accounts(store);
    assert!(
        accounts
            .set_blocked(&manager, UserId(2), true)
            .await
            .expect("blocked")
            .blocked
    );
    for (target, what) in [(UserId(3), "an admin"), (UserId(1), "themselves")] {
        let err = accounts
            .set_blocked(&manager, target, true)
            .await
            .expect_err(what);
        assert!(matches!(err, Error::Forbidden { .. }), "{what}: {err:?}");
    }
    let err = Accounts::new(MockStore::new(), fixed_clock())
        .set_blocked(&Actor::User(user(5, Role::User)), UserId(2), true)
        .await
        .expect_err("a user blocks nobody");
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
}

#[tokio::test]
async fn a_user_sets_their_own_password_and_only_an_admin_sets_anothers() {
    let password = Password::parse("another good one").expect("valid");
    let mut store = MockStore::new();
    store
        .expect_set_password()
        .withf(|id, hash| {
            *id == UserId(4) && hash.verify(&Password::parse("another good one").expect("valid"))
        })
        .times(2)
        .returning(|_, _| Ok(()));
    let accounts = accounts(store);
    accounts
        .set_password(&Actor::User(user(4, Role::User)), UserId(4), &password)
        .await
        .expect("their own");
    accounts
        .set_password(&Actor::System, UserId(4), &password)
        .await
        .expect("the system's full access");
    let err = accounts
        .set_password(&Actor::User(user(5, Role::Manager)), UserId(4), &password)
        .await
        .expect_err("another's");
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
}

#[tokio::test]
async fn api_tokens_belong_to_users_and_the_system_has_none() {
    let mut store = MockStore::new();
    store
        .expect_add_token()
        .withf(|user, name, _, at| *user == UserId(4) && name.as_str() == "ci" && *at == t0())
        .times(1)
        .returning(|user, name, _, at| {
            Ok(ApiTokenInfo {
                id: TokenId(1),
                user,
                name: name.clone(),
                created_at: at,
                last_used_at: None,
            })
        });
    let accounts = accounts(store);
    let name = TokenName::parse("ci").expect("valid");
    let (key, info) = accounts
        .add_token(&Actor::User(user(4, Role::User)), name.clone())
        .await
        .expect("added");
    assert_eq!((key.expose().len(), info.user), (64, UserId(4)));
    let err = accounts
        .add_token(&Actor::System, name)
        .await
        .expect_err("the system owns no tokens");
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
}

fn base() -> PublicUrl {
    PublicUrl::parse("https://mail.example.com").expect("valid")
}

fn sign_up_of(email: &str) -> NewUser {
    NewUser {
        email: EmailAddress::parse(email).expect("valid"),
        full_name: FullName::parse("Новый").expect("valid"),
        role: Role::Admin,
        confirmed: true,
    }
}

#[tokio::test]
async fn a_sign_up_adds_an_unconfirmed_user_and_mails_them_a_confirmation_link() {
    let mut store = store_finding(None);
    store
        .expect_add_user()
        .withf(|new, _, _| new.role == Role::User && !new.confirmed)
        .times(1)
        .returning(|new, _, _| {
            Ok(User {
                confirmed: false,
                email: new.email.clone(),
                ..user(9, Role::User)
            })
        });
    store
        .expect_add_link()
        .withf(|_, link, now| {
            link.user == UserId(9)
                && link.purpose == LinkPurpose::Confirm
                && link.expires_at == t0() + TimeDelta::hours(24)
                && *now == t0()
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    store
        .expect_instance_id()
        .returning(|| Ok(super::send_tests::instance()));
    let mut mailer = crate::ports::mailer::MockMailer::new();
    mailer
        .expect_send()
        .withf(|email| {
            email.to.as_str() == "new@example.com"
                && email
                    .content
                    .body_text
                    .as_str()
                    .contains("https://mail.example.com/confirm/")
        })
        .times(1)
        .returning(|_| Ok(crate::ports::ServerReply("250 ok".into())));
    let password = Password::parse(PASSWORD).expect("valid");
    accounts(store)
        .sign_up(sign_up_of("new@example.com"), &password, &base(), &mailer)
        .await
        .expect("signed up");
}

#[tokio::test]
async fn a_sign_up_for_an_email_with_an_account_adds_and_mails_nothing_and_says_the_same() {
    let store = store_finding(Some(user(7, Role::User)));
    let mailer = crate::ports::mailer::MockMailer::new();
    let password = Password::parse(PASSWORD).expect("valid");
    accounts(store)
        .sign_up(sign_up_of("u7@example.com"), &password, &base(), &mailer)
        .await
        .expect("the same answer");
}

#[tokio::test]
async fn a_link_used_expired_or_never_made_confirms_and_resets_nothing() {
    let mut store = MockStore::new();
    store.expect_take_link().returning(|_, _, _| Ok(None));
    let accounts = accounts(store);
    let key = AccessKey::generate();
    let err = accounts.confirm(&key).await.expect_err("no link");
    assert!(matches!(err, Error::WrongCredentials), "{err:?}");
    let password = Password::parse(PASSWORD).expect("valid");
    let err = accounts.reset(&key, &password).await.expect_err("no link");
    assert!(matches!(err, Error::WrongCredentials), "{err:?}");
}

#[tokio::test]
async fn a_reset_link_sets_the_password_once_and_confirms_the_email_it_reached() {
    let mut store = MockStore::new();
    store
        .expect_take_link()
        .withf(|_, purpose, _| *purpose == LinkPurpose::Reset)
        .times(1)
        .returning(|_, _, _| Ok(Some(UserId(4))));
    store
        .expect_set_password()
        .withf(|id, hash| {
            *id == UserId(4) && hash.verify(&Password::parse("a new password").expect("valid"))
        })
        .times(1)
        .returning(|_, _| Ok(()));
    store
        .expect_confirm_user()
        .times(1)
        .returning(|id| Ok(user(id.get(), Role::User)));
    let password = Password::parse("a new password").expect("valid");
    let user = accounts(store)
        .reset(&AccessKey::generate(), &password)
        .await
        .expect("reset");
    assert_eq!(user.id, UserId(4));
}

#[tokio::test]
async fn a_reset_is_mailed_only_to_an_account_that_exists_and_is_not_blocked() {
    let blocked = User {
        blocked: true,
        ..user(7, Role::User)
    };
    let mailer = crate::ports::mailer::MockMailer::new();
    for store in [store_finding(None), store_finding(Some(blocked))] {
        accounts(store)
            .request_reset(
                &EmailAddress::parse("u7@example.com").expect("valid"),
                &base(),
                &mailer,
            )
            .await
            .expect("the same answer, and no email");
    }
}
