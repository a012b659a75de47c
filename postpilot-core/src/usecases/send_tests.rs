//! SendMailing against mocks of the store, the mailer and the clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use mockall::Sequence;

use super::send::{SendMailing, SendPolicy, WINDOW_CLOSED};
use crate::domain::*;
use crate::error::Error;
use crate::mocks::MockStore;
use crate::ports::clock::MockClock;
use crate::ports::mailer::MockMailer;
use crate::ports::{MailError, ServerReply};

pub(super) const RUN: RunId = RunId(11);
pub(super) const MAILING: MailingId = MailingId(5);

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("time")
}

pub(super) fn mailing(ends_at: DateTime<Utc>, launched: bool) -> Mailing {
    Mailing {
        id: MAILING,
        first_sent_at: t0() - Duration::hours(1),
        sent_completed_at: ends_at,
        message_id: MessageId(2),
        recipient_count: 2,
        launched_at: launched.then(t0),
        disabled: None,
    }
}

pub(super) fn message() -> Message {
    Message {
        id: MessageId(2),
        subject: Subject::parse("Новости").expect("valid"),
        body_text: BodyText::parse("Здравствуйте!").expect("valid"),
        body_html: None,
        created_at: t0(),
    }
}

pub(super) fn run(sent: u64, failed: u64) -> SendRun {
    SendRun {
        id: RUN,
        mailing_id: MAILING,
        trigger: Trigger::Cli,
        started_at: t0(),
        finished_at: None,
        total: 2,
        sent,
        failed,
        subject: Some("Новости".into()),
        skipped_unsubscribed: 0,
        skipped_bounced: 0,
        launched_by: None,
        launched_via: None,
    }
}

pub(super) fn delivery(id: i64, email: &str, tries: u32) -> Delivery {
    Delivery {
        id: DeliveryId(id),
        run_id: RUN,
        recipient_id: Some(RecipientId(id)),
        email: EmailAddress::parse(email).expect("valid"),
        full_name: FullName::parse("Получатель").expect("valid"),
        comment: Comment::parse("").expect("valid"),
        tries,
    }
}

/// The database's instance id in every test.
pub(super) fn instance() -> InstanceId {
    InstanceId::parse("0123456789abcdef").expect("valid instance id")
}

pub(super) fn fixed_clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(t0());
    clock
}

/// A clock each reading of which is `step` later than the one before,
/// from `t0()`.
pub(super) fn stepping_clock(step: Duration) -> MockClock {
    let ticks = std::sync::atomic::AtomicI32::new(0);
    let mut clock = MockClock::new();
    clock
        .expect_now()
        .returning(move || t0() + step * ticks.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
    clock
}

/// A store with a mailing ending in a day, whose one claim hands out `batch`.
pub(super) fn store_with_batch(
    batch: Vec<Delivery>,
    recorded: Arc<Mutex<Vec<DeliveryResult>>>,
) -> MockStore {
    store_with_batch_of_a_run_sending(batch, recorded, None)
}

/// As [`store_with_batch`], for a run that took `launched` at its launch
/// (`None`: a run from before runs kept their text, which sends the message).
pub(super) fn store_with_batch_of_a_run_sending(
    batch: Vec<Delivery>,
    recorded: Arc<Mutex<Vec<DeliveryResult>>>,
    launched: Option<RunMessage>,
) -> MockStore {
    let mut store = MockStore::new();
    store.expect_instance_id().returning(|| Ok(instance()));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0() + Duration::days(1), true)));
    if launched.is_some() {
        store.expect_get_message().never();
    } else {
        store.expect_get_message().returning(|_| Ok(message()));
    }
    store
        .expect_run_message()
        .returning(move |_| Ok(launched.clone()));
    store.expect_get_run().returning(|_| Ok(run(0, 0)));
    // The first claim hands out the batch, later ones find nothing due.
    let handed_out = std::sync::atomic::AtomicBool::new(false);
    store
        .expect_claim_deliveries()
        .returning(move |_, _, _, _| {
            let first = !handed_out.swap(true, std::sync::atomic::Ordering::SeqCst);
            Ok(Claim {
                token: LeaseToken(if first { "t1" } else { "t2" }.into()),
                deliveries: if first { batch.clone() } else { vec![] },
            })
        });
    store
        .expect_record_results()
        .withf(|run, token, _| *run == RUN && token.0 == "t1")
        .returning(move |_, _, results| {
            recorded.lock().expect("lock").extend_from_slice(results);
            Ok(run(1, 1))
        });
    store.expect_next_due().returning(|_| Ok(None));
    store.expect_finish_run_if_done().returning(|_, at| {
        Ok(SendRun {
            finished_at: Some(at),
            ..run(1, 1)
        })
    });
    store
}

