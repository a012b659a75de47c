//! SendMailing when things go wrong around it: a database that fails for a
//! while or for good, a stop asked for mid-run, another sender sharing the run.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use super::send::{SendMailing, SendPolicy};
use super::send_tests::{delivery, fixed_clock, mailing, run, store_with_batch, t0, RUN};
use super::stop::{StopSignal, Stopper};
use crate::domain::*;
use crate::error::Error;
use crate::mocks::MockStore;
use crate::ports::mailer::MockMailer;
use crate::ports::{BoxError, Clock, MailError, Mailer, OutgoingEmail, ServerReply, StoreError};

fn outage() -> StoreError {
    StoreError::backend(
        "recording results",
        BoxError::from("connection reset by peer"),
    )
}

fn deliveries(n: i64) -> Vec<Delivery> {
    (1..=n)
        .map(|i| delivery(i, &format!("r{i}@example.com"), 0))
        .collect()
}

/// A clock whose time moves only when someone sleeps on it.
#[derive(Clone)]
struct SteppingClock(Arc<Mutex<DateTime<Utc>>>);

impl SteppingClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(t0())))
    }
}

#[async_trait::async_trait]
impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("lock")
    }

    async fn sleep(&self, duration: StdDuration) {
        let step = Duration::from_std(duration).expect("short");
        *self.0.lock().expect("lock") += step;
        tokio::task::yield_now().await;
    }
}

/// Accepts every email and counts them.
#[derive(Default)]
struct Accepting {
    sent: AtomicUsize,
}

#[async_trait::async_trait]
impl Mailer for Accepting {
    async fn send(&self, _email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        self.sent.fetch_add(1, SeqCst);
        tokio::task::yield_now().await;
        Ok(ServerReply("250 ok".into()))
    }
}

#[tokio::test]
async fn a_record_that_fails_is_tried_again_until_the_database_answers_and_nothing_is_sent_twice() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let base = store_with_batch(deliveries(4), Arc::clone(&recorded));
    // The first two records fail as a restarting database would.
    let failures = Arc::new(AtomicUsize::new(0));
    {
        let failures = Arc::clone(&failures);
        let recorded = Arc::clone(&recorded);
        store
            .expect_record_results()
            .returning(move |_, _, results| {
                if failures.fetch_add(1, SeqCst) < 2 {
                    return Err(outage());
                }
                recorded.lock().expect("lock").extend_from_slice(results);
                Ok(run(4, 0))
            });
    }
    let store = with_the_rest_of(store, base);
    let mailer = Arc::new(Accepting::default());
    let policy = SendPolicy {
        concurrency: 1,
        max_unrecorded: 1,
        ..SendPolicy::default()
    };
    let finished = SendMailing::new(
        store,
        Arc::clone(&mailer),
        fixed_clock_that_sleeps(),
        policy,
    )
    .deliver(RUN, &|_| {})
    .await
    .expect("delivered once the database answered");
    assert!(finished.is_finished());
    assert_eq!(mailer.sent.load(SeqCst), 4, "every recipient once");
    let recorded = recorded.lock().expect("lock");
    let mut ids: Vec<_> = recorded.iter().map(|r| r.delivery_id.get()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 3, 4], "every result recorded, once");
    assert!(
        failures.load(SeqCst) >= 3,
        "the failed record was tried again"
    );
}

#[tokio::test]
async fn a_database_that_stays_away_stops_the_sender_after_its_patience_without_sending_more() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_record_results()
        .returning(|_, _, _| Err(outage()));
    let store = with_the_rest_of(store, store_with_batch(deliveries(20), Arc::default()));
    let mailer = Arc::new(Accepting::default());
    let clock = SteppingClock::new();
    let policy = SendPolicy {
        concurrency: 2,
        max_unrecorded: 4,
        store_patience: StdDuration::from_secs(30),
        ..SendPolicy::default()
    };
    let err = SendMailing::new(store, Arc::clone(&mailer), clock.clone(), policy)
        .deliver(RUN, &|_| {})
        .await
        .expect_err("the database never came back");
    let Error::StoreUnavailable {
        waited, unrecorded, ..
    } = &err
    else {
        panic!("expected StoreUnavailable, got {err:?}");
    };
    assert!(*waited >= StdDuration::from_secs(30), "{waited:?}");
    assert!(*waited < StdDuration::from_secs(40), "{waited:?}");
    assert!(*unrecorded >= 1, "{err}");
    let message = err.to_string();
    assert!(message.contains("the database kept failing"), "{message}");
    assert!(message.contains("recording"), "{message}");
    // Sends stopped once their results could not be recorded.
    assert!(
        mailer.sent.load(SeqCst) <= 4,
        "{} sent",
        mailer.sent.load(SeqCst)
    );
}

