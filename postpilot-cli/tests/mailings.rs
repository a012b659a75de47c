//! `postpilot mailing …` (except sending) through the real binary.

mod support;

use support::Env;

fn setup(env: &Env) -> (String, String, String) {
    let a = env.add_recipient("a@example.com", "А");
    let b = env.add_recipient("b@example.com", "Б");
    let m = env.add_message("Тема", "Тело");
    (a, b, m)
}

#[test]
fn new_mailing_is_created_with_its_recipients() {
    let env = Env::new();
    let (a, b, m) = setup(&env);
    let id = env.ok(&[
        "mailing",
        "add",
        "--message",
        &m,
        "--start",
        "2030-01-01T09:00:00Z",
        "--end",
        "2030-01-02T09:00:00Z",
        "--recipient",
        &a,
        "--recipient",
        &b,
    ]);
    let shown = env.json(&["mailing", "show", &id]);
    assert_eq!(shown["status"], "created");
    assert_eq!(shown["message_id"], 1);
    assert_eq!(shown["recipient_ids"], serde_json::json!([1, 2]));
    assert_eq!(shown["first_sent_at"], "2030-01-01T09:00:00Z");
    assert_eq!(shown["sent_completed_at"], "2030-01-02T09:00:00Z");
    let listed = env.ok(&["mailing", "list"]);
    assert!(listed.contains("Создана"), "{listed}");
}

#[test]
fn all_recipients_takes_everyone_there_is() {
    let env = Env::new();
    let (_, _, m) = setup(&env);
    let id = env.ok(&[
        "mailing",
        "add",
        "--message",
        &m,
        "--start",
        "2030-01-01 09:00",
        "--end",
        "2030-01-01 18:00",
        "--all-recipients",
    ]);
    assert_eq!(
        env.json(&["mailing", "show", &id])["recipient_ids"],
        serde_json::json!([1, 2])
    );
}

#[test]
fn end_before_start_exits_2_and_changes_nothing() {
    let env = Env::new();
    let (a, _, m) = setup(&env);
    let err = env.fails(
        2,
        &[
            "mailing",
            "add",
            "--message",
            &m,
            "--start",
            "2030-01-02T09:00:00Z",
            "--end",
            "2030-01-01T09:00:00Z",
            "--recipient",
            &a,
        ],
    );
    assert!(
        err.contains("sent_completed_at: must be after first_sent_at"),
        "{err}"
    );
    assert_eq!(env.count("mailing"), 0);
}

#[test]
fn malformed_time_exits_2_naming_the_flag() {
    let env = Env::new();
    let (a, _, m) = setup(&env);
    let err = env.fails(
        2,
        &[
            "mailing",
            "add",
            "--message",
            &m,
            "--start",
            "next monday",
            "--end",
            "2030-01-01T09:00:00Z",
            "--recipient",
            &a,
        ],
    );
    assert!(
        err.contains("--start") && err.contains("expected RFC 3339"),
        "{err}"
    );
}

#[test]
fn unknown_message_or_recipient_exits_1_naming_it_and_changes_nothing() {
    let env = Env::new();
    let (a, _, m) = setup(&env);
    let base = [
        "mailing",
        "add",
        "--start",
        "2030-01-01T09:00:00Z",
        "--end",
        "2030-01-02T09:00:00Z",
    ];
    let mut args = base.to_vec();
    args.extend_from_slice(&["--message", "99", "--recipient", &a]);
    assert!(env.fails(1, &args).contains("message 99 not found"));
    let mut args = base.to_vec();
    args.extend_from_slice(&["--message", &m, "--recipient", &a, "--recipient", "77"]);
    assert!(env.fails(1, &args).contains("recipient 77 not found"));
    assert_eq!(env.count("mailing"), 0);
}

#[test]
fn repeated_recipient_id_exits_2() {
    let env = Env::new();
    let (a, _, m) = setup(&env);
    let err = env.fails(
        2,
        &[
            "mailing",
            "add",
            "--message",
            &m,
            "--start",
            "2030-01-01T09:00:00Z",
            "--end",
            "2030-01-02T09:00:00Z",
            "--recipient",
            &a,
            "--recipient",
            &a,
        ],
    );
    assert!(
        err.contains("recipient_ids: lists recipient 1 more than once"),
        "{err}"
    );
}

#[test]
fn mailing_needs_recipients_or_all_recipients() {
    let env = Env::new();
    let (_, _, m) = setup(&env);
    env.fails(
        2,
        &[
            "mailing",
            "add",
            "--message",
            &m,
            "--start",
            "2030-01-01T09:00:00Z",
            "--end",
            "2030-01-02T09:00:00Z",
        ],
    );
}

#[test]
fn edit_moves_the_window_and_replaces_recipients() {
    let env = Env::new();
    let (a, b, m) = setup(&env);
    let id = env.add_open_mailing(&m, &[&a]);
    env.ok(&[
        "mailing",
        "edit",
        &id,
        "--end",
        "2031-01-01T00:00:00Z",
        "--recipient",
        &b,
    ]);
    let shown = env.json(&["mailing", "show", &id]);
    assert_eq!(shown["sent_completed_at"], "2031-01-01T00:00:00Z");
    assert_eq!(shown["recipient_ids"], serde_json::json!([2]));
    let err = env.fails(
        2,
        &["mailing", "edit", &id, "--end", "2000-01-01T00:00:00Z"],
    );
    assert!(err.contains("sent_completed_at"), "{err}");
    assert_eq!(
        env.json(&["mailing", "show", &id])["sent_completed_at"],
        "2031-01-01T00:00:00Z"
    );
}

#[test]
fn editing_only_the_end_keeps_all_1500_recipients() {
    let env = Env::new();
    let id = env.mailing_to_new_recipients(1500);
    env.ok(&["mailing", "edit", &id, "--end", "2031-01-01T00:00:00Z"]);
    let shown = env.json(&["mailing", "show", &id]);
    assert_eq!(shown["sent_completed_at"], "2031-01-01T00:00:00Z");
    assert_eq!(shown["recipient_count"], 1500);
}

#[test]
fn mailing_whose_end_has_passed_is_listed_as_completed() {
    let env = Env::new();
    let (a, _, m) = setup(&env);
    let id = env.ok(&[
        "mailing",
        "add",
        "--message",
        &m,
        "--start",
        "2020-01-01T09:00:00Z",
        "--end",
        "2020-01-02T09:00:00Z",
        "--recipient",
        &a,
    ]);
    assert_eq!(env.json(&["mailing", "show", &id])["status"], "completed");
    assert!(env.ok(&["mailing", "list"]).contains("Завершена"));
}

#[test]
fn deleting_a_mailing_makes_it_unknown() {
    let env = Env::new();
    let (a, _, m) = setup(&env);
    let id = env.add_open_mailing(&m, &[&a]);
    env.ok(&["mailing", "delete", &id]);
    assert!(env
        .fails(1, &["mailing", "show", &id])
        .contains("mailing 1 not found"));
    assert!(env
        .fails(1, &["mailing", "attempts", &id])
        .contains("not found"));
}
