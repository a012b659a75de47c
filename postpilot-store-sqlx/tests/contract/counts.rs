//! Users listed with what each owns and has launched (a manager's
//! Пользователи, the home page's breakdown), counted in one statement.

use postpilot_core::domain::{Audience, Page, Role, Scope, Trigger, UserCounts};
use postpilot_core::ports::{Scoped, Store};

use super::users::add;
use super::{add_mailing, add_message, at};

pub async fn users_are_listed_with_what_each_owns_and_the_runs_each_launched<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let anna = add(&store, "anna@example.com", Role::User).await;
    let boris = add(&store, "boris@example.com", Role::User).await;
    let olga = add(&store, "olga@example.com", Role::Admin).await;
    let zoya = add(&store, "zoya@example.com", Role::Manager).await;
    let hers = store.scoped(Scope::own(anna.id));
    let (her_mailing, _) = add_mailing(&hers, 2).await;
    add_message(&hers).await;
    hers.launch_run(her_mailing.id, Trigger::Api, Audience::Everyone, at(1))
        .await
        .expect("Anna launches hers");
    let (his_mailing, _) = add_mailing(&store.scoped(Scope::own(boris.id)), 1).await;
    let admin = store.scoped(Scope {
        actor: Some(olga.id),
        ..Scope::everything(Some(olga.id))
    });
    admin
        .launch_run(his_mailing.id, Trigger::Api, Audience::Everyone, at(1))
        .await
        .expect("Olga launches his");
    add_mailing(&store, 3).await;

    let counted = |recipients, messages, mailings, mailings_active, runs_launched| UserCounts {
        recipients,
        messages,
        mailings,
        mailings_active,
        runs_launched,
    };
    let listed = store.list_users(Page::ALL, at(60)).await.expect("listed");
    let ids: Vec<_> = listed.iter().map(|(user, _)| user.id).collect();
    assert_eq!(ids, [anna.id, boris.id, olga.id, zoya.id], "by id");
    let counts: Vec<_> = listed.into_iter().map(|(_, counts)| counts).collect();
    assert_eq!(
        counts,
        [
            counted(2, 2, 1, 1, 1),
            counted(1, 1, 1, 1, 0),
            counted(0, 0, 0, 0, 1),
            UserCounts::default(),
        ],
        "what the system made without an owner is nobody's"
    );

    let ended = store
        .list_users(Page::new(1, 2), at(120))
        .await
        .expect("listed");
    assert_eq!(
        ended,
        [
            (boris, counted(1, 1, 1, 0, 0)),
            (olga, counted(0, 0, 0, 0, 1)),
        ],
        "a page of them; no mailing is active once its end has passed"
    );
}
