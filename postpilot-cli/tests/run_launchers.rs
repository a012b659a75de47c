//! `postpilot mailing runs` says who launched each run (ARCHITECTURE.md,
//! "Users and ownership"): the user and the API token a request came with,
//! the user of `--as`, or the system; its JSON is the API's run.

#[path = "serve/running.rs"]
mod running;
mod support;

use running::Running;
use support::Env;

const ANNA: [&str; 2] = ["--as", "anna@example.com"];

/// `args` run as Anna; stdout trimmed.
fn as_anna(env: &Env, args: &[&str]) -> String {
    env.ok(&[&ANNA[..], args].concat())
}

/// A new mailing of Anna's to her recipient `r`, first sent in an hour (so
/// the server's scheduler leaves it to the launches of the test).
fn annas_mailing(env: &Env, r: &str) -> String {
    let message = as_anna(
        env,
        &["message", "add", "--subject", "Скидки", "--body", "Текст"],
    );
    let now = chrono::Utc::now();
    let start = (now + chrono::Duration::hours(1)).to_rfc3339();
    let end = (now + chrono::Duration::days(1)).to_rfc3339();
    let args = [
        "mailing",
        "add",
        "--message",
        &message,
        "--start",
        &start,
        "--end",
        &end,
        "--recipient",
        r,
    ];
    as_anna(env, &args)
}

#[test]
fn mailing_runs_names_the_user_and_the_api_token_that_launched_each_run_or_the_system() {
    let env = Env::new();
    let added = env
        .cmd()
        .env("POSTPILOT_PASSWORD", "correct horse battery")
        .args([
            "user",
            "add",
            "--email",
            "anna@example.com",
            "--name",
            "Анна",
        ])
        .output()
        .expect("ran");
    assert!(added.status.success(), "{added:?}");
    let anna: i64 = String::from_utf8_lossy(&added.stdout)
        .trim()
        .parse()
        .expect("user id");
    let r = as_anna(
        &env,
        &[
            "recipient",
            "add",
            "--email",
            "ivan@example.com",
            "--name",
            "Иван",
        ],
    );
    let (by_token, by_anna, by_system) = (
        annas_mailing(&env, &r),
        annas_mailing(&env, &r),
        annas_mailing(&env, &r),
    );
    let token = env.ok(&["user", "token", "anna@example.com", "--name", "ci"]);
    let server = Running::start(env.dir.path(), &[]);
    let bearer = format!("Bearer {token}");
    let (status, answer) = server.post(
        &format!("/api/v1/mailings/{by_token}/send"),
        &[("Authorization", &bearer)],
        "{}",
    );
    assert!(status.contains("202"), "{status}: {answer}");
    drop(server);
    as_anna(&env, &["mailing", "send", &by_anna]);
    env.ok(&["mailing", "send", &by_system]);

    let runs = env.json(&["mailing", "runs", &by_token]);
    assert_eq!(runs[0]["launched_by"], anna, "{runs}");
    let via = &runs[0]["launched_via_token"];
    assert_eq!(via["name"], "ci", "{runs}");
    let id = via["id"].as_i64().expect("the token's id");
    let text = as_anna(&env, &["mailing", "runs", &by_token]);
    assert!(
        text.contains("launched_by")
            && text.contains(&format!("anna@example.com via API token \"ci\" (id {id})")),
        "{text}"
    );

    let runs = env.json(&["mailing", "runs", &by_anna]);
    assert_eq!(runs[0]["launched_by"], anna, "{runs}");
    assert!(runs[0]["launched_via_token"].is_null(), "{runs}");
    let text = env.ok(&["mailing", "runs", &by_anna]);
    assert!(
        text.contains("anna@example.com") && !text.contains("via API token"),
        "{text}"
    );

    let runs = env.json(&["mailing", "runs", &by_system]);
    assert!(runs[0]["launched_by"].is_null(), "{runs}");
    assert!(runs[0]["launched_via_token"].is_null(), "{runs}");
    let text = env.ok(&["mailing", "show", &by_system]);
    assert!(text.contains("system"), "{text}");
}
