//! Every door of the command line tried with bad input: arguments and
//! options (each class of bad text, email, time, id and number), the
//! environment, `--body-file` and the CSV import file. Each is refused with
//! exit code 2 and a message naming the field or option at fault, nothing
//! is changed, and nothing panics.

mod support;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use serde_json::Value;
use support::Env;

/// Everything a refusal must leave as it was.
fn snapshot(env: &Env) -> Value {
    serde_json::json!({
        "stats": env.json(&["stats"]),
        "recipients": env.json(&["recipient", "list"]),
        "messages": env.json(&["message", "list"]),
        "mailings": env.json(&["mailing", "list"]),
    })
}

/// A database with one recipient, message and mailing (ids 1), so that
/// edits have something to refuse to change.
fn seeded() -> Env {
    let env = Env::new();
    env.add_recipient("ivan@example.com", "Иван");
    env.add_message("Тема", "Текст");
    env.add_open_mailing("1", &["1"]);
    env
}

/// One refused invocation: its arguments, environment, and what stderr
/// must say (the field or option at fault).
struct Case {
    args: Vec<OsString>,
    env: Vec<(&'static str, &'static str)>,
    names: &'static str,
}

fn case(args: &[&str], names: &'static str) -> Case {
    Case {
        args: args.iter().map(OsString::from).collect(),
        env: Vec::new(),
        names,
    }
}

