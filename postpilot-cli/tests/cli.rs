//! The binary as a whole: help, completions, configuration errors, secrets.

mod support;

use support::Env;

#[test]
fn help_lists_the_commands_and_never_shows_the_smtp_password() {
    let env = Env::new();
    let out = env
        .cmd()
        .env(
            "POSTPILOT_SMTP_URL",
            "smtp://user:hunter2secret@mail.example.com:587",
        )
        .arg("--help")
        .output()
        .expect("ran");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "recipient",
        "message",
        "mailing",
        "stats",
        "migrate",
        "--database-url",
        "--smtp-url",
    ] {
        assert!(help.contains(word), "{word} missing from help");
    }
    assert!(!help.contains("hunter2secret"), "{help}");
}

#[test]
fn bad_smtp_url_is_refused_without_echoing_the_password() {
    let env = Env::new();
    let r = env.add_recipient("a@example.com", "А");
    let m = env.add_message("Тема", "Тело");
    let id = env.add_open_mailing(&m, &[&r]);
    let err = env.fails(
        2,
        &[
            "--smtp-url",
            "ftp://user:hunter2secret@host",
            "mailing",
            "send",
            &id,
        ],
    );
    assert!(err.contains("--smtp-url"), "{err}");
    assert!(!err.contains("hunter2secret"), "{err}");
    assert!(env
        .json(&["mailing", "runs", &id])
        .as_array()
        .expect("runs")
        .is_empty());
}

#[test]
fn completions_are_printed_for_bash_zsh_and_fish() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let script = env.ok(&["completions", shell]);
        assert!(script.contains("postpilot"), "{shell}");
        assert!(script.contains("recipient"), "{shell}");
    }
}

#[test]
fn migrate_is_idempotent() {
    let env = Env::new();
    env.ok(&["migrate"]);
    env.ok(&["migrate"]);
    env.add_recipient("a@example.com", "А");
    env.ok(&["migrate"]);
    assert_eq!(env.count("recipient"), 1);
}

#[test]
fn unsupported_database_scheme_exits_2_without_echoing_the_url() {
    let env = Env::new();
    let err = env.fails(
        2,
        &["--database-url", "mysql://root:pw123@host/db", "stats"],
    );
    assert!(err.contains("--database-url"), "{err}");
    assert!(!err.contains("pw123"), "{err}");
}

#[test]
fn default_database_file_is_created_in_the_working_directory() {
    let env = Env::new();
    let out = env
        .cmd()
        .env_remove("POSTPILOT_DATABASE_URL")
        .args(["--json", "stats"])
        .output()
        .expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(env.dir.path().join("postpilot.db").exists());
}
