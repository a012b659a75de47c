//! The worker against mocks: scheduling at the first send time, and passes
//! over unfinished runs.

use std::sync::{Arc, Mutex};

use chrono::Duration;

use super::send::{SendMailing, SendPolicy};
use super::send_tests::{delivery, fixed_clock, mailing, run, store_with_batch, t0, MAILING, RUN};
use super::worker::Worker;
use crate::domain::*;
use crate::mocks::MockStore;
use crate::ports::mailer::MockMailer;
use crate::ports::ServerReply;

fn worker(
    store: MockStore,
    mailer: MockMailer,
) -> Worker<MockStore, MockMailer, crate::ports::clock::MockClock> {
    Worker::new(SendMailing::new(
        store,
        mailer,
        fixed_clock(),
        SendPolicy::default(),
    ))
}

#[tokio::test]
async fn a_pass_launches_each_due_mailing_with_the_schedule_trigger() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_due_mailings()
        .withf(|now, _| *now == t0())
        .returning(|_, _| Ok(vec![MAILING]));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0() + Duration::days(1), false)));
    store
        .expect_launch_run()
        .withf(|id, trigger, selection, _| {
            *id == MAILING && *trigger == Trigger::Schedule && *selection == Audience::Everyone
        })
        .times(1)
        .returning(|_, _, _, _| {
            Ok(Launch {
                run: run(0, 0),
                resumed: false,
            })
        });
    store.expect_unfinished_runs().returning(|_| Ok(vec![]));
    let pass = worker(store, MockMailer::new())
        .pass(&|_| {})
        .await
        .expect("pass");
    assert_eq!(pass.launched, 1);
}

#[tokio::test]
async fn a_due_mailing_that_completed_meanwhile_is_skipped_not_an_error() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_due_mailings()
        .returning(|_, _| Ok(vec![MAILING]));
    store
        .expect_get_mailing()
        .returning(|_| Ok(mailing(t0(), false)));
    store.expect_launch_run().never();
    store.expect_unfinished_runs().returning(|_| Ok(vec![]));
    let pass = worker(store, MockMailer::new())
        .pass(&|_| {})
        .await
        .expect("pass");
    assert_eq!(pass.launched, 0);
}

#[tokio::test]
async fn a_pass_delivers_what_is_due_of_every_unfinished_run() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = store_with_batch(
        vec![
            delivery(1, "a@example.com", 0),
            delivery(2, "b@example.com", 0),
        ],
        Arc::clone(&recorded),
    );
    store.expect_due_mailings().returning(|_, _| Ok(vec![]));
    store.expect_unfinished_runs().returning(|_| Ok(vec![RUN]));
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .times(2)
        .returning(|_| Ok(ServerReply("250 ok".into())));
    let pass = worker(store, mailer).pass(&|_| {}).await.expect("pass");
    assert_eq!(pass.unfinished, 1);
    assert_eq!(recorded.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn until_idle_returns_once_no_run_is_unfinished_and_nothing_is_due() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store
        .expect_due_mailings()
        .times(2)
        .returning(|_, _| Ok(vec![]));
    store
        .expect_unfinished_runs()
        .times(2)
        .returning(|_| Ok(vec![]));
    let total = worker(store, MockMailer::new())
        .run_until_idle(&|_| {})
        .await
        .expect("idle");
    assert_eq!(total, super::worker::Pass::default());
}

#[tokio::test]
async fn with_the_scheduler_off_a_pass_launches_nothing_and_only_delivers() {
    let mut store = MockStore::new();
    store
        .expect_instance_id()
        .returning(|| Ok(crate::usecases::send_tests::instance()));
    store.expect_due_mailings().never();
    store.expect_launch_run().never();
    store.expect_unfinished_runs().returning(|_| Ok(vec![]));
    let mut worker = worker(store, MockMailer::new());
    worker.schedule = false;
    let pass = worker.pass(&|_| {}).await.expect("pass");
    assert_eq!(pass, super::worker::Pass::default());
    let idle = worker.run_until_idle(&|_| {}).await.expect("idle");
    assert_eq!(idle, super::worker::Pass::default());
}

#[tokio::test]
async fn a_pass_counts_the_runs_it_finished() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let mut store = store_with_batch(vec![delivery(1, "a@example.com", 0)], Arc::clone(&recorded));
    store.expect_due_mailings().returning(|_, _| Ok(vec![]));
    store.expect_unfinished_runs().returning(|_| Ok(vec![RUN]));
    let mut mailer = MockMailer::new();
    mailer
        .expect_send()
        .returning(|_| Ok(ServerReply("250 ok".into())));
    let pass = worker(store, mailer).pass(&|_| {}).await.expect("pass");
    assert_eq!((pass.unfinished, pass.finished), (1, 1));
}
