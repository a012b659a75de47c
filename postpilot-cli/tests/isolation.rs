//! Two users' data never mix through the real binary, on SQLite and on
//! PostgreSQL (ARCHITECTURE.md, "Users and ownership"): with `--as`, each
//! user's lists, ids, counts, CSV export, runs and attempts are their own,
//! another's object is not found (exit 1, never "forbidden"), and a
//! manager sees both and changes neither.

mod support;

use support::Env;

/// `email`'s recipient, message and a mailing to it, made and sent with
/// `--as`: their ids.
fn world(env: &Env, email: &str, person: &str, subject: &str) -> [String; 3] {
    let as_them = |args: &[&str]| {
        let mut all = vec!["--as", email];
        all.extend_from_slice(args);
        env.ok(&all)
    };
    let recipient = as_them(&["recipient", "add", "--email", person, "--name", "Иван"]);
    let message = as_them(&["message", "add", "--subject", subject, "--body", "Текст"]);
    let mailing = env.open_mailing(&["--as", email], &message, &["--recipient", &recipient]);
    as_them(&["mailing", "send", &mailing]);
    [recipient, message, mailing]
}

fn as_user(env: &Env, email: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--as", email];
    all.extend_from_slice(args);
    env.json(&all)
}

fn emails(listed: &serde_json::Value) -> Vec<String> {
    let items = listed.as_array().expect("a list");
    items
        .iter()
        .map(|r| r["email"].as_str().expect("email").to_owned())
        .collect()
}

fn two_users_data_never_mix(env: &Env) {
    env.add_user("anna@example.com", "user");
    env.add_user("boris@example.com", "user");
    env.add_user("mia@example.com", "manager");
    let [her_person, her_message, hers] =
        world(env, "anna@example.com", "ivan@example.com", "Её тема");
    let [his_person, _, his] = world(env, "boris@example.com", "petr@example.com", "Его тема");
    let anna = "anna@example.com";

    // Lists, counts and the CSV export hold her own only.
    assert_eq!(
        emails(&as_user(env, anna, &["recipient", "list"])),
        ["ivan@example.com"]
    );
    let stats = as_user(env, anna, &["stats"]);
    assert_eq!(stats["mailings_total"], 1, "{stats}");
    assert_eq!(stats["unique_recipients"], 1, "{stats}");
    let csv = env.ok(&["--as", anna, "recipient", "export"]);
    assert!(
        csv.contains("ivan@example.com") && !csv.contains("petr@example.com"),
        "{csv}"
    );
    let mailings = as_user(env, anna, &["mailing", "list"]);
    assert_eq!(mailings.as_array().map(Vec::len), Some(1), "{mailings}");
    assert_eq!(
        as_user(env, anna, &["mailing", "attempts", &hers])
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // His, by id, are not found to her: to read, change, send or delete.
    for args in [
        vec!["recipient", "show", his_person.as_str()],
        vec!["recipient", "edit", his_person.as_str(), "--name", "Чужой"],
        vec!["recipient", "delete", his_person.as_str()],
        vec!["mailing", "show", his.as_str()],
        vec!["mailing", "attempts", his.as_str()],
        vec!["mailing", "runs", his.as_str()],
        vec!["mailing", "send", his.as_str()],
        vec!["mailing", "delete", his.as_str()],
        vec![
            "mailing",
            "recipients",
            "add",
            his.as_str(),
            "--recipient",
            her_person.as_str(),
        ],
    ] {
        let mut all = vec!["--as", anna];
        all.extend_from_slice(&args);
        let err = env.fails(1, &all);
        assert!(err.contains("not found"), "{args:?}: {err}");
        assert!(!err.contains("forbidden"), "{args:?}: {err}");
    }
    // Nor can her mailing take his recipient.
    let err = env.fails(
        1,
        &[
            "--as",
            anna,
            "mailing",
            "recipients",
            "add",
            &hers,
            "--recipient",
            &his_person,
        ],
    );
    assert!(err.contains("not found"), "{err}");
    assert_eq!(
        env.json(&["mailing", "runs", &his])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        env.json(&["recipient", "show", &his_person])["full_name"],
        "Иван"
    );

    // A manager sees both, and changes neither.
    let mia = "mia@example.com";
    let all = emails(&as_user(env, mia, &["recipient", "list"]));
    assert_eq!(all, ["ivan@example.com", "petr@example.com"]);
    assert_eq!(as_user(env, mia, &["stats"])["mailings_total"], 2);
    assert_eq!(
        as_user(env, mia, &["mailing", "attempts", &his])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    for args in [
        vec!["recipient", "delete", his_person.as_str()],
        vec!["message", "delete", her_message.as_str()],
        vec!["mailing", "send", hers.as_str()],
    ] {
        let mut all = vec!["--as", mia];
        all.extend_from_slice(&args);
        let err = env.fails(1, &all);
        assert!(err.contains("not found"), "{args:?}: {err}");
    }
    assert_eq!(
        env.json(&["mailing", "runs", &hers])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn two_users_data_never_mix_on_sqlite() {
    two_users_data_never_mix(&Env::new());
}

#[test]
fn two_users_data_never_mix_on_postgres() {
    let Some(env) = Env::postgres("two_users_data_never_mix_on_postgres") else {
        return;
    };
    two_users_data_never_mix(&env);
}
