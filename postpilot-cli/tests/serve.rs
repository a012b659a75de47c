//! `postpilot serve`: what it prints, what it refuses, how it stops.

#[path = "serve/running.rs"]
mod running;

use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use running::Running;

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
