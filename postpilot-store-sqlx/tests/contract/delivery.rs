//! DeliveryRepository: runs (RunRepository), the delivery queue
//! (QueueRepository) and attempts (AttemptRepository).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use postpilot_core::domain::{
    AttemptStatus, Audience, Claim, Comment, FullName, LeaseToken, MailingId, NewRecipient, Page,
    Reach, RecipientId, RunId, SendRun, Trigger,
};
use postpilot_core::ports::{Entity, Store};

use super::{add_mailing, assert_not_found, at, email, failed, message, retry, sent};

/// A mailing of `n` recipients and its freshly launched run (at minute 1).
async fn launched<S: Store>(store: &S, n: usize) -> SendRun {
    let (mailing, _) = add_mailing(store, n).await;
    store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run
}

pub async fn launching_queues_one_delivery_per_recipient_and_marks_the_mailing_launched<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 3).await;
    let launch = store
        .launch_run(mailing.id, Trigger::Ui, Audience::Everyone, at(1))
        .await
        .expect("launched");
    assert!(!launch.resumed);
    let run = launch.run;
    assert_eq!(run.mailing_id, mailing.id);
    assert_eq!(run.trigger, Trigger::Ui);
    assert_eq!(run.started_at, at(1));
    assert_eq!(run.finished_at, None);
    assert_eq!((run.total, run.sent, run.failed), (3, 0, 0));
    assert_eq!(store.get_run(run.id).await.expect("read"), run);
    let mailing = store.get_mailing(mailing.id).await.expect("mailing");
    assert_eq!(mailing.launched_at, Some(at(1)));
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claimed");
    let claimed: Vec<_> = claim
        .deliveries
        .iter()
        .map(|d| d.recipient_id.expect("recipient"))
        .collect();
    assert_eq!(claimed, recipients);
    for d in &claim.deliveries {
        assert_eq!(d.run_id, run.id);
        assert_eq!(d.tries, 0);
    }
    assert_eq!(claim.deliveries[0].email.as_str(), "r0@example.com");
}

pub async fn launching_twice_resumes_the_unfinished_run<S: Store + Clone + 'static>(store: S) {
    let first = launched(&store, 2).await;
    let again = store
        .launch_run(
            first.mailing_id,
            Trigger::Schedule,
            Audience::Everyone,
            at(5),
        )
        .await
        .expect("resumed");
    assert!(again.resumed);
    assert_eq!(again.run, first);
    assert_eq!(
        store.list_runs(first.mailing_id).await.expect("runs").len(),
        1
    );
}

pub async fn launching_after_the_run_finished_starts_a_new_run_and_keeps_the_first_launch_time<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let first = launched(&store, 1).await;
    let claim = store
        .claim_deliveries(first.id, 10, at(1), at(16))
        .await
        .expect("claimed");
    store
        .record_results(first.id, &claim.token, &[sent(&claim.deliveries[0], at(2))])
        .await
        .expect("recorded");
    store
        .finish_run_if_done(first.id, at(3))
        .await
        .expect("finished");
    let second = store
        .launch_run(first.mailing_id, Trigger::Cli, Audience::Everyone, at(10))
        .await
        .expect("launched again");
    assert!(!second.resumed);
    assert_ne!(second.run.id, first.id);
    assert_eq!(second.run.total, 1);
    let mailing = store.get_mailing(first.mailing_id).await.expect("mailing");
    assert_eq!(mailing.launched_at, Some(at(1)));
}

pub async fn launching_a_missing_mailing_is_not_found<S: Store + Clone + 'static>(store: S) {
    assert_not_found(
        store
            .launch_run(MailingId(8), Trigger::Cli, Audience::Everyone, at(0))
            .await,
        Entity::Mailing,
        8,
    );
    assert!(store
        .list_runs(MailingId(8))
        .await
        .expect("runs")
        .is_empty());
}

/// The recipients of the run's deliveries due at `now`, in claim order
/// (claims them all, for 20 minutes).
async fn recipients_of<S: Store>(store: &S, run: RunId, now: i64) -> (Claim, Vec<RecipientId>) {
    let claim = store
        .claim_deliveries(run, 100, at(now), at(now + 20))
        .await
        .expect("claimed");
    let ids = claim
        .deliveries
        .iter()
        .map(|d| d.recipient_id.expect("recipient"))
        .collect();
    (claim, ids)
}