#[tokio::test]
async fn permanent_failure_records_the_server_reply_and_the_run_goes_on_to_the_next_recipient() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let store = store_with_batch(
        vec![
            delivery(1, "bad@example.com", 0),
            delivery(2, "good@example.com", 0),
        ],
        Arc::clone(&recorded),
    );
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|e| e.to.as_str() == "bad@example.com")
        .times(1)
        .returning(|_| {
            Err(MailError::Permanent(
                "550 5.1.1 <bad@example.com>: Recipient address rejected".into(),
            ))
        });
    mailer
        .expect_send()
        .withf(|e| {
            e.to.as_str() == "good@example.com"
                && e.content.subject.as_str() == "Новости"
                && e.message_key == "postpilot.11.2.0123456789abcdef"
        })
        .times(1)
        .returning(|_| Ok(ServerReply("250 2.0.0 Ok: queued as 3F2A".into())));

    let use_case = SendMailing::new(store, mailer, fixed_clock(), SendPolicy::default());
    let finished = use_case.deliver(RUN, &|_| {}).await.expect("delivered");

    assert!(finished.finished_at.is_some());
    let recorded = recorded.lock().expect("lock");
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].status, AttemptStatus::Failure);
    assert!(
        recorded[0].response.contains("550 5.1.1"),
        "{}",
        recorded[0].response
    );
    assert_eq!(recorded[0].next, NextStep::Done);
    assert_eq!(recorded[1].status, AttemptStatus::Success);
    assert_eq!(recorded[1].response, "250 2.0.0 Ok: queued as 3F2A");
    assert_eq!(recorded[1].attempt_at, t0());
}

#[tokio::test]
async fn any_mailers_reply_and_error_are_recorded_with_their_control_characters_escaped() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let store = store_with_batch(
        vec![
            delivery(1, "bad@example.com", 0),
            delivery(2, "good@example.com", 0),
        ],
        Arc::clone(&recorded),
    );
    // A mailer of an embedder's, passing a server's text on as it came.
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|e| e.to.as_str() == "bad@example.com")
        .returning(|_| Err(MailError::Permanent("550 \0no\u{1b}[2J\u{7}".into())));
    mailer
        .expect_send()
        .withf(|e| e.to.as_str() == "good@example.com")
        .returning(|_| {
            Ok(ServerReply(
                "250 \u{fffd} as \0\u{7}ABC\u{1b}]0;x\u{7}".into(),
            ))
        });

    SendMailing::new(store, mailer, fixed_clock(), SendPolicy::default())
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");

    let recorded = recorded.lock().expect("lock");
    let responses: Vec<&str> = recorded.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(
        responses,
        [
            r"permanent failure: 550 \0no\u{1b}[2J\u{7}",
            "250 \u{fffd} as \\0\\u{7}ABC\\u{1b}]0;x\\u{7}",
        ]
    );
}

#[tokio::test]
async fn transient_failure_is_scheduled_for_retry_with_doubling_backoff_until_tries_run_out() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let store = store_with_batch(
        vec![
            delivery(1, "first@example.com", 0),
            delivery(2, "third@example.com", 2),
        ],
        Arc::clone(&recorded),
    );
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .times(2)
        .returning(|_| Err(MailError::Transient("451 4.3.0 try again later".into())));
    let policy = SendPolicy {
        max_tries: 3,
        retry_backoff: std::time::Duration::from_secs(10),
        ..SendPolicy::default()
    };
    SendMailing::new(store, mailer, fixed_clock(), policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");

    let recorded = recorded.lock().expect("lock");
    assert_eq!(
        recorded[0].next,
        NextStep::RetryAt(t0() + Duration::seconds(10))
    );
    assert!(recorded[0].response.contains("451 4.3.0"));
    // Its third try was the last one allowed: final.
    assert_eq!(recorded[1].next, NextStep::Done);
    assert_eq!(recorded[1].status, AttemptStatus::Failure);
}