/// Runs each case against `env`: exit 2, the message names the field,
/// no panic, and the stored data is unchanged afterwards.
fn assert_refused(env: &Env, cases: Vec<Case>) {
    let before = snapshot(env);
    for case in &cases {
        let mut cmd = env.cmd();
        cmd.args(&case.args);
        for (k, v) in &case.env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("ran");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown = format!("{:?} {:?}", case.args, case.env);
        assert_eq!(out.status.code(), Some(2), "{shown}: {stderr}");
        assert!(
            stderr.contains(case.names),
            "{shown}: expected {:?} in {stderr}",
            case.names
        );
        assert!(!stderr.contains("panicked"), "{shown}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{shown}: printed {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(snapshot(env), before, "a refused command changed something");
}

#[test]
fn bad_recipient_fields_exit_2_naming_the_field_and_change_nothing() {
    let env = seeded();
    let long_email = format!("{}@example.com", "a".repeat(250));
    let long_name = "Я".repeat(101);
    let long_comment = "к".repeat(10_001);
    let mut cases = Vec::new();
    for (cmd, extra) in [
        (&["recipient", "add"][..], &[][..]),
        (&["recipient", "edit"], &["1"]),
    ] {
        let with = |email: &str, name: &str, names: &'static str| {
            let mut args: Vec<&str> = [cmd, extra].concat();
            args.extend(["--email", email, "--name", name]);
            case(&args, names)
        };
        cases.extend([
            // control characters and line breaks in every text field
            with(
                "a@example.com",
                "Bell\u{7}",
                "full_name: must not contain control characters",
            ),
            with(
                "a@example.com",
                "Two\nlines",
                "full_name: must not contain line breaks",
            ),
            with(
                "a@example.com",
                "Carriage\rreturn",
                "full_name: must not contain line breaks",
            ),
            with(
                "a@example.com",
                "Bidi\u{202E}",
                "full_name: must not contain control characters",
            ),
            with(
                "a@example.com\r",
                "A",
                "email: must not contain line breaks",
            ),
            with(
                "a@example.com\n",
                "A",
                "email: must not contain line breaks",
            ),
            with(
                "a@exam\u{7f}ple.com",
                "A",
                "email: must not contain control characters",
            ),
            // the email policy's edge cases
            with(
                "a b@example.com",
                "A",
                "email: is not a valid email address: must not contain spaces",
            ),
            with(
                " a@example.com",
                "A",
                "email: is not a valid email address: must not contain spaces",
            ),
            with(
                "a..b@example.com",
                "A",
                "email: is not a valid email address: dots",
            ),
            with(
                ".a@example.com",
                "A",
                "email: is not a valid email address: dots",
            ),
            with(
                "a@example..com",
                "A",
                "email: is not a valid email address: the domain has an empty label",
            ),
            with(
                "иван@example.com",
                "A",
                "email: is not a valid email address: only ASCII",
            ),
            with(
                "ivan@пример.рф",
                "A",
                "email: is not a valid email address: only ASCII",
            ),
            with(
                "\"ivan\"@example.com",
                "A",
                "email: is not a valid email address: quoted local parts",
            ),
            with(
                "ivan",
                "A",
                "email: is not a valid email address: missing '@'",
            ),
            with(
                "ivan@",
                "A",
                "email: is not a valid email address: missing the domain",
            ),
            with(
                "a@[127.0.0.1]",
                "A",
                "email: is not a valid email address: the domain may hold only",
            ),
            // over-long and empty
            with(&long_email, "A", "email: must be at most 254 characters"),
            with(
                "a@example.com",
                &long_name,
                "full_name: must be at most 100 characters (got 101)",
            ),
            with("", "A", "email: must not be empty"),
            with("a@example.com", "   ", "full_name: must not be empty"),
        ]);
        let mut comment: Vec<&str> = [cmd, extra].concat();
        comment.extend(["--email", "a@example.com", "--name", "A", "--comment"]);
        let with_comment = |c: &str, names| {
            let mut args = comment.clone();
            args.push(c);
            case(&args, names)
        };
        cases.extend([
            with_comment(
                "\u{1b}[31mred",
                "comment: must not contain control characters",
            ),
            with_comment(&long_comment, "comment: must be at most 10000 characters"),
        ]);
    }
    cases.extend([
        case(&["recipient", "add", "--name", "A"], "--email"),
        case(&["recipient", "add", "--email", "a@example.com"], "--name"),
        case(
            &["recipient", "show", "abc"],
            "invalid value 'abc' for '<ID>'",
        ),
        case(
            &["recipient", "show", "99999999999999999999"],
            "'<ID>': number too large",
        ),
        case(
            &["recipient", "show", "1.5"],
            "invalid value '1.5' for '<ID>'",
        ),
        case(&["recipient", "delete", ""], "for '<ID>'"),
        case(
            &["recipient", "edit", "x", "--name", "A"],
            "invalid value 'x' for '<ID>'",
        ),
        case(
            &["recipient", "list", "--limit", "-1"],
            "invalid value '-1' for '--limit",
        ),
        case(
            &["recipient", "list", "--limit", "abc"],
            "invalid value 'abc' for '--limit",
        ),
        case(
            &["recipient", "list", "--offset", "1e9"],
            "invalid value '1e9' for '--offset",
        ),
    ]);
    // Bytes that are not UTF-8 in an argument. (A NUL byte cannot be
    // passed in an argument at all; the CSV and API doors try those.)
    let mut not_utf8 = case(&["recipient", "add", "--name", "A", "--email"], "--email");
    not_utf8
        .args
        .push(OsString::from_vec(b"a\xffb@example.com".to_vec()));
    cases.push(not_utf8);
    assert_refused(&env, cases);
}

#[test]
fn bad_message_fields_exit_2_naming_the_field_and_change_nothing() {
    let env = seeded();
    let dir = env.dir.path();
    std::fs::write(dir.join("latin1.txt"), b"Gr\xfc\xdfe").expect("write");
    std::fs::write(dir.join("nul.txt"), "nul \u{0} inside").expect("write");
    std::fs::write(dir.join("blank.txt"), " \n\t\n").expect("write");
    let long_subject = "s".repeat(101);
    let mut cases = Vec::new();
    for (cmd, extra) in [
        (&["message", "add"][..], &[][..]),
        (&["message", "edit"], &["1"]),
    ] {
        let with = |more: &[&str], names: &'static str| {
            let mut args: Vec<&str> = [cmd, extra].concat();
            args.extend_from_slice(more);
            case(&args, names)
        };
        cases.extend([
            with(
                &["--subject", "Hi\nBcc: x@example.com", "--body", "B"],
                "subject: must not contain line breaks",
            ),
            with(
                &["--subject", "Hi\r", "--body", "B"],
                "subject: must not contain line breaks",
            ),
            with(
                &["--subject", "Tab\there", "--body", "B"],
                "subject: must not contain control characters",
            ),
            with(
                &["--subject", "Sep\u{2028}", "--body", "B"],
                "subject: must not contain control characters",
            ),
            with(
                &["--subject", &long_subject, "--body", "B"],
                "subject: must be at most 100 characters",
            ),
            with(
                &["--subject", "", "--body", "B"],
                "subject: must not be empty",
            ),
            with(
                &["--subject", "S", "--body", "  \n "],
                "body_text: must not be empty",
            ),
            with(
                &["--subject", "S", "--body", "esc \u{1b}"],
                "body_text: must not contain control characters",
            ),
            with(
                &["--subject", "S", "--body-file", "missing.txt"],
                "--body-file missing.txt",
            ),
            with(
                &["--subject", "S", "--body-file", "latin1.txt"],
                "--body-file latin1.txt: stream did not contain valid UTF-8",
            ),
            with(
                &["--subject", "S", "--body-file", "nul.txt"],
                "--body-file nul.txt: body_text: must not contain control characters",
            ),
            with(
                &["--subject", "S", "--body-file", "blank.txt"],
                "--body-file blank.txt: body_text: must not be empty",
            ),
            with(
                &["--subject", "S", "--body-file", "/dev/zero"],
                "--body-file /dev/zero: body_text: must be at most 1000000 characters",
            ),
            with(
                &["--subject", "S", "--body", "B", "--body-file", "nul.txt"],
                "cannot be used with",
            ),
        ]);
    }
    cases.push(case(&["message", "add", "--subject", "S"], "--body"));
    cases.push(case(&["message", "show", "-5"], "'-5'"));
    assert_refused(&env, cases);
}

