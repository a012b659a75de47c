//! A database that fails under a send, through the real binary: for a
//! while every write it is asked for fails (the database turned read-only,
//! as a failover to a standby does) and its connections are killed (as a
//! restart does); then it is back. The sender waits it out, keeps the
//! results in hand, and records every email once.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::sink::{dump_dir, dump_template, received, Sink};
use support::Env;

/// Runs `sql` as the server's superuser; its one value.
fn psql(sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-t",
            "-A",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
        ])
        .arg("-c")
        .arg(sql)
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Ends every connection to `database` but the caller's, as a restart would.
fn kill_connections(database: &str) -> usize {
    psql(&format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    ))
    .parse()
    .expect("a count")
}

/// Makes every later session of `database` read-only (every write fails),
/// or writable again, and ends the sessions open now so that none escapes.
fn read_only(database: &str, on: bool) {
    let setting = if on {
        "SET default_transaction_read_only = on"
    } else {
        "RESET default_transaction_read_only"
    };
    psql(&format!("ALTER DATABASE \"{database}\" {setting}"));
    kill_connections(database);
}

const RECIPIENTS: usize = 5_000;

#[test]
fn a_send_on_postgres_outlives_its_database_connections_being_killed_and_records_each_email_once() {
    let Some(env) = Env::postgres("send_outlives_killed_connections") else {
        return;
    };
    let dir = dump_dir(env.dir.path());
    let template = dump_template(&dir);
    let Some(sink) = Sink::start(&["-d", &template]) else {
        return;
    };
    // Enough that the run is busy with the database for a few seconds.
    let id = env.mailing_to_new_recipients(RECIPIENTS);
    let url = env.db_url();
    let database = url.rsplit('/').next().expect("a database name").to_owned();
    let mut send = Command::new(assert_cmd::cargo::cargo_bin("postpilot"))
        .current_dir(env.dir.path())
        .env("POSTPILOT_DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .args(["--smtp-url", &sink.url(), "--concurrency", "4"])
        .args(["mailing", "send", &id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("postpilot starts");
    // Mid-run, the database refuses every write for two seconds, its
    // connections killed as it goes and as it comes back.
    std::thread::sleep(Duration::from_millis(300));
    read_only(&database, true);
    std::thread::sleep(Duration::from_secs(2));
    read_only(&database, false);
    let mut killed = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = send.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "the send never ended");
        std::thread::sleep(Duration::from_millis(200));
        killed += kill_connections(&database);
    };
    let output = send.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "the send failed: {stderr}");
    assert!(
        stderr.contains("the database failed; trying again"),
        "no database failure was met ({killed} more connections killed): {stderr}"
    );
    let got = received(&dir);
    assert_eq!(got.len(), RECIPIENTS, "every recipient reached");
    assert!(
        got.values().all(|n| *n == 1),
        "a recipient got the email twice: {got:?}"
    );
    let run = &env.json(&["mailing", "runs", &id])[0];
    assert_eq!(
        (run["sent"].as_u64(), run["failed"].as_u64()),
        (Some(RECIPIENTS as u64), Some(0))
    );
    assert!(run["finished_at"].is_string());
    let attempts = env.json(&["mailing", "attempts", &id]);
    assert_eq!(
        attempts.as_array().map(Vec::len),
        Some(RECIPIENTS),
        "one attempt per email sent, each recorded once"
    );
}