#[tokio::test]
async fn sending_a_completed_mailing_is_refused_and_launches_nothing() {
    let mut store = MockStore::new();
    store.expect_instance_id().returning(|| Ok(instance()));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0(), true)));
    store.expect_launch_run().never();
    let mut mailer = MockMailer::new();
    mailer.expect_send().never();
    let err = SendMailing::new(store, mailer, fixed_clock(), SendPolicy::default())
        .send(MAILING, Trigger::Cli, Audience::Everyone, &|_| {})
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::MailingCompleted(MAILING)), "{err}");
}

#[tokio::test]
async fn a_run_sends_the_message_it_was_launched_with_not_the_message_as_edited_since() {
    let launched = RunMessage {
        subject: Subject::parse("Как запущено").expect("valid"),
        body_text: BodyText::parse("Текст на момент запуска").expect("valid"),
        body_html: None,
    };
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let store = store_with_batch_of_a_run_sending(
        vec![delivery(1, "a@example.com", 0)],
        Arc::clone(&recorded),
        Some(launched),
    );
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .withf(|e| {
            e.content.subject.as_str() == "Как запущено"
                && e.content.body_text.as_str() == "Текст на момент запуска"
        })
        .times(1)
        .returning(|_| Ok(ServerReply("250 2.0.0 Ok".into())));
    SendMailing::new(store, mailer, fixed_clock(), SendPolicy::default())
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");
    assert_eq!(recorded.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_created_mailing_is_launched_with_its_trigger_and_selection_at_the_clock_time() {
    let mut store = MockStore::new();
    store.expect_instance_id().returning(|| Ok(instance()));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0() + Duration::seconds(1), false)));
    store
        .expect_launch_run()
        .withf(|id, trigger, selection, now| {
            *id == MAILING
                && *trigger == Trigger::Ui
                && *selection == Audience::OnlyUnsent
                && *now == t0()
        })
        .times(1)
        .returning(|_, _, _, _| {
            Ok(Launch {
                run: run(0, 0),
                resumed: false,
            })
        });
    let launch = SendMailing::new(
        store,
        MockMailer::new(),
        fixed_clock(),
        SendPolicy::default(),
    )
    .launch(MAILING, Trigger::Ui, Audience::OnlyUnsent)
    .await
    .expect("launched");
    assert_eq!(launch.run.id, RUN);
}

#[tokio::test]
async fn deliveries_left_when_the_window_closes_are_recorded_as_not_sent() {
    let mut store = MockStore::new();
    store.expect_instance_id().returning(|| Ok(instance()));
    store.expect_get_run().returning(|_| Ok(run(0, 0)));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0(), true)));
    store.expect_get_message().returning(|_| Ok(message()));
    store.expect_run_message().returning(|_| Ok(None));
    store.expect_claim_deliveries().never();
    store
        .expect_fail_remaining()
        .withf(|run, reason, now| *run == RUN && reason == WINDOW_CLOSED && *now == t0())
        .times(1)
        .returning(|_, _, _| Ok(run(0, 2)));
    store.expect_finish_run_if_done().returning(|_, at| {
        Ok(SendRun {
            finished_at: Some(at),
            ..run(0, 2)
        })
    });
    let mut mailer = MockMailer::new();
    mailer.expect_send().never();
    let finished = SendMailing::new(store, mailer, fixed_clock(), SendPolicy::default())
        .deliver(RUN, &|_| {})
        .await
        .expect("closed");
    assert_eq!((finished.failed, finished.pending()), (2, 0));
}