#[test]
fn bad_mailing_fields_exit_2_naming_the_field_and_change_nothing() {
    let env = seeded();
    let (start, end) = ("2030-01-01T09:00:00+03:00", "2030-01-02T09:00:00+03:00");
    let add = |more: &[&str], names: &'static str| {
        let mut args = vec!["mailing", "add"];
        args.extend_from_slice(more);
        case(&args, names)
    };
    let window = |s: &str, e: &str, names: &'static str| {
        add(
            &[
                "--message",
                "1",
                "--start",
                s,
                "--end",
                e,
                "--recipient",
                "1",
            ],
            names,
        )
    };
    let cases = vec![
        // malformed times and time zones
        window("2026-02-30 10:00", end, "'--start <START>'"),
        window("2026-02-30T10:00:00+03:00", end, "'--start <START>'"),
        window("2026-12-01T09:00:00+25:00", end, "'--start <START>'"),
        window(
            "2026-12-01T09:00:00 Europe/Moscow",
            end,
            "'--start <START>'",
        ),
        window("2026-12-01T25:00", end, "'--start <START>'"),
        window("+10000-01-01T00:00:00Z", end, "'--start <START>'"),
        window("", end, "'--start <START>'"),
        window(start, "tomorrow", "'--end <END>'"),
        window(start, "2030-01-01 09:00 MSK", "'--end <END>'"),
        window(end, start, "sent_completed_at: must be after first_sent_at"),
        window(
            start,
            start,
            "sent_completed_at: must be after first_sent_at",
        ),
        // ids
        add(
            &[
                "--message",
                "abc",
                "--start",
                start,
                "--end",
                end,
                "--recipient",
                "1",
            ],
            "'--message <MESSAGE>'",
        ),
        add(
            &[
                "--message",
                "99999999999999999999",
                "--start",
                start,
                "--end",
                end,
                "--recipient",
                "1",
            ],
            "'--message <MESSAGE>'",
        ),
        add(
            &[
                "--message",
                "1",
                "--start",
                start,
                "--end",
                end,
                "--recipient",
                "x",
            ],
            "'--recipient <ID>'",
        ),
        add(
            &[
                "--message",
                "1",
                "--start",
                start,
                "--end",
                end,
                "--recipient",
                "1",
                "--recipient",
                "1",
            ],
            "recipient_ids: lists recipient 1 more than once",
        ),
        add(
            &[
                "--message",
                "1",
                "--start",
                start,
                "--end",
                end,
                "--recipient",
                "1",
                "--all-recipients",
            ],
            "cannot be used with",
        ),
        add(
            &["--message", "1", "--start", start, "--end", end],
            "--recipient",
        ),
        // edits
        case(
            &["mailing", "edit", "1", "--start", "2026-02-30 10:00"],
            "'--start <START>'",
        ),
        case(
            &["mailing", "edit", "1", "--end", "2000-01-01T00:00:00Z"],
            "sent_completed_at: must be after first_sent_at",
        ),
        case(
            &[
                "mailing",
                "edit",
                "1",
                "--recipient",
                "1",
                "--recipient",
                "1",
            ],
            "recipient_ids: lists recipient 1 more than once",
        ),
        case(
            &["mailing", "send", "one"],
            "invalid value 'one' for '<ID>'",
        ),
        case(
            &["mailing", "attempts", "1", "--limit", "abc"],
            "'--limit <LIMIT>'",
        ),
        case(
            &["mailing", "runs", "99999999999999999999"],
            "'<ID>': number too large",
        ),
    ];
    assert_refused(&env, cases);
}

