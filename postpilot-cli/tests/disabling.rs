//! Disabling a mailing through the real binary (ARCHITECTURE.md, "Users
//! and ownership"): the scheduler does not start it, `mailing send`
//! refuses it, a run under way stops and records what it did not send,
//! and enabling it allows sending again; a user's role may do neither.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::sink::{dump_dir, dump_template, received, Sink};
use support::Env;

#[test]
fn a_disabled_mailing_is_neither_scheduled_nor_sent_until_enabled_again() {
    let env = Env::new();
    let id = env.mailing_to_new_recipients(2);
    let disabled = env.json(&["mailing", "disable", &id]);
    assert!(disabled["disabled_at"].is_string(), "{disabled}");
    assert_eq!(disabled["disabled_by"], serde_json::Value::Null);
    assert!(env.ok(&["mailing", "show", &id]).contains("disabled since"));

    // Its first send time has come, yet the scheduler passes it over.
    let pass = env.json(&["worker", "--until-idle"]);
    assert_eq!(pass["launched"], 0, "{pass}");
    let refused = env.fails(1, &["mailing", "send", &id]);
    assert!(
        refused.contains(&format!("mailing {id} is disabled")),
        "{refused}"
    );
    assert!(env.attempts(&id).is_empty());
    assert_eq!(env.json(&["mailing", "runs", &id]), serde_json::json!([]));

    let enabled = env.json(&["mailing", "enable", &id]);
    assert_eq!(enabled["disabled_at"], serde_json::Value::Null);
    let pass = env.json(&["worker", "--until-idle"]);
    assert_eq!(
        (pass["launched"].clone(), pass["delivered"].clone()),
        (1.into(), 2.into())
    );
}

#[test]
fn a_run_under_way_stops_when_its_mailing_is_disabled_and_records_the_rest_as_not_sent() {
    let env = Env::new();
    let dir = dump_dir(env.dir.path());
    let template = dump_template(&dir);
    // A second per email, one at a time: the run takes 8 s undisturbed.
    let Some(sink) = Sink::start(&["-w", "1", "-d", &template]) else {
        return;
    };
    let id = env.mailing_to_new_recipients(8);
    let url = sink.url();
    let mut sender = Command::new(assert_cmd::cargo::cargo_bin("postpilot"))
        .current_dir(env.dir.path())
        .env("POSTPILOT_DATABASE_URL", env.db_url())
        .env_remove("RUST_LOG")
        .args([
            "--smtp-url",
            &url,
            "--concurrency",
            "1",
            "--max-unrecorded",
            "1",
        ])
        .args(["mailing", "send", &id])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(env.dir.path().join("send.log")).expect("log"))
        .spawn()
        .expect("postpilot starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.attempts(&id).is_empty() {
        assert!(Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(100));
    }
    env.ok(&["mailing", "disable", &id]);
    let stopped_by = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = sender.try_wait().expect("waited") {
            break status;
        }
        assert!(
            Instant::now() < stopped_by,
            "the send went on after the disable"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // Exit 1, saying why and how to send the rest.
    let log = std::fs::read_to_string(env.dir.path().join("send.log")).expect("log");
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("was disabled while it was being sent"),
        "{log}"
    );
    assert!(log.contains("--only-unsent"), "{log}");

    let attempts = env.attempts(&id);
    assert_eq!(attempts.len(), 8, "one attempt per recipient: {attempts:?}");
    let not_sent = attempts
        .iter()
        .filter(|a| a["response"] == "not sent: the mailing was disabled")
        .count();
    let sent = attempts.iter().filter(|a| a["status"] == "success").count();
    assert!(
        not_sent >= 4,
        "{not_sent} recorded as not sent: {attempts:?}"
    );
    assert_eq!(sent + not_sent, 8);
    assert_eq!(
        received(&dir).len(),
        sent,
        "the sink got exactly what was sent"
    );

    // Enabled again, the rest are sent and no one twice.
    env.ok(&["mailing", "enable", &id]);
    env.ok(&["--smtp-url", &url, "mailing", "send", &id, "--only-unsent"]);
    let got = received(&dir);
    assert_eq!(got.len(), 8, "{got:?}");
    assert!(got.values().all(|n| *n == 1), "{got:?}");
}

#[test]
fn a_users_role_may_not_disable_a_mailing_and_a_manager_may() {
    let env = Env::new();
    let id = env.mailing_to_new_recipients(1);
    env.add_user("anna@example.com", "user");
    env.add_user("mia@example.com", "manager");
    let refused = env.fails(1, &["--as", "anna@example.com", "mailing", "disable", &id]);
    assert!(refused.contains("may not disable mailings"), "{refused}");
    assert_eq!(
        env.json(&["mailing", "show", &id])["disabled_at"],
        serde_json::Value::Null
    );

    let disabled = env.json(&["--as", "mia@example.com", "mailing", "disable", &id]);
    let mia = env.json(&["user", "list"]);
    let mia_id = mia
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["email"] == "mia@example.com")
        .expect("mia")["id"]
        .clone();
    assert_eq!(disabled["disabled_by"], mia_id);
}
