//! RecipientRepository.

use postpilot_core::domain::{
    AttemptStatus, Audience, Comment, FullName, NewRecipient, Page, RecipientId, RecipientsEdit,
    Trigger,
};
use postpilot_core::ports::{Entity, Store, StoreError};

use super::{
    add_mailing, add_message, add_recipients, assert_not_found, at, email, ids, new_mailing,
    recipient, sent, window,
};

pub async fn inserted_recipient_reads_back_with_its_fields<S: Store + Clone + 'static>(store: S) {
    let mut new = recipient("Ivan.Petrov@Example.com");
    new.comment = Comment::parse("VIP\nсосед").expect("valid comment");
    let stored = store.insert_recipient(&new).await.expect("stored");
    assert_eq!(stored.email, new.email);
    assert_eq!(stored.full_name, new.full_name);
    assert_eq!(stored.comment, new.comment);
    let read = store.get_recipient(stored.id).await.expect("read");
    assert_eq!(read, stored);
}

pub async fn duplicate_email_in_any_case_is_refused_as_duplicate<S: Store + Clone + 'static>(
    store: S,
) {
    store
        .insert_recipient(&recipient("ivan@example.com"))
        .await
        .expect("first stored");
    let err = store
        .insert_recipient(&recipient("IVAN@Example.COM"))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            &err,
            StoreError::Duplicate { entity: Entity::Recipient, field: "email", value }
                if value == "IVAN@Example.COM"
        ),
        "{err:?}"
    );
    assert_eq!(store.all_recipient_ids().await.expect("ids").len(), 1);
}

pub async fn ids_by_email_find_each_address_in_any_letter_case_in_input_order<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let ivan = store
        .insert_recipient(&recipient("Ivan@Example.com"))
        .await
        .expect("stored")
        .id;
    let irina = store
        .insert_recipient(&recipient("irina@example.com"))
        .await
        .expect("stored")
        .id;
    let asked = [
        email("IRINA@example.COM"),
        email("nobody@example.com"),
        email("ivan@example.com"),
        email("irina@example.com"),
    ];
    let found = store.recipient_ids_by_email(&asked).await.expect("found");
    assert_eq!(found, [Some(irina), None, Some(ivan), Some(irina)]);
    assert!(store
        .recipient_ids_by_email(&[])
        .await
        .expect("none asked")
        .is_empty());
}

pub async fn ids_by_email_find_more_addresses_than_one_statement_binds<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let rows: Vec<_> = (0..2500)
        .map(|i| recipient(&format!("r{i}@example.com")))
        .collect();
    let added = store.insert_recipients(&rows).await.expect("stored");
    let emails: Vec<_> = rows.iter().rev().map(|r| r.email.clone()).collect();
    let found = store.recipient_ids_by_email(&emails).await.expect("found");
    let expected: Vec<_> = added.into_iter().rev().collect();
    assert_eq!(found, expected);
}

pub async fn getting_a_missing_recipient_is_not_found<S: Store + Clone + 'static>(store: S) {
    assert_not_found(
        store.get_recipient(RecipientId(42)).await,
        Entity::Recipient,
        42,
    );
}

pub async fn recipients_list_in_id_order_page_by_page<S: Store + Clone + 'static>(store: S) {
    let added = add_recipients(&store, 5).await;
    let all = store.list_recipients(Page::ALL).await.expect("all");
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), added);
    let middle = store.list_recipients(Page::new(1, 2)).await.expect("page");
    assert_eq!(
        middle.iter().map(|r| r.id).collect::<Vec<_>>(),
        &added[1..3]
    );
    let past_end = store.list_recipients(Page::new(10, 2)).await.expect("page");
    assert!(past_end.is_empty());
    assert_eq!(store.all_recipient_ids().await.expect("ids"), added);
}