#[test]
fn bad_global_options_and_environment_exit_2_naming_the_option_and_change_nothing() {
    let env = seeded();
    let with_env = |key: &'static str, value: &'static str, names: &'static str| Case {
        args: vec!["stats".into()],
        env: vec![(key, value)],
        names,
    };
    let cases = vec![
        case(
            &["--concurrency", "0", "stats"],
            "'--concurrency <CONCURRENCY>'",
        ),
        case(
            &["--concurrency", "-3", "stats"],
            "'--concurrency <CONCURRENCY>'",
        ),
        case(
            &["--concurrency", "many", "stats"],
            "'--concurrency <CONCURRENCY>'",
        ),
        case(&["--rate", "-1", "stats"], "'--rate <RATE>'"),
        case(&["--max-tries", "0", "stats"], "'--max-tries <MAX_TRIES>'"),
        case(
            &["--smtp-timeout", "0s", "stats"],
            "'--smtp-timeout <SMTP_TIMEOUT>'",
        ),
        case(
            &["--smtp-timeout", "30", "stats"],
            "'--smtp-timeout <SMTP_TIMEOUT>'",
        ),
        case(
            &["--retry-backoff", "soon", "stats"],
            "'--retry-backoff <RETRY_BACKOFF>'",
        ),
        case(&["--lease", "0s", "stats"], "'--lease <LEASE>'"),
        // Durations beyond their documented bound: none may reach the
        // engine's arithmetic, which used to panic on them.
        case(
            &["--lease", "300000years", "stats"],
            "'--lease <LEASE>': must be at most 1day",
        ),
        case(
            &["--smtp-timeout", "300000years", "stats"],
            "'--smtp-timeout <SMTP_TIMEOUT>': must be at most 1h",
        ),
        case(
            &["--retry-backoff", "10000years", "stats"],
            "'--retry-backoff <RETRY_BACKOFF>': must be at most 1day",
        ),
        case(
            &[
                "--retry-backoff",
                "300000years",
                "--max-tries",
                "10",
                "stats",
            ],
            "'--retry-backoff <RETRY_BACKOFF>'",
        ),
        case(
            &["worker", "--poll", "300000years"],
            "'--poll <POLL>': must be at most 1h",
        ),
        case(
            &["--from", "postpilot", "stats"],
            "from: is not a valid email address",
        ),
        case(
            &["--from", "a@b\nBcc: c@d", "stats"],
            "from: must not contain line breaks",
        ),
        case(
            &["--from", "Магазин\nBcc: c@d <news@shop.example>", "stats"],
            "from: must not contain line breaks",
        ),
        case(
            &["--from", "Маг\u{7}азин <news@shop.example>", "stats"],
            "from: must not contain control characters",
        ),
        case(
            &["--from", "Магазин <news@shop.example", "stats"],
            "from: must be an address or Name <address>",
        ),
        case(
            &["--from", "Магазин <not an address>", "stats"],
            "from: is not a valid email address",
        ),
        case(
            &["--reply-to", "help", "stats"],
            "reply-to: is not a valid email address",
        ),
        case(
            &["--helo-name", "vm", "stats"],
            "'--helo-name <HELO_NAME>': helo-name: must be a fully qualified domain name",
        ),
        case(
            &["--helo-name", "mail.shop.example\r\nRSET", "stats"],
            "'--helo-name <HELO_NAME>': helo-name: must be a domain name",
        ),
        with_env(
            "POSTPILOT_HELO_NAME",
            "[999.1.1.1]",
            "helo-name: an address literal",
        ),
        // A CA file that is not there, holds no certificate, or is given
        // without TLS: refused before anything is launched.
        case(
            &[
                "--smtp-url",
                "smtps://127.0.0.1:2465",
                "--smtp-ca-file",
                "/nonexistent/ca.pem",
                "mailing",
                "send",
                "1",
            ],
            "--smtp-ca-file: CA file /nonexistent/ca.pem",
        ),
        case(
            &[
                "--smtp-url",
                "smtps://127.0.0.1:2465?ca=/nonexistent/ca.pem",
                "mailing",
                "send",
                "1",
            ],
            "--smtp-url: CA file /nonexistent/ca.pem",
        ),
        case(
            &[
                "--smtp-url",
                "smtps://127.0.0.1:2465",
                "--smtp-ca-file",
                "/etc/hostname",
                "mailing",
                "send",
                "1",
            ],
            "--smtp-ca-file: CA file /etc/hostname: holds no PEM certificate",
        ),
        case(
            &[
                "--smtp-url",
                "smtp://127.0.0.1:2525",
                "--smtp-ca-file",
                "ca.pem",
                "mailing",
                "send",
                "1",
            ],
            "--smtp-ca-file: a CA file (ca=) needs TLS",
        ),
        case(&["--no-such-option", "stats"], "--no-such-option"),
        // SQLite URLs naming no file, or a database in memory: every
        // command's work would be lost when it ends.
        case(
            &["--database-url", "sqlite://", "stats"],
            "--database-url: names no database file",
        ),
        case(
            &["--database-url", "sqlite:", "stats"],
            "--database-url: names no database file",
        ),
        case(
            &["--database-url", "sqlite://?mode=rwc", "migrate"],
            "--database-url: names no database file",
        ),
        case(
            &[
                "--database-url",
                "sqlite://:memory:",
                "recipient",
                "add",
                "--email",
                "a@b.c",
                "--name",
                "A",
            ],
            "--database-url: names an in-memory database",
        ),
        case(
            &["--database-url", "sqlite::memory:", "stats"],
            "--database-url: names an in-memory database",
        ),
        case(
            &["--database-url", "sqlite://x.db?mode=memory", "stats"],
            "--database-url: names an in-memory database",
        ),
        case(
            &["--database-url", "sqlite://%3Amemory%3A", "stats"],
            "--database-url: names an in-memory database",
        ),
        case(
            &["--database-url", "sqlite://file::memory:", "stats"],
            "--database-url: names an in-memory database",
        ),
        case(
            &[
                "--database-url",
                "sqlite://file:x.db%3Fmode=memory",
                "stats",
            ],
            "--database-url: names an in-memory database",
        ),
        case(
            &["--database-url", "sqlite://x.db?vfs=memdb", "stats"],
            "--database-url: names an in-memory database",
        ),
        case(
            &["--database-url", "sqlite://x.db?mode=bogus", "stats"],
            "--database-url",
        ),
        case(
            &["--database-url", "sqlite://x.db?colour=blue", "stats"],
            "--database-url",
        ),
        with_env(
            "POSTPILOT_SEND_CONCURRENCY",
            "0",
            "'--concurrency <CONCURRENCY>'",
        ),
        with_env(
            "POSTPILOT_FROM",
            "not an address",
            "from: is not a valid email address",
        ),
        with_env(
            "POSTPILOT_SMTP_TIMEOUT",
            "forever",
            "'--smtp-timeout <SMTP_TIMEOUT>'",
        ),
        with_env(
            "POSTPILOT_DATABASE_URL",
            "sqlite://",
            "--database-url: names no database file",
        ),
        with_env(
            "POSTPILOT_DATABASE_URL",
            "sqlite::memory:",
            "--database-url: names an in-memory database",
        ),
    ];
    assert_refused(&env, cases);
    // Nothing was made of those URLs either: no file named after them.
    let mut made: Vec<_> = std::fs::read_dir(env.dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("postpilot.db"))
        .collect();
    made.sort();
    assert_eq!(made, Vec::<String>::new());
}

