//! UserRepository and AccessRepository: users, sessions, API tokens and
//! one-time links.

use postpilot_core::domain::{
    AccessKey, FullName, Link, LinkPurpose, NewUser, Page, Password, PasswordHash, Role, Session,
    TokenName, User, UserId,
};
use postpilot_core::ports::{Entity, Store, StoreError};

use super::{assert_not_found, at, email};

pub fn new_user(address: &str, role: Role) -> NewUser {
    NewUser {
        email: email(address),
        full_name: FullName::parse(&format!("Пользователь {address}")).expect("valid name"),
        role,
        confirmed: true,
    }
}

/// A password hash made once per test binary: Argon2id is slow on purpose.
pub fn hash() -> PasswordHash {
    static HASH: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        Password::parse("correct horse battery")
            .expect("valid")
            .hash()
    })
    .clone()
}

pub async fn add<S: Store>(store: &S, address: &str, role: Role) -> User {
    store
        .add_user(&new_user(address, role), &hash(), at(0))
        .await
        .expect("user added")
}

fn session(user: UserId, csrf: &str, minutes: i64) -> Session {
    Session {
        user,
        csrf: csrf.to_owned(),
        expires_at: at(minutes),
    }
}

pub async fn a_user_is_stored_with_their_role_and_found_by_email_in_any_letter_case<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    assert_eq!(store.count_users().await.expect("count"), 0);
    assert_eq!(store.first_admin().await.expect("read"), None);
    add(&store, "user@example.com", Role::User).await;
    assert_eq!(
        store.first_admin().await.expect("read"),
        None,
        "a user is no admin"
    );
    let anna = add(&store, "Anna@Example.com", Role::Admin).await;
    assert_eq!(anna.email.as_str(), "Anna@Example.com");
    assert_eq!(anna.role, Role::Admin);
    assert!(!anna.blocked && anna.confirmed);
    assert_eq!((anna.created_at, anna.last_login_at), (at(0), None));

    let (found, stored) = store
        .user_by_email(&email("anna@EXAMPLE.com"))
        .await
        .expect("read")
        .expect("found in any letter case");
    assert_eq!(found, anna);
    let password = Password::parse("correct horse battery").expect("valid");
    assert!(stored.verify(&password), "the hash comes back as stored");
    assert_eq!(store.get_user(anna.id).await.expect("read"), anna);
    assert!(store
        .user_by_email(&email("boris@example.com"))
        .await
        .expect("read")
        .is_none());
    assert_eq!(store.count_users().await.expect("count"), 2);
    assert_eq!(store.first_admin().await.expect("read"), Some(anna.id));
    add(&store, "later@example.com", Role::Admin).await;
    assert_eq!(
        store.first_admin().await.expect("read"),
        Some(anna.id),
        "the first one"
    );
}

pub async fn a_second_user_with_the_same_email_in_other_letters_is_a_duplicate<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    add(&store, "anna@example.com", Role::User).await;
    let again = store
        .add_user(&new_user("ANNA@example.com", Role::Admin), &hash(), at(1))
        .await;
    match again {
        Err(StoreError::Duplicate {
            entity: Entity::User,
            field: "email",
            ..
        }) => {}
        other => panic!("expected a duplicate user email, got {other:?}"),
    }
    assert_eq!(store.count_users().await.expect("count"), 1);
}

