//! `postpilot mailing recipients add|remove|list` through the real binary.

mod support;

use serde_json::json;
use support::Env;

/// Иван, Ирина and Пётр, and a mailing to Пётр; returns their ids and the mailing's.
fn setup(env: &Env) -> (Vec<String>, String) {
    let r = vec![
        env.add_recipient("ivan@example.com", "Иван Петров"),
        env.add_recipient("irina@example.com", "Ирина Иванова"),
        env.add_recipient("petr@example.com", "Пётр Сидоров"),
    ];
    let m = env.add_message("Тема", "Тело");
    let mailing = env.add_open_mailing(&m, &[&r[2]]);
    (r, mailing)
}

#[test]
fn recipients_are_added_by_search_ids_or_all_and_each_change_is_counted() {
    let env = Env::new();
    let (r, m) = setup(&env);
    let found = env.json(&["mailing", "recipients", "add", &m, "--search", "ИВАН"]);
    assert_eq!(found, json!({"added": 2, "recipient_count": 3}));
    let again = env.json(&["mailing", "recipients", "add", &m, "--recipient", &r[0]]);
    assert_eq!(again, json!({"added": 0, "recipient_count": 3}));
    let said = env.ok(&["mailing", "recipients", "add", &m, "--all"]);
    assert_eq!(said, format!("0 added to mailing {m}; it has 3 recipients"));
}

#[test]
fn recipients_are_removed_by_ids_search_or_all_and_stay_recipients() {
    let env = Env::new();
    let (r, m) = setup(&env);
    env.ok(&["mailing", "recipients", "add", &m, "--all"]);
    let one = env.json(&["mailing", "recipients", "remove", &m, "--recipient", &r[0]]);
    assert_eq!(one, json!({"removed": 1, "recipient_count": 2}));
    let found = env.json(&["mailing", "recipients", "remove", &m, "--search", "petr@"]);
    assert_eq!(found, json!({"removed": 1, "recipient_count": 1}));
    let rest = env.json(&["mailing", "recipients", "remove", &m, "--all"]);
    assert_eq!(rest, json!({"removed": 1, "recipient_count": 0}));
    assert_eq!(
        env.json(&["recipient", "list"]).as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn recipients_are_listed_with_a_search_a_page_at_a_time_and_their_total() {
    let env = Env::new();
    let (r, m) = setup(&env);
    env.ok(&["mailing", "recipients", "add", &m, "--all"]);
    let page = env.json(&["mailing", "recipients", "list", &m, "--limit", "2"]);
    assert_eq!(page["total"], 3);
    let ids: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| x["id"].to_string())
        .collect();
    assert_eq!(ids, r[..2]);
    let table = env.ok(&["mailing", "recipients", "list", &m, "--search", "иванова"]);
    assert!(table.contains("irina@example.com"), "{table}");
    assert!(!table.contains("ivan@example.com"), "{table}");
    assert!(table.ends_with("1 of 1"), "{table}");
}

#[test]
fn bad_selections_exit_2_and_missing_ids_exit_1_changing_nothing() {
    let env = Env::new();
    let (r, m) = setup(&env);
    for args in [
        vec!["mailing", "recipients", "add", &m],
        vec!["mailing", "recipients", "add", &m, "--all", "--search", "a"],
        vec!["mailing", "recipients", "add", &m, "--search", "  "],
        vec!["mailing", "recipients", "add", &m, "--search", "a\nb"],
        vec![
            "mailing",
            "recipients",
            "add",
            &m,
            "--recipient",
            &r[0],
            "--recipient",
            &r[0],
        ],
        vec!["mailing", "recipients", "list", &m, "--search", ""],
    ] {
        env.fails(2, &args);
    }
    let err = env.fails(
        1,
        &["mailing", "recipients", "add", &m, "--recipient", "99"],
    );
    assert!(err.contains("recipient 99"), "{err}");
    let err = env.fails(1, &["mailing", "recipients", "remove", "77", "--all"]);
    assert!(err.contains("mailing 77"), "{err}");
    assert_eq!(
        env.json(&["mailing", "show", &m])["recipient_count"],
        1,
        "nothing changed"
    );
}
