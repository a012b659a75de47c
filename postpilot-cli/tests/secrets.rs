//! Secrets never leave the process: the SMTP password, the database
//! password, the API token and the DKIM private key appear in no `--help`, no error message and
//! no log line, even at `RUST_LOG=trace` (lettre's own logs included, which
//! would show `AUTH PLAIN` with the password in base64), whether the
//! server accepts the login or refuses it.

#[path = "serve/running.rs"]
mod running;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine;
use running::Running;
use support::sink::Sink;
use support::Env;

const SMTP_USER: &str = "mailer";
/// Needs percent-encoding in a URL: `%40`, `%3A`, `%2F`.
const SMTP_PASSWORD: &str = "p@ss:w0rd/SMTP-SECRET";
const SMTP_PASSWORD_ENCODED: &str = "p%40ss%3Aw0rd%2FSMTP-SECRET";
const DB_PASSWORD: &str = "DB-SECRET-pw";
const TOKEN: &str = "api-token-SECRET-0123456789";

/// Every form a secret could leak in: itself, percent-encoded, and base64
/// of what SMTP AUTH sends (PLAIN: `\0user\0password`; LOGIN: each alone).
fn forms_of_secrets() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        SMTP_PASSWORD.to_owned(),
        "SMTP-SECRET".to_owned(),
        SMTP_PASSWORD_ENCODED.to_owned(),
        b64(&format!("\0{SMTP_USER}\0{SMTP_PASSWORD}")),
        b64(&format!("{SMTP_USER}\0{SMTP_PASSWORD}")),
        b64(SMTP_PASSWORD),
        DB_PASSWORD.to_owned(),
        TOKEN.to_owned(),
    ]
}

fn assert_no_secret(text: &str, what: &str) {
    for secret in forms_of_secrets() {
        assert!(!text.contains(&secret), "{what} shows {secret:?}:\n{text}");
    }
}

fn smtp_url(port: u16) -> String {
    format!("smtp://{SMTP_USER}:{SMTP_PASSWORD_ENCODED}@127.0.0.1:{port}")
}

#[test]
fn help_and_version_never_show_secret_values_from_the_environment() {
    let env = Env::new();
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["serve", "--help"],
        &["help", "serve"],
        &["mailing", "send", "--help"],
        &["recipient", "import", "--help"],
        &["worker", "--help"],
        &["--version"],
        &["completions", "bash"],
    ] {
        let out = env
            .cmd()
            .env("POSTPILOT_SMTP_URL", smtp_url(25))
            .env("POSTPILOT_API_TOKEN", TOKEN)
            .env(
                "POSTPILOT_DATABASE_URL",
                format!("postgres://pp:{DB_PASSWORD}@127.0.0.1:1/pp"),
            )
            .args(args)
            .output()
            .expect("ran");
        assert!(out.status.success(), "{args:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_secret(&text, &format!("{args:?}"));
    }
    let help = env.ok(&["--help"]);
    for variable in ["POSTPILOT_SMTP_URL", "POSTPILOT_DATABASE_URL"] {
        assert!(help.contains(variable), "{variable} is documented: {help}");
    }
}

/// Sends a mailing through an smtp-sink started with `sink_args`, the
/// password given by `--smtp-url` or the environment, at `RUST_LOG=trace`;
/// returns the exit code, and everything printed and recorded.
fn send_at_trace(sink_args: &[&str], by_env: bool) -> Option<(Option<i32>, String)> {
    let sink = Sink::start(sink_args)?;
    let env = Env::new();
    let r = env.add_recipient("a@example.com", "А");
    let m = env.add_message("Тема", "Текст");
    let id = env.add_open_mailing(&m, &[&r]);
    let mut cmd = env.cmd();
    cmd.env("RUST_LOG", "trace");
    if by_env {
        cmd.env("POSTPILOT_SMTP_URL", smtp_url(sink.port));
    } else {
        cmd.args(["--smtp-url", &smtp_url(sink.port)]);
    }
    let out = cmd
        .args(["--max-tries", "1", "mailing", "send", &id])
        .output()
        .expect("ran");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("TRACE") || printed.contains("DEBUG"),
        "logs are on: {printed}"
    );
    let recorded = format!(
        "{}{}",
        env.json(&["mailing", "attempts", &id]),
        env.json(&["mailing", "runs", &id])
    );
    Some((out.status.code(), format!("{printed}\n{recorded}")))
}

#[test]
fn smtp_password_never_shows_at_trace_level_when_the_server_accepts_the_login() {
    for by_env in [false, true] {
        let Some((code, everything)) = send_at_trace(&[], by_env) else {
            return;
        };
        assert_eq!(code, Some(0), "{everything}");
        assert!(everything.contains("\"success\""), "{everything}");
        assert_no_secret(&everything, "a send whose login succeeded");
    }
}

#[test]
fn smtp_password_never_shows_at_trace_level_when_the_server_refuses_the_login() {
    let Some((code, everything)) = send_at_trace(&["-f", "AUTH"], false) else {
        return;
    };
    assert_eq!(code, Some(1), "{everything}");
    assert!(everything.contains("\"failure\""), "{everything}");
    assert_no_secret(&everything, "a send whose login was refused");
}

