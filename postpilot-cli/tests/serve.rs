//! `postpilot serve`: what it prints, what it refuses, how it stops.

#[path = "serve/running.rs"]
mod running;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use running::Running;
use support::counting::CountingSmtp;
use support::Env;

const TOKEN: &str = "a-chosen-token-0123456789";
const BEARER: (&str, &str) = ("Authorization", "Bearer a-chosen-token-0123456789");

fn postpilot(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("postpilot").expect("binary");
    cmd.current_dir(dir)
        .env_remove("POSTPILOT_API_TOKEN")
        .env_remove("POSTPILOT_BIND")
        .env(
            "POSTPILOT_DATABASE_URL",
            format!("sqlite://{}", dir.join("postpilot.db").display()),
        );
    cmd
}

#[test]
fn serve_prints_a_login_url_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = Running::start(dir.path(), &[]);
    let url = server.login_url.clone().expect("a login URL");
    assert!(
        url.starts_with(&format!("{}/login?token=", server.base)),
        "{url}"
    );
    let token = url.rsplit('=').next().expect("token");
    assert_eq!(token.len(), 64);

    let (status, body) = server.get("/readyz", &[]);
    assert!(status.contains("200"), "{body}");
    let (status, _) = server.get("/api/v1/stats", &[]);
    assert!(status.contains("401"), "{status}");
    let bearer = format!("Bearer {token}");
    let (status, body) = server.get("/api/v1/stats", &[("Authorization", &bearer)]);
    assert!(status.contains("200"), "{body}");
    assert!(body.contains("\"mailings_total\":0"), "{body}");

    let exit = server.terminate(Duration::from_secs(20)).expect("stopped");
    assert!(exit.success(), "{exit:?}: {}", server.log());
    assert!(!server.log().contains(token), "the token is never logged");
}

#[test]
fn serve_with_a_chosen_token_prints_no_login_url() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Running::start(
        dir.path(),
        &[("POSTPILOT_API_TOKEN", "a-chosen-token-0123456789")],
    );
    assert_eq!(server.login_url, None);
    assert!(!server.stdout.contains("a-chosen-token"));
    let (status, _) = server.get(
        "/api/v1/stats",
        &[("Authorization", "Bearer a-chosen-token-0123456789")],
    );
    assert!(status.contains("200"), "{status}");
}

#[test]
fn serve_refuses_a_client_after_max_wrong_tokens_and_the_limit_can_be_chosen() {
    let token = "a-chosen-token-0123456789";
    let bearer = format!("Bearer {token}");
    for (limit, allowed) in [(None, 10), (Some("3"), 3), (Some("25"), 25)] {
        let dir = tempfile::tempdir().expect("dir");
        let mut envs = vec![("POSTPILOT_API_TOKEN", token)];
        envs.extend(limit.map(|n| ("POSTPILOT_MAX_WRONG_TOKENS", n)));
        let server = Running::start(dir.path(), &envs);
        for i in 0..allowed - 1 {
            let (status, _) = server.get(
                "/api/v1/stats",
                &[("Authorization", "Bearer wrong-0123456789abc")],
            );
            assert!(
                status.contains("401"),
                "{limit:?}: wrong token {}: {status}",
                i + 1
            );
        }
        let (status, _) = server.get("/api/v1/stats", &[("Authorization", &bearer)]);
        assert!(status.contains("200"), "{limit:?}: {status}");
        let (status, _) = server.get(
            "/api/v1/stats",
            &[("Authorization", "Bearer wrong-0123456789abc")],
        );
        assert!(
            status.contains("401"),
            "{limit:?}: the last wrong token allowed: {status}"
        );
        let (status, _) = server.get("/api/v1/stats", &[("Authorization", &bearer)]);
        assert!(
            status.contains("429"),
            "{limit:?}: past the limit, the right token too: {status}"
        );
    }
}

