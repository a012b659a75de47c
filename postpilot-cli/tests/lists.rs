//! `postpilot list …` (Списки) and lists choosing a mailing's recipients,
//! through the real binary.

mod support;

use serde_json::json;
use support::Env;

fn three(env: &Env) -> Vec<String> {
    vec![
        env.add_recipient("ivan@example.com", "Иван Петров"),
        env.add_recipient("irina@example.com", "Ирина Иванова"),
        env.add_recipient("petr@example.com", "Пётр Сидоров"),
    ]
}

#[test]
fn a_list_is_created_renamed_shown_listed_and_deleted_keeping_its_recipients() {
    let env = Env::new();
    three(&env);
    let id = env.ok(&["list", "add", "--name", "VIP"]);
    env.ok(&["list", "members", "add", &id, "--search", "иван"]);
    let renamed = env.json(&["list", "rename", &id, "--name", "Постоянные"]);
    assert_eq!(renamed["name"], "Постоянные");
    assert_eq!(renamed["member_count"], 2);
    let listed = env.ok(&["list", "list"]);
    assert!(listed.contains("Постоянные"), "{listed}");
    env.ok(&["list", "delete", &id]);
    let err = env.fails(1, &["list", "show", &id]);
    assert!(err.contains(&format!("list {id}")), "{err}");
    assert_eq!(
        env.json(&["recipient", "list"]).as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn members_are_added_removed_and_listed_by_ids_search_all_or_another_list() {
    let env = Env::new();
    let r = three(&env);
    let a = env.ok(&["list", "add", "--name", "A"]);
    let b = env.ok(&["list", "add", "--name", "B"]);
    let added = env.json(&[
        "list",
        "members",
        "add",
        &a,
        "--recipient",
        &r[0],
        "--recipient",
        &r[2],
    ]);
    assert_eq!(added, json!({"added": 2, "member_count": 2}));
    let copied = env.json(&["list", "members", "add", &b, "--list", &a]);
    assert_eq!(copied, json!({"added": 2, "member_count": 2}));
    let removed = env.json(&["list", "members", "remove", &b, "--search", "PETR@"]);
    assert_eq!(removed, json!({"removed": 1, "member_count": 1}));
    let all = env.json(&["list", "members", "add", &b, "--all"]);
    assert_eq!(all, json!({"added": 2, "member_count": 3}));
    let page = env.json(&["list", "members", "list", &b, "--search", "ирина"]);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["email"], "irina@example.com");
}

#[test]
fn a_mailing_takes_and_gives_back_the_recipients_of_a_list() {
    let env = Env::new();
    let r = three(&env);
    let list = env.ok(&["list", "add", "--name", "VIP"]);
    env.ok(&[
        "list",
        "members",
        "add",
        &list,
        "--recipient",
        &r[0],
        "--recipient",
        &r[1],
    ]);
    let m = env.add_message("Тема", "Тело");
    let mailing = env.add_open_mailing(&m, &[&r[2]]);
    let added = env.json(&["mailing", "recipients", "add", &mailing, "--list", &list]);
    assert_eq!(added, json!({"added": 2, "recipient_count": 3}));
    let removed = env.json(&["mailing", "recipients", "remove", &mailing, "--list", &list]);
    assert_eq!(removed, json!({"removed": 2, "recipient_count": 1}));
}

#[test]
fn bad_names_exit_2_and_duplicates_or_missing_lists_exit_1_changing_nothing() {
    let env = Env::new();
    three(&env);
    let id = env.ok(&["list", "add", "--name", "VIP"]);
    for name in ["", "  ", "a\nb", &"я".repeat(101)] {
        let err = env.fails(2, &["list", "add", "--name", name]);
        assert!(err.contains("name"), "{name:?}: {err}");
    }
    let err = env.fails(1, &["list", "add", "--name", "VIP"]);
    assert!(err.contains("already exists"), "{err}");
    env.fails(1, &["list", "members", "add", "99", "--all"]);
    env.fails(1, &["list", "members", "add", &id, "--list", "99"]);
    env.fails(2, &["list", "members", "add", &id, "--all", "--list", &id]);
    let lists = env.json(&["list", "list"]);
    assert_eq!(lists.as_array().map(Vec::len), Some(1));
    assert_eq!(lists[0]["member_count"], 0);
}
