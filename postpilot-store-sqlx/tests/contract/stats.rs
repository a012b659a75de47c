//! StatsRepository.

use chrono::Duration;
use postpilot_core::domain::{
    Audience, MailingStatus, NewMailing, RecipientsEdit, Stats, Trigger, Window,
};
use postpilot_core::ports::Store;

use super::{add_mailing, add_message, at, ids, new_mailing, window};

pub async fn an_empty_store_has_all_zero_statistics<S: Store + Clone + 'static>(store: S) {
    assert_eq!(store.stats(at(0)).await.expect("stats"), Stats::default());
}

pub async fn active_mailings_count_changes_when_the_end_time_passes_without_any_write<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    // Window: minute 0 to minute 120.
    let (mailing, _) = add_mailing(&store, 2).await;
    assert_eq!(store.stats(at(1)).await.expect("stats").mailings_active, 0);
    store
        .launch_run(mailing.id, Trigger::Schedule, Audience::Everyone, at(1))
        .await
        .expect("launched");
    let before_end = at(120) - chrono::Duration::microseconds(1);
    assert_eq!(
        store
            .stats(before_end)
            .await
            .expect("stats")
            .mailings_active,
        1
    );
    let at_end = store.stats(at(120)).await.expect("stats");
    assert_eq!(at_end.mailings_active, 0, "completed at its end time");
    assert_eq!(at_end.mailings_total, 1);
    // Asking about an earlier moment again agrees with the status rules.
    assert_eq!(store.stats(at(60)).await.expect("stats").mailings_active, 1);
}

pub async fn statistics_count_mailings_distinct_recipients_messages_and_attempts<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (first, recipients) = add_mailing(&store, 3).await;
    let extra = add_recipients_from(&store, 3).await;
    let message = add_message(&store).await;
    // Overlaps the first mailing in one recipient.
    store
        .insert_mailing(&new_mailing(message, &[recipients[2], extra[0]]))
        .await
        .expect("second mailing");
    let run = store
        .launch_run(first.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    let d = &claim.deliveries;
    store
        .record_results(
            run.id,
            &claim.token,
            &[
                super::sent(&d[0], at(2)),
                super::failed(&d[1], at(2)),
                super::retry(&d[2], at(2), at(3)),
            ],
        )
        .await
        .expect("recorded");
    let stats = store.stats(at(5)).await.expect("stats");
    assert_eq!(
        stats,
        Stats {
            mailings_total: 2,
            mailings_active: 1,
            unique_recipients: 4,
            recipients_total: 6,
            messages_total: 2,
            attempts_total: 3,
            attempts_success: 1,
            attempts_failure: 2,
        }
    );
}

/// `n` more recipients, imported, with emails unlike `add_recipients`'.
async fn add_recipients_from<S: Store>(
    store: &S,
    n: usize,
) -> Vec<postpilot_core::domain::RecipientId> {
    let rows: Vec<_> = (0..n)
        .map(|i| super::recipient(&format!("extra{i}@example.com")))
        .collect();
    store
        .insert_recipients(&rows)
        .await
        .expect("imported")
        .into_iter()
        .map(|id| id.expect("new"))
        .collect()
}