pub async fn launching_only_unsent_queues_only_recipients_no_run_of_the_mailing_reached<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, r) = add_mailing(&store, 4).await;
    let (other, _) = add_mailing(&store, 0).await;
    assert_eq!(
        store.reach(mailing.id).await.expect("reach"),
        Reach {
            recipients: 4,
            reached: 0
        }
    );
    // Run 1: r0 delivered, r1 refused, r2 retried then given up, r3 delivered on its retry.
    let first = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let (claim, _) = recipients_of(&store, first.id, 20).await;
    let d = &claim.deliveries;
    store
        .record_results(
            first.id,
            &claim.token,
            &[
                sent(&d[0], at(2)),
                failed(&d[1], at(2)),
                retry(&d[2], at(2), at(3)),
                retry(&d[3], at(2), at(3)),
            ],
        )
        .await
        .expect("recorded");
    let (claim, _) = recipients_of(&store, first.id, 20).await;
    store
        .record_results(
            first.id,
            &claim.token,
            &[sent(&claim.deliveries[1], at(21))],
        )
        .await
        .expect("recorded");
    store
        .release_lease(first.id, &claim.token)
        .await
        .expect("handed back");
    store
        .fail_remaining(first.id, "not sent: gave up", at(22))
        .await
        .expect("gave up");
    store
        .finish_run_if_done(first.id, at(22))
        .await
        .expect("finished");
    assert_eq!(
        store.reach(mailing.id).await.expect("reach"),
        Reach {
            recipients: 4,
            reached: 2
        }
    );

    // Run 2, only unsent: r1 and r2; r1 now delivered.
    let second = store
        .launch_run(mailing.id, Trigger::Ui, Audience::OnlyUnsent, at(30))
        .await
        .expect("launched");
    assert!(!second.resumed);
    assert_eq!(second.run.total, 2);
    let (claim, ids) = recipients_of(&store, second.run.id, 30).await;
    assert_eq!(ids, vec![r[1], r[2]]);
    store
        .record_results(
            second.run.id,
            &claim.token,
            &[
                sent(&claim.deliveries[0], at(31)),
                failed(&claim.deliveries[1], at(31)),
            ],
        )
        .await
        .expect("recorded");
    store
        .finish_run_if_done(second.run.id, at(32))
        .await
        .expect("finished");

    // Run 3, everyone again: all four, though all fail this time.
    let third = store
        .launch_run(mailing.id, Trigger::Api, Audience::Everyone, at(40))
        .await
        .expect("launched")
        .run;
    assert_eq!(third.total, 4);
    store
        .fail_remaining(third.id, "not sent: gave up", at(41))
        .await
        .expect("failed");
    store
        .finish_run_if_done(third.id, at(41))
        .await
        .expect("finished");
    // A success in any run counts, not only in the last.
    assert_eq!(
        store.reach(mailing.id).await.expect("reach"),
        Reach {
            recipients: 4,
            reached: 3
        }
    );
    let fourth = store
        .launch_run(mailing.id, Trigger::Cli, Audience::OnlyUnsent, at(50))
        .await
        .expect("launched")
        .run;
    let (_, ids) = recipients_of(&store, fourth.id, 50).await;
    assert_eq!(ids, vec![r[2]]);
    // Another mailing's successes are not this one's.
    assert_eq!(
        store.reach(other.id).await.expect("reach"),
        Reach {
            recipients: 0,
            reached: 0
        }
    );
}

pub async fn launching_only_unsent_while_a_run_is_unfinished_resumes_it<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let first = launched(&store, 3).await;
    let again = store
        .launch_run(first.mailing_id, Trigger::Ui, Audience::OnlyUnsent, at(5))
        .await
        .expect("resumed");
    assert!(again.resumed);
    assert_eq!(again.run, first);
}

pub async fn the_reach_of_a_missing_mailing_is_not_found<S: Store + Clone + 'static>(store: S) {
    assert_not_found(store.reach(MailingId(8)).await, Entity::Mailing, 8);
}

pub async fn a_run_keeps_the_message_it_was_launched_with_and_its_mailing_is_named_as_having_sent_it<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, _) = add_mailing(&store, 2).await;
    let before = store
        .get_message(mailing.message_id)
        .await
        .expect("message");
    let sent_with = || store.mailings_sent_with(mailing.message_id);
    assert_eq!(sent_with().await.expect("mailings"), vec![], "not sent yet");
    let first = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    assert_eq!(first.subject.as_deref(), Some(before.subject.as_str()));
    assert_eq!(sent_with().await.expect("mailings"), vec![mailing.id]);
    store
        .update_message(mailing.message_id, &message("Исправленная тема"))
        .await
        .expect("edited");
    let kept = store
        .run_message(first.id)
        .await
        .expect("read")
        .expect("kept at launch");
    assert_eq!(kept.subject, before.subject);
    assert_eq!(kept.body_text, before.body_text);
    let listed = store.list_runs(mailing.id).await.expect("runs");
    assert_eq!(listed[0].subject.as_deref(), Some(before.subject.as_str()));
    store
        .fail_remaining(first.id, "not sent: test", at(2))
        .await
        .expect("done");
    store
        .finish_run_if_done(first.id, at(2))
        .await
        .expect("finished");
    // The next run takes the message as edited.
    let second = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(3))
        .await
        .expect("launched")
        .run;
    assert_eq!(second.subject.as_deref(), Some("Исправленная тема"));
    assert_not_found(store.run_message(RunId(999)).await, Entity::Run, 999);
}