pub async fn users_list_by_id_page_by_page_and_unknown_users_are_not_found<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let a = add(&store, "a@example.com", Role::User).await;
    let b = add(&store, "b@example.com", Role::Manager).await;
    let c = add(&store, "c@example.com", Role::Admin).await;
    let users =
        |listed: Vec<(User, _)>| listed.into_iter().map(|(user, _)| user).collect::<Vec<_>>();
    let first = store
        .list_users(Page::new(0, 2), at(0))
        .await
        .expect("list");
    let rest = store
        .list_users(Page::new(2, 2), at(0))
        .await
        .expect("list");
    assert_eq!(users(first), vec![a.clone(), b]);
    assert_eq!(users(rest), vec![c]);
    let missing = UserId(a.id.get() + 100);
    assert_not_found(store.get_user(missing).await, Entity::User, missing.get());
    assert_not_found(
        store.set_role(missing, Role::Admin).await,
        Entity::User,
        missing.get(),
    );
    assert_not_found(
        store.set_blocked(missing, true).await,
        Entity::User,
        missing.get(),
    );
    assert_not_found(
        store.set_password(missing, &hash()).await,
        Entity::User,
        missing.get(),
    );
    assert_not_found(
        store.confirm_user(missing).await,
        Entity::User,
        missing.get(),
    );
    assert_not_found(
        store.note_login(missing, at(1)).await,
        Entity::User,
        missing.get(),
    );
}

pub async fn roles_blocks_confirmation_and_logins_are_stored<S: Store + Clone + 'static>(store: S) {
    let user = store
        .add_user(
            &NewUser {
                confirmed: false,
                ..new_user("new@example.com", Role::User)
            },
            &PasswordHash::none(),
            at(0),
        )
        .await
        .expect("added");
    assert!(!user.confirmed && !user.may_log_in());
    let (_, none) = store
        .user_by_email(&user.email)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(none, PasswordHash::none(), "no password yet");

    assert!(
        store
            .confirm_user(user.id)
            .await
            .expect("confirmed")
            .confirmed
    );
    assert_eq!(
        store
            .set_role(user.id, Role::Manager)
            .await
            .expect("role")
            .role,
        Role::Manager
    );
    assert!(
        store
            .set_blocked(user.id, true)
            .await
            .expect("blocked")
            .blocked
    );
    assert!(!store.get_user(user.id).await.expect("read").may_log_in());
    assert!(
        !store
            .set_blocked(user.id, false)
            .await
            .expect("unblocked")
            .blocked
    );
    store.note_login(user.id, at(5)).await.expect("noted");
    let read = store.get_user(user.id).await.expect("read");
    assert_eq!(read.last_login_at, Some(at(5)));
    assert_eq!(read.role, Role::Manager);
    assert!(read.may_log_in());
}

pub async fn a_session_is_found_by_its_key_until_it_ends_and_only_by_its_key<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let anna = add(&store, "anna@example.com", Role::User).await;
    let key = AccessKey::generate();
    store
        .start_session(&key.hash(), &session(anna.id, "csrf-a", 60), at(0))
        .await
        .expect("started");

    let (found, user) = store
        .session(&key.hash(), at(59))
        .await
        .expect("read")
        .expect("live");
    assert_eq!(found, session(anna.id, "csrf-a", 60));
    assert_eq!(user, anna);
    assert!(
        store
            .session(&key.hash(), at(60))
            .await
            .expect("read")
            .is_none(),
        "a session ends at its end time"
    );
    let other = AccessKey::generate();
    assert!(store
        .session(&other.hash(), at(1))
        .await
        .expect("read")
        .is_none());

    store.end_session(&key.hash()).await.expect("ended");
    assert!(store
        .session(&key.hash(), at(1))
        .await
        .expect("read")
        .is_none());
    store
        .end_session(&key.hash())
        .await
        .expect("ending twice is no error");

    assert_not_found(
        store
            .start_session(
                &other.hash(),
                &session(UserId(anna.id.get() + 9), "x", 60),
                at(0),
            )
            .await,
        Entity::User,
        anna.id.get() + 9,
    );
}

