//! Timings of the paths that scale with the number of recipients, on a real
//! file. Ignored by default; run with
//! `cargo test --release -p postpilot-store-sqlx --test bench -- --ignored --nocapture`
//! (`BENCH_ROWS` sets the number of recipients, 1,000,000 by default).

use std::time::Instant;

use chrono::Duration;
use postpilot_core::domain::{AttemptStatus, Audience, NextStep, Page, RecipientIds, Trigger};
use postpilot_core::ports::{
    AttemptRepository, MailingRepository, QueueRepository, RecipientRepository, RunRepository,
    StatsRepository,
};
use postpilot_store_sqlx::SqliteStore;
use tempfile::TempDir;

mod contract;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it in release mode"]
async fn import_launch_and_deliver_at_scale() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = SqliteStore::connect(&url).await.expect("connected");
    let recipients: Vec<_> = (0..rows)
        .map(|i| contract::recipient(&format!("user{i}@example.com")))
        .collect();

    let started = Instant::now();
    for chunk in recipients.chunks(5_000) {
        store.insert_recipients(chunk).await.expect("imported");
    }
    eprintln!("import of {rows} recipients: {:?}", started.elapsed());

    let ids = store.all_recipient_ids().await.expect("ids");
    let message = contract::add_message(&store).await;
    let started = Instant::now();
    let mailing = store
        .insert_mailing(&contract::new_mailing(
            message,
            RecipientIds::new(ids).expect("distinct").as_slice(),
        ))
        .await
        .expect("mailing");
    eprintln!("mailing of {rows} recipients: {:?}", started.elapsed());

    let now = contract::at(1);
    let started = Instant::now();
    let run = store
        .launch_run(mailing.id, Trigger::Cli, Audience::Everyone, now)
        .await
        .expect("launched")
        .run;
    eprintln!(
        "launch of {} deliveries: {:?}",
        run.total,
        started.elapsed()
    );

    let started = Instant::now();
    let mut delivered = 0;
    for _ in 0..100 {
        let claim = store
            .claim_deliveries(run.id, 500, now, now + Duration::minutes(15))
            .await
            .expect("claimed");
        let results: Vec<_> = claim
            .deliveries
            .iter()
            .map(|d| contract::result(d, AttemptStatus::Success, NextStep::Done, now))
            .collect();
        store
            .record_results(run.id, &claim.token, &results)
            .await
            .expect("recorded");
        delivered += results.len();
    }
    eprintln!(
        "claim and record of {delivered} deliveries: {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    store.stats(now).await.expect("stats");
    store
        .list_attempts(mailing.id, Page::new(0, 50))
        .await
        .expect("attempts");
    eprintln!("stats and a page of attempts: {:?}", started.elapsed());
    store.close().await;
}
