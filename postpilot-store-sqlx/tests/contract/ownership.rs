//! Ownership (ARCHITECTURE.md, "Users and ownership"): through a handle
//! scoped to one user, another user's recipients, messages, mailings, lists,
//! runs and attempts are not found and never listed, counted or changed; a
//! manager's handle sees them but changes none; the system's sees all.

use postpilot_core::domain::{
    AccessKey, AttemptCursor, AttemptFilter, AttemptListing, ListName, Listing, MailingId, Owners,
    Page, RecipientId, RecipientsEdit, Role, RunToken, Scope, Selection, Sort, TokenName, Trigger,
    UserId,
};
use postpilot_core::domain::{Audience, Search};
use postpilot_core::ports::{Entity, Scoped, Store, StoreError};

use super::users::add;
use super::{
    add_mailing, add_message, assert_not_found, at, email, ids, message, new_mailing, recipient,
    send_first, window,
};

fn listing<C: Default>() -> Listing<C> {
    Listing {
        search: None,
        sort: Sort::default(),
        page: Page::ALL,
    }
}

/// Sees everyone's, changes only their own: a manager's scope.
pub(super) fn manager(user: UserId) -> Scope {
    Scope {
        sees: Owners::Everyone,
        changes: Owners::Only(user),
        new_owner: Some(user),
        actor: Some(user),
        via_token: None,
    }
}

/// Two users' handles on `store`: Anna's and Boris's.
async fn anna_and_boris<S: Store + Scoped>(store: &S) -> (S, S) {
    let anna = add(store, "anna@example.com", Role::User).await;
    let boris = add(store, "boris@example.com", Role::User).await;
    (
        store.scoped(Scope::own(anna.id)),
        store.scoped(Scope::own(boris.id)),
    )
}

/// Stores one recipient of that address through `store`.
async fn one<S: Store>(store: &S, address: &str) -> RecipientId {
    let stored = store.insert_recipient(&recipient(address)).await;
    stored.expect("stored").id
}

async fn recipient_ids<S: Store>(store: &S) -> Vec<RecipientId> {
    let listed = store.list_recipients(Page::ALL).await.expect("listed");
    listed.into_iter().map(|r| r.id).collect()
}

async fn mailing_ids<S: Store>(store: &S) -> Vec<MailingId> {
    let listed = store.list_mailings(Page::ALL).await.expect("listed");
    listed.into_iter().map(|m| m.id).collect()
}

pub async fn another_users_recipients_are_not_found_listed_counted_or_changed<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, boris) = anna_and_boris(&store).await;
    let hers = one(&anna, "same@example.com").await;
    let his = one(&boris, "his@example.com").await;
    assert_eq!(anna.get_recipient(hers).await.expect("hers").id, hers);
    assert_not_found(boris.get_recipient(hers).await, Entity::Recipient, hers.0);
    let edit = recipient("changed@example.com");
    assert_not_found(
        boris.update_recipient(hers, &edit).await,
        Entity::Recipient,
        hers.0,
    );
    assert_not_found(
        boris.delete_recipient(hers).await,
        Entity::Recipient,
        hers.0,
    );
    assert_not_found(
        boris.unsubscribe(hers, at(0)).await,
        Entity::Recipient,
        hers.0,
    );
    assert_not_found(boris.resubscribe(hers).await, Entity::Recipient, hers.0);
    assert_not_found(boris.suppression(hers).await, Entity::Recipient, hers.0);
    assert_eq!(recipient_ids(&boris).await, [his]);
    assert_eq!(boris.all_recipient_ids().await.expect("ids"), [his]);
    let found = boris.find_recipients(&listing()).await.expect("found");
    assert_eq!((found.items.len(), found.total), (1, 1));
    let searched = boris
        .search_recipients(Some(&Search::parse("example").expect("valid")), Page::ALL)
        .await
        .expect("searched");
    assert_eq!(searched.total, 1);
    assert_eq!(
        boris
            .recipient_ids_by_email(&[email("same@example.com"), email("his@example.com")])
            .await
            .expect("looked up"),
        [None, Some(his)]
    );
    anna.unsubscribe(hers, at(0)).await.expect("her own");
    assert!(boris
        .suppressed(Page::ALL)
        .await
        .expect("listed")
        .is_empty());
    assert_eq!(anna.suppressed(Page::ALL).await.expect("listed").len(), 1);
    assert_eq!(
        anna.get_recipient(hers).await.expect("unchanged").email,
        email("same@example.com"),
        "nothing Boris tried changed it"
    );
    assert_eq!(recipient_ids(&store).await, [hers, his], "everyone's");
}