pub async fn sessions_survive_a_new_handle_and_end_when_their_user_is_blocked_or_changes_password<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let anna = add(&store, "anna@example.com", Role::User).await;
    let boris = add(&store, "boris@example.com", Role::User).await;
    let (a1, a2, b1) = (
        AccessKey::generate(),
        AccessKey::generate(),
        AccessKey::generate(),
    );
    for (key, user) in [(&a1, anna.id), (&a2, anna.id), (&b1, boris.id)] {
        store
            .start_session(&key.hash(), &session(user, "c", 600), at(0))
            .await
            .expect("started");
    }
    let other_handle = store.clone();
    assert!(other_handle
        .session(&a1.hash(), at(1))
        .await
        .expect("read")
        .is_some());

    store.set_blocked(anna.id, true).await.expect("blocked");
    assert!(store
        .session(&a1.hash(), at(1))
        .await
        .expect("read")
        .is_none());
    assert!(store
        .session(&a2.hash(), at(1))
        .await
        .expect("read")
        .is_none());
    assert!(
        store
            .session(&b1.hash(), at(1))
            .await
            .expect("read")
            .is_some(),
        "another user's session is untouched"
    );
    store
        .set_password(boris.id, &hash())
        .await
        .expect("changed");
    assert!(store
        .session(&b1.hash(), at(1))
        .await
        .expect("read")
        .is_none());
}

pub async fn api_tokens_are_found_by_key_listed_per_user_and_revoked_only_by_their_user<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let anna = add(&store, "anna@example.com", Role::User).await;
    let boris = add(&store, "boris@example.com", Role::User).await;
    let name = TokenName::parse("ci").expect("valid");
    let key = AccessKey::generate();
    let token = store
        .add_token(anna.id, &name, &key.hash(), at(0))
        .await
        .expect("added");
    assert_eq!(
        (token.user, &token.name, token.created_at),
        (anna.id, &name, at(0))
    );
    assert_eq!(token.last_used_at, None);

    let (used, user) = store
        .use_token(&key.hash(), at(3))
        .await
        .expect("read")
        .expect("found");
    assert_eq!((used.id, used.last_used_at), (token.id, Some(at(3))));
    assert_eq!(user, anna);
    assert!(store
        .use_token(&AccessKey::generate().hash(), at(3))
        .await
        .expect("read")
        .is_none());
    assert_eq!(
        store.list_tokens(anna.id).await.expect("list"),
        vec![used.clone()]
    );
    assert!(store.list_tokens(boris.id).await.expect("list").is_empty());

    assert_not_found(
        store.revoke_token(boris.id, token.id).await,
        Entity::Token,
        token.id.get(),
    );
    assert!(store
        .use_token(&key.hash(), at(4))
        .await
        .expect("read")
        .is_some());
    store
        .revoke_token(anna.id, token.id)
        .await
        .expect("revoked");
    assert!(store
        .use_token(&key.hash(), at(5))
        .await
        .expect("read")
        .is_none());
    assert!(store.list_tokens(anna.id).await.expect("list").is_empty());
}

pub async fn a_one_time_link_is_taken_once_for_its_purpose_before_it_expires<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let anna = add(&store, "anna@example.com", Role::User).await;
    let link = |minutes| Link {
        user: anna.id,
        purpose: LinkPurpose::Reset,
        expires_at: at(minutes),
    };
    let (once, late) = (AccessKey::generate(), AccessKey::generate());
    store
        .add_link(&once.hash(), &link(30), at(0))
        .await
        .expect("added");
    store
        .add_link(&late.hash(), &link(10), at(0))
        .await
        .expect("added");

    assert_eq!(
        store
            .take_link(&once.hash(), LinkPurpose::Confirm, at(1))
            .await
            .expect("read"),
        None,
        "another purpose finds nothing"
    );
    assert_eq!(
        store
            .take_link(&once.hash(), LinkPurpose::Reset, at(1))
            .await
            .expect("read"),
        Some(anna.id)
    );
    assert_eq!(
        store
            .take_link(&once.hash(), LinkPurpose::Reset, at(2))
            .await
            .expect("read"),
        None,
        "used once"
    );
    assert_eq!(
        store
            .take_link(&late.hash(), LinkPurpose::Reset, at(10))
            .await
            .expect("read"),
        None,
        "expired at its end time"
    );
    assert_not_found(
        store
            .add_link(
                &AccessKey::generate().hash(),
                &Link {
                    user: UserId(anna.id.get() + 5),
                    ..link(30)
                },
                at(0),
            )
            .await,
        Entity::User,
        anna.id.get() + 5,
    );
}
