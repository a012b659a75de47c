//! The delivery engine end to end, through the real binary: workers,
//! scheduling, resuming after `kill -9`, several workers on PostgreSQL, and
//! the retry policy per error class against a real smtp-sink.

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::sink::{dump_dir, dump_template, received, Sink};
use support::Env;

fn attempts(env: &Env, mailing: &str) -> Vec<serde_json::Value> {
    env.json(&["mailing", "attempts", mailing])
        .as_array()
        .expect("array")
        .clone()
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("postpilot"))
        .current_dir(env.dir.path())
        .env("POSTPILOT_DATABASE_URL", env.db_url())
        .env("POSTPILOT_OUTBOX_DIR", env.outbox())
        .env_remove("RUST_LOG")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postpilot starts")
}

#[test]
fn worker_until_idle_delivers_a_detached_run() {
    let env = Env::new();
    let id = env.mailing_to_new_recipients(5);
    env.ok(&["mailing", "send", &id, "--detach"]);
    assert!(attempts(&env, &id).is_empty());
    let report = env.json(&["worker", "--until-idle"]);
    assert_eq!(report["delivered"], 5);
    assert_eq!(report["unfinished"], 0);
    let runs = env.json(&["mailing", "runs", &id]);
    assert_eq!(runs[0]["sent"], 5);
    assert!(runs[0]["finished_at"].is_string());
}

#[test]
fn worker_launches_a_mailing_whose_first_send_time_has_come_and_no_other() {
    let env = Env::new();
    let due = env.mailing_to_new_recipients(2);
    let now = chrono::Utc::now();
    let later = env.ok(&[
        "mailing",
        "add",
        "--message",
        "1",
        "--start",
        &(now + chrono::Duration::hours(1)).to_rfc3339(),
        "--end",
        &(now + chrono::Duration::days(1)).to_rfc3339(),
        "--all-recipients",
    ]);
    let report = env.json(&["worker", "--until-idle"]);
    assert_eq!(report["launched"], 1);
    let runs = env.json(&["mailing", "runs", &due]);
    assert_eq!(runs[0]["trigger"], "schedule");
    assert_eq!(runs[0]["sent"], 2);
    assert_eq!(env.json(&["mailing", "show", &later])["status"], "created");
    // Launched once: a second worker finds nothing to do.
    assert_eq!(env.json(&["worker", "--until-idle"])["launched"], 0);
}

/// Sends a 12-recipient mailing 2 at a time to a sink that takes a second
/// per message, kills the sender with SIGKILL mid-run, sends again, and
/// checks what the sink received.
fn killed_send_is_finished_by_sending_again(env: &Env) {
    let dir = dump_dir(env.dir.path());
    let template = dump_template(&dir);
    let Some(sink) = Sink::start(&["-w", "1", "-d", &template]) else {
        return;
    };
    let id = env.mailing_to_new_recipients(12);
    let url = sink.url();
    let args = [
        "--smtp-url",
        &url,
        "--concurrency",
        "2",
        "--max-unrecorded",
        "2",
        "--lease",
        "1s",
        "mailing",
        "send",
        &id,
    ];
    let mut first = spawn(env, &args);
    let deadline = Instant::now() + Duration::from_secs(60);
    while attempts(env, &id).len() < 4 {
        assert!(Instant::now() < deadline, "no progress before the kill");
        std::thread::sleep(Duration::from_millis(100));
    }
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let before = attempts(env, &id).len();
    assert!(before < 12, "killed mid-run ({before} recorded)");

    let summary = env.json(&args);
    assert_eq!(summary["resumed"], true);
    assert_eq!(summary["run"]["sent"], 12);
    assert_eq!(
        env.json(&["mailing", "runs", &id])
            .as_array()
            .expect("runs")
            .len(),
        1
    );

    let got = received(&dir);
    assert_eq!(got.len(), 12, "every recipient got the email");
    let duplicates: usize = got.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= 2,
        "{duplicates} duplicates, more than the 2 sends that may go unrecorded"
    );
}

#[test]
fn killed_send_on_sqlite_is_finished_by_sending_again_missing_no_one() {
    killed_send_is_finished_by_sending_again(&Env::new());
}

#[test]
fn killed_send_on_postgres_is_finished_by_sending_again_missing_no_one() {
    let Some(env) = Env::postgres("killed_send_on_postgres") else {
        return;
    };
    killed_send_is_finished_by_sending_again(&env);
}

