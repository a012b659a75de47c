//! `postpilot mailing send`, `attempts` and `stats` end to end: through the
//! outbox and through a real SMTP server (Postfix's smtp-sink).

mod support;

use support::sink::Sink;
use support::Env;

/// Three recipients and an open mailing to all of them.
fn three_recipient_mailing(env: &Env) -> String {
    let ids: Vec<String> = ["a@example.com", "b@example.com", "c@example.com"]
        .iter()
        .map(|e| env.add_recipient(e, "Получатель"))
        .collect();
    let m = env.add_message("Новости", "Здравствуйте!");
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    env.add_open_mailing(&m, &refs)
}

fn attempts(env: &Env, mailing: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = extra.to_vec();
    args.extend_from_slice(&["--json", "mailing", "attempts", mailing]);
    let out = env.cmd().args(&args).output().expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .expect("json")
        .as_array()
        .expect("array")
        .clone()
}

#[test]
fn sending_to_the_outbox_writes_one_email_per_recipient_and_records_success() {
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    let summary = env.json(&["mailing", "send", &id]);
    assert_eq!(summary["run"]["sent"], 3);
    assert_eq!(summary["run"]["failed"], 0);
    assert!(summary["run"]["finished_at"].is_string());

    let emails = std::fs::read_dir(env.outbox()).expect("outbox").count();
    assert_eq!(emails, 3);
    let recorded = attempts(&env, &id, &[]);
    assert_eq!(recorded.len(), 3);
    assert!(recorded.iter().all(|a| a["status"] == "success"));
    assert_eq!(env.json(&["mailing", "show", &id])["status"], "running");

    let stats = env.json(&["stats"]);
    assert_eq!(stats["mailings_total"], 1);
    assert_eq!(stats["mailings_active"], 1);
    assert_eq!(stats["unique_recipients"], 3);
    assert_eq!(stats["recipients_total"], 3);
}

#[test]
fn sending_through_smtp_sink_records_its_250_replies() {
    let Some(sink) = Sink::start(&[]) else { return };
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    let out = env
        .cmd()
        .args(["--smtp-url", &sink.url(), "mailing", "send", &id])
        .output()
        .expect("ran");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3 sent, 0 failed"), "{text}");

    let recorded = attempts(&env, &id, &[]);
    assert_eq!(recorded.len(), 3);
    for a in &recorded {
        assert_eq!(a["status"], "success");
        assert!(
            a["response"].as_str().expect("text").starts_with("250"),
            "{a}"
        );
    }
    // Sent concurrently: attempts are in completion order.
    let mut emails: Vec<_> = recorded
        .iter()
        .map(|a| a["email"].as_str().expect("email"))
        .collect();
    emails.sort_unstable();
    assert_eq!(emails, ["a@example.com", "b@example.com", "c@example.com"]);
}

#[test]
fn rejecting_server_records_failures_with_its_5xx_reply_and_exits_1() {
    let Some(sink) = Sink::start(&["-f", "RCPT"]) else {
        return;
    };
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    let out = env
        .cmd()
        .args(["--smtp-url", &sink.url(), "mailing", "send", &id])
        .output()
        .expect("ran");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 of 3 deliveries failed"), "{err}");

    let recorded = attempts(&env, &id, &[]);
    assert_eq!(recorded.len(), 3, "permanent failures are not retried");
    for a in &recorded {
        assert_eq!(a["status"], "failure");
        assert!(a["response"].as_str().expect("text").contains("5"), "{a}");
    }
    let stats = env.json(&["stats"]);
    assert_eq!(stats["attempts_failure"], 3);
    assert_eq!(stats["attempts_success"], 0);
}

#[test]
fn unreachable_server_is_recorded_as_failures_not_skipped() {
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    // Nothing listens on `port` any more: every try is refused.
    let url = format!("smtp://127.0.0.1:{port}");
    env.fails(
        1,
        &[
            "--smtp-url",
            &url,
            "--retry-backoff",
            "10ms",
            "mailing",
            "send",
            &id,
        ],
    );
    let recorded = attempts(&env, &id, &[]);
    assert_eq!(
        recorded.len(),
        9,
        "a refused connection is retried: three tries each"
    );
    assert!(recorded.iter().all(|a| a["status"] == "failure"));
    assert!(
        recorded[0]["response"]
            .as_str()
            .expect("text")
            .contains("refused"),
        "{}",
        recorded[0]
    );
    let run = &env.json(&["mailing", "runs", &id])[0];
    assert_eq!(
        (run["sent"].as_u64(), run["failed"].as_u64()),
        (Some(0), Some(3))
    );
}

#[test]
fn completed_mailing_cannot_be_sent() {
    let env = Env::new();
    let r = env.add_recipient("a@example.com", "А");
    let m = env.add_message("Тема", "Тело");
    let id = env.ok(&[
        "mailing",
        "add",
        "--message",
        &m,
        "--start",
        "2020-01-01T00:00:00Z",
        "--end",
        "2020-01-02T00:00:00Z",
        "--recipient",
        &r,
    ]);
    let err = env.fails(1, &["mailing", "send", &id]);
    assert!(err.contains("is completed"), "{err}");
    assert!(attempts(&env, &id, &[]).is_empty());
}