pub async fn a_manager_sees_every_users_recipients_but_changes_only_their_own<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, _) = anna_and_boris(&store).await;
    let mira = add(&store, "mira@example.com", Role::Manager).await;
    let mira = store.scoped(manager(mira.id));
    let hers = one(&anna, "a@example.com").await;
    let own = one(&mira, "m@example.com").await;
    assert_eq!(recipient_ids(&mira).await, [hers, own]);
    assert_eq!(mira.get_recipient(hers).await.expect("seen").id, hers);
    assert_not_found(
        mira.update_recipient(hers, &recipient("b@example.com"))
            .await,
        Entity::Recipient,
        hers.0,
    );
    assert_not_found(mira.delete_recipient(hers).await, Entity::Recipient, hers.0);
    mira.update_recipient(own, &recipient("m2@example.com"))
        .await
        .expect("her own is changed");
    assert_eq!(recipient_ids(&anna).await, [hers], "Anna sees only hers");
}

pub async fn another_users_messages_and_mailings_are_not_found_listed_or_changed<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, boris) = anna_and_boris(&store).await;
    let her_people = one(&anna, "a@example.com").await;
    let his_people = one(&boris, "b@example.com").await;
    let her_message = add_message(&anna).await;
    let his_message = add_message(&boris).await;
    let hers = anna
        .insert_mailing(&new_mailing(her_message, &[her_people]))
        .await
        .expect("stored")
        .id;
    assert_not_found(
        boris.get_message(her_message).await,
        Entity::Message,
        her_message.0,
    );
    assert_not_found(
        boris.update_message(her_message, &message("Чужое")).await,
        Entity::Message,
        her_message.0,
    );
    assert_not_found(
        boris.delete_message(her_message).await,
        Entity::Message,
        her_message.0,
    );
    let messages = boris.list_messages(Page::ALL).await.expect("listed");
    assert_eq!(
        messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        [his_message]
    );
    assert_eq!(
        boris.find_messages(&listing()).await.expect("found").total,
        1
    );
    assert!(boris
        .mailings_using(her_message)
        .await
        .expect("none")
        .is_empty());
    assert_eq!(
        anna.mailings_using(her_message).await.expect("hers"),
        [hers]
    );
    assert_not_found(
        boris
            .insert_mailing(&new_mailing(her_message, &[his_people]))
            .await,
        Entity::Message,
        her_message.0,
    );
    assert_not_found(
        boris
            .insert_mailing(&new_mailing(his_message, &[his_people, her_people]))
            .await,
        Entity::Recipient,
        her_people.0,
    );
    let his = boris
        .insert_mailing(&new_mailing(his_message, &[]))
        .await
        .expect("his own references")
        .id;
    assert_not_found(boris.get_mailing(hers).await, Entity::Mailing, hers.0);
    assert_not_found(
        boris
            .update_mailing(hers, window(), his_message, &RecipientsEdit::Keep)
            .await,
        Entity::Mailing,
        hers.0,
    );
    assert_not_found(
        boris
            .update_mailing(his, window(), her_message, &RecipientsEdit::Keep)
            .await,
        Entity::Message,
        her_message.0,
    );
    assert_not_found(boris.delete_mailing(hers).await, Entity::Mailing, hers.0);
    assert_not_found(
        boris.mailing_recipient_ids(hers).await,
        Entity::Mailing,
        hers.0,
    );
    assert_not_found(
        boris.mailing_recipients(hers, None, Page::ALL).await,
        Entity::Mailing,
        hers.0,
    );
    assert_eq!(mailing_ids(&boris).await, [his]);
    assert_eq!(
        boris.find_mailings(&listing()).await.expect("found").total,
        1
    );
    assert_eq!(mailing_ids(&store).await, [hers, his], "everyone's");
    assert_eq!(
        anna.get_mailing(hers).await.expect("hers").recipient_count,
        1,
        "nothing Boris tried changed it"
    );
}

