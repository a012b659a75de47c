//! Lists at any size: recipients, messages, mailings and a mailing's
//! attempts, searched, ordered by each offered column, a page at a time,
//! with the total the search finds.

use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptId, AttemptListing, AttemptStatus, Audience, Comment,
    Direction, FullName, Listing, MailingId, MailingOrder, MessageOrder, NewRecipient, Page,
    RecipientOrder, Search, Sort, Trigger,
};
use postpilot_core::ports::Store;

use super::{
    add_message, add_recipients, at, email, failed, message, new_mailing, recipient, sent,
};

fn named(address: &str, name: &str) -> NewRecipient {
    NewRecipient {
        email: email(address),
        full_name: FullName::parse(name).expect("valid name"),
        comment: Comment::default(),
    }
}

fn search(text: &str) -> Option<Search> {
    Some(Search::parse(text).expect("valid search"))
}

fn listing<C>(search: Option<Search>, column: C, direction: Direction) -> Listing<C> {
    Listing {
        search,
        sort: Sort { column, direction },
        page: Page::ALL,
    }
}

async fn recipient_emails<S: Store>(store: &S, l: &Listing<RecipientOrder>) -> (Vec<String>, u64) {
    let found = store.find_recipients(l).await.expect("listed");
    let emails = found.items.iter().map(|r| r.email.to_string()).collect();
    (emails, found.total)
}

/// Иван, Ирина, Пётр, Ёлка and Bob, stored in that order.
async fn people<S: Store>(store: &S) {
    for (address, name) in [
        ("ivan@example.com", "Иван Петров"),
        ("Irina@Example.com", "Ирина Иванова"),
        ("petr@example.com", "Пётр Сидоров"),
        ("yolka@example.com", "Ёлка Зелёная"),
        ("bob@example.org", "Bob Smith"),
    ] {
        store
            .insert_recipient(&named(address, name))
            .await
            .expect("stored");
    }
}

pub async fn recipients_are_found_by_email_or_name_in_any_case_and_counted<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    people(&store).await;
    let by_id = |text| listing(search(text), RecipientOrder::Id, Direction::Ascending);
    assert_eq!(
        recipient_emails(&store, &by_id("ИВАН")).await,
        (
            vec![
                "ivan@example.com".to_owned(),
                "Irina@Example.com".to_owned()
            ],
            2
        ),
        "the name of one, the surname of the other, Cyrillic case folded"
    );
    assert_eq!(recipient_emails(&store, &by_id("ёЛКА")).await.1, 1);
    assert_eq!(recipient_emails(&store, &by_id("EXAMPLE.ORG")).await.1, 1);
    assert_eq!(
        recipient_emails(&store, &by_id("orgbob")).await.1,
        0,
        "no match spans the email and the name"
    );
    assert_eq!(recipient_emails(&store, &by_id("%")).await.1, 0);
    let all = listing(None, RecipientOrder::Id, Direction::Ascending);
    assert_eq!(recipient_emails(&store, &all).await.1, 5);
}

pub async fn recipients_are_found_by_what_they_are_now_after_an_edit_or_an_import<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let ivan = store
        .insert_recipient(&named("ivan@example.com", "Иван Петров"))
        .await
        .expect("stored");
    store
        .update_recipient(ivan.id, &named("john@example.com", "John Peters"))
        .await
        .expect("edited");
    store
        .insert_recipients(&[named("olga@example.com", "Ольга Ким")])
        .await
        .expect("imported");
    let find = |text| listing(search(text), RecipientOrder::Id, Direction::Ascending);
    assert_eq!(recipient_emails(&store, &find("иван")).await.1, 0);
    assert_eq!(recipient_emails(&store, &find("PETERS")).await.1, 1);
    assert_eq!(recipient_emails(&store, &find("ОЛЬГА")).await.1, 1);
}

pub async fn recipients_deleted_are_no_longer_found_and_searches_of_any_length_find<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    people(&store).await;
    store
        .insert_recipient(&named("quote@example.net", "Anna \"Q\" Lee"))
        .await
        .expect("stored");
    let find = |text| listing(search(text), RecipientOrder::Id, Direction::Ascending);
    let ivan = store
        .find_recipients(&find("ivan@"))
        .await
        .expect("listed")
        .items[0]
        .id;
    store.delete_recipient(ivan).await.expect("deleted");
    assert_eq!(recipient_emails(&store, &find("ivan@")).await.1, 0);
    assert_eq!(
        recipient_emails(&store, &find("ИВАН")).await.0,
        vec!["Irina@Example.com".to_owned()],
        "the other Иван still found"
    );
    // Shorter than the three characters a trigram index knows.
    assert_eq!(recipient_emails(&store, &find("ё")).await.1, 2);
    assert_eq!(recipient_emails(&store, &find("ЁЛ")).await.1, 1);
    assert_eq!(recipient_emails(&store, &find("IR")).await.1, 1);
    assert_eq!(
        recipient_emails(&store, &find("\"q\" l")).await.0,
        vec!["quote@example.net".to_owned()],
        "quotes match themselves"
    );
    assert_eq!(recipient_emails(&store, &find("\"q\"\"")).await.1, 0);
}