pub async fn the_last_response_with_a_prefix_is_found_and_none_when_no_response_has_it<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 3).await;
    let claim = store
        .claim_deliveries(run.id, 1, at(1), at(16))
        .await
        .expect("claimed");
    store
        .record_results(run.id, &claim.token, &[failed(&claim.deliveries[0], at(2))])
        .await
        .expect("recorded");
    let given_up = "not sent: gave up after 2 temporary failures in a row; last: 451 busy";
    store
        .fail_remaining(run.id, given_up, at(3))
        .await
        .expect("given up");
    let found = store
        .last_response_starting_with(run.id, "not sent: gave up")
        .await
        .expect("read");
    assert_eq!(found.as_deref(), Some(given_up));
    let none = store
        .last_response_starting_with(run.id, "not sent: gave up_")
        .await
        .expect("read");
    assert_eq!(none, None, "compared exactly, `_` is no wildcard");
    let elsewhere = store
        .last_response_starting_with(RunId(999), "not sent")
        .await
        .expect("read");
    assert_eq!(elsewhere, None);
}

pub async fn claims_take_due_deliveries_in_id_order_up_to_the_limit<S: Store + Clone + 'static>(
    store: S,
) {
    let run = launched(&store, 5).await;
    // Not due before the launch time.
    let early = store
        .claim_deliveries(run.id, 10, at(0), at(15))
        .await
        .expect("claim");
    assert!(early.deliveries.is_empty());
    let first = store
        .claim_deliveries(run.id, 2, at(1), at(16))
        .await
        .expect("claim");
    let second = store
        .claim_deliveries(run.id, 2, at(1), at(16))
        .await
        .expect("claim");
    let third = store
        .claim_deliveries(run.id, 2, at(1), at(16))
        .await
        .expect("claim");
    assert_eq!(first.deliveries.len(), 2);
    assert_eq!(second.deliveries.len(), 2);
    assert_eq!(third.deliveries.len(), 1);
    assert_ne!(first.token, second.token);
    let ids: Vec<_> = [&first, &second, &third]
        .iter()
        .flat_map(|c| c.deliveries.iter().map(|d| d.id))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let none = store
        .claim_deliveries(run.id, 0, at(1), at(16))
        .await
        .expect("claim");
    assert!(none.deliveries.is_empty());
}

pub async fn claimed_deliveries_are_not_claimed_again_until_the_lease_expires<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 2).await;
    let first = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    assert_eq!(first.deliveries.len(), 2);
    for now in [at(2), at(16)] {
        let during = store
            .claim_deliveries(run.id, 10, now, now + chrono::Duration::minutes(15))
            .await
            .expect("claim");
        assert!(during.deliveries.is_empty(), "lease still live at {now}");
    }
    let after = store
        .claim_deliveries(run.id, 10, at(17), at(32))
        .await
        .expect("claim");
    assert_eq!(
        after.deliveries.iter().map(|d| d.id).collect::<Vec<_>>(),
        first.deliveries.iter().map(|d| d.id).collect::<Vec<_>>()
    );
    assert_ne!(after.token, first.token);
}

pub async fn results_under_a_stale_lease_token_are_ignored<S: Store + Clone + 'static>(store: S) {
    let run = launched(&store, 1).await;
    let stale = store
        .claim_deliveries(run.id, 10, at(1), at(2))
        .await
        .expect("claim");
    let current = store
        .claim_deliveries(run.id, 10, at(3), at(20))
        .await
        .expect("taken over");
    assert_eq!(current.deliveries.len(), 1);
    let totals = store
        .record_results(run.id, &stale.token, &[sent(&stale.deliveries[0], at(4))])
        .await
        .expect("ignored");
    assert_eq!((totals.sent, totals.failed), (0, 0));
    let forged = LeaseToken("not-a-token".to_owned());
    store
        .record_results(run.id, &forged, &[sent(&current.deliveries[0], at(4))])
        .await
        .expect("ignored");
    assert!(store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("attempts")
        .is_empty());
    let totals = store
        .record_results(
            run.id,
            &current.token,
            &[sent(&current.deliveries[0], at(5))],
        )
        .await
        .expect("recorded");
    assert_eq!(totals.sent, 1);
    // The same result again changes nothing: the delivery is no longer leased.
    let totals = store
        .record_results(
            run.id,
            &current.token,
            &[sent(&current.deliveries[0], at(6))],
        )
        .await
        .expect("ignored");
    assert_eq!(totals.sent, 1);
    let attempts = store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1);
}