pub async fn recipients_are_added_to_a_mailing_or_list_only_from_their_owners_own<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, boris) = anna_and_boris(&store).await;
    let hers = one(&anna, "a@example.com").await;
    let his = one(&boris, "b@example.com").await;
    let her_list = anna
        .insert_list(&ListName::parse("Её").expect("valid"))
        .await
        .expect("created")
        .id;
    anna.add_list_members(her_list, &Selection::All)
        .await
        .expect("added");
    let his_message = add_message(&boris).await;
    let mailing = boris
        .insert_mailing(&new_mailing(his_message, &[]))
        .await
        .expect("stored")
        .id;
    for which in [Selection::Ids(ids(&[hers])), Selection::List(her_list)] {
        let refused = boris.add_mailing_recipients(mailing, &which).await;
        assert!(
            matches!(
                refused,
                Err(postpilot_core::ports::StoreError::NotFound { .. })
            ),
            "{which:?}: {refused:?}"
        );
    }
    assert_eq!(
        boris
            .add_mailing_recipients(mailing, &Selection::All)
            .await
            .expect("added"),
        1,
        "all of his, none of hers"
    );
    assert_eq!(
        boris.mailing_recipient_ids(mailing).await.expect("ids"),
        [his]
    );
    let his_list = boris
        .insert_list(&ListName::parse("Его").expect("valid"))
        .await
        .expect("created")
        .id;
    assert_not_found(
        boris
            .add_list_members(his_list, &Selection::Ids(ids(&[hers])))
            .await,
        Entity::Recipient,
        hers.0,
    );
    assert_not_found(
        boris.add_list_members(her_list, &Selection::All).await,
        Entity::List,
        her_list.0,
    );
    assert_not_found(
        anna.add_mailing_recipients(mailing, &Selection::All).await,
        Entity::Mailing,
        mailing.0,
    );
}

pub async fn another_users_lists_are_not_found_listed_or_changed<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, boris) = anna_and_boris(&store).await;
    let name = |text: &str| ListName::parse(text).expect("valid");
    anna.insert_recipient(&recipient("a@example.com"))
        .await
        .expect("stored");
    let hers = anna.insert_list(&name("VIP")).await.expect("created").id;
    anna.add_list_members(hers, &Selection::All)
        .await
        .expect("added");
    let his = boris.insert_list(&name("Его")).await.expect("created").id;
    assert_not_found(boris.get_list(hers).await, Entity::List, hers.0);
    assert_not_found(
        boris.rename_list(hers, &name("Чужой")).await,
        Entity::List,
        hers.0,
    );
    assert_not_found(boris.delete_list(hers).await, Entity::List, hers.0);
    assert_not_found(
        boris.list_members(hers, None, Page::ALL).await,
        Entity::List,
        hers.0,
    );
    assert_not_found(
        boris.remove_list_members(hers, &Selection::All).await,
        Entity::List,
        hers.0,
    );
    let lists = boris.list_lists(Page::ALL).await.expect("listed");
    assert_eq!(lists.iter().map(|l| l.id).collect::<Vec<_>>(), [his]);
    let list = anna.get_list(hers).await.expect("hers");
    assert_eq!((list.name.as_str(), list.member_count), ("VIP", 1));
    assert_eq!(store.list_lists(Page::ALL).await.expect("all").len(), 2);
}

pub async fn another_users_runs_and_attempts_are_not_found_or_listed_and_a_manager_sees_them<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, boris) = anna_and_boris(&store).await;
    let mira = add(&store, "mira@example.com", Role::Manager).await;
    let mira = store.scoped(manager(mira.id));
    let people = one(&anna, "a@example.com").await;
    let her_message = add_message(&anna).await;
    let hers = anna
        .insert_mailing(&new_mailing(her_message, &[people]))
        .await
        .expect("stored")
        .id;
    for other in [&boris, &mira] {
        assert_not_found(
            other
                .launch_run(hers, Trigger::Ui, Audience::Everyone, at(1))
                .await,
            Entity::Mailing,
            hers.0,
        );
    }
    let run = anna
        .launch_run(hers, Trigger::Ui, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    send_first(&store, run.id).await;
    let all = AttemptListing {
        filter: AttemptFilter::default(),
        oldest_first: false,
        page: Page::ALL,
    };
    let cursor = AttemptCursor {
        before: None,
        limit: 10,
    };
    assert_not_found(boris.get_run(run.id).await, Entity::Run, run.id.0);
    assert!(boris.list_runs(hers).await.expect("none").is_empty());
    assert_not_found(boris.reach(hers).await, Entity::Mailing, hers.0);
    assert!(boris
        .list_attempts(hers, Page::ALL)
        .await
        .expect("none")
        .is_empty());
    let found = boris.find_attempts(hers, &all).await.expect("none");
    assert_eq!((found.items.len(), found.total), (0, 0));
    assert!(boris
        .attempts_before(hers, &AttemptFilter::default(), cursor)
        .await
        .expect("none")
        .is_empty());
    assert_eq!(
        boris
            .last_response_starting_with(run.id, "250")
            .await
            .expect("none"),
        None
    );
    for sees in [&anna, &mira] {
        assert_eq!(sees.get_run(run.id).await.expect("run").id, run.id);
        assert_eq!(sees.list_runs(hers).await.expect("runs").len(), 1);
        assert_eq!(sees.reach(hers).await.expect("reach").reached, 1);
        assert_eq!(
            sees.list_attempts(hers, Page::ALL)
                .await
                .expect("listed")
                .len(),
            1
        );
        assert_eq!(
            sees.find_attempts(hers, &all).await.expect("found").total,
            1
        );
        assert_eq!(
            sees.attempts_before(hers, &AttemptFilter::default(), cursor)
                .await
                .expect("walked")
                .len(),
            1
        );
        assert!(sees
            .last_response_starting_with(run.id, "250")
            .await
            .expect("read")
            .is_some());
    }
    assert_not_found(mira.delete_mailing(hers).await, Entity::Mailing, hers.0);
    assert_eq!(mailing_ids(&mira).await, [hers], "seen, not deleted");
}