pub async fn mailing_status_and_active_count_agree_at_the_windows_boundaries<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    // Three launched mailings ending at minutes 60, 120 and 180, and one
    // never launched ending at 180.
    let recipients = super::add_recipients(&store, 1).await;
    let message = add_message(&store).await;
    let mut launched = Vec::new();
    for end in [60, 120, 180] {
        let mailing = store
            .insert_mailing(&NewMailing {
                window: Window::new(at(0), at(end)).expect("window"),
                message_id: message,
                recipient_ids: ids(&recipients),
            })
            .await
            .expect("stored");
        store
            .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
            .await
            .expect("launched");
        launched.push(mailing.id);
    }
    let idle = store
        .insert_mailing(&NewMailing {
            window: Window::new(at(0), at(180)).expect("window"),
            message_id: message,
            recipient_ids: ids(&recipients),
        })
        .await
        .expect("stored");
    let just_before = |minutes| at(minutes) - Duration::microseconds(1);
    for (now, active) in [
        (at(1), 3),
        (just_before(60), 3),
        (at(60), 2),
        (just_before(120), 2),
        (at(120), 1),
        (just_before(180), 1),
        (at(180), 0),
        (at(10_000), 0),
    ] {
        let stats = store.stats(now).await.expect("stats");
        assert_eq!(stats.mailings_active, active, "at {now}");
        assert_eq!(stats.mailings_total, 4);
        let mut running = 0;
        for id in &launched {
            let mailing = store.get_mailing(*id).await.expect("mailing");
            assert_eq!(mailing.launched_at, Some(at(1)));
            let expected = if now < mailing.sent_completed_at {
                MailingStatus::Running
            } else {
                MailingStatus::Completed
            };
            assert_eq!(mailing.status(now), expected, "mailing {id} at {now}");
            running += u64::from(expected == MailingStatus::Running);
        }
        assert_eq!(
            running, active,
            "stats agree with the status rules at {now}"
        );
        let idle = store.get_mailing(idle.id).await.expect("mailing");
        assert_eq!(idle.launched_at, None);
        let expected = if now < at(180) {
            MailingStatus::Created
        } else {
            MailingStatus::Completed
        };
        assert_eq!(idle.status(now), expected, "never launched, at {now}");
    }
}

pub async fn statistics_follow_every_insert_update_and_delete<S: Store + Clone + 'static>(
    store: S,
) {
    let figures = |s: Stats| {
        (
            s.recipients_total,
            s.messages_total,
            s.mailings_total,
            s.unique_recipients,
        )
    };
    let r = super::add_recipients(&store, 4).await;
    let m1 = add_message(&store).await;
    let m2 = add_message(&store).await;
    let a = store
        .insert_mailing(&new_mailing(m1, &[r[0], r[1]]))
        .await
        .expect("a");
    let b = store
        .insert_mailing(&new_mailing(m2, &[r[1], r[2]]))
        .await
        .expect("b");
    assert_eq!(
        figures(store.stats(at(0)).await.expect("stats")),
        (4, 2, 2, 3)
    );
    // r1 stays in b, r0 leaves every mailing, r3 joins one.
    store
        .update_mailing(a.id, window(), m1, &RecipientsEdit::Replace(ids(&[r[3]])))
        .await
        .expect("edited");
    assert_eq!(
        figures(store.stats(at(0)).await.expect("stats")),
        (4, 2, 2, 3)
    );
    store.delete_recipient(r[2]).await.expect("deleted");
    assert_eq!(
        figures(store.stats(at(0)).await.expect("stats")),
        (3, 2, 2, 2)
    );
    store.delete_mailing(b.id).await.expect("deleted");
    assert_eq!(
        figures(store.stats(at(0)).await.expect("stats")),
        (3, 2, 1, 1)
    );
    store.delete_message(m2).await.expect("deleted");
    store.delete_recipient(r[0]).await.expect("deleted");
    assert_eq!(
        figures(store.stats(at(0)).await.expect("stats")),
        (2, 1, 1, 1)
    );
    store.delete_mailing(a.id).await.expect("deleted");
    assert_eq!(
        figures(store.stats(at(0)).await.expect("stats")),
        (2, 1, 0, 0)
    );
}

pub async fn concurrent_mailings_over_shared_recipients_count_each_recipient_once<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let recipients = super::add_recipients(&store, 6).await;
    let message = add_message(&store).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        // Every mailing has recipient 0 and two of the others.
        let members = vec![
            recipients[0],
            recipients[1 + i % 5],
            recipients[1 + (i + 1) % 5],
        ];
        tasks.push(tokio::spawn(async move {
            store.insert_mailing(&new_mailing(message, &members)).await
        }));
    }
    let mut mailings = Vec::new();
    for task in tasks {
        mailings.push(task.await.expect("joined").expect("stored").id);
    }
    let stats = store.stats(at(0)).await.expect("stats");
    assert_eq!((stats.mailings_total, stats.unique_recipients), (8, 6));
    let mut tasks = Vec::new();
    for id in mailings {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.delete_mailing(id).await }));
    }
    for task in tasks {
        task.await.expect("joined").expect("deleted");
    }
    let stats = store.stats(at(0)).await.expect("stats");
    assert_eq!((stats.mailings_total, stats.unique_recipients), (0, 0));
}