/// The mailing's attempts in the order made: whose, how, when.
async fn attempts_made<S: Store>(
    store: &S,
    mailing: MailingId,
) -> Vec<(Option<RecipientId>, AttemptStatus, DateTime<Utc>)> {
    store
        .list_attempts(mailing, Page::ALL)
        .await
        .expect("attempts")
        .iter()
        .map(|a| (a.recipient_id, a.status, a.attempt_at))
        .collect()
}

pub async fn one_record_of_several_claims_records_each_result_under_its_own_claims_token<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 4).await;
    let first = store
        .claim_deliveries(run.id, 2, at(1), at(16))
        .await
        .expect("claim");
    let second = store
        .claim_deliveries(run.id, 2, at(1), at(16))
        .await
        .expect("claim");
    let (a, b) = (&first.deliveries, &second.deliveries);
    let totals = store
        .record_claims(
            run.id,
            &[
                (
                    first.token.clone(),
                    vec![sent(&a[0], at(2)), failed(&a[1], at(3))],
                ),
                (
                    second.token.clone(),
                    vec![sent(&b[0], at(4)), retry(&b[1], at(5), at(9))],
                ),
            ],
        )
        .await
        .expect("recorded");
    assert_eq!((totals.sent, totals.failed, totals.pending()), (2, 1, 1));
    assert_eq!(store.get_run(run.id).await.expect("read"), totals);
    assert_eq!(
        attempts_made(&store, run.mailing_id).await,
        vec![
            (a[0].recipient_id, AttemptStatus::Success, at(2)),
            (a[1].recipient_id, AttemptStatus::Failure, at(3)),
            (b[0].recipient_id, AttemptStatus::Success, at(4)),
            (b[1].recipient_id, AttemptStatus::Failure, at(5)),
        ],
        "every result recorded, in the order given"
    );
    for token in [&first.token, &second.token] {
        assert_eq!(
            store
                .renew_lease(run.id, token, at(30))
                .await
                .expect("renewed"),
            0,
            "no delivery is left under either lease"
        );
    }
    assert_eq!(store.next_due(run.id).await.expect("due"), Some(at(9)));
}

pub async fn one_record_of_several_claims_ignores_only_the_results_of_a_lease_taken_over<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 2).await;
    let lapsed = store
        .claim_deliveries(run.id, 1, at(1), at(2))
        .await
        .expect("claim");
    let live = store
        .claim_deliveries(run.id, 1, at(1), at(20))
        .await
        .expect("claim");
    let taken_over = store
        .claim_deliveries(run.id, 10, at(3), at(20))
        .await
        .expect("taken over");
    assert_eq!(taken_over.deliveries, lapsed.deliveries);
    let totals = store
        .record_claims(
            run.id,
            &[
                (
                    lapsed.token.clone(),
                    vec![sent(&lapsed.deliveries[0], at(4))],
                ),
                (live.token.clone(), vec![sent(&live.deliveries[0], at(4))]),
            ],
        )
        .await
        .expect("recorded");
    assert_eq!((totals.sent, totals.pending()), (1, 1));
    let attempts = store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].recipient_id, live.deliveries[0].recipient_id);
    assert_eq!(
        store
            .renew_lease(run.id, &taken_over.token, at(30))
            .await
            .expect("renewed"),
        1,
        "the delivery taken over stays leased to its new holder"
    );
}

pub async fn one_record_of_no_claims_returns_the_runs_totals<S: Store + Clone + 'static>(store: S) {
    let run = launched(&store, 2).await;
    assert_eq!(
        store.record_claims(run.id, &[]).await.expect("nothing"),
        store.get_run(run.id).await.expect("read")
    );
}

pub async fn recording_results_records_attempts_and_moves_deliveries_on<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 3).await;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    let d = &claim.deliveries;
    let totals = store
        .record_results(
            run.id,
            &claim.token,
            &[
                sent(&d[0], at(2)),
                failed(&d[1], at(3)),
                retry(&d[2], at(4), at(6)),
            ],
        )
        .await
        .expect("recorded");
    assert_eq!((totals.total, totals.sent, totals.failed), (3, 1, 1));
    assert_eq!(totals.pending(), 1);
    assert_eq!(store.get_run(run.id).await.expect("read"), totals);
    let attempts = store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("attempts");
    assert_eq!(
        attempts_made(&store, run.mailing_id).await,
        vec![
            (d[0].recipient_id, AttemptStatus::Success, at(2)),
            (d[1].recipient_id, AttemptStatus::Failure, at(3)),
            (d[2].recipient_id, AttemptStatus::Failure, at(4)),
        ]
    );
    assert_eq!(attempts[0].response, "250 2.0.0 Ok: queued");
    assert_eq!(attempts[0].run_id, run.id);
    assert_eq!(attempts[0].mailing_id, run.mailing_id);
    assert_eq!(attempts[2].email, d[2].email);
    let stats = store.stats(at(5)).await.expect("stats");
    assert_eq!(
        (
            stats.attempts_total,
            stats.attempts_success,
            stats.attempts_failure
        ),
        (3, 1, 2)
    );
}

