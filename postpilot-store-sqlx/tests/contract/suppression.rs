//! SuppressionRepository, the unsubscribe secret, and launches leaving
//! suppressed recipients out.

use postpilot_core::domain::{Audience, Page, Suppression, Trigger};
use postpilot_core::ports::{Entity, Store};

use super::{add_mailing, assert_not_found, at};

pub async fn the_unsubscribe_secret_is_random_made_once_and_the_same_on_every_read<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let secret = store.unsubscribe_secret().await.expect("secret");
    let token = secret.token(postpilot_core::domain::RecipientId(1));
    for _ in 0..3 {
        let again = store.unsubscribe_secret().await.expect("secret");
        assert_eq!(again.token(postpilot_core::domain::RecipientId(1)), token);
    }
    let other = store.clone().unsubscribe_secret().await.expect("secret");
    assert_eq!(other, secret, "every handle on the database reads the same");
    assert_ne!(
        format!("{secret:?}"),
        "",
        "its Debug shows something, but not the secret"
    );
    assert!(!format!("{secret:?}").contains(store.instance_id().await.expect("id").as_str()));
}

pub async fn unsubscribed_and_bouncing_recipients_are_left_out_of_a_launch_and_counted_by_reason<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, r) = add_mailing(&store, 5).await;
    store.unsubscribe(r[0], at(-5)).await.expect("unsubscribed");
    store
        .mark_bounced(r[1], at(-4), "550 5.1.1 user unknown")
        .await
        .expect("bounced");
    // Both: counted once, as unsubscribed.
    store.unsubscribe(r[2], at(-3)).await.expect("unsubscribed");
    store
        .mark_bounced(r[2], at(-3), "550 5.1.1 user unknown")
        .await
        .expect("bounced");

    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;

    assert_eq!(
        (run.total, run.skipped_unsubscribed, run.skipped_bounced),
        (2, 2, 1)
    );
    assert_eq!(store.get_run(run.id).await.expect("run"), run);
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claimed");
    let sent_to: Vec<_> = claim
        .deliveries
        .iter()
        .map(|d| d.recipient_id.expect("recipient"))
        .collect();
    assert_eq!(sent_to, vec![r[3], r[4]]);
}

pub async fn unsubscribing_keeps_the_first_time_and_resubscribing_clears_both_marks<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (_, r) = add_mailing(&store, 2).await;
    assert_eq!(
        store.suppression(r[0]).await.expect("marks"),
        Suppression::default()
    );
    store.unsubscribe(r[0], at(1)).await.expect("unsubscribed");
    store.unsubscribe(r[0], at(2)).await.expect("again");
    store
        .mark_bounced(r[0], at(3), "550 5.1.1 no such user")
        .await
        .expect("bounced");
    let marks = store.suppression(r[0]).await.expect("marks");
    assert_eq!(
        marks,
        Suppression {
            unsubscribed_at: Some(at(1)),
            bounced_at: Some(at(3)),
            bounce_reply: Some("550 5.1.1 no such user".to_owned()),
        }
    );
    assert!(store.suppression(r[1]).await.expect("marks").is_clear());

    store.resubscribe(r[0]).await.expect("resubscribed");
    assert!(store.suppression(r[0]).await.expect("marks").is_clear());
    store.resubscribe(r[0]).await.expect("idempotent");
}

pub async fn the_marks_of_an_unknown_recipient_are_not_found_and_nothing_changes<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (_, r) = add_mailing(&store, 1).await;
    let unknown = postpilot_core::domain::RecipientId(r[0].get() + 100);
    assert_not_found(
        store.unsubscribe(unknown, at(1)).await,
        Entity::Recipient,
        unknown.get(),
    );
    assert_not_found(
        store.mark_bounced(unknown, at(1), "550").await,
        Entity::Recipient,
        unknown.get(),
    );
    assert_not_found(
        store.resubscribe(unknown).await,
        Entity::Recipient,
        unknown.get(),
    );
    assert_not_found(
        store.suppression(unknown).await,
        Entity::Recipient,
        unknown.get(),
    );
    assert!(store.suppressed(Page::ALL).await.expect("list").is_empty());
}

pub async fn unsubscribing_mid_run_takes_out_the_delivery_not_yet_claimed_and_counts_it<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, r) = add_mailing(&store, 3).await;
    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    // r0 is claimed (its email may be on the wire); r2 is still waiting.
    let claim = store
        .claim_deliveries(run.id, 1, at(1), at(16))
        .await
        .expect("claimed");
    assert_eq!(claim.deliveries[0].recipient_id, Some(r[0]));
    store.unsubscribe(r[0], at(2)).await.expect("unsubscribed");
    store.unsubscribe(r[2], at(2)).await.expect("unsubscribed");

    let after = store.get_run(run.id).await.expect("run");
    assert_eq!((after.total, after.skipped_unsubscribed), (2, 1));
    assert_eq!(after.pending(), 2);
    let rest = store
        .claim_deliveries(run.id, 10, at(2), at(17))
        .await
        .expect("claimed");
    let rest: Vec<_> = rest.deliveries.iter().map(|d| d.recipient_id).collect();
    assert_eq!(rest, vec![Some(r[1])]);
}

pub async fn only_marked_recipients_are_listed_as_suppressed_by_id<S: Store + Clone + 'static>(
    store: S,
) {
    let (_, r) = add_mailing(&store, 4).await;
    store
        .mark_bounced(r[3], at(1), "550 5.1.1 gone")
        .await
        .expect("bounced");
    store.unsubscribe(r[1], at(2)).await.expect("unsubscribed");
    let listed = store.suppressed(Page::ALL).await.expect("list");
    let ids: Vec<_> = listed.iter().map(|(rec, _)| rec.id).collect();
    assert_eq!(ids, vec![r[1], r[3]]);
    assert_eq!(listed[0].1.unsubscribed_at, Some(at(2)));
    assert_eq!(listed[1].1.bounce_reply.as_deref(), Some("550 5.1.1 gone"));
    assert_eq!(listed[1].0.email.as_str(), "r3@example.com");
    let second = store
        .suppressed(Page {
            limit: 1,
            offset: 1,
        })
        .await
        .expect("page");
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].0.id, r[3]);
}