/// Runs `recipient import` on `bytes`; returns (exit code, stdout, stderr).
fn import(env: &Env, bytes: &[u8]) -> (Option<i32>, String, String) {
    std::fs::write(env.dir.path().join("in.csv"), bytes).expect("write");
    let out = env
        .cmd()
        .args(["recipient", "import", "in.csv"])
        .output()
        .expect("ran");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn csv_files_refused_as_a_whole_exit_2_naming_line_1_and_import_nothing() {
    let env = seeded();
    let before = snapshot(&env);
    for bytes in [
        &b"mail,name\na@example.com,A\n"[..],
        b"email;full_name\na@example.com;A\n",
        b"email,full_name,comment,notes\na@example.com,A,,\n",
        b"\xef\xbb\xbfemail\r\na@example.com\r\n",
        b"",
        b"\xff\xfee\x00m\x00a\x00i\x00l\x00",
        b"\x00\x00\x00\x00",
    ] {
        let (code, _, stderr) = import(&env, bytes);
        assert_eq!(code, Some(2), "{bytes:?}: {stderr}");
        assert!(
            stderr.contains("in.csv: line 1: expected the header email,full_name"),
            "{bytes:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(snapshot(&env), before);
}

#[test]
fn csv_rows_with_bad_input_are_reported_by_line_and_only_valid_rows_are_imported() {
    // (the row, what its error says; "" for a valid row)
    let long = "x".repeat(10_000);
    let rows: Vec<(Vec<u8>, &str)> = vec![
        (b"bom@example.com,BOM,".to_vec(), ""),
        (
            b"crlf@example.com,CRLF,\"quoted\r\nline break\"".to_vec(),
            "",
        ),
        (format!("long@example.com,Long,{long}").into_bytes(), ""),
        (
            b"nul\x00@example.com,NUL,".to_vec(),
            "email: must not contain control characters",
        ),
        (
            b"name@example.com,N\x00UL,".to_vec(),
            "full_name: must not contain control characters",
        ),
        (
            b"utf8@example.com,\xd0\xff,".to_vec(),
            "full_name: not valid UTF-8",
        ),
        (b"few@example.com,Few".to_vec(), "expected 3 columns, got 2"),
        (
            b"many@example.com,Many,,extra".to_vec(),
            "expected 3 columns, got 4",
        ),
        (
            format!("x@example.com,{long},").into_bytes(),
            "full_name: must be at most 100 characters",
        ),
        (
            format!("y@example.com,Y,{long}x").into_bytes(),
            "comment: must be at most 10000 characters",
        ),
        (
            b"\"two\nlines@example.com\",Q,".to_vec(),
            "email: must not contain line breaks",
        ),
        (
            b"a..b@example.com,Dots,".to_vec(),
            "email: is not a valid email address",
        ),
        (
            b"\"\"\"q\"\"@example.com\",Quoted,".to_vec(),
            "email: is not a valid email address: quoted local parts",
        ),
        (
            "иван@пример.рф,IDN,".as_bytes().to_vec(),
            "email: is not a valid email address: only ASCII",
        ),
        (b",Empty email,".to_vec(), "email: must not be empty"),
        (
            b"noname@example.com,,".to_vec(),
            "full_name: must not be empty",
        ),
    ];
    for end in ["\n", "\r\n"] {
        let env = Env::new();
        let mut file = b"\xef\xbb\xbfemail,full_name,comment".to_vec();
        let mut line = 1;
        let mut expected_errors = Vec::new();
        let mut valid = 0;
        for (row, error) in &rows {
            file.extend_from_slice(end.as_bytes());
            line += 1;
            if error.is_empty() {
                valid += 1;
            } else {
                expected_errors.push(format!("in.csv: line {line}: {error}"));
            }
            file.extend_from_slice(row);
            line += row.iter().filter(|&&b| b == b'\n').count();
        }
        file.extend_from_slice(end.as_bytes());
        let (code, stdout, stderr) = import(&env, &file);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stdout.contains(&format!(
                "imported {valid}, skipped 0 already present, {} invalid rows",
                expected_errors.len()
            )),
            "{end:?}: {stdout}"
        );
        for error in &expected_errors {
            assert!(
                stderr.contains(error.as_str()),
                "{end:?}: {error} missing from\n{stderr}"
            );
        }
        let listed = env.json(&["recipient", "list"]);
        let emails: Vec<&str> = listed
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|r| r["email"].as_str())
            .collect();
        assert_eq!(
            emails,
            ["bom@example.com", "crlf@example.com", "long@example.com"]
        );
        assert_eq!(listed[1]["comment"], "quoted\r\nline break");
        assert_eq!(listed[2]["comment"].as_str().map(str::len), Some(10_000));
    }
}