/// Every part of a record takes effect: the attempts, the run's counters
/// and the deliveries moved out of their lease. The last part, skipped,
/// would leave the deliveries leased under a spent token, and the run
/// unable to finish until the lease ran out.
pub async fn recording_results_updates_every_counter_and_delivery_it_records<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 2).await;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    let d = &claim.deliveries;
    let totals = store
        .record_results(
            run.id,
            &claim.token,
            &[sent(&d[0], at(2)), failed(&d[1], at(3))],
        )
        .await
        .expect("recorded");
    assert_eq!((totals.sent, totals.failed, totals.pending()), (1, 1, 0));
    let attempts = store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 2);
    let stats = store.stats(at(5)).await.expect("stats");
    assert_eq!((stats.attempts_success, stats.attempts_failure), (1, 1));
    assert_eq!(
        store
            .renew_lease(run.id, &claim.token, at(30))
            .await
            .expect("renewed"),
        0
    );
    assert_eq!(store.next_due(run.id).await.expect("due"), None);
    let finished = store
        .finish_run_if_done(run.id, at(4))
        .await
        .expect("finished");
    assert_eq!(finished.finished_at, Some(at(4)));
}

/// What a hostile server may send: NUL, BEL, ESC sequences (clear the
/// screen, set the window title), a C1 CSI, DEL, a bidi override, U+FFFD
/// (invalid UTF-8 as decoded), a tab and a line break, and a backslash.
pub const HOSTILE_TEXT: &str = "250 \0 queued\u{7} \u{1b}[2J\u{1b}]0;title\u{7} \u{fffd} \
     \u{9b}31m \u{202e}evil \\x00 tab\tend\r\nnext\u{7f}";

/// [`HOSTILE_TEXT`] as every backend gives it back: each control character
/// as its escape, U+FFFD and the backslash kept.
pub const HOSTILE_TEXT_STORED: &str = concat!(
    r"250 \0 queued\u{7} \u{1b}[2J\u{1b}]0;title\u{7} ",
    "\u{fffd}",
    r" \u{9b}31m \u{202e}evil \x00 tab\tend\r\nnext\u{7f}"
);

pub async fn any_response_text_is_recorded_with_its_control_characters_escaped<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 3).await;
    let claim = store
        .claim_deliveries(run.id, 2, at(1), at(16))
        .await
        .expect("claim");
    let d = &claim.deliveries;
    let hostile = |mut result: postpilot_core::domain::DeliveryResult| {
        result.response = HOSTILE_TEXT.to_owned();
        result
    };
    let totals = store
        .record_results(
            run.id,
            &claim.token,
            &[hostile(sent(&d[0], at(2))), hostile(failed(&d[1], at(3)))],
        )
        .await
        .expect("a response with control characters is recorded");
    assert_eq!((totals.sent, totals.failed), (1, 1));
    let totals = store
        .fail_remaining(run.id, HOSTILE_TEXT, at(4))
        .await
        .expect("a reason with control characters is recorded");
    assert_eq!(totals.pending(), 0);
    let attempts = store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 3);
    for a in &attempts {
        assert_eq!(a.response, HOSTILE_TEXT_STORED);
    }
}

pub async fn a_retried_delivery_is_claimed_again_when_its_retry_time_comes<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 1).await;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    store
        .record_results(
            run.id,
            &claim.token,
            &[retry(&claim.deliveries[0], at(2), at(7))],
        )
        .await
        .expect("recorded");
    assert_eq!(store.next_due(run.id).await.expect("due"), Some(at(7)));
    let early = store
        .claim_deliveries(run.id, 10, at(6), at(21))
        .await
        .expect("claim");
    assert!(early.deliveries.is_empty());
    let again = store
        .claim_deliveries(run.id, 10, at(7), at(22))
        .await
        .expect("claim");
    assert_eq!(again.deliveries.len(), 1);
    assert_eq!(again.deliveries[0].id, claim.deliveries[0].id);
    assert_eq!(again.deliveries[0].tries, 1);
    let totals = store
        .record_results(run.id, &again.token, &[sent(&again.deliveries[0], at(8))])
        .await
        .expect("recorded");
    assert_eq!((totals.sent, totals.failed), (1, 0));
    assert_eq!(store.next_due(run.id).await.expect("due"), None);
}

