//! MailingRepository.

use postpilot_core::domain::{
    Audience, MailingId, MessageId, Page, RecipientId, RecipientsEdit, Trigger, Window,
};
use postpilot_core::ports::{Entity, Store};

use super::{
    add_mailing, add_message, add_recipients, assert_not_found, at, ids, new_mailing, sent, window,
};

pub async fn inserted_mailing_reads_back_with_its_window_message_and_recipient_count<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 3).await;
    assert_eq!(mailing.first_sent_at, at(0));
    assert_eq!(mailing.sent_completed_at, at(120));
    assert_eq!(mailing.recipient_count, 3);
    assert_eq!(mailing.launched_at, None);
    assert_eq!(store.get_mailing(mailing.id).await.expect("read"), mailing);
    assert_eq!(
        store.mailing_recipient_ids(mailing.id).await.expect("ids"),
        recipients
    );
}

pub async fn a_mailing_may_have_no_recipients<S: Store + Clone + 'static>(store: S) {
    let (mailing, _) = add_mailing(&store, 0).await;
    assert_eq!(mailing.recipient_count, 0);
    assert!(store
        .mailing_recipient_ids(mailing.id)
        .await
        .expect("ids")
        .is_empty());
}

pub async fn inserting_a_mailing_with_a_missing_message_is_not_found_naming_the_message<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let recipients = add_recipients(&store, 1).await;
    assert_not_found(
        store
            .insert_mailing(&new_mailing(MessageId(77), &recipients))
            .await,
        Entity::Message,
        77,
    );
    assert!(store
        .list_mailings(Page::ALL)
        .await
        .expect("list")
        .is_empty());
}

pub async fn inserting_a_mailing_with_missing_recipients_names_the_first_missing_one<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let recipients = add_recipients(&store, 2).await;
    let message = add_message(&store).await;
    let wanted = [
        recipients[0],
        RecipientId(500),
        recipients[1],
        RecipientId(400),
    ];
    assert_not_found(
        store.insert_mailing(&new_mailing(message, &wanted)).await,
        Entity::Recipient,
        500,
    );
    assert!(store
        .list_mailings(Page::ALL)
        .await
        .expect("list")
        .is_empty());
    assert_eq!(
        store.stats(at(0)).await.expect("stats").unique_recipients,
        0
    );
}

pub async fn mailings_list_in_id_order_page_by_page<S: Store + Clone + 'static>(store: S) {
    let recipients = add_recipients(&store, 1).await;
    let message = add_message(&store).await;
    let mut added = Vec::new();
    for _ in 0..3 {
        let mailing = store
            .insert_mailing(&new_mailing(message, &recipients))
            .await
            .expect("stored");
        added.push(mailing.id);
    }
    let all = store.list_mailings(Page::ALL).await.expect("all");
    assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), added);
    let page = store.list_mailings(Page::new(1, 1)).await.expect("page");
    assert_eq!(page.iter().map(|m| m.id).collect::<Vec<_>>(), &added[1..2]);
}

pub async fn mailing_recipient_ids_are_ascending_and_a_missing_mailing_is_not_found<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let recipients = add_recipients(&store, 3).await;
    let message = add_message(&store).await;
    let shuffled = [recipients[2], recipients[0], recipients[1]];
    let mailing = store
        .insert_mailing(&new_mailing(message, &shuffled))
        .await
        .expect("stored");
    assert_eq!(
        store.mailing_recipient_ids(mailing.id).await.expect("ids"),
        recipients
    );
    assert_not_found(
        store.mailing_recipient_ids(MailingId(99)).await,
        Entity::Mailing,
        99,
    );
}

pub async fn updating_a_mailing_replaces_window_message_and_recipients<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 3).await;
    let other_message = add_message(&store).await;
    let new_window = Window::new(at(30), at(300)).expect("window");
    let kept = [recipients[2], recipients[0]];
    let updated = store
        .update_mailing(
            mailing.id,
            new_window,
            other_message,
            &RecipientsEdit::Replace(ids(&kept)),
        )
        .await
        .expect("updated");
    assert_eq!(updated.first_sent_at, at(30));
    assert_eq!(updated.sent_completed_at, at(300));
    assert_eq!(updated.message_id, other_message);
    assert_eq!(updated.recipient_count, 2);
    assert_eq!(store.get_mailing(mailing.id).await.expect("read"), updated);
    assert_eq!(
        store.mailing_recipient_ids(mailing.id).await.expect("ids"),
        vec![recipients[0], recipients[2]]
    );
}

