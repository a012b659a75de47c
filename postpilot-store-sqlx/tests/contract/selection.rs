//! A mailing's recipients by selection: added and removed in one
//! statement each, listed page by page with a search.

use postpilot_core::domain::{
    Comment, FullName, MailingId, NewRecipient, Page, RecipientId, Search, Selection, Stats,
};
use postpilot_core::ports::{Entity, Store};

use super::{add_mailing, add_message, assert_not_found, at, email, ids, new_mailing};

fn named(address: &str, name: &str) -> NewRecipient {
    NewRecipient {
        email: email(address),
        full_name: FullName::parse(name).expect("valid name"),
        comment: Comment::default(),
    }
}

fn search(text: &str) -> Search {
    Search::parse(text).expect("valid search")
}

/// Иван, Ирина, Пётр, Ёлка and `100%_off`, with an empty mailing.
async fn people<S: Store>(store: &S) -> (MailingId, Vec<RecipientId>) {
    let mut stored = Vec::new();
    for (address, name) in [
        ("ivan@example.com", "Иван Петров"),
        ("irina@example.com", "Ирина Иванова"),
        ("petr@example.com", "Пётр Сидоров"),
        ("yolka@example.com", "Ёлка Зелёная"),
        ("sale@example.com", "100%_off"),
    ] {
        let r = store
            .insert_recipient(&named(address, name))
            .await
            .expect("stored");
        stored.push(r.id);
    }
    let message = add_message(store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &[]))
        .await
        .expect("mailing");
    (mailing.id, stored)
}

async fn members<S: Store>(store: &S, mailing: MailingId) -> Vec<RecipientId> {
    let page = store
        .mailing_recipients(mailing, None, Page::ALL)
        .await
        .expect("listed");
    assert_eq!(page.total, page.items.len() as u64);
    page.items.into_iter().map(|r| r.id).collect()
}

async fn unique_recipients<S: Store>(store: &S) -> u64 {
    let stats: Stats = store.stats(at(0)).await.expect("stats");
    stats.unique_recipients
}

pub async fn adding_by_search_takes_every_match_in_any_letter_case_of_latin_and_cyrillic<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, r) = people(&store).await;
    let added = store
        .add_mailing_recipients(mailing, &Selection::Matching(search("ИВАН")))
        .await
        .expect("added");
    assert_eq!(added, 2, "Иван Петров and Ирина Иванова");
    assert_eq!(members(&store, mailing).await, [r[0], r[1]]);
    let added = store
        .add_mailing_recipients(mailing, &Selection::Matching(search("ёлка")))
        .await
        .expect("added");
    assert_eq!(added, 1);
    let added = store
        .add_mailing_recipients(mailing, &Selection::Matching(search("PETR@EXAMPLE")))
        .await
        .expect("added");
    assert_eq!(added, 1);
    assert_eq!(
        store
            .get_mailing(mailing)
            .await
            .expect("read")
            .recipient_count,
        4
    );
}

pub async fn wildcards_in_a_search_match_only_themselves<S: Store + Clone + 'static>(store: S) {
    let (mailing, r) = people(&store).await;
    for text in ["%", "_", "0%_o"] {
        let page = store
            .search_recipients(Some(&search(text)), Page::ALL)
            .await
            .expect("searched");
        let found: Vec<_> = page.items.iter().map(|x| x.id).collect();
        assert_eq!(found, [r[4]], "{text}");
    }
    let none = store
        .add_mailing_recipients(mailing, &Selection::Matching(search("nobody")))
        .await
        .expect("added");
    assert_eq!(none, 0);
}

pub async fn adding_again_adds_only_those_not_yet_in_the_mailing<S: Store + Clone + 'static>(
    store: S,
) {
    let (mailing, r) = people(&store).await;
    let first = store
        .add_mailing_recipients(mailing, &Selection::Ids(ids(&[r[2], r[0]])))
        .await
        .expect("added");
    assert_eq!(first, 2);
    let all = store
        .add_mailing_recipients(mailing, &Selection::All)
        .await
        .expect("added");
    assert_eq!(all, 3);
    assert_eq!(members(&store, mailing).await, r);
    assert_eq!(
        store
            .get_mailing(mailing)
            .await
            .expect("read")
            .recipient_count,
        5
    );
    assert_eq!(unique_recipients(&store).await, 5);
}