pub async fn next_due_is_the_earliest_launch_retry_or_lease_end_and_none_when_all_are_done<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 3).await;
    assert_eq!(store.next_due(run.id).await.expect("due"), Some(at(1)));
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(30))
        .await
        .expect("claim");
    assert_eq!(store.next_due(run.id).await.expect("due"), Some(at(30)));
    let d = &claim.deliveries;
    store
        .record_results(run.id, &claim.token, &[retry(&d[0], at(2), at(40))])
        .await
        .expect("recorded");
    assert_eq!(store.next_due(run.id).await.expect("due"), Some(at(30)));
    store
        .record_results(
            run.id,
            &claim.token,
            &[sent(&d[1], at(3)), retry(&d[2], at(3), at(35))],
        )
        .await
        .expect("recorded");
    assert_eq!(store.next_due(run.id).await.expect("due"), Some(at(35)));
    let claim = store
        .claim_deliveries(run.id, 10, at(40), at(50))
        .await
        .expect("claim");
    assert_eq!(claim.deliveries.len(), 2);
    store
        .record_results(
            run.id,
            &claim.token,
            &[
                failed(&claim.deliveries[0], at(41)),
                sent(&claim.deliveries[1], at(41)),
            ],
        )
        .await
        .expect("recorded");
    assert_eq!(store.next_due(run.id).await.expect("due"), None);
}

pub async fn failing_the_remaining_deliveries_spares_live_leases_and_done_ones<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 4).await;
    let expired = store
        .claim_deliveries(run.id, 1, at(1), at(5))
        .await
        .expect("claim");
    let live = store
        .claim_deliveries(run.id, 1, at(1), at(60))
        .await
        .expect("claim");
    let done = store
        .claim_deliveries(run.id, 1, at(1), at(60))
        .await
        .expect("claim");
    store
        .record_results(run.id, &done.token, &[sent(&done.deliveries[0], at(2))])
        .await
        .expect("recorded");
    // Left: one expired lease and one pending delivery.
    let totals = store
        .fail_remaining(run.id, "not sent: the mailing's end time passed", at(10))
        .await
        .expect("failed");
    assert_eq!((totals.total, totals.sent, totals.failed), (4, 1, 2));
    let attempts = store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("attempts");
    let failures: Vec<_> = attempts
        .iter()
        .filter(|a| a.status == AttemptStatus::Failure)
        .collect();
    assert_eq!(failures.len(), 2);
    for a in &failures {
        assert_eq!(a.response, "not sent: the mailing's end time passed");
        assert_eq!(a.attempt_at, at(10));
        assert_ne!(a.recipient_id, live.deliveries[0].recipient_id);
    }
    assert_eq!(failures[0].recipient_id, expired.deliveries[0].recipient_id);
    // The live lease is still its holder's to record.
    let totals = store
        .record_results(run.id, &live.token, &[sent(&live.deliveries[0], at(11))])
        .await
        .expect("recorded");
    assert_eq!((totals.sent, totals.failed, totals.pending()), (2, 2, 0));
    let stats = store.stats(at(11)).await.expect("stats");
    assert_eq!((stats.attempts_success, stats.attempts_failure), (2, 2));
}

pub async fn finishing_a_run_waits_until_every_delivery_is_done<S: Store + Clone + 'static>(
    store: S,
) {
    let run = launched(&store, 2).await;
    let not_yet = store
        .finish_run_if_done(run.id, at(2))
        .await
        .expect("checked");
    assert_eq!(not_yet.finished_at, None);
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    store
        .record_results(run.id, &claim.token, &[sent(&claim.deliveries[0], at(2))])
        .await
        .expect("recorded");
    let still_leased = store
        .finish_run_if_done(run.id, at(3))
        .await
        .expect("checked");
    assert_eq!(still_leased.finished_at, None);
    store
        .record_results(run.id, &claim.token, &[failed(&claim.deliveries[1], at(4))])
        .await
        .expect("recorded");
    let finished = store
        .finish_run_if_done(run.id, at(5))
        .await
        .expect("finished");
    assert_eq!(finished.finished_at, Some(at(5)));
    assert!(finished.is_finished());
    let later = store
        .finish_run_if_done(run.id, at(9))
        .await
        .expect("checked");
    assert_eq!(
        later.finished_at,
        Some(at(5)),
        "the first finish time stays"
    );
}

pub async fn a_run_with_no_recipients_finishes_at_once<S: Store + Clone + 'static>(store: S) {
    let run = launched(&store, 0).await;
    assert_eq!(run.total, 0);
    assert_eq!(store.next_due(run.id).await.expect("due"), None);
    let finished = store
        .finish_run_if_done(run.id, at(2))
        .await
        .expect("finished");
    assert_eq!(finished.finished_at, Some(at(2)));
}