pub async fn updating_a_mailing_with_keep_leaves_its_recipients<S: Store + Clone + 'static>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 2).await;
    let updated = store
        .update_mailing(
            mailing.id,
            Window::new(at(10), at(20)).expect("window"),
            mailing.message_id,
            &RecipientsEdit::Keep,
        )
        .await
        .expect("updated");
    assert_eq!(updated.recipient_count, 2);
    assert_eq!(updated.first_sent_at, at(10));
    assert_eq!(
        store.mailing_recipient_ids(mailing.id).await.expect("ids"),
        recipients
    );
}

pub async fn updating_a_mailing_names_the_missing_mailing_message_or_recipient_and_changes_nothing<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 2).await;
    assert_not_found(
        store
            .update_mailing(
                MailingId(404),
                window(),
                mailing.message_id,
                &RecipientsEdit::Keep,
            )
            .await,
        Entity::Mailing,
        404,
    );
    assert_not_found(
        store
            .update_mailing(mailing.id, window(), MessageId(404), &RecipientsEdit::Keep)
            .await,
        Entity::Message,
        404,
    );
    assert_not_found(
        store
            .update_mailing(
                mailing.id,
                Window::new(at(50), at(60)).expect("window"),
                mailing.message_id,
                &RecipientsEdit::Replace(ids(&[RecipientId(404), recipients[0]])),
            )
            .await,
        Entity::Recipient,
        404,
    );
    assert_eq!(store.get_mailing(mailing.id).await.expect("read"), mailing);
    assert_eq!(
        store.mailing_recipient_ids(mailing.id).await.expect("ids"),
        recipients
    );
}

pub async fn deleting_a_mailing_removes_its_runs_and_attempts<S: Store + Clone + 'static>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 2).await;
    let run = store
        .launch_run(mailing.id, Trigger::Api, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let claim = store
        .claim_deliveries(run.id, 1, at(1), at(10))
        .await
        .expect("claimed");
    store
        .record_results(run.id, &claim.token, &[sent(&claim.deliveries[0], at(2))])
        .await
        .expect("recorded");
    store.delete_mailing(mailing.id).await.expect("deleted");
    assert_not_found(
        store.get_mailing(mailing.id).await,
        Entity::Mailing,
        mailing.id.get(),
    );
    assert_not_found(store.get_run(run.id).await, Entity::Run, run.id.get());
    assert!(store.list_runs(mailing.id).await.expect("runs").is_empty());
    assert!(store
        .list_attempts(mailing.id, Page::ALL)
        .await
        .expect("attempts")
        .is_empty());
    let stats = store.stats(at(2)).await.expect("stats");
    assert_eq!(stats.attempts_total, 0);
    assert_eq!(stats.unique_recipients, 0);
    // Recipients and the message stay.
    assert_eq!(stats.recipients_total, recipients.len() as u64);
    assert!(store.get_message(mailing.message_id).await.is_ok());
}

pub async fn deleting_a_missing_mailing_is_not_found<S: Store + Clone + 'static>(store: S) {
    assert_not_found(store.delete_mailing(MailingId(5)).await, Entity::Mailing, 5);
}

pub async fn due_mailings_are_the_never_sent_ones_whose_window_is_open<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    // Every test mailing's window is minute 0 to minute 120.
    let recipients = add_recipients(&store, 1).await;
    let message = add_message(&store).await;
    let new = new_mailing(message, &recipients);
    let mailing = || store.insert_mailing(&new);
    let early = mailing().await.expect("stored");
    let launched = mailing().await.expect("stored");
    store
        .launch_run(launched.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched");
    assert!(store
        .due_mailings(at(-1), 10)
        .await
        .expect("before")
        .is_empty());
    assert_eq!(
        store.due_mailings(at(0), 10).await.expect("at start"),
        [early.id]
    );
    assert_eq!(
        store.due_mailings(at(119), 10).await.expect("open"),
        [early.id]
    );
    assert!(store
        .due_mailings(at(120), 10)
        .await
        .expect("closed")
        .is_empty());
    let other = mailing().await.expect("stored");
    assert_eq!(
        store.due_mailings(at(5), 10).await.expect("two"),
        [early.id, other.id]
    );
    assert_eq!(
        store.due_mailings(at(5), 1).await.expect("limit"),
        [early.id]
    );
}
