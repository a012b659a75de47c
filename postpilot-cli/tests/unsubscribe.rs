//! One-click unsubscribe end to end through the real binary: `mailing send
//! --public-url` writes each recipient's link into List-Unsubscribe and the
//! body; `serve` answers it: GET asks, POST unsubscribes; the next run
//! skips the recipient and counts it; the operator can resubscribe them.

#[path = "serve/running.rs"]
mod running;
mod support;

use running::Running;
use support::sink::Sink;
use support::Env;

const TOKEN: &str = "a-chosen-token-0123456789";

/// A mailing (opening in an hour, so `serve`'s scheduler leaves it alone)
/// to Анна and Борис whose body shows the link; returns its id and theirs.
fn mailing(env: &Env) -> (String, String, String) {
    let anna = env.add_recipient("anna@example.com", "Анна");
    let boris = env.add_recipient("boris@example.com", "Борис");
    let message = env.add_message("News", "Hello!\r\nUnsubscribe: {{ unsubscribe_url }}");
    let now = chrono::Utc::now();
    let id = env.ok(&[
        "mailing",
        "add",
        "--message",
        &message,
        "--start",
        &(now + chrono::Duration::hours(1)).to_rfc3339(),
        "--end",
        &(now + chrono::Duration::days(1)).to_rfc3339(),
        "--recipient",
        &anna,
        "--recipient",
        &boris,
    ]);
    (id, anna, boris)
}

/// Every email in the outbox, as text.
fn outbox(env: &Env) -> Vec<String> {
    let mut all: Vec<_> = std::fs::read_dir(env.outbox())
        .expect("outbox")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("eml"))
        .collect();
    all.sort();
    all
}

/// The value of the header `name` in `email` (unfolded: ours are one line).
fn header<'a>(email: &'a str, name: &str) -> Option<&'a str> {
    let (head, _) = email.split_once("\r\n\r\n")?;
    head.split("\r\n")
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
}

fn unsubscribed_at(env: &Env, id: &str) -> serde_json::Value {
    env.json(&["recipient", "show", id])["unsubscribed_at"].clone()
}

#[test]
fn a_recipient_unsubscribes_with_the_emailed_link_and_the_next_run_skips_and_counts_them() {
    let env = Env::new();
    let (mailing, anna, boris) = mailing(&env);
    let server = Running::start(env.dir.path(), &[("POSTPILOT_API_TOKEN", TOKEN)]);

    let sent = env
        .cmd()
        .args(["mailing", "send", &mailing, "--public-url", &server.base])
        .output()
        .expect("ran");
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&sent.stderr).contains("without an unsubscribe link"),
        "with a public URL nothing is said"
    );
    let emails = outbox(&env);
    assert_eq!(emails.len(), 2);
    let to_anna = emails
        .iter()
        .find(|e| header(e, "To").is_some_and(|to| to.contains("<anna@example.com>")))
        .expect("Анна's email");
    let link = header(to_anna, "List-Unsubscribe")
        .and_then(|v| v.strip_prefix('<')?.strip_suffix('>'))
        .expect("List-Unsubscribe: <URL>");
    assert_eq!(
        header(to_anna, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        to_anna.contains(&format!("Unsubscribe: {link}")),
        "the body shows it:\n{to_anna}"
    );
    let path = link
        .strip_prefix(server.base.as_str())
        .expect("the link is on the public URL");
    assert!(path.starts_with(&format!("/u/{anna}.")), "{path}");

    // A link scanner's GET: a page with a button, no unsubscribe.
    let (status, page) = server.get(path, &[]);
    assert!(status.contains("200"), "{status}");
    assert!(
        page.contains("Отписаться") && page.contains("a***@example.com"),
        "{page}"
    );
    assert_eq!(unsubscribed_at(&env, &anna), serde_json::Value::Null);

    // The mail provider's one-click POST (RFC 8058): no login, no token.
    let (status, _) = server.request(
        "POST",
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "List-Unsubscribe=One-Click",
    );
    assert!(status.contains("200"), "{status}");
    assert!(unsubscribed_at(&env, &anna).is_string());
    assert_eq!(unsubscribed_at(&env, &boris), serde_json::Value::Null);
    let listed = env.json(&["recipient", "suppressed"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["email"], "anna@example.com");

    // The next run sends to Борис only, and says whom it skipped.
    let again = env.ok(&["mailing", "send", &mailing, "--public-url", &server.base]);
    assert!(
        again.contains("skipped 1 unsubscribed, 0 bouncing"),
        "{again}"
    );
    assert!(
        again.contains("1 sent, 0 failed, 0 pending of 1"),
        "{again}"
    );
    assert_eq!(outbox(&env).len(), 3);
    let runs = env.json(&["mailing", "runs", &mailing]);
    let newest = &runs[0];
    assert_eq!(
        (
            newest["total"].as_u64(),
            newest["skipped_unsubscribed"].as_u64()
        ),
        (Some(1), Some(1)),
        "{runs}"
    );

    // The operator resubscribes her: the run after reaches her again.
    env.ok(&["recipient", "resubscribe", &anna]);
    assert_eq!(unsubscribed_at(&env, &anna), serde_json::Value::Null);
    let third = env.ok(&["mailing", "send", &mailing, "--public-url", &server.base]);
    assert!(
        third.contains("2 sent, 0 failed, 0 pending of 2"),
        "{third}"
    );
}

#[test]
fn without_a_public_url_sending_works_says_so_once_and_emails_carry_no_link() {
    let env = Env::new();
    let (mailing, _, _) = mailing(&env);
    let out = env
        .cmd()
        .args(["mailing", "send", &mailing])
        .output()
        .expect("ran");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("no --public-url: emails go without an unsubscribe link")
            .count(),
        1,
        "{stderr}"
    );
    for email in outbox(&env) {
        assert_eq!(header(&email, "List-Unsubscribe"), None, "{email}");
        assert!(
            email.contains("Unsubscribe:") && !email.contains("/u/"),
            "{email}"
        );
    }
}