#[tokio::test]
async fn other_store_errors_are_not_waited_for() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_get_run()
        .times(1)
        .returning(|_| Err(StoreError::not_found(crate::ports::Entity::Run, RUN.get())));
    let err = SendMailing::new(
        store,
        MockMailer::new(),
        fixed_clock(),
        SendPolicy::default(),
    )
    .deliver(RUN, &|_| {})
    .await
    .expect_err("no such run");
    assert!(
        matches!(err, Error::Store(StoreError::NotFound { .. })),
        "{err:?}"
    );
}

/// Accepts every email; the `at`-th send raises the stop as it completes.
struct StopsAt {
    at: usize,
    sent: AtomicUsize,
    stopper: Mutex<Option<Stopper>>,
}

#[async_trait::async_trait]
impl Mailer for StopsAt {
    async fn send(&self, _email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        if self.sent.fetch_add(1, SeqCst) + 1 == self.at {
            if let Some(stopper) = self.stopper.lock().expect("lock").take() {
                stopper.stop();
            }
        }
        tokio::task::yield_now().await;
        Ok(ServerReply("250 ok".into()))
    }
}

#[tokio::test]
async fn a_stop_records_what_was_sent_hands_back_the_rest_and_returns_unfinished() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_release_lease()
        .withf(|run, token| *run == RUN && token.0 == "t1")
        .times(1)
        .returning(|_, _| Ok(8));
    store.expect_fail_remaining().never();
    store.expect_finish_run_if_done().never();
    let store = with_the_rest_of(
        store,
        store_with_batch(deliveries(10), Arc::clone(&recorded)),
    );
    let (stopper, signal) = StopSignal::new();
    let mailer = Arc::new(StopsAt {
        at: 2,
        sent: AtomicUsize::new(0),
        stopper: Mutex::new(Some(stopper)),
    });
    let policy = SendPolicy {
        concurrency: 2,
        ..SendPolicy::default()
    };
    let totals = SendMailing::new(store, Arc::clone(&mailer), fixed_clock(), policy)
        .with_stop(signal)
        .deliver(RUN, &|_| {})
        .await
        .expect("stopped gracefully");
    assert!(!totals.is_finished());
    let sent = mailer.sent.load(SeqCst);
    assert!(
        (2..=3).contains(&sent),
        "no send starts after the stop: {sent}"
    );
    assert_eq!(
        recorded.lock().expect("lock").len(),
        sent,
        "every send made is recorded"
    );
}

#[tokio::test]
async fn a_stop_during_a_wait_for_the_rate_limit_starts_no_more_sends() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_release_lease()
        .times(1)
        .returning(|_, _| Ok(4));
    let store = with_the_rest_of(
        store,
        store_with_batch(deliveries(5), Arc::clone(&recorded)),
    );
    let (stopper, signal) = StopSignal::new();
    let mailer = Arc::new(StopsAt {
        at: 1,
        sent: AtomicUsize::new(0),
        stopper: Mutex::new(Some(stopper)),
    });
    // One a minute: the second send would wait a minute for its turn.
    let policy = SendPolicy {
        concurrency: 4,
        rate: std::num::NonZeroU32::new(1),
        ..SendPolicy::default()
    };
    SendMailing::new(
        store,
        Arc::clone(&mailer),
        PendingSleeps(fixed_clock()),
        policy,
    )
    .with_stop(signal)
    .deliver(RUN, &|_| {})
    .await
    .expect("stopped gracefully");
    assert_eq!(mailer.sent.load(SeqCst), 1);
    assert_eq!(recorded.lock().expect("lock").len(), 1);
}

/// A mailer whose first send raises the stop and is accepted; every send
/// after the stop is withdrawn unstarted, as a mailer does with sends
/// still waiting for a connection.
struct WithdrawsOnStop {
    stopper: Mutex<Option<crate::usecases::Stopper>>,
    signal: StopSignal,
    accepted: AtomicUsize,
}

#[async_trait::async_trait]
impl Mailer for WithdrawsOnStop {
    async fn send(&self, _email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        tokio::task::yield_now().await;
        if self.signal.is_stopped() {
            return Err(MailError::NotStarted("the sender is stopping".into()));
        }
        if let Some(stopper) = self.stopper.lock().expect("lock").take() {
            stopper.stop();
        }
        self.accepted.fetch_add(1, SeqCst);
        Ok(ServerReply("250 ok".into()))
    }
}

#[tokio::test]
async fn sends_the_mailer_did_not_start_are_handed_back_not_recorded() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_release_lease()
        .times(1)
        .returning(|_, _| Ok(4));
    store.expect_fail_remaining().never();
    let store = with_the_rest_of(
        store,
        store_with_batch(deliveries(5), Arc::clone(&recorded)),
    );
    let (stopper, signal) = StopSignal::new();
    let mailer = Arc::new(WithdrawsOnStop {
        stopper: Mutex::new(Some(stopper)),
        signal: signal.clone(),
        accepted: AtomicUsize::new(0),
    });
    let policy = SendPolicy {
        concurrency: 5,
        ..SendPolicy::default()
    };
    let totals = SendMailing::new(store, Arc::clone(&mailer), fixed_clock(), policy)
        .with_stop(signal)
        .deliver(RUN, &|_| {})
        .await
        .expect("stopped gracefully");
    assert!(!totals.is_finished());
    assert_eq!(mailer.accepted.load(SeqCst), 1);
    let recorded = recorded.lock().expect("lock");
    assert_eq!(
        recorded.len(),
        1,
        "only the send made is recorded: {recorded:?}"
    );
}

