//! The one-time setup key: it adds the first admin once, while it is live
//! and no admin exists, and only the latest key works.

use postpilot_core::domain::{AccessKey, Page, Role, Scope};
use postpilot_core::ports::{Entity, Scoped, Store, StoreError};

use postpilot_core::domain::User;

use super::users::{add, hash, new_user};
use super::{add_recipients, at};

/// The first admin `address` added with `key` at minute `now`.
async fn set_up<S: Store>(
    store: &S,
    key: &AccessKey,
    address: &str,
    now: i64,
) -> Result<Option<User>, StoreError> {
    let admin = new_user(address, Role::Admin);
    store
        .add_first_admin(&key.hash(), &admin, &hash(), at(now))
        .await
}

pub async fn the_setup_key_adds_the_first_admin_once_while_live_and_only_the_latest_works<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (first, latest) = (AccessKey::generate(), AccessKey::generate());
    store
        .replace_setup_key(&first.hash(), at(60))
        .await
        .expect("made");
    assert!(store
        .setup_key_live(&first.hash(), at(0))
        .await
        .expect("read"));
    assert!(!store
        .setup_key_live(&first.hash(), at(60))
        .await
        .expect("read"));
    store
        .replace_setup_key(&latest.hash(), at(60))
        .await
        .expect("made");
    assert!(
        !store
            .setup_key_live(&first.hash(), at(0))
            .await
            .expect("read"),
        "replaced"
    );
    let anna = |key, now| set_up(&store, key, "anna@example.com", now);
    assert_eq!(anna(&first, 0).await.expect("read"), None, "a replaced key");
    assert_eq!(
        anna(&latest, 60).await.expect("read"),
        None,
        "an expired key"
    );
    assert_eq!(store.count_users().await.expect("count"), 0);

    let unowned = add_recipients(&store, 1).await;
    let added = anna(&latest, 59).await.expect("added");
    let anna_user = added.expect("the first admin");
    assert_eq!((anna_user.role, anna_user.confirmed), (Role::Admin, true));
    let hers = store.scoped(Scope::own(anna_user.id));
    let adopted = hers.list_recipients(Page::ALL).await.expect("listed");
    assert_eq!(adopted[0].id, unowned[0], "she adopts what had no owner");
    assert_eq!(anna(&latest, 0).await.expect("read"), None, "spent");
    assert!(!store
        .setup_key_live(&latest.hash(), at(0))
        .await
        .expect("read"));

    let after = AccessKey::generate();
    store
        .replace_setup_key(&after.hash(), at(60))
        .await
        .expect("made");
    let refused = set_up(&store, &after, "boris@example.com", 0).await;
    assert_eq!(refused.expect("read"), None, "an admin exists");
    assert_eq!(store.count_users().await.expect("count"), 1);
}

pub async fn a_setup_for_an_email_taken_is_a_duplicate_and_leaves_the_key_live<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    add(&store, "anna@example.com", Role::User).await;
    let key = AccessKey::generate();
    store
        .replace_setup_key(&key.hash(), at(60))
        .await
        .expect("made");
    match set_up(&store, &key, "ANNA@example.com", 0).await {
        Err(StoreError::Duplicate {
            entity: Entity::User,
            field: "email",
            ..
        }) => {}
        other => panic!("expected a duplicate email, got {other:?}"),
    }
    assert!(store
        .setup_key_live(&key.hash(), at(0))
        .await
        .expect("read"));
    let added = set_up(&store, &key, "olga@example.com", 0).await;
    assert!(added.expect("read").is_some(), "a user is no admin");
}
