//! The CLI on PostgreSQL (`--database-url postgres://…`): the README's
//! quickstart, `migrate`, import and export, each on a database of its own
//! on the server `POSTPILOT_TEST_PG_URL` names. Unset, these tests say
//! `SKIPPED` and pass, except under CI, where they fail.

mod support;

use support::Env;

/// An environment on a fresh PostgreSQL database, or skip the test.
macro_rules! pg_env {
    ($test:literal) => {
        match Env::postgres($test) {
            Some(env) => env,
            None => return,
        }
    };
}

#[test]
fn the_readme_quickstart_works_on_postgres() {
    let env = pg_env!("the_readme_quickstart_works_on_postgres");
    assert!(env.db_url().starts_with("postgres://"));
    let ivan = env.ok(&[
        "recipient",
        "add",
        "--email",
        "ivan@example.com",
        "--name",
        "Иван Петров",
        "--comment",
        "VIP",
    ]);
    let anna = env.ok(&[
        "recipient",
        "add",
        "--email",
        "anna@example.com",
        "--name",
        "Анна Смирнова",
    ]);
    assert_eq!((ivan.as_str(), anna.as_str()), ("1", "2"));
    let listed = env.ok(&["recipient", "list"]);
    assert!(listed.contains("Иван Петров") && listed.contains("anna@example.com"));
    let message = env.ok(&[
        "message",
        "add",
        "--subject",
        "Новости недели",
        "--body",
        "Здравствуйте! Вот что нового.",
    ]);
    assert_eq!(message, "1");
    let mailing = env.ok(&[
        "mailing",
        "add",
        "--message",
        "1",
        "--start",
        "2026-11-26 09:00",
        "--end",
        "2030-01-01 18:00",
        "--recipient",
        "1",
        "--recipient",
        "2",
    ]);
    assert_eq!(mailing, "1");
    assert!(env.ok(&["mailing", "list"]).contains('1'));

    let sent = env.ok(&["mailing", "send", "1"]);
    assert!(sent.contains("2 sent, 0 failed"), "{sent}");
    assert_eq!(std::fs::read_dir(env.outbox()).expect("outbox").count(), 2);
    let attempts = env.ok(&["mailing", "attempts", "1"]);
    assert_eq!(attempts.matches("Успешно").count(), 2, "{attempts}");
    assert!(attempts.contains("ivan@example.com"), "{attempts}");
    let recorded = env.json(&["mailing", "attempts", "1"]);
    assert_eq!(recorded.as_array().expect("attempts").len(), 2);

    let stats = env.json(&["stats"]);
    assert_eq!(stats["mailings_total"], 1);
    assert_eq!(stats["mailings_active"], 1);
    assert_eq!(stats["unique_recipients"], 2);
    assert_eq!(stats["recipients_total"], 2);
    assert!(!env.ok(&["stats"]).is_empty());
    assert_eq!(env.json(&["mailing", "show", "1"])["status"], "running");

    // Sending again starts a second run: two more attempts, same counts.
    env.ok(&["mailing", "send", "1"]);
    assert_eq!(
        env.json(&["mailing", "runs", "1"])
            .as_array()
            .expect("runs")
            .len(),
        2
    );
    assert_eq!(env.json(&["stats"])["unique_recipients"], 2);
}

#[test]
fn refusals_on_postgres_exit_as_on_sqlite() {
    let env = pg_env!("refusals_on_postgres_exit_as_on_sqlite");
    env.add_recipient("ivan@example.com", "Иван");
    let err = env.fails(
        1,
        &[
            "recipient",
            "add",
            "--email",
            "IVAN@example.com",
            "--name",
            "И",
        ],
    );
    assert!(err.contains("already exists"), "{err}");
    let m = env.add_message("Тема", "Тело");
    env.add_open_mailing(&m, &["1"]);
    let err = env.fails(1, &["message", "delete", &m]);
    assert!(err.contains("mailing 1"), "{err}");
    let err = env.fails(1, &["recipient", "show", "42"]);
    assert!(err.contains("recipient 42 not found"), "{err}");
}

#[test]
fn migrate_on_postgres_is_idempotent() {
    let env = pg_env!("migrate_on_postgres_is_idempotent");
    env.ok(&["migrate"]);
    env.ok(&["migrate"]);
    env.add_recipient("a@example.com", "А");
    assert_eq!(env.json(&["migrate"])["message"], "database is up to date");
    assert_eq!(env.count("recipient"), 1);
}

#[test]
fn export_from_postgres_imports_into_sqlite_and_back() {
    let pg = pg_env!("export_from_postgres_imports_into_sqlite_and_back");
    pg.ok(&[
        "recipient",
        "add",
        "--email",
        "a@example.com",
        "--name",
        "Анна, \"Аня\"",
        "--comment",
        "две\nстроки",
    ]);
    pg.add_recipient("b@example.com", "Борис");
    pg.ok(&["recipient", "export", "out.csv"]);

    let sqlite = Env::new();
    std::fs::copy(
        pg.dir.path().join("out.csv"),
        sqlite.dir.path().join("in.csv"),
    )
    .expect("copy");
    assert_eq!(
        sqlite.json(&["recipient", "import", "in.csv"])["imported"],
        2
    );
    assert_eq!(
        sqlite.json(&["recipient", "list"]),
        pg.json(&["recipient", "list"])
    );

    // Back into PostgreSQL: existing emails (any case) are skipped, bad
    // rows reported by line, good rows kept.
    std::fs::write(
        pg.dir.path().join("more.csv"),
        "email,full_name\nA@EXAMPLE.COM,Дубликат\nnot-an-email,Плохой\nc@example.com,Вера\n",
    )
    .expect("write csv");
    let out = pg
        .cmd()
        .args(["recipient", "import", "more.csv"])
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported 1, skipped 1 already present, 1 invalid rows"),
        "{stdout}"
    );
    assert_eq!(pg.count("recipient"), 3);
}

#[test]
fn an_unreachable_postgres_fails_without_echoing_the_password() {
    let env = Env::new();
    let err = env.fails(
        1,
        &[
            "--database-url",
            "postgres://postpilot:hunter2secret@127.0.0.1:1/postpilot",
            "stats",
        ],
    );
    assert!(err.contains("PostgreSQL"), "{err}");
    assert!(!err.contains("hunter2secret"), "{err}");
    let err = env.fails(
        1,
        &[
            "--database-url",
            "postgresql://u:hunter2secret@[oops/db",
            "stats",
        ],
    );
    assert!(!err.contains("hunter2secret"), "{err}");
}