pub async fn every_run_operation_on_a_missing_run_is_not_found<S: Store + Clone + 'static>(
    store: S,
) {
    let run = RunId(31);
    let token = LeaseToken("t".to_owned());
    assert_not_found(store.get_run(run).await, Entity::Run, 31);
    assert_not_found(
        store.claim_deliveries(run, 5, at(0), at(1)).await,
        Entity::Run,
        31,
    );
    assert_not_found(
        store.record_results(run, &token, &[]).await,
        Entity::Run,
        31,
    );
    assert_not_found(
        store
            .record_claims(run, &[(token.clone(), Vec::new())])
            .await,
        Entity::Run,
        31,
    );
    assert_not_found(store.fail_remaining(run, "x", at(0)).await, Entity::Run, 31);
    assert_not_found(store.finish_run_if_done(run, at(0)).await, Entity::Run, 31);
    assert_not_found(store.next_due(run).await, Entity::Run, 31);
}

pub async fn runs_list_newest_first<S: Store + Clone + 'static>(store: S) {
    let first = launched(&store, 0).await;
    store
        .finish_run_if_done(first.id, at(2))
        .await
        .expect("finished");
    let second = store
        .launch_run(first.mailing_id, Trigger::Api, Audience::Everyone, at(3))
        .await
        .expect("launched")
        .run;
    let runs = store.list_runs(first.mailing_id).await.expect("runs");
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second.id, first.id]
    );
    assert_eq!(runs[1].finished_at, Some(at(2)));
}

pub async fn attempts_list_in_the_order_made_page_by_page<S: Store + Clone + 'static>(store: S) {
    let run = launched(&store, 5).await;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    let results: Vec<_> = claim
        .deliveries
        .iter()
        .enumerate()
        .map(|(i, d)| sent(d, at(2 + i as i64)))
        .collect();
    store
        .record_results(run.id, &claim.token, &results)
        .await
        .expect("recorded");
    let all = store
        .list_attempts(run.mailing_id, Page::ALL)
        .await
        .expect("all");
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    let page = store
        .list_attempts(run.mailing_id, Page::new(3, 10))
        .await
        .expect("page");
    assert_eq!(page, all[3..]);
    let page = store
        .list_attempts(run.mailing_id, Page::new(1, 2))
        .await
        .expect("page");
    assert_eq!(page, all[1..3]);
    assert!(store
        .list_attempts(MailingId(999), Page::ALL)
        .await
        .expect("none")
        .is_empty());
}

pub async fn a_delivery_keeps_the_address_it_was_launched_with<S: Store + Clone + 'static>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 1).await;
    let launched_as = store.get_recipient(recipients[0]).await.expect("read");
    store
        .update_recipient(
            recipients[0],
            &NewRecipient {
                email: launched_as.email,
                full_name: launched_as.full_name,
                comment: Comment::parse("VIP").expect("valid"),
            },
        )
        .await
        .expect("commented");
    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let before = store.get_recipient(recipients[0]).await.expect("read");
    store
        .update_recipient(
            recipients[0],
            &NewRecipient {
                email: email("moved@example.com"),
                full_name: FullName::parse("Другое Имя").expect("valid"),
                comment: Comment::parse("Уже не VIP").expect("valid"),
            },
        )
        .await
        .expect("edited");
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(16))
        .await
        .expect("claim");
    assert_eq!(claim.deliveries[0].email, before.email);
    assert_eq!(claim.deliveries[0].full_name, before.full_name);
    assert_eq!(claim.deliveries[0].comment.as_str(), "VIP");
}

pub async fn concurrent_claims_never_lease_a_delivery_twice<S: Store + Clone + 'static>(store: S) {
    let run = launched(&store, 60).await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claim = store
                    .claim_deliveries(run.id, 4, at(1), at(16))
                    .await
                    .expect("claim");
                if claim.deliveries.is_empty() {
                    return mine;
                }
                let results: Vec<_> = claim.deliveries.iter().map(|d| sent(d, at(2))).collect();
                store
                    .record_results(run.id, &claim.token, &results)
                    .await
                    .expect("recorded");
                mine.extend(claim.deliveries.into_iter().map(|d| d.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        for id in task.await.expect("joined") {
            assert!(seen.insert(id), "delivery {id} claimed twice");
        }
    }
    assert_eq!(seen.len(), 60);
    let totals = store.get_run(run.id).await.expect("run");
    assert_eq!((totals.sent, totals.pending()), (60, 0));
}

pub async fn renewing_a_lease_keeps_its_deliveries_from_other_senders<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 2).await;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(2))
        .await
        .expect("claimed");
    let renewed = store
        .renew_lease(run.id, &claim.token, at(10))
        .await
        .expect("renewed");
    assert_eq!(renewed, 2);
    // Past the first lease end, but inside the renewed one: nothing to take.
    let other = store
        .claim_deliveries(run.id, 10, at(5), at(6))
        .await
        .expect("claim");
    assert!(other.deliveries.is_empty());
    // A stranger's token renews nothing.
    let stranger = LeaseToken("not-a-token".into());
    assert_eq!(
        store
            .renew_lease(run.id, &stranger, at(60))
            .await
            .expect("no-op"),
        0
    );
    // Once recorded, the deliveries are no longer leased: nothing to renew.
    let results: Vec<_> = claim.deliveries.iter().map(|d| sent(d, at(6))).collect();
    store
        .record_results(run.id, &claim.token, &results)
        .await
        .expect("recorded");
    assert_eq!(
        store
            .renew_lease(run.id, &claim.token, at(60))
            .await
            .expect("no-op"),
        0
    );
}

