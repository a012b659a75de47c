//! SendMailing and a disabled mailing: nothing of it is launched, and a
//! run under way stops at its next claim, recording what is left as not
//! sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Duration;

use super::send::{SendMailing, SendPolicy, DISABLED};
use super::send_tests::{
    delivery, fixed_clock, instance, mailing, message, run, stepping_clock, t0, RUN,
};
use crate::domain::*;
use crate::error::Error;
use crate::mocks::MockStore;
use crate::ports::mailer::MockMailer;
use crate::ports::ServerReply;

fn disabled(mut mailing: Mailing) -> Mailing {
    mailing.disabled = Some(Disabled { at: t0(), by: None });
    mailing
}

#[tokio::test]
async fn a_disabled_mailing_is_refused_at_launch_and_no_run_starts() {
    let mut store = MockStore::new();
    store
        .expect_get_mailing()
        .returning(|_| Ok(disabled(mailing(t0() + Duration::days(1), false))));
    store.expect_launch_run().never();
    let err = SendMailing::new(
        store,
        MockMailer::new(),
        fixed_clock(),
        SendPolicy::default(),
    )
    .launch(super::send_tests::MAILING, Trigger::Ui, Audience::Everyone)
    .await
    .expect_err("refused");
    assert!(
        matches!(err, Error::MailingDisabled(id) if id == super::send_tests::MAILING),
        "{err}"
    );
}

/// A store whose mailing reads enabled when delivery starts and at the
/// first claim, and disabled at every later read; whose one claim hands
/// out `batch`; which keeps every result recorded in `recorded` and
/// expects what is left to be recorded as not sent: disabled.
fn store_disabled_after_the_first_claim(
    batch: Vec<Delivery>,
    recorded: Arc<Mutex<Vec<DeliveryResult>>>,
) -> MockStore {
    let mut store = MockStore::new();
    store.expect_instance_id().returning(|| Ok(instance()));
    store.expect_get_run().returning(|_| Ok(run(0, 0)));
    store.expect_get_message().returning(|_| Ok(message()));
    store.expect_run_message().returning(|_| Ok(None));
    let reads = AtomicUsize::new(0);
    store.expect_get_mailing().returning(move |_| {
        let open = mailing(t0() + Duration::days(1), true);
        Ok(if reads.fetch_add(1, Ordering::SeqCst) < 2 {
            open
        } else {
            disabled(open)
        })
    });
    store
        .expect_claim_deliveries()
        .times(1)
        .returning(move |_, _, _, _| {
            Ok(Claim {
                token: LeaseToken("t1".into()),
                deliveries: batch.clone(),
            })
        });
    store
        .expect_record_results()
        .returning(move |_, _, results| {
            recorded.lock().expect("lock").extend_from_slice(results);
            Ok(run(1, 1))
        });
    store
        .expect_fail_remaining()
        .withf(|run, reason, _| *run == RUN && reason == DISABLED)
        .times(1)
        .returning(|_, _, _| Ok(run(1, 1)));
    store.expect_finish_run_if_done().returning(|_, at| {
        Ok(SendRun {
            finished_at: Some(at),
            ..run(1, 1)
        })
    });
    store
}

fn sent_ok(times: usize) -> MockMailer {
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .times(times)
        .returning(|_| Ok(ServerReply("250 ok".into())));
    mailer
}

#[tokio::test]
async fn a_run_whose_mailing_is_disabled_meanwhile_claims_no_more_and_records_the_rest_as_not_sent()
{
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let batch = vec![
        delivery(1, "a@example.com", 0),
        delivery(2, "b@example.com", 0),
    ];
    let store = store_disabled_after_the_first_claim(batch, Arc::clone(&recorded));
    // A second passes between readings: the next claim looks again.
    let clock = stepping_clock(Duration::seconds(1));
    let finished = SendMailing::new(store, sent_ok(2), clock, SendPolicy::default())
        .deliver(RUN, &|_| {})
        .await
        .expect("stopped");
    assert_eq!(recorded.lock().expect("lock").len(), 2);
    assert!(finished.finished_at.is_some());
}

#[tokio::test]
async fn a_batch_claimed_whole_stops_within_a_second_of_its_mailing_being_disabled() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    // The whole run in one claim: no later claim would notice.
    let batch = (1..=4)
        .map(|i| delivery(i, &format!("r{i}@example.com"), 0))
        .collect();
    let store = store_disabled_after_the_first_claim(batch, Arc::clone(&recorded));
    let clock = stepping_clock(Duration::milliseconds(500));
    let policy = SendPolicy {
        concurrency: 1,
        max_unrecorded: 1,
        ..SendPolicy::default()
    };
    SendMailing::new(store, sent_ok(1), clock, policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("stopped");
    let recorded = recorded.lock().expect("lock");
    let responses: Vec<&str> = recorded.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(responses, ["250 ok", DISABLED, DISABLED, DISABLED]);
}

#[tokio::test]
async fn claims_within_a_second_of_the_last_look_do_not_read_the_mailing_again() {
    let mut store = MockStore::new();
    store.expect_instance_id().returning(|| Ok(instance()));
    store.expect_get_run().returning(|_| Ok(run(0, 0)));
    store.expect_get_message().returning(|_| Ok(message()));
    store.expect_run_message().returning(|_| Ok(None));
    // Once for what the run sends, once at the first claim; not at the
    // four claims after it, all within the same second.
    store
        .expect_get_mailing()
        .times(2)
        .returning(|_| Ok(mailing(t0() + Duration::days(1), true)));
    let claims = AtomicUsize::new(0);
    store
        .expect_claim_deliveries()
        .times(6)
        .returning(move |_, _, _, _| {
            let n = claims.fetch_add(1, Ordering::SeqCst);
            let id = i64::try_from(n).expect("few") + 1;
            Ok(Claim {
                token: LeaseToken(format!("t{id}")),
                deliveries: if n < 5 {
                    vec![delivery(id, &format!("r{id}@example.com"), 0)]
                } else {
                    Vec::new()
                },
            })
        });
    store
        .expect_record_results()
        .returning(|_, _, _| Ok(run(1, 0)));
    store.expect_next_due().returning(|_| Ok(None));
    store.expect_finish_run_if_done().returning(|_, at| {
        Ok(SendRun {
            finished_at: Some(at),
            ..run(5, 0)
        })
    });
    let policy = SendPolicy {
        batch_size: 1,
        ..SendPolicy::default()
    };
    let finished = SendMailing::new(store, sent_ok(5), fixed_clock(), policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");
    assert!(finished.finished_at.is_some());
}