#[test]
fn two_workers_on_postgres_share_a_run_and_deliver_each_recipient_once() {
    let Some(env) = Env::postgres("two_workers_share_a_run") else {
        return;
    };
    let dir = dump_dir(env.dir.path());
    let template = dump_template(&dir);
    let Some(sink) = Sink::start(&["-w", "1", "-d", &template]) else {
        return;
    };
    let id = env.mailing_to_new_recipients(24);
    env.ok(&["mailing", "send", &id, "--detach"]);
    let url = sink.url();
    let args = [
        "--smtp-url",
        &url,
        "--concurrency",
        "2",
        "worker",
        "--until-idle",
    ];
    let workers: Vec<Child> = (0..2).map(|_| spawn(&env, &args)).collect();
    for mut w in workers {
        assert!(w.wait().expect("worker ends").success());
    }
    let got = received(&dir);
    assert_eq!(got.len(), 24);
    assert!(
        got.values().all(|n| *n == 1),
        "a recipient got the email twice: {got:?}"
    );
    let run = &env.json(&["mailing", "runs", &id])[0];
    assert_eq!(
        (run["sent"].as_u64(), run["failed"].as_u64()),
        (Some(24), Some(0))
    );
}

#[test]
fn soft_rejections_are_retried_up_to_the_limit_each_try_recorded() {
    let Some(sink) = Sink::start(&["-r", "RCPT"]) else {
        return;
    };
    let env = Env::new();
    let id = env.mailing_to_new_recipients(2);
    let url = sink.url();
    env.fails(
        1,
        &[
            "--smtp-url",
            &url,
            "--max-tries",
            "3",
            "--retry-backoff",
            "10ms",
            "mailing",
            "send",
            &id,
        ],
    );
    let recorded = attempts(&env, &id);
    assert_eq!(recorded.len(), 6, "three tries per recipient");
    assert!(recorded
        .iter()
        .all(|a| a["status"] == "failure" && a["response"].as_str().expect("text").contains("4")));
}

#[test]
fn connection_lost_after_the_body_is_recorded_once_as_unknown_and_not_retried() {
    let Some(sink) = Sink::start(&["-q", "."]) else {
        return;
    };
    let env = Env::new();
    let id = env.mailing_to_new_recipients(2);
    let url = sink.url();
    env.fails(
        1,
        &[
            "--smtp-url",
            &url,
            "--retry-backoff",
            "10ms",
            "mailing",
            "send",
            &id,
        ],
    );
    let recorded = attempts(&env, &id);
    assert_eq!(recorded.len(), 2, "at most once: never retried");
    for a in &recorded {
        assert_eq!(a["status"], "failure");
        assert!(
            a["response"]
                .as_str()
                .expect("text")
                .starts_with("unknown outcome"),
            "{a}"
        );
    }
}

#[test]
fn a_long_fast_send_with_short_leases_renews_and_claims_while_recording() {
    let Some(sink) = Sink::start(&[]) else { return };
    let env = Env::new();
    let id = env.mailing_to_new_recipients(3000);
    let url = sink.url();
    // A 1 s lease is renewed every third of a second, and claims come every
    // 16 sends, while records are being written: none may wait on another.
    let summary = env.json(&["--smtp-url", &url, "--lease", "1s", "mailing", "send", &id]);
    assert_eq!(summary["run"]["sent"], 3000);
    assert!(summary["elapsed_seconds"].as_f64().expect("seconds") < 60.0);
}

#[test]
fn mailing_send_sharing_a_run_with_a_worker_returns_when_the_run_is_done_not_after_its_lease() {
    let Some(env) = Env::postgres("send_shares_a_run_with_a_worker") else {
        return;
    };
    let dir = dump_dir(env.dir.path());
    let template = dump_template(&dir);
    let Some(sink) = Sink::start(&["-w", "1", "-d", &template]) else {
        return;
    };
    let id = env.mailing_to_new_recipients(16);
    env.ok(&["mailing", "send", &id, "--detach"]);
    let url = sink.url();
    let started = Instant::now();
    // The worker claims first, every delivery in one batch (4 × its
    // concurrency); `mailing send` then finds the whole run leased by it.
    let mut worker = spawn(
        &env,
        &[
            "--smtp-url",
            &url,
            "--concurrency",
            "8",
            "worker",
            "--until-idle",
        ],
    );
    std::thread::sleep(Duration::from_millis(500));
    let out = env
        .cmd()
        .args(["--smtp-url", &url, "--concurrency", "2", "--json"])
        .args(["mailing", "send", &id])
        .timeout(Duration::from_secs(50))
        .output()
        .expect("mailing send runs");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(worker.wait().expect("worker ends").success());
    // The lease is 60 s; the run itself takes about 2 s.
    assert!(
        took < Duration::from_secs(20),
        "mailing send returned after {took:?}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["run"]["sent"], 16);
    assert!(summary["run"]["finished_at"].is_string());
    let got = received(&dir);
    assert_eq!(got.len(), 16);
    assert!(got.values().all(|n| *n == 1), "{got:?}");
}