#[test]
fn a_public_url_that_is_not_an_http_address_is_refused_naming_the_option() {
    let env = Env::new();
    let (mailing, _, _) = mailing(&env);
    for bad in [
        "shop.example",
        "ftp://shop.example",
        "https://shop.example/?x=1",
        "https://shop.example/#top",
    ] {
        let stderr = env.fails(2, &["mailing", "send", &mailing, "--public-url", bad]);
        assert!(stderr.contains("--public-url"), "{bad}: {stderr}");
        assert!(stderr.contains("public_url"), "{bad}: {stderr}");
    }
    assert!(
        !env.outbox().exists() || outbox(&env).is_empty(),
        "nothing sent"
    );
}

#[test]
fn addresses_refused_at_rcpt_are_marked_bouncing_with_the_reply_and_later_runs_skip_them() {
    let env = Env::new();
    let (mailing, anna, boris) = mailing(&env);
    let reply = "550 5.1.1 <anna@example.com>: Recipient address rejected: User unknown";
    let Some(sink) = Sink::start(&["-f", "RCPT", "-B", reply]) else {
        return;
    };

    let out = env
        .cmd()
        .args(["mailing", "send", &mailing, "--smtp-url", &sink.url()])
        .output()
        .expect("ran");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bouncing = env.json(&["recipient", "show", &anna]);
    assert!(bouncing["bounced_at"].is_string(), "{bouncing}");
    assert_eq!(bouncing["bounce_reply"], reply);
    assert_eq!(bouncing["unsubscribed_at"], serde_json::Value::Null);
    let listed = env.json(&["recipient", "suppressed"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");

    // The next run (to the outbox) reaches no one, and says why.
    let again = env.ok(&["mailing", "send", &mailing]);
    assert!(
        again.contains("skipped 0 unsubscribed, 2 bouncing"),
        "{again}"
    );
    assert!(
        again.contains("0 sent, 0 failed, 0 pending of 0"),
        "{again}"
    );

    // Cleared by the operator, Борис is sent to again.
    env.ok(&["recipient", "resubscribe", &boris]);
    let third = env.ok(&["mailing", "send", &mailing]);
    assert!(
        third.contains("1 sent, 0 failed, 0 pending of 1"),
        "{third}"
    );
    assert!(
        third.contains("skipped 0 unsubscribed, 1 bouncing"),
        "{third}"
    );
}
