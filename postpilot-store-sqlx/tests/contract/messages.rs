//! MessageRepository.

use postpilot_core::domain::{Audience, BodyHtml, MessageId, NewMessage, Page, Trigger};
use postpilot_core::ports::{Entity, Store, StoreError};

use super::{add_mailing, add_message, assert_not_found, at, message, new_mailing};

pub async fn inserted_message_reads_back_with_its_creation_time<S: Store + Clone + 'static>(
    store: S,
) {
    let new = message("Скидки недели");
    let stored = store.insert_message(&new, at(-5)).await.expect("stored");
    assert_eq!(stored.subject, new.subject);
    assert_eq!(stored.body_text, new.body_text);
    assert_eq!(stored.created_at, at(-5));
    assert_eq!(store.get_message(stored.id).await.expect("read"), stored);
}

pub async fn messages_list_in_id_order_page_by_page<S: Store + Clone + 'static>(store: S) {
    let mut added = Vec::new();
    for i in 0..4 {
        let stored = store
            .insert_message(&message(&format!("Письмо {i}")), at(i))
            .await
            .expect("stored");
        added.push(stored.id);
    }
    let all = store.list_messages(Page::ALL).await.expect("all");
    assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), added);
    let page = store.list_messages(Page::new(2, 5)).await.expect("page");
    assert_eq!(page.iter().map(|m| m.id).collect::<Vec<_>>(), &added[2..]);
}

pub async fn updating_a_message_replaces_its_text_and_keeps_its_creation_time<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let id = add_message(&store).await;
    let created_at = store.get_message(id).await.expect("read").created_at;
    let new = message("Новая тема");
    let updated = store.update_message(id, &new).await.expect("updated");
    assert_eq!(updated.subject, new.subject);
    assert_eq!(updated.created_at, created_at);
    assert_eq!(store.get_message(id).await.expect("read"), updated);
}

pub async fn a_missing_message_is_not_found_to_get_update_or_delete<S: Store + Clone + 'static>(
    store: S,
) {
    assert_not_found(store.get_message(MessageId(9)).await, Entity::Message, 9);
    assert_not_found(
        store.update_message(MessageId(9), &message("x")).await,
        Entity::Message,
        9,
    );
    assert_not_found(store.delete_message(MessageId(9)).await, Entity::Message, 9);
}

pub async fn deleting_a_message_used_by_a_mailing_is_refused<S: Store + Clone + 'static>(store: S) {
    let (mailing, _) = add_mailing(&store, 1).await;
    let err = store
        .delete_message(mailing.message_id)
        .await
        .expect_err("refused");
    match &err {
        StoreError::InUse {
            entity: Entity::Message,
            id,
            used_by,
        } => {
            assert_eq!(*id, mailing.message_id.get());
            assert_eq!(used_by, &format!("mailing {}", mailing.id));
        }
        other => panic!("expected InUse, got {other:?}"),
    }
    assert!(store.get_message(mailing.message_id).await.is_ok());
}

pub async fn the_mailings_using_a_message_are_listed_sent_or_not<S: Store + Clone + 'static>(
    store: S,
) {
    let (first, recipients) = add_mailing(&store, 1).await;
    let message = first.message_id;
    let second = store
        .insert_mailing(&new_mailing(message, &recipients))
        .await
        .expect("second mailing");
    let other = store
        .insert_mailing(&new_mailing(add_message(&store).await, &recipients))
        .await
        .expect("a mailing of another message");
    assert_eq!(
        store.mailings_using(message).await.expect("listed"),
        vec![first.id, second.id]
    );
    assert_eq!(
        store
            .mailings_using(other.message_id)
            .await
            .expect("listed"),
        vec![other.id]
    );
    assert_eq!(
        store.mailings_using(MessageId(999)).await.expect("listed"),
        vec![],
        "an unknown message has none"
    );
    store.delete_mailing(first.id).await.expect("deleted");
    assert_eq!(
        store.mailings_using(message).await.expect("listed"),
        vec![second.id]
    );
}

pub async fn deleting_an_unused_message_removes_it<S: Store + Clone + 'static>(store: S) {
    let (mailing, _) = add_mailing(&store, 1).await;
    store
        .delete_mailing(mailing.id)
        .await
        .expect("mailing deleted");
    store
        .delete_message(mailing.message_id)
        .await
        .expect("message deleted");
    assert_not_found(
        store.get_message(mailing.message_id).await,
        Entity::Message,
        mailing.message_id.get(),
    );
}

pub async fn a_messages_html_version_is_stored_changed_removed_and_kept_by_its_runs<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let html = |text: &str| Some(BodyHtml::parse(text).expect("valid html"));
    let (mailing, _) = add_mailing(&store, 1).await;
    let id = mailing.message_id;
    let before = store.get_message(id).await.expect("read");
    assert_eq!(before.body_html, None);
    let with_html = NewMessage {
        body_html: html("<p>Здравствуйте, <b>{{ full_name }}</b>!</p>\n<p>Скидки</p>"),
        ..NewMessage::from(before)
    };
    let stored = store.update_message(id, &with_html).await.expect("updated");
    assert_eq!(stored.body_html, with_html.body_html);
    assert_eq!(store.get_message(id).await.expect("read"), stored);

    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let removed = NewMessage {
        body_html: None,
        ..NewMessage::from(stored)
    };
    assert_eq!(
        store
            .update_message(id, &removed)
            .await
            .expect("removed")
            .body_html,
        None
    );
    let kept = store
        .run_message(run.id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        kept.body_html, with_html.body_html,
        "the run sends what it was launched with"
    );

    let inserted = store
        .insert_message(
            &NewMessage {
                body_html: html("<h1>Новое</h1>"),
                ..message("С HTML")
            },
            at(2),
        )
        .await
        .expect("inserted");
    assert_eq!(inserted.body_html, html("<h1>Новое</h1>"));
}