#[test]
fn database_password_never_shows_at_trace_level_when_the_server_is_unreachable() {
    let env = Env::new();
    let out = env
        .cmd()
        .env("RUST_LOG", "trace")
        .env(
            "POSTPILOT_DATABASE_URL",
            format!("postgres://pp:{DB_PASSWORD}@127.0.0.1:1/pp?connect_timeout=2"),
        )
        .arg("stats")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("error"), "{text}");
    assert_no_secret(&text, "an unreachable database");
}

/// A plain HTTP/1.1 POST of a form; returns the status line.
fn post_form(server: &Running, path: &str, body: &str) -> String {
    let authority = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).expect("connected");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn api_token_never_shows_in_the_logs_of_serve_at_trace_level() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server = Running::start(
        dir.path(),
        &[("POSTPILOT_API_TOKEN", TOKEN), ("RUST_LOG", "trace")],
    );
    let bearer = format!("Bearer {TOKEN}");
    let (status, _) = server.get("/api/v1/stats", &[("Authorization", &bearer)]);
    assert!(status.contains("200"), "{status}");
    let (status, _) = server.get(&format!("/login?token={TOKEN}"), &[]);
    assert!(status.contains("303"), "{status}");
    assert!(post_form(&server, "/login", &format!("token={TOKEN}")).contains("303"));
    let wrong = "wrong-guess-SECRET-999999";
    let (status, _) = server.get(
        "/api/v1/stats",
        &[("Authorization", &format!("Bearer {wrong}"))],
    );
    assert!(status.contains("401"), "{status}");
    assert!(post_form(&server, "/login", &format!("token={wrong}")).contains("401"));
    let exit = server.terminate(Duration::from_secs(20)).expect("stopped");
    assert!(exit.success(), "{exit:?}");
    let log = server.log();
    assert!(
        log.contains("TRACE") && log.contains("/login"),
        "logs are on: {log}"
    );
    assert_no_secret(&format!("{}{log}", server.stdout), "serve");
    assert!(
        !log.contains(wrong),
        "a wrong guess is not logged either: {log}"
    );
}

/// The DKIM private key of the tests (postpilot-smtp/tests/pki).
const DKIM_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../postpilot-smtp/tests/pki/dkim-ed25519.pem"
);

/// Every form the DKIM key could leak in: the PEM's base64, and its 32-byte
/// seed in base64, in hex and as a Rust byte list (a derived `Debug`).
fn forms_of_dkim_key() -> Vec<String> {
    let pem = std::fs::read_to_string(DKIM_KEY).expect("test key");
    let b64 = pem.lines().nth(1).expect("base64 line").to_owned();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&b64)
        .expect("base64");
    let seed = &der[der.len() - 32..];
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    let list = format!("{:?}", &seed[..8]);
    vec![
        b64,
        base64::engine::general_purpose::STANDARD.encode(seed),
        hex,
        list.trim_end_matches(']').to_owned(),
    ]
}

#[test]
fn dkim_private_key_never_shows_in_help_errors_or_logs_at_trace_level() {
    let Some(sink) = Sink::start(&[]) else {
        return;
    };
    let env = Env::new();
    let r = env.add_recipient("a@example.com", "А");
    let m = env.add_message("Тема", "Текст");
    let id = env.add_open_mailing(&m, &[&r]);
    let mut everything = String::new();
    let mut collect = |out: std::process::Output| {
        everything.push_str(&String::from_utf8_lossy(&out.stdout));
        everything.push_str(&String::from_utf8_lossy(&out.stderr));
        out.status.code()
    };
    let dkim_env = |cmd: &mut assert_cmd::Command| {
        cmd.env("POSTPILOT_DKIM_DOMAIN", "shop.example")
            .env("POSTPILOT_DKIM_SELECTOR", "pp1")
            .env("POSTPILOT_DKIM_KEY", DKIM_KEY)
            .env("POSTPILOT_FROM", "news@shop.example")
            .env("RUST_LOG", "trace");
    };
    for args in [
        &["--help"][..],
        &["mailing", "send", "--help"],
        &["dkim", "record", "--help"],
        &["dkim", "record"],
        &["--smtp-url", &sink.url(), "mailing", "send", &id],
    ] {
        let mut cmd = env.cmd();
        dkim_env(&mut cmd);
        let code = collect(cmd.args(args).output().expect("ran"));
        assert_eq!(code, Some(0), "{args:?}: {everything}");
    }
    // A refused option: the domain is checked, the key is not echoed.
    let mut cmd = env.cmd();
    dkim_env(&mut cmd);
    let code = collect(
        cmd.args(["--dkim-domain", "bad domain", "mailing", "send", &id])
            .output()
            .expect("ran"),
    );
    assert_eq!(code, Some(2), "{everything}");
    assert!(
        everything.contains("TRACE") || everything.contains("DEBUG"),
        "logs are on: {everything}"
    );
    everything.push_str(&env.json(&["mailing", "attempts", &id]).to_string());
    assert!(everything.contains("\"success\""), "{everything}");
    for form in forms_of_dkim_key() {
        assert!(!everything.contains(&form), "shows {form:?}:\n{everything}");
    }
}
