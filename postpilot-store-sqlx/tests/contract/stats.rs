//! StatsRepository.

use postpilot_core::domain::{Stats, Trigger};
use postpilot_core::ports::Store;

use super::{add_mailing, add_message, at, new_mailing};

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
        .launch_run(mailing.id, Trigger::Schedule, at(1))
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
        .launch_run(first.id, Trigger::Cli, at(1))
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