pub async fn a_handed_back_lease_frees_only_its_unstarted_deliveries_at_once<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let run = launched(&store, 3).await;
    let claim = store
        .claim_deliveries(run.id, 10, at(1), at(60))
        .await
        .expect("claimed");
    assert_eq!(claim.deliveries.len(), 3);
    // One was sent and recorded before the sender stopped.
    let first = sent(&claim.deliveries[0], at(2));
    store
        .record_results(run.id, &claim.token, &[first])
        .await
        .expect("recorded");
    // A stranger's token hands back nothing.
    let stranger = LeaseToken("not-a-token".into());
    assert_eq!(
        store.release_lease(run.id, &stranger).await.expect("no-op"),
        0
    );
    assert_eq!(
        store
            .release_lease(run.id, &claim.token)
            .await
            .expect("handed back"),
        2
    );
    // Long before the lease would have ended, another sender takes the two.
    let other = store
        .claim_deliveries(run.id, 10, at(3), at(70))
        .await
        .expect("claim");
    let mut taken: Vec<_> = other.deliveries.iter().map(|d| d.id).collect();
    taken.sort();
    let mut expected: Vec<_> = claim.deliveries[1..].iter().map(|d| d.id).collect();
    expected.sort();
    assert_eq!(taken, expected, "exactly the unstarted ones, nothing sent");
    assert!(other.deliveries.iter().all(|d| d.tries == 0));
    // The old token no longer owns them: its late results are ignored.
    let late: Vec<_> = claim.deliveries[1..]
        .iter()
        .map(|d| sent(d, at(4)))
        .collect();
    let totals = store
        .record_results(run.id, &claim.token, &late)
        .await
        .expect("ignored");
    assert_eq!((totals.sent, totals.pending()), (1, 2));
    assert_eq!(
        store
            .release_lease(run.id, &claim.token)
            .await
            .expect("no-op"),
        0
    );
}

pub async fn unfinished_runs_list_oldest_first_and_drop_finished_ones<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    assert!(store.unfinished_runs(10).await.expect("none").is_empty());
    let (mailing, recipients) = add_mailing(&store, 1).await;
    let first = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    let message = store
        .get_mailing(mailing.id)
        .await
        .expect("read")
        .message_id;
    let other = store
        .insert_mailing(&super::new_mailing(message, &recipients))
        .await
        .expect("stored");
    let second = store
        .launch_run(other.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    assert_eq!(
        store.unfinished_runs(10).await.expect("two"),
        [first.id, second.id]
    );
    assert_eq!(store.unfinished_runs(1).await.expect("limit"), [first.id]);
    let claim = store
        .claim_deliveries(first.id, 10, at(1), at(5))
        .await
        .expect("claimed");
    let results: Vec<_> = claim.deliveries.iter().map(|d| sent(d, at(2))).collect();
    store
        .record_results(first.id, &claim.token, &results)
        .await
        .expect("recorded");
    store
        .finish_run_if_done(first.id, at(2))
        .await
        .expect("finished");
    assert_eq!(store.unfinished_runs(10).await.expect("one"), [second.id]);
}

pub async fn deleting_a_recipient_cancels_its_queued_deliveries_but_not_one_in_flight<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let (mailing, recipients) = add_mailing(&store, 3).await;
    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, at(1))
        .await
        .expect("launched")
        .run;
    // The first recipient's delivery is in flight (leased), the others wait.
    let claim = store
        .claim_deliveries(run.id, 1, at(1), at(30))
        .await
        .expect("claimed");
    assert_eq!(claim.deliveries[0].recipient_id, Some(recipients[0]));
    store
        .delete_recipient(recipients[0])
        .await
        .expect("deleted");
    store
        .delete_recipient(recipients[1])
        .await
        .expect("deleted");
    let totals = store.get_run(run.id).await.expect("run");
    assert_eq!((totals.sent, totals.failed, totals.pending()), (0, 1, 2));
    let attempts = store
        .list_attempts(mailing.id, Page::ALL)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].email.as_str(), "r1@example.com");
    assert_eq!(attempts[0].response, "not sent: the recipient was deleted");
    assert_eq!(attempts[0].status, AttemptStatus::Failure);
    // The one in flight is still recorded when it comes back.
    let results = [sent(&claim.deliveries[0], at(2))];
    let after = store
        .record_results(run.id, &claim.token, &results)
        .await
        .expect("recorded");
    assert_eq!((after.sent, after.failed, after.pending()), (1, 1, 1));
}