#[test]
fn serve_refuses_a_max_wrong_tokens_of_zero() {
    let dir = tempfile::tempdir().expect("dir");
    postpilot(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0", "--max-wrong-tokens", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--max-wrong-tokens"));
}

#[test]
fn serve_refuses_a_non_loopback_bind_without_a_token() {
    let dir = tempfile::tempdir().expect("dir");
    postpilot(dir.path())
        .args(["serve", "--bind", "0.0.0.0:0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("POSTPILOT_API_TOKEN"));
}

#[test]
fn serve_refuses_a_short_token() {
    let dir = tempfile::tempdir().expect("dir");
    postpilot(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("POSTPILOT_API_TOKEN", "short")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 16 characters"))
        .stderr(predicate::str::contains("short").not());
}

/// The body of a raw HTTP answer.
fn body_of(answer: &str) -> &str {
    answer.split("\r\n\r\n").nth(1).unwrap_or_default()
}

/// The `Cookie` header of the session a login URL opens.
fn session_cookie(server: &Running) -> String {
    let url = server.login_url.as_deref().expect("a login URL");
    let path = url.trim_start_matches(&server.base);
    let (status, answer) = server.get(path, &[]);
    assert!(status.contains("303"), "{answer}");
    let cookie = answer
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .expect("a session cookie");
    format!("Cookie: {}", cookie.split(';').next().unwrap_or_default())
}

#[test]
fn serve_with_a_timezone_shows_and_takes_times_in_it() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Running::start(dir.path(), &[("POSTPILOT_TIMEZONE", "Europe/Moscow")]);
    let cookie = session_cookie(&server);
    assert!(
        server
            .log()
            .contains("times in the web UI are in Europe/Moscow"),
        "{}",
        server.log()
    );
    let (name, value) = cookie.split_once(": ").expect("header");
    let login = server.login_url.clone().expect("url");
    let token = login.rsplit('=').next().expect("token").to_owned();
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];
    let (status, answer) = server.post(
        "/api/v1/messages",
        &auth,
        r#"{"subject":"Зимняя распродажа","body_text":"Текст"}"#,
    );
    assert!(status.contains("201"), "{answer}");
    let message: serde_json::Value = serde_json::from_str(body_of(&answer)).expect("json");
    let (status, answer) = server.post(
        "/api/v1/mailings",
        &auth,
        &format!(
            r#"{{"message_id":{},"first_sent_at":"2030-01-15T06:30:00Z","sent_completed_at":"2030-01-16T06:30:00Z","recipient_ids":[]}}"#,
            message["id"]
        ),
    );
    assert!(status.contains("201"), "{answer}");
    let mailing: serde_json::Value = serde_json::from_str(body_of(&answer)).expect("json");

    // 06:30 UTC is 09:30 in Moscow: the page says so, with the zone.
    let (status, page) = server.get(&format!("/mailings/{}", mailing["id"]), &[(name, value)]);
    assert!(status.contains("200"), "{page}");
    assert!(page.contains("15.01.2030 09:30\u{a0}MSK"), "{page}");
    let (_, form) = server.get(
        &format!("/mailings/{}/edit", mailing["id"]),
        &[(name, value)],
    );
    assert!(form.contains("value=\"2030-01-15T09:30\""), "{form}");
    assert!(form.contains("Europe/Moscow (MSK, UTC+03:00)"), "{form}");
}

#[test]
fn serve_refuses_an_unknown_timezone_naming_the_option() {
    let dir = tempfile::tempdir().expect("dir");
    postpilot(dir.path())
        .args(["serve", "--timezone", "Europe/Atlantis"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--timezone"))
        .stderr(predicate::str::contains("Europe/Atlantis"))
        .stderr(predicate::str::contains("IANA"));
}

#[test]
fn serve_help_never_shows_the_token() {
    let dir = tempfile::tempdir().expect("dir");
    postpilot(dir.path())
        .args(["serve", "--help"])
        .env("POSTPILOT_API_TOKEN", "very-secret-token-value-42")
        .assert()
        .success()
        .stdout(predicate::str::contains("POSTPILOT_API_TOKEN"))
        .stdout(predicate::str::contains("very-secret-token-value-42").not());
}

/// Polls the mailing's runs (at most `within`) until its newest is finished; returns the runs.
fn wait_until_finished(server: &Running, mailing: &str, within: Duration) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let (_, answer) = server.get(&format!("/api/v1/mailings/{mailing}/runs"), &[BEARER]);
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let runs: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        if runs["items"][0]["finished_at"].is_string() {
            return runs;
        }
        assert!(
            Instant::now() < deadline,
            "the run did not finish within {within:?}: {runs}\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_run_sent_through_the_api_while_the_scheduler_is_due_has_one_sender_within_rate_and_concurrency(
) {
    const N: usize = 120;
    const RATE: f64 = 30.0;
    const CONCURRENCY: usize = 4;
    let env = Env::new();
    let mailing = env.mailing_to_new_recipients(N);
    // Replies take 100 ms: four connections could carry 40 emails/s, so
    // both the rate and the concurrency are what hold one sender back.
    let smtp = CountingSmtp::start(Duration::from_millis(100));
    let url = smtp.url();
    let server = Running::start(
        env.dir.path(),
        &[
            ("POSTPILOT_API_TOKEN", TOKEN),
            ("POSTPILOT_SMTP_URL", &url),
            ("POSTPILOT_SEND_RATE", "30"),
            ("POSTPILOT_SEND_CONCURRENCY", "4"),
        ],
    );
    // The mailing's first send time has come: the scheduler in `serve` is
    // due to launch it as the API does.
    let (status, answer) =
        server.post(&format!("/api/v1/mailings/{mailing}/send"), &[BEARER], "{}");
    assert!(status.contains("202"), "{answer}");

    let runs = wait_until_finished(&server, &mailing, Duration::from_secs(60));
    assert_eq!(runs["items"].as_array().map(Vec::len), Some(1), "{runs}");
    assert_eq!(runs["items"][0]["sent"], N, "{runs}");

    let received = smtp.received();
    let per_recipient = smtp.per_recipient();
    let duplicates: usize = per_recipient.values().map(|n| n - 1).sum();
    let first = received.first().expect("something received").at;
    let last = received.last().expect("something received").at;
    #[allow(clippy::cast_precision_loss)]
    let rate = (received.len() - 1) as f64 / (last - first).as_secs_f64();
    let busiest_second = received
        .iter()
        .map(|m| {
            received
                .iter()
                .filter(|o| o.at >= m.at && o.at < m.at + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or_default();
    eprintln!(
        "one sender: {} received, {duplicates} duplicates, {} connections at most ({} in all), \
         {rate:.1} emails/s on average, {busiest_second} in the busiest second",
        received.len(),
        smtp.max_open(),
        smtp.connections()
    );
    assert_eq!(per_recipient.len(), N, "every recipient got the email");
    assert_eq!(duplicates, 0, "each recipient got it once");
    assert!(
        smtp.max_open() <= CONCURRENCY,
        "{} SMTP connections open at once, more than --concurrency {CONCURRENCY}",
        smtp.max_open()
    );
    assert!(
        rate <= RATE * 1.15,
        "{rate:.1} emails/s on average, more than --rate {RATE}"
    );
    #[allow(clippy::cast_precision_loss)]
    let busiest = busiest_second as f64;
    assert!(
        busiest <= RATE * 1.3 + 1.0,
        "{busiest_second} emails in one second, more than --rate {RATE} allows"
    );
}

/// Opens a connection to `authority` and sends a request header one byte a
/// second, for at most `at_most`; returns how long after connecting the
/// server closed the connection, or `None` if it was still open then.
fn trickle_a_header(authority: &str, at_most: Duration) -> Option<Duration> {
    let mut stream = TcpStream::connect(authority).expect("connected");
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .expect("timeout");
    let header = format!("GET /healthz HTTP/1.1\r\nHost: {authority}\r\nX-Slow: ");
    stream
        .write_all(header.as_bytes())
        .expect("the start of a header");
    let mut buf = [0u8; 1024];
    while started.elapsed() < at_most {
        if stream.write_all(b"a").is_err() {
            return Some(started.elapsed());
        }
        // Waits a second for the server to say or close anything.
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

#[test]
fn a_client_trickling_its_request_header_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Running::start(dir.path(), &[("POSTPILOT_API_TOKEN", TOKEN)]);
    let closed = trickle_a_header(server.authority(), Duration::from_secs(30));
    eprintln!("trickling client closed after {closed:?}");
    let after = closed.expect("the trickling client was closed within 30 s");
    assert!(
        after >= Duration::from_secs(9) && after <= Duration::from_secs(14),
        "closed {after:?} after connecting, not after the 10 s header timeout"
    );
    let (status, _) = server.get("/readyz", &[]);
    assert!(
        status.contains("200"),
        "the server goes on serving: {status}"
    );
}

#[test]
fn a_client_trickling_its_request_header_does_not_hold_the_shutdown_of_serve() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = Running::start(dir.path(), &[("POSTPILOT_API_TOKEN", TOKEN)]);
    let authority = server.authority().to_owned();
    let trickler =
        std::thread::spawn(move || trickle_a_header(&authority, Duration::from_secs(40)));
    std::thread::sleep(Duration::from_secs(1));
    let asked = Instant::now();
    let exit = server.terminate(Duration::from_secs(30));
    let took = asked.elapsed();
    eprintln!("serve stopped {took:?} after SIGTERM with a trickling client: {exit:?}");
    let exit = exit.expect("serve stopped within 30 s of SIGTERM");
    assert!(exit.success(), "{exit:?}: {}", server.log());
    assert!(
        took <= Duration::from_secs(12),
        "serve took {took:?} to stop, beyond its 10 s grace for requests"
    );
    let closed = trickler.join().expect("trickler");
    assert!(closed.is_some(), "the trickling client was closed");
}

#[test]
fn serve_killed_mid_run_repeats_at_most_max_unrecorded_sends_for_the_whole_process() {
    const N: usize = 30;
    let env = Env::new();
    let mailing = env.mailing_to_new_recipients(N);
    // Each reply comes 300 ms after the message: most of the time both
    // sends allowed out are received and not yet recorded.
    let smtp = CountingSmtp::start(Duration::from_millis(300));
    let url = smtp.url();
    let mut server = Running::start(
        env.dir.path(),
        &[
            ("POSTPILOT_API_TOKEN", TOKEN),
            ("POSTPILOT_SMTP_URL", &url),
            ("POSTPILOT_SEND_CONCURRENCY", "2"),
            ("POSTPILOT_MAX_UNRECORDED", "2"),
            ("POSTPILOT_LEASE", "1s"),
        ],
    );
    let (status, answer) =
        server.post(&format!("/api/v1/mailings/{mailing}/send"), &[BEARER], "{}");
    assert!(status.contains("202"), "{answer}");
    assert!(
        smtp.wait_for(8, Duration::from_secs(30)),
        "no progress: {}",
        server.log()
    );
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    let before = smtp.received().len();
    assert!(before < N, "killed mid-run ({before} received)");

    smtp.set_reply_delay(Duration::ZERO);
    let summary = env.json(&[
        "--smtp-url",
        &url,
        "--lease",
        "1s",
        "mailing",
        "send",
        &mailing,
    ]);
    assert_eq!(summary["run"]["sent"], N, "{summary}");
    let per_recipient = smtp.per_recipient();
    let duplicates: usize = per_recipient.values().map(|n| n - 1).sum();
    eprintln!("killed serve: {before} received before the kill, {duplicates} duplicates in all");
    assert_eq!(per_recipient.len(), N, "every recipient got the email");
    assert!(
        duplicates <= 2,
        "{duplicates} recipients got it twice, more than --max-unrecorded 2"
    );
}
