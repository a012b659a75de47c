//! Stopping gracefully: SIGTERM to `serve`, `worker` or `mailing send` in
//! the middle of a run, against a server that holds its reply to each email
//! for a second. Each stops claiming at once, lets the sends in flight
//! finish and records them, hands back the deliveries it had not started,
//! and exits within `--smtp-timeout` and a margin; a following `mailing
//! send` then finishes the run at once, without waiting out a lease.

#[path = "serve/running.rs"]
mod running;
mod support;

use std::collections::HashMap;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use running::Running;
use support::counting::CountingSmtp;
use support::Env;

/// Recipients of the mailing: far more than are sent before the stop.
const N: usize = 40;
const SMTP_TIMEOUT: &str = "5s";
/// `--smtp-timeout` and the margin postpilot takes to record and hand back.
const BOUND: Duration = Duration::from_secs(15);
const TOKEN: &str = "a-chosen-token-0123456789";

#[derive(Debug, Clone, Copy)]
enum Sender {
    Serve,
    Worker,
    MailingSend,
}

/// The options every sender here runs with: 4 sends in flight, each held
/// a second by the server, none allowed more than 5 s, and the default
/// 60 s lease (which a following send must not have to wait out).
fn options(smtp: &CountingSmtp) -> Vec<(&'static str, String)> {
    vec![
        ("POSTPILOT_SMTP_URL", smtp.url()),
        ("POSTPILOT_SEND_CONCURRENCY", "4".to_owned()),
        ("POSTPILOT_SMTP_TIMEOUT", SMTP_TIMEOUT.to_owned()),
    ]
}

/// `postpilot ARGS` in the background, its stderr kept in `log`.
fn spawn(env: &Env, smtp: &CountingSmtp, args: &[&str], log: &str) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("postpilot"))
        .current_dir(env.dir.path())
        .env("POSTPILOT_DATABASE_URL", env.db_url())
        .env_remove("RUST_LOG")
        .envs(options(smtp))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(env.dir.path().join(log)).expect("log file"))
        .spawn()
        .expect("postpilot starts")
}