pub async fn removing_by_ids_search_or_all_removes_only_members_and_keeps_counts<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, r) = people(&store).await;
    store
        .add_mailing_recipients(mailing, &Selection::All)
        .await
        .expect("added");
    let removed = store
        .remove_mailing_recipients(mailing, &Selection::Ids(ids(&[r[1]])))
        .await
        .expect("removed");
    assert_eq!(removed, 1);
    let again = store
        .remove_mailing_recipients(mailing, &Selection::Ids(ids(&[r[1]])))
        .await
        .expect("removed");
    assert_eq!(again, 0, "no longer a member");
    let removed = store
        .remove_mailing_recipients(mailing, &Selection::Matching(search("иван")))
        .await
        .expect("removed");
    assert_eq!(removed, 1, "Ирина is gone already: only Иван");
    assert_eq!(members(&store, mailing).await, [r[2], r[3], r[4]]);
    assert_eq!(unique_recipients(&store).await, 3);
    let removed = store
        .remove_mailing_recipients(mailing, &Selection::All)
        .await
        .expect("removed");
    assert_eq!(removed, 3);
    assert_eq!(
        store
            .get_mailing(mailing)
            .await
            .expect("read")
            .recipient_count,
        0
    );
    assert_eq!(unique_recipients(&store).await, 0);
    assert_eq!(
        store.list_recipients(Page::ALL).await.expect("list").len(),
        5,
        "the recipients themselves stay"
    );
}

pub async fn adding_or_removing_names_the_missing_mailing_or_recipient_and_changes_nothing<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, r) = people(&store).await;
    assert_not_found(
        store
            .add_mailing_recipients(MailingId(404), &Selection::All)
            .await,
        Entity::Mailing,
        404,
    );
    assert_not_found(
        store
            .remove_mailing_recipients(MailingId(404), &Selection::All)
            .await,
        Entity::Mailing,
        404,
    );
    assert_not_found(
        store
            .add_mailing_recipients(
                mailing,
                &Selection::Ids(ids(&[r[0], RecipientId(77), RecipientId(78)])),
            )
            .await,
        Entity::Recipient,
        77,
    );
    assert_not_found(
        store
            .remove_mailing_recipients(mailing, &Selection::Ids(ids(&[RecipientId(78)])))
            .await,
        Entity::Recipient,
        78,
    );
    assert_not_found(
        store
            .mailing_recipients(MailingId(404), None, Page::ALL)
            .await,
        Entity::Mailing,
        404,
    );
    assert!(members(&store, mailing).await.is_empty());
}

pub async fn a_mailings_recipients_are_listed_by_id_page_by_page_with_the_total_found<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, r) = add_mailing(&store, 7).await;
    let page = store
        .mailing_recipients(mailing.id, None, Page::new(2, 3))
        .await
        .expect("page");
    assert_eq!(page.total, 7);
    let got: Vec<_> = page.items.iter().map(|x| x.id).collect();
    assert_eq!(got, r[2..5]);
    // add_mailing's recipients are "Получатель r0@example.com", ...
    let found = store
        .mailing_recipients(mailing.id, Some(&search("R1@")), Page::ALL)
        .await
        .expect("found");
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, r[1]);
    let everyone = store
        .search_recipients(Some(&search("получатель")), Page::new(0, 2))
        .await
        .expect("found");
    assert_eq!(everyone.total, 7);
    assert_eq!(everyone.items.len(), 2);
    let all = store
        .search_recipients(None, Page::new(6, 10))
        .await
        .expect("all");
    assert_eq!((all.total, all.items.len()), (7, 1));
}

pub async fn adding_all_of_5000_recipients_takes_one_call_and_counts_them_once<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let rows: Vec<_> = (0..5000)
        .map(|i| named(&format!("bulk{i}@example.com"), &format!("Массовый {i}")))
        .collect();
    store.insert_recipients(&rows).await.expect("imported");
    let message = add_message(&store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &[]))
        .await
        .expect("mailing");
    let added = store
        .add_mailing_recipients(mailing.id, &Selection::All)
        .await
        .expect("added");
    assert_eq!(added, 5000);
    let read = store.get_mailing(mailing.id).await.expect("read");
    assert_eq!(read.recipient_count, 5000);
    assert_eq!(unique_recipients(&store).await, 5000);
    let found = store
        .mailing_recipients(mailing.id, Some(&search("МАССОВЫЙ 4999")), Page::ALL)
        .await
        .expect("found");
    assert_eq!(found.total, 1);
}
