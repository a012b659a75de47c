//! Disabling a mailing (ARCHITECTURE.md, "Users and ownership"): it keeps
//! when and by whom until enabled again, the scheduler passes it over, and
//! a manager reaches everyone's mailings to do it while no user reaches
//! another's.

use postpilot_core::domain::{
    Audience, Disabled, Listing, MailingId, Page, Role, Scope, Sort, Trigger,
};
use postpilot_core::ports::{Entity, Scoped, Store};

use super::ownership::manager;
use super::users::add;
use super::{add_mailing, add_message, assert_not_found, at, new_mailing, recipient};

pub async fn a_disabled_mailing_keeps_when_and_by_whom_until_it_is_enabled_again<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (mailing, _) = add_mailing(&store, 2).await;
    assert_eq!(mailing.disabled, None);
    let disabled = store
        .set_mailing_disabled(mailing.id, Some(at(3)))
        .await
        .expect("disabled");
    let by_the_system = Some(Disabled {
        at: at(3),
        by: None,
    });
    assert_eq!(disabled.disabled, by_the_system);
    assert_eq!(
        store.get_mailing(mailing.id).await.expect("read").disabled,
        by_the_system
    );
    let listed = store.list_mailings(Page::ALL).await.expect("listed");
    assert_eq!(listed[0].disabled, by_the_system);
    let listing = Listing {
        search: None,
        sort: Sort::default(),
        page: Page::ALL,
    };
    let found = store.find_mailings(&listing).await.expect("found");
    assert_eq!(found.items[0].0.disabled, by_the_system);

    // Disabled again, by someone else, later: the first stays.
    let mia = add(&store, "mia@example.com", Role::Manager).await;
    let again = store
        .scoped(manager(mia.id))
        .set_mailing_disabled(mailing.id, Some(at(9)))
        .await
        .expect("disabled again");
    assert_eq!(again.disabled, by_the_system);

    let enabled = store
        .set_mailing_disabled(mailing.id, None)
        .await
        .expect("enabled");
    assert_eq!(enabled.disabled, None);
    assert_eq!(enabled.recipient_count, 2);
    assert_eq!(
        store.get_mailing(mailing.id).await.expect("read").disabled,
        None
    );
    assert_not_found(
        store
            .set_mailing_disabled(MailingId(mailing.id.0 + 1), Some(at(1)))
            .await,
        Entity::Mailing,
        mailing.id.0 + 1,
    );
}

pub async fn a_disabled_mailing_is_not_due_until_it_is_enabled_again<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    // Every test mailing's window is minute 0 to minute 120.
    let (mailing, _) = add_mailing(&store, 1).await;
    assert_eq!(
        store.due_mailings(at(5), 10).await.expect("due"),
        [mailing.id]
    );
    store
        .set_mailing_disabled(mailing.id, Some(at(4)))
        .await
        .expect("disabled");
    assert!(store.due_mailings(at(5), 10).await.expect("due").is_empty());
    store
        .set_mailing_disabled(mailing.id, None)
        .await
        .expect("enabled");
    assert_eq!(
        store.due_mailings(at(5), 10).await.expect("due"),
        [mailing.id]
    );
    // A launched one that is disabled keeps its launch.
    store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(6))
        .await
        .expect("launched");
    let disabled = store
        .set_mailing_disabled(mailing.id, Some(at(7)))
        .await
        .expect("disabled");
    assert_eq!(disabled.launched_at, Some(at(6)));
}

pub async fn a_manager_disables_another_users_mailing_which_no_other_user_can_reach<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let anna = add(&store, "anna@example.com", Role::User).await;
    let boris = add(&store, "boris@example.com", Role::User).await;
    let mia = add(&store, "mia@example.com", Role::Manager).await;
    let (as_anna, as_boris) = (
        store.scoped(Scope::own(anna.id)),
        store.scoped(Scope::own(boris.id)),
    );
    let person = as_anna
        .insert_recipient(&recipient("a@example.com"))
        .await
        .expect("stored")
        .id;
    let message = add_message(&as_anna).await;
    let hers = as_anna
        .insert_mailing(&new_mailing(message, &[person]))
        .await
        .expect("stored")
        .id;
    assert_not_found(
        as_boris.set_mailing_disabled(hers, Some(at(1))).await,
        Entity::Mailing,
        hers.0,
    );
    assert_eq!(
        as_anna.get_mailing(hers).await.expect("read").disabled,
        None
    );
    let disabled = store
        .scoped(manager(mia.id))
        .set_mailing_disabled(hers, Some(at(2)))
        .await
        .expect("a manager disables it");
    let by_mia = Some(Disabled {
        at: at(2),
        by: Some(mia.id),
    });
    assert_eq!(disabled.disabled, by_mia);
    assert_eq!(
        as_anna.get_mailing(hers).await.expect("read").disabled,
        by_mia
    );
    assert_not_found(
        as_boris.set_mailing_disabled(hers, None).await,
        Entity::Mailing,
        hers.0,
    );
    assert_eq!(
        as_anna.get_mailing(hers).await.expect("read").disabled,
        by_mia
    );
}
