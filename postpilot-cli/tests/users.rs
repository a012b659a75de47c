//! `postpilot user …` through the real binary, on SQLite and PostgreSQL:
//! passwords from the environment or standard input (never an argument),
//! roles, blocks, API tokens made for scripts, and what is refused.

#[path = "serve/running.rs"]
mod running;
mod support;

use running::Running;
use support::{Env, PASSWORD};

fn users_are_added_listed_blocked_and_promoted(env: &Env) {
    let anna = env.add_user("anna@example.com", "admin");
    assert_eq!(anna, "1");
    // A script pipes the password in: one line of standard input.
    let out = env
        .cmd()
        .env_remove("POSTPILOT_PASSWORD")
        .args([
            "user",
            "add",
            "--email",
            "boris@example.com",
            "--name",
            "Борис",
        ])
        .write_stdin("a long password\n")
        .output()
        .expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let listed = env.json(&["user", "list"]);
    let users = listed.as_array().expect("array");
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["role"], "admin");
    assert_eq!(users[1]["role"], "user", "the default role");
    assert_eq!(users[1]["blocked"], false);
    for user in users {
        let text = user.to_string();
        assert!(
            !text.contains("argon2") && !text.contains(PASSWORD),
            "{text}"
        );
    }

    for address in ["ivan@example.com", "olga@example.com"] {
        env.ok(&[
            "--as",
            "boris@example.com",
            "recipient",
            "add",
            "--email",
            address,
            "--name",
            "Иван",
        ]);
    }
    let listed = env.json(&["user", "list"]);
    assert_eq!(
        listed[1]["counts"],
        serde_json::json!({"recipients": 2, "messages": 0, "mailings": 0, "mailings_active": 0, "runs_launched": 0}),
        "what Boris owns, in the API's shape"
    );
    assert_eq!(listed[0]["counts"]["recipients"], 0);
    let table = env.ok(&["user", "list"]);
    let cells = |needle: &str| -> Vec<String> {
        let line = table.lines().find(|line| line.contains(needle));
        let line = line.unwrap_or_else(|| panic!("{needle} in {table}"));
        line.split(['│', '┆'])
            .map(|cell| cell.trim().to_owned())
            .collect()
    };
    let (header, boris) = (cells("email"), cells("boris@example.com"));
    let column = header.iter().position(|c| c == "recipients");
    assert_eq!(column.map(|at| boris[at].as_str()), Some("2"), "{table}");

    let blocked = env.json(&["user", "block", "BORIS@example.com"]);
    assert_eq!(blocked["blocked"], true);
    let promoted = env.json(&["user", "role", "boris@example.com", "manager"]);
    assert_eq!(
        (promoted["role"].as_str(), promoted["blocked"].as_bool()),
        (Some("manager"), Some(true))
    );
    assert_eq!(
        env.json(&["user", "unblock", "boris@example.com"])["blocked"],
        false
    );
}

#[test]
fn users_are_added_listed_blocked_and_promoted_on_sqlite() {
    users_are_added_listed_blocked_and_promoted(&Env::new());
}

#[test]
fn users_are_added_listed_blocked_and_promoted_on_postgres() {
    let Some(env) = Env::postgres("users_are_added_listed_blocked_and_promoted_on_postgres") else {
        return;
    };
    users_are_added_listed_blocked_and_promoted(&env);
}