pub async fn recipients_are_ordered_by_name_or_email_either_way_a_page_at_a_time<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    people(&store).await;
    let order = |column, direction| listing(None, column, direction);
    let (by_name, _) = recipient_emails(
        &store,
        &order(RecipientOrder::FullName, Direction::Ascending),
    )
    .await;
    assert_eq!(
        by_name,
        [
            "bob@example.org",
            "yolka@example.com",
            "ivan@example.com",
            "Irina@Example.com",
            "petr@example.com"
        ],
        "Latin before Cyrillic, Ё before А as the code points go"
    );
    let (by_email_down, _) =
        recipient_emails(&store, &order(RecipientOrder::Email, Direction::Descending)).await;
    assert_eq!(
        by_email_down,
        [
            "yolka@example.com",
            "petr@example.com",
            "ivan@example.com",
            "Irina@Example.com",
            "bob@example.org"
        ],
        "letter case aside"
    );
    let mut second = order(RecipientOrder::Id, Direction::Descending);
    second.page = Page::new(2, 2);
    let (page, total) = recipient_emails(&store, &second).await;
    assert_eq!(page, ["petr@example.com", "Irina@Example.com"]);
    assert_eq!(total, 5);
    second.page = Page::new(50, 2);
    let (past_the_end, total) = recipient_emails(&store, &second).await;
    assert!(past_the_end.is_empty());
    assert_eq!(
        total, 5,
        "a page past the end still says how many there are"
    );
}

pub async fn messages_are_found_by_subject_and_ordered_by_each_column<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    for (subject, minute) in [("Скидки недели", 3), ("Новости", 1), ("Скидки лета", 2)]
    {
        store
            .insert_message(&message(subject), at(minute))
            .await
            .expect("stored");
    }
    let subjects = |l: Listing<MessageOrder>| {
        let store = store.clone();
        async move {
            let found = store.find_messages(&l).await.expect("listed");
            let subjects: Vec<String> = found.items.iter().map(|m| m.subject.to_string()).collect();
            (subjects, found.total)
        }
    };
    assert_eq!(
        subjects(listing(
            search("СКИДКИ"),
            MessageOrder::Subject,
            Direction::Ascending
        ))
        .await,
        (
            vec!["Скидки лета".to_owned(), "Скидки недели".to_owned()],
            2
        )
    );
    assert_eq!(
        subjects(listing(
            None,
            MessageOrder::CreatedAt,
            Direction::Descending
        ))
        .await
        .0,
        ["Скидки недели", "Скидки лета", "Новости"]
    );
    assert_eq!(
        subjects(listing(None, MessageOrder::Id, Direction::Ascending))
            .await
            .0,
        ["Скидки недели", "Новости", "Скидки лета"]
    );
}

pub async fn mailings_are_found_by_subject_or_number_with_their_subject_and_ordered<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let recipients = add_recipients(&store, 3).await;
    let news = store
        .insert_message(&message("Новости"), at(0))
        .await
        .expect("stored")
        .id;
    let sale = add_message(&store).await;
    let small = store
        .insert_mailing(&new_mailing(news, &recipients[..1]))
        .await
        .expect("stored");
    let large = store
        .insert_mailing(&new_mailing(sale, &recipients))
        .await
        .expect("stored");
    let found = |l: Listing<MailingOrder>| {
        let store = store.clone();
        async move {
            let found = store.find_mailings(&l).await.expect("listed");
            let rows: Vec<(MailingId, String)> = found
                .items
                .iter()
                .map(|(m, subject)| (m.id, subject.clone()))
                .collect();
            (rows, found.total)
        }
    };
    assert_eq!(
        found(listing(
            search("новости"),
            MailingOrder::Id,
            Direction::Ascending
        ))
        .await,
        (vec![(small.id, "Новости".to_owned())], 1)
    );
    assert_eq!(
        found(listing(
            search(&format!("№{}", large.id)),
            MailingOrder::Id,
            Direction::Ascending
        ))
        .await,
        (vec![(large.id, "Скидки недели".to_owned())], 1)
    );
    let by_count = found(listing(
        None,
        MailingOrder::RecipientCount,
        Direction::Descending,
    ))
    .await;
    assert_eq!(
        by_count.0.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [large.id, small.id]
    );
    assert_eq!(by_count.1, 2);
    let by_subject = found(listing(None, MailingOrder::Subject, Direction::Ascending)).await;
    assert_eq!(by_subject.0[0].0, small.id, "«Новости» before «Скидки»");
}

