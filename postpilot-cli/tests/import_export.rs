//! `recipient import` / `export` through the real binary.

mod support;

use support::Env;

#[test]
fn import_keeps_valid_rows_and_reports_bad_ones_by_line() {
    let env = Env::new();
    env.add_recipient("existing@example.com", "Уже есть");
    let csv = "\u{feff}email,full_name,comment\r\n\
               anna@example.com,Анна,VIP\r\n\
               not-an-email,Плохой,\r\n\
               EXISTING@example.com,Дубликат,\r\n\
               boris@example.com,,\r\n\
               too,many,columns,here\r\n\
               \"vera@example.com\",\"Вера, старшая\",\"многострочный\nкомментарий\"\r\n";
    let file = env.dir.path().join("people.csv");
    std::fs::write(&file, csv).expect("write csv");
    let out = env
        .cmd()
        .args(["recipient", "import", "people.csv"])
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("imported 2, skipped 1 already present, 3 invalid rows"),
        "{stdout}"
    );
    assert!(stderr.contains("line 3: email:"), "{stderr}");
    assert!(
        stderr.contains("line 5: full_name: must not be empty"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 6: expected 3 columns, got 4"),
        "{stderr}"
    );

    let listed = env.json(&["recipient", "list"]);
    let emails: Vec<_> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["email"].clone())
        .collect();
    assert_eq!(
        emails,
        [
            "existing@example.com",
            "anna@example.com",
            "vera@example.com"
        ]
    );
    assert_eq!(listed[2]["full_name"], "Вера, старшая");
}

#[test]
fn import_with_a_wrong_header_exits_2_and_imports_nothing() {
    let env = Env::new();
    std::fs::write(
        env.dir.path().join("bad.csv"),
        "mail,name\na@example.com,A\n",
    )
    .expect("write");
    let err = env.fails(2, &["recipient", "import", "bad.csv"]);
    assert!(
        err.contains("line 1: expected the header email,full_name"),
        "{err}"
    );
    assert_eq!(env.count("recipient"), 0);
}

#[test]
fn import_of_a_missing_file_exits_2() {
    let env = Env::new();
    let err = env.fails(2, &["recipient", "import", "nope.csv"]);
    assert!(err.contains("nope.csv"), "{err}");
}

#[test]
fn duplicates_within_one_file_are_imported_once() {
    let env = Env::new();
    std::fs::write(
        env.dir.path().join("dups.csv"),
        "email,full_name\na@example.com,A\nA@EXAMPLE.COM,A again\n",
    )
    .expect("write");
    let report = env.json(&["recipient", "import", "dups.csv"]);
    assert_eq!(report["imported"], 1);
    assert_eq!(report["skipped_existing"], 1);
}

#[test]
fn export_then_import_into_a_fresh_database_round_trips() {
    let env = Env::new();
    env.ok(&[
        "recipient",
        "add",
        "--email",
        "a@example.com",
        "--name",
        "Анна, \"Аня\"",
        "--comment",
        "две\nстроки",
    ]);
    env.add_recipient("b@example.com", "Борис");
    env.ok(&["recipient", "export", "out.csv"]);
    let stdout_copy = env.ok(&["recipient", "export"]);
    let file = std::fs::read_to_string(env.dir.path().join("out.csv")).expect("exported");
    assert_eq!(file.trim(), stdout_copy);
    assert!(file.starts_with("email,full_name,comment\n"));

    let other = Env::new();
    std::fs::copy(
        env.dir.path().join("out.csv"),
        other.dir.path().join("in.csv"),
    )
    .expect("copy");
    let report = other.json(&["recipient", "import", "in.csv"]);
    assert_eq!(report["imported"], 2);
    assert_eq!(
        other.json(&["recipient", "list"]),
        env.json(&["recipient", "list"])
    );
}
