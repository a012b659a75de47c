//! `postpilot message …` through the real binary.

mod support;

use support::Env;

#[test]
fn message_with_body_file_is_stored_whole() {
    let env = Env::new();
    let body = "Здравствуйте!\n\nНовости недели.\n";
    std::fs::write(env.dir.path().join("body.txt"), body).expect("write body");
    let id = env.ok(&[
        "message",
        "add",
        "--subject",
        "Новости",
        "--body-file",
        "body.txt",
    ]);
    let shown = env.json(&["message", "show", &id]);
    assert_eq!(shown["subject"], "Новости");
    assert_eq!(shown["body_text"], body.trim());
    assert!(shown["created_at"]
        .as_str()
        .expect("time")
        .starts_with("20"));
}

#[test]
fn subject_with_a_line_break_exits_2_and_changes_nothing() {
    let env = Env::new();
    let err = env.fails(
        2,
        &[
            "message",
            "add",
            "--subject",
            "Hi\nBcc: all@example.com",
            "--body",
            "x",
        ],
    );
    assert!(
        err.contains("subject: must not contain line breaks"),
        "{err}"
    );
    let err = env.fails(
        2,
        &[
            "message",
            "add",
            "--subject",
            &"s".repeat(101),
            "--body",
            "x",
        ],
    );
    assert!(err.contains("subject: must be at most 100"), "{err}");
    assert_eq!(env.count("message"), 0);
}

#[test]
fn message_needs_exactly_one_body_source() {
    let env = Env::new();
    env.fails(2, &["message", "add", "--subject", "S"]);
    env.fails(
        2,
        &[
            "message",
            "add",
            "--subject",
            "S",
            "--body",
            "a",
            "--body-file",
            "f",
        ],
    );
    let err = env.fails(
        2,
        &[
            "message",
            "add",
            "--subject",
            "S",
            "--body-file",
            "missing.txt",
        ],
    );
    assert!(err.contains("--body-file missing.txt"), "{err}");
}

#[test]
fn edit_replaces_the_subject_and_keeps_the_body() {
    let env = Env::new();
    let id = env.add_message("Старая тема", "Тело");
    env.ok(&["message", "edit", &id, "--subject", "Новая тема"]);
    let shown = env.json(&["message", "show", &id]);
    assert_eq!(shown["subject"], "Новая тема");
    assert_eq!(shown["body_text"], "Тело");
}

#[test]
fn deleting_a_message_a_mailing_uses_exits_1_and_keeps_it() {
    let env = Env::new();
    let r = env.add_recipient("ivan@example.com", "Иван");
    let m = env.add_message("Тема", "Тело");
    env.add_open_mailing(&m, &[&r]);
    let err = env.fails(1, &["message", "delete", &m]);
    assert!(err.contains("message 1 is used by"), "{err}");
    assert_eq!(env.count("message"), 1);
}

#[test]
fn unused_message_can_be_deleted() {
    let env = Env::new();
    let m = env.add_message("Тема", "Тело");
    env.ok(&["message", "delete", &m]);
    assert_eq!(env.count("message"), 0);
}