pub async fn updating_a_recipient_replaces_every_field<S: Store + Clone + 'static>(store: S) {
    let id = add_recipients(&store, 1).await[0];
    let new = NewRecipient {
        // Changing only the letter case of one's own email is no duplicate.
        email: email("R0@EXAMPLE.com"),
        full_name: FullName::parse("Пётр Иванов").expect("valid"),
        comment: Comment::parse("moved").expect("valid"),
    };
    let updated = store.update_recipient(id, &new).await.expect("updated");
    assert_eq!(updated.id, id);
    let read = store.get_recipient(id).await.expect("read");
    assert_eq!(read, updated);
    assert_eq!(read.email.as_str(), "R0@EXAMPLE.com");
    assert_eq!(read.full_name.as_str(), "Пётр Иванов");
    assert_eq!(read.comment.as_str(), "moved");
}

pub async fn updating_to_another_recipients_email_is_refused_as_duplicate<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let added = add_recipients(&store, 2).await;
    let err = store
        .update_recipient(added[1], &recipient("r0@Example.com"))
        .await
        .expect_err("refused");
    assert!(
        matches!(
            &err,
            StoreError::Duplicate {
                entity: Entity::Recipient,
                field: "email",
                ..
            }
        ),
        "{err:?}"
    );
    let unchanged = store.get_recipient(added[1]).await.expect("read");
    assert_eq!(unchanged.email.as_str(), "r1@example.com");
}

pub async fn updating_or_deleting_a_missing_recipient_is_not_found<S: Store + Clone + 'static>(
    store: S,
) {
    assert_not_found(
        store
            .update_recipient(RecipientId(7), &recipient("x@example.com"))
            .await,
        Entity::Recipient,
        7,
    );
    assert_not_found(
        store.delete_recipient(RecipientId(7)).await,
        Entity::Recipient,
        7,
    );
}

pub async fn deleting_a_recipient_removes_it_from_its_mailings<S: Store + Clone + 'static>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 3).await;
    let other = store
        .insert_mailing(&new_mailing(mailing.message_id, &recipients[1..2]))
        .await
        .expect("second mailing");
    store
        .delete_recipient(recipients[1])
        .await
        .expect("deleted");
    assert_not_found(
        store.get_recipient(recipients[1]).await,
        Entity::Recipient,
        recipients[1].get(),
    );
    assert_eq!(
        store
            .mailing_recipient_ids(mailing.id)
            .await
            .expect("members"),
        vec![recipients[0], recipients[2]]
    );
    let mailing = store.get_mailing(mailing.id).await.expect("mailing");
    assert_eq!(mailing.recipient_count, 2);
    let other = store.get_mailing(other.id).await.expect("other");
    assert_eq!(other.recipient_count, 0);
}

pub async fn deleting_a_recipient_keeps_attempt_history_with_its_email<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 1).await;
    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claimed");
    store
        .record_results(run.id, &claim.token, &[sent(&claim.deliveries[0], at(2))])
        .await
        .expect("recorded");
    store
        .delete_recipient(recipients[0])
        .await
        .expect("deleted");
    let attempts = store
        .list_attempts(mailing.id, Page::ALL)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].recipient_id, None);
    assert_eq!(attempts[0].email.as_str(), "r0@example.com");
    assert_eq!(attempts[0].status, AttemptStatus::Success);
    let stats = store.stats(at(3)).await.expect("stats");
    assert_eq!(stats.attempts_success, 1);
}

pub async fn import_skips_existing_emails_and_duplicates_within_the_batch<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let existing = store
        .insert_recipient(&recipient("old@example.com"))
        .await
        .expect("stored");
    let rows = [
        recipient("a@example.com"),
        recipient("OLD@example.com"),
        recipient("b@example.com"),
        recipient("A@EXAMPLE.COM"),
        recipient("c@example.com"),
    ];
    let ids = store.insert_recipients(&rows).await.expect("imported");
    assert_eq!(ids.len(), 5);
    assert!(ids[0].is_some() && ids[2].is_some() && ids[4].is_some());
    assert_eq!(ids[1], None, "exists in the store");
    assert_eq!(ids[3], None, "repeats row 0");
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            let read = store.get_recipient(*id).await.expect("read");
            assert_eq!(read.email, rows[i].email, "row {i}");
        }
    }
    let all = store.all_recipient_ids().await.expect("ids");
    assert_eq!(all.len(), 4);
    assert_eq!(all[0], existing.id);
    // The existing row is untouched.
    let old = store.get_recipient(existing.id).await.expect("read");
    assert_eq!(old.email.as_str(), "old@example.com");
}