/// Sends SIGTERM to `child`; waits (at most `within`) for it to exit.
fn terminate(child: &mut Child, within: Duration) -> (Option<ExitStatus>, Duration) {
    let asked = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill ran");
    assert!(status.success());
    while asked.elapsed() < within {
        if let Some(exit) = child.try_wait().expect("waited") {
            return (Some(exit), asked.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    (None, asked.elapsed())
}

/// What stopping `sender` mid-run left behind.
fn stop_mid_run(env: &Env, sender: Sender) {
    let mailing = env.mailing_to_new_recipients(N);
    let smtp = CountingSmtp::start(Duration::from_secs(1));
    let log = env.dir.path().join("sender.log");
    let (exit, took) = match sender {
        Sender::Serve => {
            let opts = options(&smtp);
            let mut envs: Vec<(&str, &str)> = opts.iter().map(|(k, v)| (*k, v.as_str())).collect();
            envs.push(("POSTPILOT_API_TOKEN", TOKEN));
            let mut server = Running::start(env.dir.path(), &envs);
            let bearer = format!("Bearer {TOKEN}");
            let (status, answer) = server.post(
                &format!("/api/v1/mailings/{mailing}/send"),
                &[("Authorization", &bearer)],
                "{}",
            );
            assert!(status.contains("202"), "{answer}");
            assert!(
                smtp.wait_for(8, Duration::from_secs(30)),
                "{}",
                server.log()
            );
            let asked = Instant::now();
            let exit = server.terminate(BOUND + Duration::from_secs(15));
            std::fs::write(&log, server.log()).expect("log");
            (exit, asked.elapsed())
        }
        Sender::Worker => {
            env.ok(&["mailing", "send", &mailing, "--detach"]);
            let mut worker = spawn(env, &smtp, &["worker"], "sender.log");
            assert!(smtp.wait_for(8, Duration::from_secs(30)), "no progress");
            terminate(&mut worker, BOUND + Duration::from_secs(15))
        }
        Sender::MailingSend => {
            let mut send = spawn(env, &smtp, &["mailing", "send", &mailing], "sender.log");
            assert!(smtp.wait_for(8, Duration::from_secs(30)), "no progress");
            terminate(&mut send, BOUND + Duration::from_secs(15))
        }
    };
    let log = std::fs::read_to_string(&log).unwrap_or_default();

    let received = smtp.per_recipient();
    let attempts = env.attempts(&mailing);
    let mut recorded: HashMap<String, usize> = HashMap::new();
    for attempt in &attempts {
        *recorded
            .entry(attempt["email"].as_str().expect("email").to_owned())
            .or_insert(0) += 1;
    }
    let failures: Vec<_> = attempts
        .iter()
        .filter(|a| a["status"] != "success")
        .collect();
    let unrecorded = received
        .keys()
        .filter(|to| !recorded.contains_key(*to))
        .count();
    let duplicates: usize = received.values().map(|n| n - 1).sum();
    let leased = env.leased_deliveries();
    eprintln!(
        "{sender:?} stopped after {took:?} ({exit:?}): {} received, {} recorded \
         ({} failures), {unrecorded} received but not recorded, {duplicates} duplicates, \
         {leased} deliveries left leased",
        received.len(),
        attempts.len(),
        failures.len()
    );
    let exit =
        exit.unwrap_or_else(|| panic!("{sender:?} still running {took:?} after SIGTERM\n{log}"));
    assert!(
        took <= BOUND,
        "{sender:?} took {took:?} to stop, beyond --smtp-timeout and the margin ({BOUND:?})\n{log}"
    );
    match sender {
        Sender::Serve | Sender::Worker => assert!(exit.success(), "{exit:?}\n{log}"),
        // The run is not finished: the command did not do what it was asked.
        Sender::MailingSend => {
            assert_eq!(exit.code(), Some(1), "{log}");
            assert!(log.contains("resume"), "says how to resume: {log}");
        }
    }
    assert!(received.len() < N, "stopped mid-run, not after the end");
    assert_eq!(
        recorded, received,
        "what the server received is what was recorded, once each"
    );
    assert!(
        failures.is_empty(),
        "nothing recorded as failed: {failures:?}"
    );
    assert_eq!(leased, 0, "every lease handed back");

    // The next sender takes the rest up at once, not after the 60 s lease.
    smtp.set_reply_delay(Duration::ZERO);
    let url = smtp.url();
    let started = Instant::now();
    let summary = env.json(&["--smtp-url", &url, "mailing", "send", &mailing]);
    let resumed_in = started.elapsed();
    eprintln!("the following send finished the run in {resumed_in:?}");
    assert!(
        resumed_in < Duration::from_secs(20),
        "the following send took {resumed_in:?}: it waited out a lease"
    );
    assert_eq!(summary["resumed"], true);
    assert_eq!(summary["run"]["sent"], N);
    let received = smtp.per_recipient();
    assert_eq!(received.len(), N, "every recipient got the email");
    assert!(
        received.values().all(|n| *n == 1),
        "and only once: {received:?}"
    );
}

#[test]
fn sigterm_to_serve_mid_run_finishes_and_records_the_sends_in_flight_and_hands_back_the_rest() {
    stop_mid_run(&Env::new(), Sender::Serve);
}

#[test]
fn sigterm_to_a_worker_mid_run_finishes_and_records_the_sends_in_flight_and_hands_back_the_rest() {
    stop_mid_run(&Env::new(), Sender::Worker);
}

#[test]
fn sigterm_to_a_worker_on_postgres_mid_run_finishes_and_records_the_sends_in_flight_and_hands_back_the_rest(
) {
    let Some(env) = Env::postgres("sigterm_to_a_worker_on_postgres") else {
        return;
    };
    stop_mid_run(&env, Sender::Worker);
}

#[test]
fn sigterm_to_mailing_send_mid_run_finishes_and_records_the_sends_in_flight_and_hands_back_the_rest(
) {
    stop_mid_run(&Env::new(), Sender::MailingSend);
}

#[test]
fn sigterm_while_the_server_stalls_stops_within_the_smtp_timeout_recording_unknown_outcomes() {
    let env = Env::new();
    let mailing = env.mailing_to_new_recipients(N);
    // The server takes each email and never answers.
    let smtp = CountingSmtp::start(Duration::from_secs(60));
    let mut send = spawn(
        &env,
        &smtp,
        &["--smtp-timeout", "2s", "mailing", "send", &mailing],
        "send.log",
    );
    assert!(smtp.wait_for(4, Duration::from_secs(30)), "no progress");
    let (exit, took) = terminate(&mut send, Duration::from_secs(30));
    let log = std::fs::read_to_string(env.dir.path().join("send.log")).unwrap_or_default();
    let attempts = env.attempts(&mailing);
    eprintln!(
        "stalled server: stopped after {took:?} ({exit:?}), {} received, {} recorded",
        smtp.received().len(),
        attempts.len()
    );
    assert_eq!(exit.and_then(|e| e.code()), Some(1), "{log}");
    assert!(
        took <= Duration::from_secs(2) + Duration::from_secs(3),
        "took {took:?}: the sends in flight should end within --smtp-timeout 2s\n{log}"
    );
    assert_eq!(attempts.len(), smtp.received().len(), "each one recorded");
    for attempt in &attempts {
        assert_eq!(attempt["status"], "failure", "{attempt}");
        assert!(
            attempt["response"]
                .as_str()
                .is_some_and(|r| r.starts_with("unknown outcome")),
            "{attempt}"
        );
    }
    assert_eq!(env.leased_deliveries(), 0, "every lease handed back");
}
