//! What the CLI prints to a terminal holds no control character it did not
//! make itself, whoever stored the text and whenever: a server's reply
//! stored raw by an older version, a comment with a carriage return, a file
//! name in an error. Tables show such characters as escapes (`\u{1b}`);
//! `show` keeps a value's lines and tabs; JSON escapes them as `\u001b`,
//! which reads back as the same text.

mod support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use support::Env;

/// A reply as a server sent it, before replies were made visible on receipt.
const RAW_REPLY: &str = "250 \0\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{202e} ok";
/// [`RAW_REPLY`] in a table.
const RAW_REPLY_SHOWN: &str = r"250 \0\u{7}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{202e} ok";

/// Fails if `output` holds a control character (C0, DEL, C1), a line
/// separator or a bidi control other than those in `allowed`.
#[track_caller]
fn assert_no_control_character(output: &[u8], allowed: &[char]) {
    let text = String::from_utf8_lossy(output);
    let found: Vec<char> = text
        .chars()
        .filter(|&c| postpilot_core::is_hidden(c) && !allowed.contains(&c))
        .collect();
    assert!(found.is_empty(), "printed {found:?} in {text:?}");
}

/// Stores `response` as the text of every attempt, past the store, as an
/// older version that kept replies as they came would have.
fn store_raw_response(env: &Env, response: &str) {
    let url = env.db_url();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            use sqlx::Connection;
            let mut db = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("open the database");
            sqlx::query("UPDATE send_attempt SET response = ?")
                .bind(response)
                .execute(&mut db)
                .await
                .expect("update");
            db.close().await.expect("close");
        });
}

/// A mailing sent to one recipient through the outbox; returns its id.
fn sent_mailing(env: &Env) -> String {
    env.add_recipient("ivan@example.com", "Иван");
    let m = env.add_message("Новости", "Здравствуйте!");
    let id = env.add_open_mailing(&m, &["1"]);
    env.ok(&["mailing", "send", &id]);
    id
}

#[test]
fn a_reply_stored_raw_by_an_older_version_is_shown_escaped_in_the_attempts_table() {
    let env = Env::new();
    let id = sent_mailing(&env);
    store_raw_response(&env, RAW_REPLY);

    let out = env
        .cmd()
        .args(["mailing", "attempts", &id])
        .output()
        .expect("ran");
    assert!(out.status.success());
    assert_no_control_character(&out.stdout, &['\n']);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains(RAW_REPLY_SHOWN), "{table}");
}

#[test]
fn json_output_escapes_every_control_character_and_reads_back_the_stored_text() {
    let env = Env::new();
    let id = sent_mailing(&env);
    store_raw_response(&env, RAW_REPLY);

    let out = env
        .cmd()
        .args(["--json", "mailing", "attempts", &id])
        .output()
        .expect("ran");
    assert!(out.status.success());
    assert_no_control_character(&out.stdout, &['\n']);
    let attempts: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(attempts[0]["response"], RAW_REPLY);
}

#[test]
fn a_multi_line_comment_keeps_its_lines_in_show_and_is_one_escaped_line_in_a_table() {
    let env = Env::new();
    let comment = "VIP\nsecond line\tafter a tab\rover";
    env.ok(&[
        "recipient",
        "add",
        "--email",
        "ivan@example.com",
        "--name",
        "Иван",
        "--comment",
        comment,
    ]);

    let list = env.cmd().args(["recipient", "list"]).output().expect("ran");
    assert_no_control_character(&list.stdout, &['\n']);
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains(r"VIP\nsecond line\tafter a tab\rover"),
        "{list}"
    );

    let show = env
        .cmd()
        .args(["recipient", "show", "1"])
        .output()
        .expect("ran");
    assert_no_control_character(&show.stdout, &['\n', '\t']);
    let show = String::from_utf8_lossy(&show.stdout);
    let lines: Vec<&str> = show.lines().collect();
    assert!(lines.contains(&"comment    VIP"), "{show}");
    // A carriage return would move the cursor back over the line.
    assert!(
        lines.contains(&"           second line\tafter a tab\\rover"),
        "{show}"
    );
}

#[test]
fn an_error_quoting_a_file_name_shows_its_control_characters_escaped() {
    let env = Env::new();
    let name = OsStr::from_bytes(b"letter\x1b]0;pwned\x07\x1b[2J.txt");
    for args in [
        vec![OsStr::new("recipient"), OsStr::new("import"), name],
        vec![
            OsStr::new("message"),
            OsStr::new("add"),
            OsStr::new("--subject"),
            OsStr::new("S"),
            OsStr::new("--body-file"),
            name,
        ],
    ] {
        let out = env.cmd().args(&args).output().expect("ran");
        assert!(!out.status.success());
        assert_no_control_character(&out.stderr, &['\n']);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(r"letter\u{1b}]0;pwned\u{7}\u{1b}[2J.txt"),
            "{stderr}"
        );
    }
}
