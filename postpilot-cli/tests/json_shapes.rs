//! One JSON shape per entity: what `postpilot --json` prints for an object
//! is what the API (`postpilot serve`, the real router over the same
//! database) answers for the same object, key for key and value for value.
//! A field added to, renamed in or left out of either side fails here.

#[path = "serve/running.rs"]
mod running;
mod support;

use running::Running;
use serde_json::Value;
use support::Env;

const TOKEN: &str = "json-shapes-token-0123456789";

/// The CLI's environment and a server over the same SQLite file and outbox.
struct Both {
    env: Env,
    server: Running,
}

impl Both {
    fn start(env: Env) -> Self {
        let server = Running::start(env.dir.path(), &[("POSTPILOT_API_TOKEN", TOKEN)]);
        Self { env, server }
    }

    /// The API's JSON answer to `method path` (with a JSON `body`), which
    /// must be a success.
    fn api(&self, method: &str, path: &str, body: &str) -> Value {
        let bearer = format!("Bearer {TOKEN}");
        let mut headers = vec![("Authorization", bearer.as_str())];
        if method != "GET" {
            headers.push(("Content-Type", "application/json"));
        }
        let (status, answer) =
            self.server
                .request(method, &format!("/api/v1{path}"), &headers, body);
        assert!(
            status.starts_with("HTTP/1.1 2"),
            "{method} {path}: {answer}"
        );
        let (_, json) = answer.split_once("\r\n\r\n").expect("a body");
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{method} {path}: {e}: {json}"))
    }

    fn get(&self, path: &str) -> Value {
        self.api("GET", path, "")
    }

    /// The CLI's `--json` output of `args`.
    fn cli(&self, args: &[&str]) -> Value {
        self.env.json(args)
    }
}

/// Two recipients, a message, a mailing to both sent once into the outbox
/// (so it has a run and attempts), and a list with one member.
struct World {
    both: Both,
    anna: String,
    boris: String,
    message: String,
    mailing: String,
    list: String,
}

fn world() -> World {
    let env = Env::new();
    let anna = env.add_recipient("anna@example.com", "Анна Иванова");
    let boris = env.add_recipient("boris@example.com", "Борис Петров");
    env.ok(&[
        "recipient",
        "edit",
        &boris,
        "--comment",
        "a comment\non two lines",
    ]);
    let message = env.add_message("Новости {{ full_name }}", "Здравствуйте, {{ full_name }}!");
    let mailing = env.add_open_mailing(&message, &[&anna, &boris]);
    env.ok(&["mailing", "send", &mailing]);
    let list = env.ok(&["list", "add", "--name", "Клиенты 2026"]);
    env.ok(&["list", "members", "add", &list, "--recipient", &anna]);
    World {
        both: Both::start(env),
        anna,
        boris,
        message,
        mailing,
        list,
    }
}

/// The object's keys, sorted: the shape without the values.
fn keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

#[test]
fn a_recipient_is_the_apis_recipient_with_the_apis_marks_beside_it() {
    let w = world();
    let b = &w.both;
    for id in [&w.anna, &w.boris] {
        let mut api = b.get(&format!("/recipients/{id}"));
        let marks = b.get(&format!("/recipients/{id}/suppression"));
        for (k, v) in marks.as_object().expect("marks") {
            api[k] = v.clone();
        }
        assert_eq!(b.cli(&["recipient", "show", id]), api);
    }
    assert_eq!(b.cli(&["recipient", "list"]), b.get("/recipients")["items"]);
    let added = b.cli(&[
        "recipient",
        "add",
        "--email",
        "c@example.com",
        "--name",
        "Вера",
    ]);
    let id = added["id"].to_string();
    assert_eq!(added, b.get(&format!("/recipients/{id}")));
}

