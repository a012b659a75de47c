//! `postpilot recipient …` through the real binary.

mod support;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use support::Env;

#[test]
fn add_prints_the_new_id_and_show_reads_it_back() {
    let env = Env::new();
    let id = env.add_recipient("ivan@example.com", "Иван Петров");
    assert_eq!(id, "1");
    let shown = env.json(&["recipient", "show", &id]);
    assert_eq!(shown["email"], "ivan@example.com");
    assert_eq!(shown["full_name"], "Иван Петров");
    assert_eq!(shown["comment"], "");
    assert_eq!(shown["id"], 1);
}

#[test]
fn add_with_json_prints_the_created_object() {
    let env = Env::new();
    let created = env.json(&[
        "recipient",
        "add",
        "--email",
        "anna@example.com",
        "--name",
        "Анна",
        "--comment",
        "VIP",
    ]);
    assert_eq!(created["id"], 1);
    assert_eq!(created["comment"], "VIP");
}

#[test]
fn duplicate_email_in_another_letter_case_exits_1_and_changes_nothing() {
    let env = Env::new();
    env.add_recipient("ivan@example.com", "Иван");
    let err = env.fails(
        1,
        &[
            "recipient",
            "add",
            "--email",
            "IVAN@Example.com",
            "--name",
            "Другой",
        ],
    );
    assert!(err.contains("error: a recipient with email"), "{err}");
    assert_eq!(env.count("recipient"), 1);
}

#[test]
fn invalid_inputs_exit_2_naming_the_field_and_change_nothing() {
    let env = Env::new();
    let long_name = "Я".repeat(101);
    let cases: [(&[&str], &str); 5] = [
        (
            &["--email", "not-an-email", "--name", "N"],
            "email: is not a valid email address",
        ),
        (&["--email", "a b@example.com", "--name", "N"], "email:"),
        (
            &["--email", "ok@example.com", "--name", &long_name],
            "full_name: must be at most 100",
        ),
        (
            &["--email", "ok@example.com", "--name", "two\nlines"],
            "full_name: must not contain line breaks",
        ),
        (
            &["--email", "ok@example.com", "--name", "   "],
            "full_name: must not be empty",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["recipient", "add"];
        all.extend_from_slice(args);
        let err = env.fails(2, &all);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert_eq!(env.count("recipient"), 0);
}

#[test]
fn edit_changes_only_the_given_fields() {
    let env = Env::new();
    let id = env.ok(&[
        "recipient",
        "add",
        "--email",
        "ivan@example.com",
        "--name",
        "Иван",
        "--comment",
        "старый",
    ]);
    env.ok(&["recipient", "edit", &id, "--name", "Иван Сидоров"]);
    let shown = env.json(&["recipient", "show", &id]);
    assert_eq!(shown["full_name"], "Иван Сидоров");
    assert_eq!(shown["email"], "ivan@example.com");
    assert_eq!(shown["comment"], "старый");
}

#[test]
fn editing_to_an_email_another_recipient_has_exits_1_and_changes_nothing() {
    let env = Env::new();
    env.add_recipient("a@example.com", "A");
    let b = env.add_recipient("b@example.com", "B");
    env.fails(1, &["recipient", "edit", &b, "--email", "A@EXAMPLE.COM"]);
    assert_eq!(
        env.json(&["recipient", "show", &b])["email"],
        "b@example.com"
    );
}

#[test]
fn deleted_recipient_is_not_found_afterwards() {
    let env = Env::new();
    let id = env.add_recipient("ivan@example.com", "Иван");
    env.ok(&["recipient", "delete", &id]);
    let err = env.fails(1, &["recipient", "show", &id]);
    assert!(err.contains("recipient 1 not found"), "{err}");
    env.fails(1, &["recipient", "delete", &id]);
}

#[test]
fn list_prints_a_table_with_every_recipient() {
    let env = Env::new();
    env.add_recipient("ivan@example.com", "Иван");
    env.add_recipient("anna@example.com", "Анна");
    env.cmd()
        .args(["recipient", "list"])
        .assert()
        .success()
        .stdout(
            contains("ivan@example.com")
                .and(contains("Анна"))
                .and(contains("full_name")),
        );
}

#[test]
fn non_numeric_id_is_a_usage_error() {
    let env = Env::new();
    let err = env.fails(2, &["recipient", "show", "abc"]);
    assert!(err.contains("invalid value 'abc'"), "{err}");
}
