//! ListRepository, and lists feeding a mailing's recipients.

use postpilot_core::domain::{ListId, ListName, MailingId, Page, RecipientId, Search, Selection};
use postpilot_core::ports::{Entity, Store, StoreError};

use super::{add_message, add_recipients, assert_not_found, ids, new_mailing};

fn name(text: &str) -> ListName {
    ListName::parse(text).expect("valid name")
}

async fn members<S: Store>(store: &S, list: ListId) -> Vec<RecipientId> {
    let page = store
        .list_members(list, None, Page::ALL)
        .await
        .expect("members");
    assert_eq!(page.total, page.items.len() as u64);
    page.items.into_iter().map(|r| r.id).collect()
}

pub async fn lists_are_created_renamed_listed_by_name_and_deleted<S: Store + Clone + 'static>(
    store: S,
) {
    let vip = store.insert_list(&name("VIP")).await.expect("created");
    assert_eq!((vip.name.as_str(), vip.member_count), ("VIP", 0));
    let all = store
        .insert_list(&name("Все клиенты"))
        .await
        .expect("created");
    let renamed = store
        .rename_list(vip.id, &name("Постоянные"))
        .await
        .expect("renamed");
    assert_eq!(renamed.name.as_str(), "Постоянные");
    assert_eq!(store.get_list(vip.id).await.expect("read"), renamed);
    let names: Vec<_> = store
        .list_lists(Page::ALL)
        .await
        .expect("listed")
        .into_iter()
        .map(|l| l.name.into_string())
        .collect();
    assert_eq!(names, ["Все клиенты", "Постоянные"]);
    store.delete_list(all.id).await.expect("deleted");
    assert_not_found(store.get_list(all.id).await, Entity::List, all.id.get());
}

pub async fn a_second_list_of_the_same_name_is_refused_as_duplicate<S: Store + Clone + 'static>(
    store: S,
) {
    let first = store.insert_list(&name("VIP")).await.expect("created");
    let other = store.insert_list(&name("Новые")).await.expect("created");
    for outcome in [
        store.insert_list(&name("VIP")).await,
        store.rename_list(other.id, &name("VIP")).await,
    ] {
        match outcome {
            Err(StoreError::Duplicate {
                entity: Entity::List,
                field: "name",
                ..
            }) => {}
            other => panic!("expected a duplicate name, got {other:?}"),
        }
    }
    assert_eq!(
        store.get_list(other.id).await.expect("read").name.as_str(),
        "Новые"
    );
    assert_eq!(store.list_lists(Page::ALL).await.expect("listed").len(), 2);
    let _ = first;
}

pub async fn a_missing_list_is_not_found_to_every_operation<S: Store + Clone + 'static>(store: S) {
    let missing = ListId(404);
    assert_not_found(store.get_list(missing).await, Entity::List, 404);
    assert_not_found(
        store.rename_list(missing, &name("x")).await,
        Entity::List,
        404,
    );
    assert_not_found(store.delete_list(missing).await, Entity::List, 404);
    assert_not_found(
        store.list_members(missing, None, Page::ALL).await,
        Entity::List,
        404,
    );
    assert_not_found(
        store.add_list_members(missing, &Selection::All).await,
        Entity::List,
        404,
    );
    assert_not_found(
        store.remove_list_members(missing, &Selection::All).await,
        Entity::List,
        404,
    );
    let message = add_message(&store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &[]))
        .await
        .expect("mailing");
    assert_not_found(
        store
            .add_mailing_recipients(mailing.id, &Selection::List(missing))
            .await,
        Entity::List,
        404,
    );
}

pub async fn members_are_added_and_removed_by_selection_and_a_recipient_may_be_in_several_lists<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let r = add_recipients(&store, 5).await;
    let a = store.insert_list(&name("A")).await.expect("created").id;
    let b = store.insert_list(&name("B")).await.expect("created").id;
    let added = store
        .add_list_members(a, &Selection::Ids(ids(&[r[3], r[0]])))
        .await
        .expect("added");
    assert_eq!(added, 2);
    let search = Search::parse("R0@").expect("search");
    assert_eq!(
        store
            .add_list_members(b, &Selection::Matching(search))
            .await
            .expect("added"),
        1
    );
    assert_eq!(
        store
            .add_list_members(b, &Selection::List(a))
            .await
            .expect("added"),
        1,
        "r0 is already in B: only r3 comes along"
    );
    assert_eq!(members(&store, b).await, [r[0], r[3]]);
    assert_eq!(store.get_list(a).await.expect("read").member_count, 2);
    assert_eq!(
        store
            .remove_list_members(a, &Selection::Ids(ids(&[r[0]])))
            .await
            .expect("removed"),
        1
    );
    assert_eq!(members(&store, a).await, [r[3]]);
    assert_eq!(members(&store, b).await, [r[0], r[3]], "B is untouched");
    assert_not_found(
        store
            .add_list_members(a, &Selection::Ids(ids(&[RecipientId(99)])))
            .await,
        Entity::Recipient,
        99,
    );
    store.delete_recipient(r[3]).await.expect("deleted");
    assert_eq!(
        members(&store, b).await,
        [r[0]],
        "a deleted recipient leaves its lists"
    );
    store.delete_list(a).await.expect("deleted");
    assert_eq!(
        store
            .list_recipients(Page::ALL)
            .await
            .expect("listed")
            .len(),
        4,
        "deleting a list deletes no recipient"
    );
}

pub async fn a_mailing_takes_and_gives_back_the_members_of_a_list_in_one_call<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let r = add_recipients(&store, 4).await;
    let list = store.insert_list(&name("VIP")).await.expect("created").id;
    store
        .add_list_members(list, &Selection::Ids(ids(&[r[1], r[2]])))
        .await
        .expect("added");
    let message = add_message(&store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &[r[2], r[3]]))
        .await
        .expect("mailing")
        .id;
    assert_eq!(
        store
            .add_mailing_recipients(mailing, &Selection::List(list))
            .await
            .expect("added"),
        1
    );
    assert_eq!(recipient_count(&store, mailing).await, 3);
    assert_eq!(
        store
            .remove_mailing_recipients(mailing, &Selection::List(list))
            .await
            .expect("removed"),
        2
    );
    let left: Vec<_> = store
        .mailing_recipients(mailing, None, Page::ALL)
        .await
        .expect("listed")
        .items
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(left, [r[3]]);
}

async fn recipient_count<S: Store>(store: &S, mailing: MailingId) -> u64 {
    store
        .get_mailing(mailing)
        .await
        .expect("read")
        .recipient_count
}

pub async fn a_list_of_5000_feeds_a_mailing_in_one_statement<S: Store + Clone + 'static>(store: S) {
    let rows: Vec<_> = (0..5000)
        .map(|i| super::recipient(&format!("l{i}@example.com")))
        .collect();
    store.insert_recipients(&rows).await.expect("imported");
    let list = store.insert_list(&name("Все")).await.expect("created").id;
    assert_eq!(
        store
            .add_list_members(list, &Selection::All)
            .await
            .expect("added"),
        5000
    );
    let message = add_message(&store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &[]))
        .await
        .expect("mailing")
        .id;
    assert_eq!(
        store
            .add_mailing_recipients(mailing, &Selection::List(list))
            .await
            .expect("added"),
        5000
    );
    assert_eq!(recipient_count(&store, mailing).await, 5000);
    assert_eq!(store.get_list(list).await.expect("read").member_count, 5000);
}