#[tokio::test]
async fn a_run_waiting_for_a_retry_sleeps_until_it_is_due_looking_at_its_progress_each_second() {
    let mut store = MockStore::new();
    store.expect_instance_id().returning(|| Ok(instance()));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0() + Duration::days(1), true)));
    store.expect_get_message().returning(|_| Ok(message()));
    store.expect_run_message().returning(|_| Ok(None));
    store.expect_get_run().returning(|_| Ok(run(0, 0)));
    store.expect_claim_deliveries().returning(|_, _, _, _| {
        Ok(Claim {
            token: LeaseToken("t".into()),
            deliveries: vec![],
        })
    });
    let mut seq = Sequence::new();
    store
        .expect_next_due()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(Some(t0() + Duration::milliseconds(500))));
    store
        .expect_next_due()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(Some(t0() + Duration::seconds(30))));
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
    let mut sleeps = Sequence::new();
    clock
        .expect_sleep()
        .withf(|d| *d == std::time::Duration::from_millis(500))
        .times(1)
        .in_sequence(&mut sleeps)
        .returning(|_| ());
    clock
        .expect_sleep()
        .withf(|d| *d == std::time::Duration::from_secs(1))
        .times(1)
        .in_sequence(&mut sleeps)
        .returning(|_| ());
    SendMailing::new(store, MockMailer::new(), clock, SendPolicy::default())
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");
}

/// A store whose one claim hands out `n` deliveries; records go to `recorded`.
fn store_with_deliveries(n: i64, recorded: Arc<Mutex<Vec<DeliveryResult>>>) -> MockStore {
    let batch = (1..=n)
        .map(|i| delivery(i, &format!("r{i}@example.com"), 0))
        .collect();
    store_with_batch(batch, recorded)
}