/// A mailing to a@, b@ and c@ with one run: a@ sent, b@ failed, c@ sent,
/// recorded at minutes 2, 3 and 4; their attempt ids in that order.
async fn three_attempts<S: Store>(store: &S) -> (MailingId, Vec<AttemptId>) {
    let mut ids = Vec::new();
    for address in ["a@example.com", "b@example.org", "c@example.com"] {
        ids.push(
            store
                .insert_recipient(&recipient(address))
                .await
                .expect("stored")
                .id,
        );
    }
    let message = add_message(store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &ids))
        .await
        .expect("mailing");
    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(30))
        .await
        .expect("claim");
    let d = &claim.deliveries;
    for result in [sent(&d[0], at(2)), failed(&d[1], at(3)), sent(&d[2], at(4))] {
        store
            .record_results(run.id, &claim.token, &[result])
            .await
            .expect("recorded");
    }
    let attempts = store
        .list_attempts(mailing.id, Page::ALL)
        .await
        .expect("attempts");
    (mailing.id, attempts.iter().map(|a| a.id).collect())
}

fn attempts(status: Option<AttemptStatus>, email: Option<Search>) -> AttemptListing {
    AttemptListing {
        filter: AttemptFilter { status, email },
        oldest_first: false,
        page: Page::ALL,
    }
}

pub async fn attempts_are_newest_first_filtered_by_status_and_email_and_counted<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, ids) = three_attempts(&store).await;
    let found = |l: AttemptListing| {
        let store = store.clone();
        async move {
            let found = store.find_attempts(mailing, &l).await.expect("listed");
            let ids: Vec<AttemptId> = found.items.iter().map(|a| a.id).collect();
            (ids, found.total)
        }
    };
    assert_eq!(
        found(attempts(None, None)).await,
        (vec![ids[2], ids[1], ids[0]], 3)
    );
    assert_eq!(
        found(attempts(Some(AttemptStatus::Success), None)).await,
        (vec![ids[2], ids[0]], 2)
    );
    assert_eq!(
        found(attempts(Some(AttemptStatus::Failure), None)).await,
        (vec![ids[1]], 1)
    );
    assert_eq!(
        found(attempts(None, search("EXAMPLE.COM"))).await,
        (vec![ids[2], ids[0]], 2)
    );
    assert_eq!(
        found(attempts(
            Some(AttemptStatus::Failure),
            search("example.com")
        ))
        .await,
        (vec![], 0)
    );
    let mut oldest = attempts(None, None);
    oldest.oldest_first = true;
    oldest.page = Page::new(1, 1);
    assert_eq!(found(oldest).await, (vec![ids[1]], 3));
    let other = store
        .find_attempts(MailingId(mailing.get() + 100), &attempts(None, None))
        .await
        .expect("none");
    assert_eq!((other.items.len(), other.total), (0, 0));
}

pub async fn attempts_are_walked_newest_first_a_batch_at_a_time<S: Store + Clone + 'static>(
    store: S,
) {
    let (mailing, ids) = three_attempts(&store).await;
    let all = AttemptFilter::default();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let batch = store
            .attempts_before(mailing, &all, AttemptCursor { before, limit: 2 })
            .await
            .expect("batch");
        let Some(last) = batch.last() else { break };
        before = Some(last.id);
        seen.extend(batch.iter().map(|a| a.id));
    }
    assert_eq!(seen, [ids[2], ids[1], ids[0]]);
    let successes = AttemptFilter {
        status: Some(AttemptStatus::Success),
        email: None,
    };
    let batch = store
        .attempts_before(
            mailing,
            &successes,
            AttemptCursor {
                before: Some(ids[2]),
                limit: 10,
            },
        )
        .await
        .expect("batch");
    assert_eq!(
        batch.iter().map(|a| a.id).collect::<Vec<_>>(),
        [ids[0]],
        "after the cursor, of the status asked"
    );
}