#[test]
fn a_bad_password_role_or_duplicate_email_is_refused_and_adds_nobody() {
    let env = Env::new();
    env.add_user("anna@example.com", "user");
    let short = env
        .cmd()
        .env("POSTPILOT_PASSWORD", "short")
        .args(["user", "add", "--email", "x@example.com", "--name", "X"])
        .output()
        .expect("ran");
    assert_eq!(short.status.code(), Some(2));
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(err.contains("password: must be at least 10"), "{err}");
    assert!(!err.contains("short"), "the password is not echoed: {err}");

    let err = env.fails(
        2,
        &[
            "user",
            "add",
            "--email",
            "y@example.com",
            "--name",
            "Y",
            "--role",
            "root",
        ],
    );
    assert!(err.contains("role"), "{err}");
    let dup = env
        .cmd()
        .env("POSTPILOT_PASSWORD", PASSWORD)
        .args(["user", "add", "--email", "ANNA@example.com", "--name", "A"])
        .output()
        .expect("ran");
    assert_eq!(dup.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let err = env.fails(1, &["user", "block", "nobody@example.com"]);
    assert!(
        err.contains("no user has the email nobody@example.com"),
        "{err}"
    );
    assert_eq!(
        env.json(&["user", "list"]).as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn no_password_option_exists_and_help_names_the_variable_not_a_value() {
    let env = Env::new();
    let help = env.ok(&["user", "add", "--help"]);
    assert!(help.contains("POSTPILOT_PASSWORD"), "{help}");
    let out = env
        .cmd()
        .env("POSTPILOT_PASSWORD", "secret password value")
        .args(["user", "add", "--help"])
        .output()
        .expect("ran");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secret password value"));
    env.fails(
        2,
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--password",
            "x",
        ],
    );
}

#[test]
fn as_names_an_existing_unblocked_user_and_not_a_command_that_acts_for_nobody() {
    let env = Env::new();
    env.add_user("anna@example.com", "user");
    env.add_user("boris@example.com", "user");
    env.ok(&["user", "block", "boris@example.com"]);
    let listed = env.json(&["--as", "anna@example.com", "recipient", "list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(0));
    let err = env.fails(1, &["--as", "nobody@example.com", "recipient", "list"]);
    assert!(
        err.contains("no user has the email nobody@example.com"),
        "{err}"
    );
    let err = env.fails(1, &["--as", "boris@example.com", "recipient", "list"]);
    assert!(err.contains("blocked"), "{err}");
    let err = env.fails(2, &["--as", "anna@example.com", "worker", "--until-idle"]);
    assert!(err.contains("--as"), "{err}");
    let err = env.fails(
        1,
        &[
            "--as",
            "anna@example.com",
            "user",
            "block",
            "boris@example.com",
        ],
    );
    assert!(err.contains("may not"), "a user blocks nobody: {err}");
}

/// The JSON body of `path` answered to `token`, with the status line.
fn api_get(server: &Running, path: &str, token: &str) -> (String, serde_json::Value) {
    let bearer = format!("Bearer {token}");
    let (status, answer) = server.get(path, &[("Authorization", &bearer)]);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
    (status, json)
}

#[test]
fn a_users_token_is_printed_once_alone_and_the_api_answers_as_that_user() {
    let env = Env::new();
    env.add_user("anna@example.com", "admin");
    env.add_user("boris@example.com", "user");
    let as_boris = ["--as", "boris@example.com"];
    env.ok(&[
        &as_boris[..],
        &[
            "recipient",
            "add",
            "--email",
            "ivan@example.com",
            "--name",
            "Иван",
        ],
    ]
    .concat());
    env.ok(&[
        "recipient",
        "add",
        "--email",
        "olga@example.com",
        "--name",
        "Ольга",
    ]);

    let token = env.ok(&["user", "token", "boris@example.com", "--name", "ci"]);
    assert!(
        token.len() >= 32
            && token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)),
        "the token alone on stdout: {token:?}"
    );
    // With --as, a user makes their own; JSON holds the key and the record.
    let own = env.json(
        &[
            &as_boris[..],
            &["user", "token", "boris@example.com", "--name", "laptop"],
        ]
        .concat(),
    );
    assert_eq!(own["name"], "laptop");
    assert_ne!(
        own["token"].as_str(),
        Some(token.as_str()),
        "a new key each time"
    );

    let server = Running::start(env.dir.path(), &[]);
    let (status, me) = api_get(&server, "/api/v1/me", &token);
    assert!(status.contains("200"), "{status}");
    assert_eq!(me["user"]["email"], "boris@example.com");
    assert_eq!(me["role"], "user");
    let (_, recipients) = api_get(&server, "/api/v1/recipients", &token);
    let text = recipients.to_string();
    assert!(
        text.contains("ivan@example.com") && !text.contains("olga@example.com"),
        "{text}"
    );
    let (_, tokens) = api_get(&server, "/api/v1/tokens", &token);
    let names: Vec<_> = tokens
        .as_array()
        .expect("array")
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names.len(), 2, "{tokens}");
    assert!(
        !tokens.to_string().contains(&token),
        "listed by name, never by key"
    );
    assert!(!server.log().contains(&token), "the token is never logged");
}

#[test]
fn a_token_of_another_user_a_blocked_one_or_a_bad_name_is_refused_and_made_for_nobody() {
    let env = Env::new();
    env.add_user("anna@example.com", "admin");
    env.add_user("boris@example.com", "user");
    let err = env.fails(
        1,
        &[
            "--as",
            "anna@example.com",
            "user",
            "token",
            "boris@example.com",
            "--name",
            "x",
        ],
    );
    assert!(
        err.contains("may not make another user's API tokens"),
        "{err}"
    );
    env.ok(&["user", "block", "boris@example.com"]);
    let err = env.fails(1, &["user", "token", "boris@example.com", "--name", "x"]);
    assert!(err.contains("boris@example.com is blocked"), "{err}");
    env.ok(&["user", "unblock", "boris@example.com"]);
    let err = env.fails(2, &["user", "token", "boris@example.com", "--name", ""]);
    assert!(err.contains("name"), "{err}");
    let err = env.fails(2, &["user", "token", "boris@example.com"]);
    assert!(err.contains("--name"), "{err}");
    let err = env.fails(1, &["user", "token", "nobody@example.com", "--name", "x"]);
    assert!(
        err.contains("no user has the email nobody@example.com"),
        "{err}"
    );

    let token = env.ok(&["user", "token", "boris@example.com", "--name", "ci"]);
    let server = Running::start(env.dir.path(), &[]);
    let (_, tokens) = api_get(&server, "/api/v1/tokens", &token);
    assert_eq!(
        tokens.as_array().map(Vec::len),
        Some(1),
        "only this one: {tokens}"
    );
}