#[test]
fn a_message_and_its_preview_are_the_apis() {
    let w = world();
    let b = &w.both;
    assert_eq!(
        b.cli(&["message", "show", &w.message]),
        b.get(&format!("/messages/{}", w.message))
    );
    assert_eq!(b.cli(&["message", "list"]), b.get("/messages")["items"]);
    let cli = b.cli(&["message", "preview", &w.message, "--recipient", &w.boris]);
    let api = b.api(
        "POST",
        &format!("/messages/{}/preview", w.message),
        &format!(r#"{{"recipient_id": {}}}"#, w.boris),
    );
    assert_eq!(keys(&cli), keys(&api));
    // The raw email has its own Date and Message-ID each time it is made.
    for field in ["to", "to_name", "subject", "body_text", "body_html"] {
        assert_eq!(cli[field], api[field], "{field}");
    }
}

#[test]
fn a_mailing_is_the_apis_mailing_and_a_listed_one_the_apis_summary() {
    let w = world();
    let b = &w.both;
    assert_eq!(
        b.cli(&["mailing", "show", &w.mailing]),
        b.get(&format!("/mailings/{}", w.mailing))
    );
    assert_eq!(b.cli(&["mailing", "list"]), b.get("/mailings")["items"]);
    let cli = b.cli(&["mailing", "recipients", "list", &w.mailing]);
    let api = b.get(&format!("/mailings/{}/recipients", w.mailing));
    assert_eq!(cli["items"], api["items"]);
    assert_eq!(cli["total"], api["total"]);
}

#[test]
fn runs_and_attempts_are_the_apis() {
    let w = world();
    let b = &w.both;
    let runs = b.cli(&["mailing", "runs", &w.mailing]);
    assert_eq!(runs.as_array().expect("runs").len(), 1);
    assert_eq!(
        runs,
        b.get(&format!("/mailings/{}/runs", w.mailing))["items"]
    );
    assert_eq!(
        runs[0],
        b.get(&format!("/mailings/{}/runs/{}", w.mailing, runs[0]["id"]))
    );
    let attempts = b.cli(&["mailing", "attempts", &w.mailing]);
    assert_eq!(attempts.as_array().expect("attempts").len(), 2);
    assert_eq!(
        attempts,
        b.get(&format!("/mailings/{}/attempts", w.mailing))["items"]
    );
}

#[test]
fn a_send_prints_the_apis_launch_and_how_the_command_went() {
    let w = world();
    let b = &w.both;
    let cli = b.cli(&["mailing", "send", &w.mailing, "--detach"]);
    let mut launch = cli.clone();
    let summary = launch.as_object_mut().expect("object");
    assert_eq!(summary.remove("detached"), Some(Value::Bool(true)));
    assert!(summary
        .remove("elapsed_seconds")
        .is_some_and(|s| s.is_f64()));
    // The API resumes the run the CLI just queued: the same run, the same shape.
    let api = b.api("POST", &format!("/mailings/{}/send", w.mailing), "");
    assert_eq!(keys(&launch), keys(&api));
    assert_eq!(launch["run"]["id"], api["run"]["id"]);
    assert_eq!(keys(&launch["run"]), keys(&api["run"]));
    assert_eq!(api["resumed"], true);
}

#[test]
fn the_statistics_are_the_apis() {
    let w = world();
    let b = &w.both;
    assert_eq!(b.cli(&["stats"]), b.get("/stats"));
}

#[test]
fn a_list_its_members_and_a_change_of_members_are_the_apis() {
    let w = world();
    let b = &w.both;
    assert_eq!(
        b.cli(&["list", "show", &w.list]),
        b.get(&format!("/lists/{}", w.list))
    );
    assert_eq!(b.cli(&["list", "list"]), b.get("/lists")["items"]);
    let cli = b.cli(&["list", "members", "list", &w.list]);
    let api = b.get(&format!("/lists/{}/members", w.list));
    assert_eq!(cli["items"], api["items"]);
    assert_eq!(cli["total"], api["total"]);

    // The same change made by each side answers the same.
    let one = |who: &str| format!(r#"{{"recipient_ids": [{who}]}}"#);
    let l = &w.list;
    let cli_added = b.cli(&["list", "members", "add", l, "--recipient", &w.boris]);
    assert_eq!(
        cli_added,
        serde_json::json!({ "added": 1, "member_count": 2 })
    );
    let api_removed = b.api(
        "POST",
        &format!("/lists/{l}/members/remove"),
        &one(&w.boris),
    );
    let api_added = b.api("POST", &format!("/lists/{l}/members"), &one(&w.boris));
    assert_eq!(api_added, cli_added);
    let cli_removed = b.cli(&["list", "members", "remove", l, "--recipient", &w.boris]);
    assert_eq!(cli_removed, api_removed);

    let m = &w.mailing;
    let cli_removed = b.cli(&["mailing", "recipients", "remove", m, "--recipient", &w.anna]);
    assert_eq!(
        cli_removed,
        serde_json::json!({ "removed": 1, "recipient_count": 1 })
    );
    let api_added = b.api("POST", &format!("/mailings/{m}/recipients"), &one(&w.anna));
    let api_removed = b.api(
        "POST",
        &format!("/mailings/{m}/recipients/remove"),
        &one(&w.anna),
    );
    assert_eq!(api_removed, cli_removed);
    let cli_added = b.cli(&["mailing", "recipients", "add", m, "--recipient", &w.anna]);
    assert_eq!(cli_added, api_added);
}
