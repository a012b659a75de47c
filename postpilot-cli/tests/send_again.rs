//! `postpilot mailing send ID --only-unsent`: a mailing sent again reaches
//! only the recipients no run of it reached yet; without the flag, everyone.

mod support;

use support::Env;

/// A loopback port nothing listens on: connecting is refused.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn emails_in_outbox(env: &Env) -> usize {
    std::fs::read_dir(env.outbox()).map_or(0, Iterator::count)
}

#[test]
fn only_unsent_sends_only_to_recipients_no_run_reached_and_without_it_everyone_gets_it_again() {
    let env = Env::new();
    let ids: Vec<String> = ["a@example.com", "b@example.com", "c@example.com"]
        .iter()
        .map(|e| env.add_recipient(e, "Получатель"))
        .collect();
    let m = env.add_message("Новости", "Здравствуйте!");
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let id = env.add_open_mailing(&m, &refs);

    // The server is down: every recipient's only try fails.
    let url = format!("smtp://127.0.0.1:{}", closed_port());
    env.fails(
        1,
        &[
            "--smtp-url",
            &url,
            "--max-tries",
            "1",
            "mailing",
            "send",
            &id,
        ],
    );
    assert_eq!(env.attempts(&id).len(), 3);

    // Only the unsent: all three, since none was reached.
    let first = env.json(&["mailing", "send", &id, "--only-unsent"]);
    assert_eq!(first["run"]["total"], 3);
    assert_eq!(first["run"]["sent"], 3);
    assert_eq!(emails_in_outbox(&env), 3);

    // Again: nobody is left, so nobody gets it twice.
    let again = env.json(&["mailing", "send", &id, "--only-unsent"]);
    assert_eq!(again["run"]["total"], 0);
    assert!(again["run"]["finished_at"].is_string());
    assert_eq!(emails_in_outbox(&env), 3);

    // Without the flag: everyone, again.
    let everyone = env.json(&["mailing", "send", &id]);
    assert_eq!(everyone["run"]["total"], 3);
    assert_eq!(emails_in_outbox(&env), 6);
}