pub async fn what_the_system_made_before_any_admin_goes_to_the_first_admin<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (mailing, people) = add_mailing(&store, 1).await;
    let (mailing, message) = (mailing.id, mailing.message_id);
    let list = store
        .insert_list(&ListName::parse("VIP").expect("valid"))
        .await
        .expect("created")
        .id;
    let user = add(&store, "user@example.com", Role::User).await;
    let user = store.scoped(Scope::own(user.id));
    assert!(recipient_ids(&user).await.is_empty(), "no user's yet");
    let admin = add(&store, "admin@example.com", Role::Admin).await;
    let own = store.scoped(Scope::own(admin.id));
    assert_eq!(recipient_ids(&own).await, people);
    own.update_message(message, &super::message("Теперь моё"))
        .await
        .expect("the admin's own now");
    assert_eq!(mailing_ids(&own).await, [mailing]);
    assert_eq!(own.get_list(list).await.expect("adopted").id, list);
    assert!(
        recipient_ids(&user).await.is_empty(),
        "still none of the user's"
    );
    let second = add(&store, "second@example.com", Role::Admin).await;
    let second = store.scoped(Scope::own(second.id));
    assert!(
        mailing_ids(&second).await.is_empty(),
        "only the first adopts"
    );
}

pub async fn an_email_and_a_list_name_are_unique_per_owner_in_any_letter_case<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, boris) = anna_and_boris(&store).await;
    let hers = one(&anna, "same@example.com").await;
    let his = one(&boris, "Same@Example.com").await;
    assert_ne!(hers, his, "each owner has theirs");
    let again = anna.insert_recipient(&recipient("SAME@example.com")).await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { .. })),
        "{again:?}"
    );
    let mine = boris.insert_recipient(&recipient("mine@example.com")).await;
    let mine = mine.expect("stored").id;
    anna.update_recipient(hers, &recipient("mine@example.com"))
        .await
        .expect("Boris's address is free for Anna");
    let by_him = boris
        .insert_recipients(&[recipient("MINE@example.com"), recipient("new@example.com")])
        .await
        .expect("imported");
    assert_eq!(by_him[0], None, "his already");
    let by_her = anna
        .insert_recipients(&[recipient("Mine@example.com"), recipient("new@example.com")])
        .await
        .expect("imported");
    assert_eq!(by_her[0], None, "hers already, since her edit");
    assert!(by_her[1].is_some(), "his is no duplicate of hers");
    assert_eq!(
        boris
            .recipient_ids_by_email(&[email("mine@example.com"), email("same@example.com")])
            .await
            .expect("looked up"),
        [Some(mine), Some(his)]
    );
    let name = |text: &str| ListName::parse(text).expect("valid");
    anna.insert_list(&name("VIP")).await.expect("hers");
    boris
        .insert_list(&name("VIP"))
        .await
        .expect("his of the same name");
    let twice = anna.insert_list(&name("VIP")).await;
    assert!(
        matches!(twice, Err(StoreError::Duplicate { .. })),
        "{twice:?}"
    );
}

pub async fn statistics_count_what_the_handle_sees<S: Store + Scoped + Clone + 'static>(store: S) {
    let (anna, boris) = anna_and_boris(&store).await;
    let (hers, _) = add_mailing(&anna, 2).await;
    one(&anna, "alone@example.com").await;
    let his = one(&boris, "b@example.com").await;
    let his_message = add_message(&boris).await;
    let run = anna
        .launch_run(hers.id, Trigger::Ui, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    send_first(&store, run.id).await;
    boris
        .insert_mailing(&new_mailing(his_message, &[his]))
        .await
        .expect("stored");
    let of_anna = anna.stats(at(5)).await.expect("hers");
    assert_eq!(
        (
            of_anna.mailings_total,
            of_anna.mailings_active,
            of_anna.recipients_total,
            of_anna.unique_recipients,
            of_anna.messages_total,
            of_anna.attempts_success,
            of_anna.attempts_failure
        ),
        (1, 1, 3, 2, 1, 1, 0)
    );
    let of_boris = boris.stats(at(5)).await.expect("his");
    assert_eq!(
        (
            of_boris.mailings_total,
            of_boris.mailings_active,
            of_boris.recipients_total,
            of_boris.unique_recipients,
            of_boris.attempts_success
        ),
        (1, 0, 1, 1, 0)
    );
    let everyone = store.stats(at(5)).await.expect("all");
    assert_eq!(
        (
            everyone.mailings_total,
            everyone.recipients_total,
            everyone.unique_recipients,
            everyone.messages_total,
            everyone.attempts_success
        ),
        (2, 4, 3, 2, 1)
    );
}