pub async fn import_of_many_rows_returns_ids_in_input_order<S: Store + Clone + 'static>(store: S) {
    // Enough rows for an adapter that batches statements to use several,
    // and one email already stored in the middle of a batch.
    let existing = store
        .insert_recipient(&recipient("bulk2500@example.com"))
        .await
        .expect("stored");
    let rows: Vec<_> = (0..4321)
        .map(|i| recipient(&format!("bulk{i}@example.com")))
        .collect();
    let ids = store.insert_recipients(&rows).await.expect("imported");
    assert_eq!(ids[2500], None, "exists in the store");
    let new: Vec<RecipientId> = ids.iter().filter_map(|id| *id).collect();
    assert_eq!(new.len(), 4320);
    assert!(new.windows(2).all(|w| w[0] < w[1]), "ascending ids");
    for i in [0, 499, 500, 1999, 2000, 2499, 2501, 4000, 4320] {
        let read = store
            .get_recipient(ids[i].expect("new"))
            .await
            .expect("read");
        assert_eq!(read.email, rows[i].email, "row {i}");
    }
    let again = store.insert_recipients(&rows).await.expect("again");
    assert!(again.iter().all(Option::is_none));
    let all = store.all_recipient_ids().await.expect("ids");
    assert_eq!(all.len(), 4321);
    assert_eq!(all[0], existing.id);
}

pub async fn import_of_no_rows_returns_no_ids<S: Store + Clone + 'static>(store: S) {
    assert!(store.insert_recipients(&[]).await.expect("ok").is_empty());
}

pub async fn two_concurrent_inserts_of_the_same_email_one_wins_the_other_gets_duplicate<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    for round in 0..10 {
        let address = format!("race{round}@example.com");
        let a = tokio::spawn({
            let store = store.clone();
            let new = recipient(&address);
            async move { store.insert_recipient(&new).await }
        });
        let b = tokio::spawn({
            let store = store.clone();
            let new = recipient(&address.to_uppercase());
            async move { store.insert_recipient(&new).await }
        });
        let outcomes = [a.await.expect("joined"), b.await.expect("joined")];
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        let duplicates = outcomes
            .iter()
            .filter(|o| matches!(o, Err(StoreError::Duplicate { field: "email", .. })))
            .count();
        assert_eq!((won, duplicates), (1, 1), "{outcomes:?}");
    }
}

pub async fn recipients_of_a_mailing_can_be_replaced_after_a_recipient_is_deleted<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let recipients = add_recipients(&store, 2).await;
    let message = add_message(&store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &recipients))
        .await
        .expect("stored");
    store
        .delete_recipient(recipients[0])
        .await
        .expect("deleted");
    let edited = store
        .update_mailing(
            mailing.id,
            window(),
            message,
            &RecipientsEdit::Replace(ids(&recipients[1..])),
        )
        .await
        .expect("edited");
    assert_eq!(edited.recipient_count, 1);
}

pub async fn concurrent_imports_and_inserts_of_overlapping_emails_store_each_email_once<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let mut tasks = Vec::new();
    for t in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            // Every task imports the same 50 emails, in its own letter case.
            let rows: Vec<_> = (0..50)
                .map(|i| {
                    let address = format!("shared{i}@example.com");
                    recipient(&if t % 2 == 0 {
                        address
                    } else {
                        address.to_uppercase()
                    })
                })
                .collect();
            let imported = store.insert_recipients(&rows).await.expect("imported");
            let single = store
                .insert_recipient(&recipient(&format!("SHARED{t}@example.com")))
                .await;
            (imported.iter().flatten().count(), single.is_ok())
        }));
    }
    let mut stored = 0;
    for task in tasks {
        let (imported, single) = task.await.expect("joined");
        stored += imported + usize::from(single);
    }
    assert_eq!(stored, 50, "each email stored by exactly one writer");
    assert_eq!(store.all_recipient_ids().await.expect("ids").len(), 50);
    assert_eq!(
        store.stats(at(0)).await.expect("stats").recipients_total,
        50
    );
}