/// Delivers a run of `n` deliveries with `mailer` under `policy`, recording
/// into `recorded`; checks every delivery got its result.
async fn deliver_all<M: crate::ports::Mailer>(
    n: i64,
    mailer: Arc<M>,
    recorded: &Arc<Mutex<Vec<DeliveryResult>>>,
    policy: SendPolicy,
) {
    let store = store_with_deliveries(n, Arc::clone(recorded));
    SendMailing::new(store, mailer, FixedOnTimer(fixed_clock()), policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");
    assert_eq!(
        recorded.lock().expect("lock").len(),
        usize::try_from(n).expect("small")
    );
}

/// The fixed clock, sleeping on tokio's timer: the grouping timer (on the
/// Clock port) runs while sends take real time.
struct FixedOnTimer(MockClock);

#[async_trait::async_trait]
impl crate::ports::Clock for FixedOnTimer {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }

    async fn sleep(&self, duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A mailer that takes a while per send and notes the most sends it saw at once.
#[derive(Default)]
struct SlowMailer {
    now: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl crate::ports::Mailer for SlowMailer {
    async fn send(&self, _email: &crate::ports::OutgoingEmail) -> Result<ServerReply, MailError> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(now, SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        self.now.fetch_sub(1, SeqCst);
        Ok(ServerReply("250 ok".into()))
    }
}

#[tokio::test]
async fn sends_run_concurrently_up_to_the_configured_limit_and_no_further() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mailer = Arc::new(SlowMailer::default());
    let policy = SendPolicy {
        concurrency: 4,
        ..SendPolicy::default()
    };
    deliver_all(20, Arc::clone(&mailer), &recorded, policy).await;
    assert_eq!(mailer.most.load(std::sync::atomic::Ordering::SeqCst), 4);
}

/// A mailer that notes, as each send starts, how many sends have started
/// whose result is not recorded yet.
struct CountingMailer {
    recorded: Arc<Mutex<Vec<DeliveryResult>>>,
    started: std::sync::atomic::AtomicUsize,
    most_unrecorded: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl crate::ports::Mailer for CountingMailer {
    async fn send(&self, _email: &crate::ports::OutgoingEmail) -> Result<ServerReply, MailError> {
        use std::sync::atomic::Ordering::SeqCst;
        let started = self.started.fetch_add(1, SeqCst) + 1;
        let recorded = self.recorded.lock().expect("lock").len();
        self.most_unrecorded.fetch_max(started - recorded, SeqCst);
        tokio::task::yield_now().await;
        Ok(ServerReply("250 ok".into()))
    }
}

#[tokio::test]
async fn sends_go_on_while_results_wait_to_be_recorded_up_to_max_unrecorded() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mailer = Arc::new(CountingMailer {
        recorded: Arc::clone(&recorded),
        started: 0.into(),
        most_unrecorded: 0.into(),
    });
    // Results are let gather up to half the window (3) while sends go on:
    // with 4 in flight, only the bound keeps that under 7.
    let policy = SendPolicy {
        concurrency: 4,
        max_unrecorded: 6,
        ..SendPolicy::default()
    };
    deliver_all(40, Arc::clone(&mailer), &recorded, policy).await;
    let most = mailer
        .most_unrecorded
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(most <= 6, "{most} sends out unrecorded, more than 6");
    assert_eq!(most, 6, "results gather up to the bound while sends go on");
}

/// A mailer whose sends to `slow` take a while, the first of them noting
/// how many results were recorded by then; every other send is instant.
struct SlowSends {
    slow: [&'static str; 2],
    recorded: Arc<Mutex<Vec<DeliveryResult>>>,
    recorded_meanwhile: Mutex<Option<usize>>,
}

#[async_trait::async_trait]
impl crate::ports::Mailer for SlowSends {
    async fn send(&self, email: &crate::ports::OutgoingEmail) -> Result<ServerReply, MailError> {
        if self.slow.contains(&email.to.as_str()) {
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
            let recorded = self.recorded.lock().expect("lock").len();
            self.recorded_meanwhile
                .lock()
                .expect("lock")
                .get_or_insert(recorded);
        }
        Ok(ServerReply("250 ok".into()))
    }
}

#[tokio::test]
async fn results_back_are_recorded_while_slow_sends_are_still_out() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    // r1 comes back at once; r2 and r3 then hold both connections while
    // seven more wait in the queue: nothing else wakes the loop.
    let mailer = Arc::new(SlowSends {
        slow: ["r2@example.com", "r3@example.com"],
        recorded: Arc::clone(&recorded),
        recorded_meanwhile: Mutex::new(None),
    });
    let policy = SendPolicy {
        concurrency: 2,
        max_unrecorded: 30,
        ..SendPolicy::default()
    };
    deliver_all(10, Arc::clone(&mailer), &recorded, policy).await;
    assert_eq!(
        *mailer.recorded_meanwhile.lock().expect("lock"),
        Some(1),
        "the quick result was recorded while the slow sends were out"
    );
}

/// A mailer whose send to `quick` comes back at once; every other send
/// takes a second, noting a tenth of a second in how many results were
/// recorded by then.
struct HeldSends {
    quick: &'static str,
    recorded: Arc<Mutex<Vec<DeliveryResult>>>,
    seen: Mutex<Vec<usize>>,
}

#[async_trait::async_trait]
impl crate::ports::Mailer for HeldSends {
    async fn send(&self, email: &crate::ports::OutgoingEmail) -> Result<ServerReply, MailError> {
        if email.to.as_str() != self.quick {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let recorded = self.recorded.lock().expect("lock").len();
            self.seen.lock().expect("lock").push(recorded);
            tokio::time::sleep(std::time::Duration::from_millis(900)).await;
        }
        Ok(ServerReply("250 ok".into()))
    }
}

#[tokio::test(start_paused = true)]
async fn results_that_fill_every_slot_are_recorded_at_once_not_after_the_group_wait() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    // r1 comes back at once and r4 takes its place: three out and one
    // result back fill the four slots, so no send could start before it is
    // recorded; it is, without waiting for a group of two or for 200 ms.
    let mailer = Arc::new(HeldSends {
        quick: "r1@example.com",
        recorded: Arc::clone(&recorded),
        seen: Mutex::new(Vec::new()),
    });
    let policy = SendPolicy {
        concurrency: 3,
        max_unrecorded: 4,
        ..SendPolicy::default()
    };
    deliver_all(6, Arc::clone(&mailer), &recorded, policy).await;
    let seen = mailer.seen.lock().expect("lock").clone();
    assert_eq!(
        seen.first(),
        Some(&1),
        "r1 was recorded within 100 ms: {seen:?}"
    );
}

#[tokio::test]
async fn a_server_that_stays_down_is_given_up_and_the_rest_is_recorded_as_not_sent() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = store_with_deliveries(10, Arc::clone(&recorded));
    store
        .expect_fail_remaining()
        .withf(|_, reason, _| {
            reason.starts_with("not sent: gave up after 3 temporary failures in a row")
        })
        .times(1)
        .returning(|_, _, _| Ok(run(0, 10)));
    let mut mailer = MockMailer::new();
    mailer.expect_send().times(3).returning(|_| {
        Err(MailError::Transient(
            "connection refused: 127.0.0.1:25".into(),
        ))
    });
    let policy = SendPolicy {
        concurrency: 1,
        give_up_after: 3,
        ..SendPolicy::default()
    };
    SendMailing::new(store, mailer, fixed_clock(), policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");

    let recorded = recorded.lock().expect("lock");
    assert_eq!(recorded.len(), 10, "every claimed delivery is recorded");
    let tried = recorded
        .iter()
        .filter(|r| r.response.starts_with("temporary failure"))
        .count();
    assert_eq!(tried, 3);
    let given_up: Vec<_> = recorded
        .iter()
        .filter(|r| r.response.starts_with("not sent: gave up"))
        .collect();
    assert_eq!(given_up.len(), 7);
    assert!(given_up
        .iter()
        .all(|r| r.next == NextStep::Done && r.status == AttemptStatus::Failure));
}

#[tokio::test]
async fn a_refused_login_ends_the_run_at_once_and_the_rest_is_recorded_as_not_sent_with_the_reply()
{
    let refusal = "535 5.7.8 Authentication credentials invalid";
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = store_with_deliveries(10, Arc::clone(&recorded));
    store
        .expect_fail_remaining()
        .withf(move |_, reason, _| {
            reason == format!("not sent: the SMTP server refused the login: {refusal}")
        })
        .times(1)
        .returning(|_, _, _| Ok(run(0, 10)));
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .times(1)
        .returning(move |_| Err(MailError::LoginFailed(refusal.into())));
    let policy = SendPolicy {
        concurrency: 1,
        max_tries: 5,
        ..SendPolicy::default()
    };
    SendMailing::new(store, mailer, fixed_clock(), policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");

    let recorded = recorded.lock().expect("lock");
    assert_eq!(recorded.len(), 10, "every claimed delivery is recorded");
    assert!(recorded
        .iter()
        .all(|r| r.next == NextStep::Done && r.status == AttemptStatus::Failure));
    assert_eq!(recorded[0].response, format!("login refused: {refusal}"));
    assert!(recorded[1..]
        .iter()
        .all(|r| r.response == format!("not sent: the SMTP server refused the login: {refusal}")));
}

#[tokio::test]
async fn rate_limit_spaces_sends_evenly() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let store = store_with_deliveries(3, Arc::clone(&recorded));
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .times(3)
        .returning(|_| Ok(ServerReply("250 ok".into())));
    let waits = Arc::new(Mutex::new(Vec::new()));
    let mut clock = fixed_clock();
    let seen = Arc::clone(&waits);
    clock
        .expect_sleep()
        .returning(move |d| seen.lock().expect("lock").push(d));
    let policy = SendPolicy {
        concurrency: 1,
        rate: std::num::NonZeroU32::new(4),
        ..SendPolicy::default()
    };
    SendMailing::new(store, mailer, clock, policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");
    let waits = waits.lock().expect("lock").clone();
    assert_eq!(
        waits,
        [
            std::time::Duration::from_millis(250),
            std::time::Duration::from_millis(500)
        ]
    );
}

#[tokio::test]
async fn claims_being_worked_on_have_their_lease_renewed_as_time_passes() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = store_with_batch(
        vec![
            delivery(1, "a@example.com", 0),
            delivery(2, "b@example.com", 0),
            delivery(3, "c@example.com", 0),
        ],
        Arc::clone(&recorded),
    );
    store
        .expect_renew_lease()
        .withf(|run, token, until| *run == RUN && token.0 == "t1" && *until > t0())
        .times(1..)
        .returning(|_, _, _| Ok(2));
    // Every reading of the clock is half a minute after the last one.
    let clock = stepping_clock(Duration::seconds(30));
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .times(3)
        .returning(|_| Ok(ServerReply("250 ok".into())));
    // One at a time, so the claim stays open across several turns.
    let policy = SendPolicy {
        concurrency: 1,
        ..SendPolicy::default()
    };
    SendMailing::new(store, mailer, clock, policy)
        .deliver(RUN, &|_| {})
        .await
        .expect("delivered");
    assert_eq!(recorded.lock().expect("lock").len(), 3);
}