#[test]
fn detached_send_only_enqueues_and_the_next_send_resumes_that_run() {
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    let queued = env.json(&["mailing", "send", &id, "--detach"]);
    assert_eq!(queued["run"]["total"], 3);
    assert_eq!(queued["run"]["sent"], 0);
    assert!(attempts(&env, &id, &[]).is_empty());
    assert_eq!(env.json(&["stats"])["mailings_active"], 1);

    let finished = env.json(&["mailing", "send", &id]);
    assert_eq!(finished["resumed"], true);
    assert_eq!(finished["run"]["id"], queued["run"]["id"]);
    assert_eq!(finished["run"]["sent"], 3);
    assert_eq!(
        env.json(&["mailing", "runs", &id])
            .as_array()
            .expect("runs")
            .len(),
        1
    );
}

#[test]
fn sending_again_after_a_finished_run_starts_a_new_run() {
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    env.json(&["mailing", "send", &id]);
    let second = env.json(&["mailing", "send", &id]);
    assert_eq!(second["resumed"], false);
    assert_eq!(attempts(&env, &id, &[]).len(), 6);
}

#[test]
fn deleted_recipient_keeps_its_attempts_with_the_email() {
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    env.json(&["mailing", "send", &id]);
    env.ok(&["recipient", "delete", "1"]);
    let recorded = attempts(&env, &id, &[]);
    assert_eq!(recorded.len(), 3);
    let deleted = recorded
        .iter()
        .find(|a| a["email"] == "a@example.com")
        .expect("the deleted recipient's attempt is kept");
    assert!(deleted["recipient_id"].is_null());
    assert!(recorded
        .iter()
        .filter(|a| a["email"] != "a@example.com")
        .all(|a| a["recipient_id"].is_number()));
}

#[test]
fn stats_on_an_empty_database_are_zero() {
    let env = Env::new();
    let stats = env.json(&["stats"]);
    for key in [
        "mailings_total",
        "mailings_active",
        "unique_recipients",
        "recipients_total",
    ] {
        assert_eq!(stats[key], 0, "{key}");
    }
    assert!(env.ok(&["stats"]).contains("Активных рассылок"));
}

#[test]
fn the_sender_given_with_a_display_name_and_reply_to_is_in_every_email() {
    let env = Env::new();
    let id = three_recipient_mailing(&env);
    env.ok(&[
        "--from",
        "Магазин <news@shop.example>",
        "--reply-to",
        "help@shop.example",
        "mailing",
        "send",
        &id,
    ]);
    let files: Vec<_> = std::fs::read_dir(env.outbox())
        .expect("outbox")
        .map(|f| f.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 3);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("an email");
        let head = text.split_once("\r\n\r\n").expect("a header").0;
        let lines: Vec<&str> = head.split("\r\n").collect();
        // "Магазин" in UTF-8, base64: 0JzQsNCz0LDQt9C40L0=
        assert!(
            lines.contains(&"From: =?utf-8?b?0JzQsNCz0LDQt9C40L0=?= <news@shop.example>"),
            "{head}"
        );
        assert!(lines.contains(&"Reply-To: help@shop.example"), "{head}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Message-ID: <postpilot.") && l.ends_with("@shop.example>")),
            "{head}"
        );
    }
}

#[test]
fn two_databases_sending_as_one_domain_never_issue_the_same_message_id() {
    let message_ids = |env: &Env| -> Vec<String> {
        let id = three_recipient_mailing(env);
        env.ok(&["--from", "news@shop.example", "mailing", "send", &id]);
        let mut ids: Vec<String> = std::fs::read_dir(env.outbox())
            .expect("outbox")
            .map(|f| {
                let text = std::fs::read_to_string(f.expect("entry").path()).expect("an email");
                text.split("\r\n")
                    .find_map(|l| l.strip_prefix("Message-ID: "))
                    .expect("a Message-ID")
                    .to_owned()
            })
            .collect();
        ids.sort();
        ids
    };
    let (first, second) = (Env::new(), Env::new());
    let (a, b) = (message_ids(&first), message_ids(&second));
    assert_eq!((a.len(), b.len()), (3, 3));
    for id in a.iter().chain(&b) {
        // <postpilot.RUN.DELIVERY.INSTANCE@from-domain>
        let key = id
            .strip_prefix("<postpilot.")
            .and_then(|k| k.strip_suffix("@shop.example>"))
            .unwrap_or_else(|| panic!("{id}"));
        let parts: Vec<&str> = key.split('.').collect();
        assert_eq!(parts.len(), 3, "{id}");
        assert_eq!(parts[0], "1", "run 1 in both databases: {id}");
        assert_eq!(parts[2].len(), 32, "{id}");
    }
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?}\n{b:?}");
}