pub async fn a_run_records_the_user_who_launched_it_and_none_for_the_system<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let (anna, _) = anna_and_boris(&store).await;
    let (mailing, _) = add_mailing(&anna, 2).await;
    let launch = anna
        .launch_run(mailing.id, Trigger::Api, Audience::Everyone, at(1))
        .await
        .expect("launched");
    let anna_id = anna.scope().actor;
    assert!(anna_id.is_some());
    assert_eq!(launch.run.launched_by, anna_id);
    assert_eq!(
        store
            .get_run(launch.run.id)
            .await
            .expect("read")
            .launched_by,
        anna_id,
        "as read back"
    );
    let (theirs, _) = add_mailing(&store, 1).await;
    let system = store
        .launch_run(theirs.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched");
    assert_eq!(system.run.launched_by, None);
}

pub async fn a_run_records_the_token_it_was_launched_with_and_keeps_it_once_revoked<
    S: Store + Scoped + Clone + 'static,
>(
    store: S,
) {
    let anna = add(&store, "anna@example.com", Role::User).await;
    let boris = add(&store, "boris@example.com", Role::User).await;
    let name = TokenName::parse("ci").expect("valid");
    let token = store
        .add_token(anna.id, &name, &AccessKey::generate().hash(), at(0))
        .await
        .expect("token made");
    let through_token = store.scoped(Scope::own(anna.id).via(Some(token.id)));
    let (mailing, recipients) = add_mailing(&through_token, 1).await;
    let launch = through_token
        .launch_run(mailing.id, Trigger::Api, Audience::Everyone, at(1))
        .await
        .expect("launched");
    let expected = Some(RunToken {
        id: token.id,
        name: name.clone(),
    });
    assert_eq!(launch.run.launched_by, Some(anna.id));
    assert_eq!(launch.run.launched_via, expected);

    store
        .revoke_token(anna.id, token.id)
        .await
        .expect("revoked");
    let read = store.get_run(launch.run.id).await.expect("read");
    assert_eq!(read.launched_via, expected, "still said once revoked");
    let listed = store.list_runs(mailing.id).await.expect("listed");
    assert_eq!(listed[0].launched_via, expected, "in the list too");

    let by_session = another_mailing(&through_token, &recipients).await;
    let session = store.scoped(Scope::own(anna.id));
    let run = session
        .launch_run(by_session, Trigger::Ui, Audience::Everyone, at(2))
        .await
        .expect("launched");
    assert_eq!(
        (run.run.launched_by, run.run.launched_via),
        (Some(anna.id), None),
        "a session records the user only"
    );

    let borrowed = store
        .add_token(anna.id, &name, &AccessKey::generate().hash(), at(0))
        .await
        .expect("token made");
    let (his, _) = add_mailing(&store.scoped(Scope::own(boris.id)), 1).await;
    let run = store
        .scoped(Scope::own(boris.id).via(Some(borrowed.id)))
        .launch_run(his.id, Trigger::Api, Audience::Everyone, at(3))
        .await
        .expect("launched");
    assert_eq!(
        run.run.launched_via, None,
        "another user's token is never recorded as theirs"
    );
    let gone = through_token
        .launch_run(
            another_mailing(&through_token, &recipients).await,
            Trigger::Api,
            Audience::Everyone,
            at(4),
        )
        .await
        .expect("launched");
    assert_eq!(
        (gone.run.launched_by, gone.run.launched_via),
        (Some(anna.id), None),
        "a token revoked before the launch is not recorded"
    );
}

/// A new mailing of a new message to `recipients`, through `store`.
async fn another_mailing<S: Store>(store: &S, recipients: &[RecipientId]) -> MailingId {
    let message = add_message(store).await;
    let mailing = new_mailing(message, recipients);
    let stored = store.insert_mailing(&mailing).await;
    stored.expect("mailing stored").id
}