#[tokio::test]
async fn a_sender_sharing_a_run_follows_its_progress_instead_of_waiting_out_the_others_lease() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0() + Duration::days(1), true)));
    store.expect_run_message().returning(|_| Ok(None));
    store.expect_get_message().returning(|_| {
        Ok(Message {
            id: MessageId(2),
            subject: Subject::parse("Новости").expect("valid"),
            body_text: BodyText::parse("Здравствуйте!").expect("valid"),
            body_html: None,
            created_at: t0(),
        })
    });
    // Another sender holds every delivery, leased for another minute.
    store.expect_claim_deliveries().returning(|_, _, _, _| {
        Ok(Claim {
            token: LeaseToken("t".into()),
            deliveries: vec![],
        })
    });
    let looks = Arc::new(AtomicUsize::new(0));
    {
        let looks = Arc::clone(&looks);
        store.expect_get_run().returning(move |_| {
            let n = looks.fetch_add(1, SeqCst);
            Ok(run(u64::try_from(n.min(2)).expect("small"), 0))
        });
    }
    let mut seq = mockall::Sequence::new();
    store
        .expect_next_due()
        .times(2)
        .in_sequence(&mut seq)
        .returning(|_| Ok(Some(t0() + Duration::seconds(60))));
    // Then the other sender has finished every delivery.
    store
        .expect_next_due()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    store.expect_finish_run_if_done().returning(|_, at| {
        Ok(SendRun {
            finished_at: Some(at),
            ..run(2, 0)
        })
    });
    let mut clock = fixed_clock();
    clock
        .expect_sleep()
        .withf(|d| *d == StdDuration::from_secs(1))
        .times(2)
        .returning(|_| ());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress = {
        let seen = Arc::clone(&seen);
        move |r: &SendRun| seen.lock().expect("lock").push(r.sent)
    };
    let finished = SendMailing::new(store, MockMailer::new(), clock, SendPolicy::default())
        .deliver(RUN, &progress)
        .await
        .expect("delivered by the other sender");
    assert!(finished.is_finished());
    assert_eq!(
        *seen.lock().expect("lock"),
        [1, 2],
        "the other sender's progress is reported as it goes"
    );
}

/// A clock whose sleeps never end: a wait for the rate limit lasts until a stop.
struct PendingSleeps(crate::ports::clock::MockClock);

#[async_trait::async_trait]
impl Clock for PendingSleeps {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }

    async fn sleep(&self, _duration: StdDuration) {
        std::future::pending::<()>().await;
    }
}

/// The fixed clock, whose sleeps return at once.
fn fixed_clock_that_sleeps() -> crate::ports::clock::MockClock {
    let mut clock = fixed_clock();
    clock.expect_sleep().returning(|_| ());
    clock
}

/// `store`'s expectations first, then `base`'s for whatever `store` does not cover.
fn with_the_rest_of(mut store: MockStore, base: MockStore) -> MockStore {
    let base = Arc::new(base);
    macro_rules! delegate {
        ($port:ident, $expect:ident, $method:ident, ($($arg:ident),*)) => {{
            let base = Arc::clone(&base);
            store.$expect().returning(move |$($arg),*| {
                futures::executor::block_on(crate::ports::$port::$method(&*base, $($arg),*))
            });
        }};
    }
    let b = Arc::clone(&base);
    store.expect_get_mailing().returning(move |id| {
        futures::executor::block_on(crate::ports::MailingRepository::get_mailing(&*b, id))
    });
    let b = Arc::clone(&base);
    store.expect_get_message().returning(move |id| {
        futures::executor::block_on(crate::ports::MessageRepository::get_message(&*b, id))
    });
    delegate!(RunRepository, expect_get_run, get_run, (id));
    delegate!(RunRepository, expect_run_message, run_message, (id));
    delegate!(
        QueueRepository,
        expect_claim_deliveries,
        claim_deliveries,
        (r, l, n, u)
    );
    delegate!(
        QueueRepository,
        expect_record_results,
        record_results,
        (r, t, x)
    );
    delegate!(RunRepository, expect_next_due, next_due, (r));
    delegate!(
        RunRepository,
        expect_finish_run_if_done,
        finish_run_if_done,
        (r, n)
    );
    delegate!(
        QueueRepository,
        expect_fail_remaining,
        fail_remaining,
        (r, x, n)
    );
    store
}
