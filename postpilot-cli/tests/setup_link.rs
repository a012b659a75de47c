//! The first admin from the one-time link `serve` prints on a database
//! without an admin, through the real binary: the link works once, a new
//! start replaces it, and once an admin exists no start prints one.

#[path = "serve/running.rs"]
mod running;

use std::path::Path;
use std::time::Duration;

use running::Running;

const TOKEN: &str = "a-chosen-token-0123456789";
const SUFFIX: &str = " to create the first admin";

/// A server on `dir` and the path of the setup link it printed, if any.
fn start(dir: &Path, wait: Duration) -> (Running, Option<String>) {
    let server = Running::start(dir, &[("POSTPILOT_API_TOKEN", TOKEN)]);
    let line = server.printed("open ", wait);
    let path = line.map(|line| {
        let url = line
            .strip_prefix("open ")
            .and_then(|rest| rest.strip_suffix(SUFFIX))
            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
        let path = url
            .strip_prefix(&server.base)
            .unwrap_or_else(|| panic!("{url} is not on {}", server.base));
        assert!(
            path.starts_with("/setup/") && path.len() == 7 + 64,
            "{path}"
        );
        path.to_owned()
    });
    (server, path)
}

/// The setup form of the first admin, Anna, already encoded.
const ADMIN: &str = "email=anna%40example.com&full_name=Anna&\
     password=correct+horse+battery&password2=correct+horse+battery";

fn post_form(server: &Running, path: &str, body: &str) -> (String, String) {
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    server.request("POST", path, &form, body)
}

#[test]
fn the_printed_setup_link_makes_the_first_admin_once_and_a_later_start_prints_none() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut first, old) = start(dir.path(), Duration::from_secs(10));
    let old = old.expect("a setup link on an empty database");
    assert!(first.terminate(Duration::from_secs(20)).is_some());

    let (server, path) = start(dir.path(), Duration::from_secs(10));
    let path = path.expect("a fresh link on a database still without an admin");
    assert_ne!(path, old);
    let (status, _) = server.get(&old, &[]);
    assert!(
        status.contains("404"),
        "the older link was replaced: {status}"
    );
    let (status, page) = server.get(&path, &[]);
    assert!(status.contains("200"), "{page}");

    let (status, answer) = post_form(&server, &path, ADMIN);
    assert!(status.contains("303"), "{answer}");
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("logged in")
        .to_owned();
    let (status, users) = server.get("/users", &[("Cookie", &cookie)]);
    assert!(
        status.contains("200") && users.contains("anna@example.com"),
        "{users}"
    );
    let (status, _) = post_form(&server, &path, ADMIN);
    assert!(status.contains("404"), "spent: {status}");

    let key = &path["/setup/".len()..];
    assert!(!server.log().contains(key), "the key is never logged");
    drop(server);
    let (later, none) = start(dir.path(), Duration::from_secs(2));
    assert_eq!(none, None, "an admin exists");
    assert!(!later.log().contains("/setup/"));
}
