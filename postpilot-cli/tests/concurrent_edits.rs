//! What edits made while a run is queued or in progress do to it: each is a
//! defined behaviour (README, "Guarantees"), checked here through the real
//! binary with a run queued by `send --detach` and delivered by a worker.

mod support;

use support::Env;

/// Recipients a, b and c, a message and an open mailing to all three, with
/// a run queued; returns the mailing id.
fn queued_run(env: &Env) -> String {
    for e in ["a@example.com", "b@example.com", "c@example.com"] {
        env.add_recipient(e, "Получатель");
    }
    let m = env.add_message("Original subject", "Original body");
    let id = env.add_open_mailing(&m, &["1", "2", "3"]);
    env.json(&["mailing", "send", &id, "--detach"]);
    id
}

/// The outbox's emails, as text.
fn outbox(env: &Env) -> Vec<String> {
    match std::fs::read_dir(env.outbox()) {
        Ok(entries) => entries
            .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("eml"))
            .collect(),
        Err(_) => vec![],
    }
}

fn attempts(env: &Env, mailing: &str) -> Vec<serde_json::Value> {
    env.json(&["mailing", "attempts", mailing])
        .as_array()
        .expect("array")
        .clone()
}

#[test]
fn a_message_edited_after_launch_is_sent_as_launched_and_the_next_run_sends_the_edit() {
    let env = Env::new();
    let id = queued_run(&env);
    let original = env.json(&["message", "show", "1"])["subject"]
        .as_str()
        .expect("subject")
        .to_owned();
    env.ok(&["message", "edit", "1", "--subject", "Edited subject"]);
    env.ok(&["worker", "--until-idle"]);
    let sent = outbox(&env);
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .all(|eml| eml.contains(&format!("Subject: {original}"))),
        "the run sends what was launched"
    );
    assert_eq!(attempts(&env, &id).len(), 3);
    let runs = env.json(&["mailing", "runs", &id]);
    assert_eq!(runs[0]["subject"], original.as_str());

    env.ok(&["mailing", "send", &id]);
    let sent = outbox(&env);
    assert_eq!(sent.len(), 6);
    assert_eq!(
        sent.iter()
            .filter(|eml| eml.contains("Subject: Edited subject"))
            .count(),
        3,
        "a run launched after the edit sends the edit"
    );
    let runs = env.json(&["mailing", "runs", &id]);
    assert_eq!(runs[0]["subject"], "Edited subject");
}

#[test]
fn a_recipient_deleted_while_queued_is_not_sent_to_and_the_cancellation_is_recorded() {
    let env = Env::new();
    let id = queued_run(&env);
    env.ok(&["recipient", "delete", "2"]);
    env.ok(&["worker", "--until-idle"]);
    let sent = outbox(&env);
    assert_eq!(sent.len(), 2);
    assert!(!sent.iter().any(|eml| eml.contains("b@example.com")));
    let recorded = attempts(&env, &id);
    let b: Vec<_> = recorded
        .iter()
        .filter(|a| a["email"] == "b@example.com")
        .collect();
    assert_eq!(b.len(), 1, "the cancelled delivery is recorded once");
    assert_eq!(b[0]["status"], "failure");
    assert_eq!(b[0]["response"], "not sent: the recipient was deleted");
    let run = &env.json(&["mailing", "runs", &id])[0];
    assert_eq!(
        (run["sent"].as_u64(), run["failed"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn a_mailing_deleted_while_queued_takes_its_run_along_and_nothing_is_sent() {
    let env = Env::new();
    let id = queued_run(&env);
    env.ok(&["mailing", "delete", &id]);
    let report = env.json(&["worker", "--until-idle"]);
    assert_eq!(report["delivered"], 0);
    assert!(outbox(&env).is_empty());
}

#[test]
fn changing_a_mailings_recipients_after_launch_affects_only_later_runs() {
    let env = Env::new();
    let id = queued_run(&env);
    env.add_recipient("d@example.com", "Новый");
    env.ok(&["mailing", "edit", &id, "--recipient", "4"]);
    env.ok(&["worker", "--until-idle"]);
    let mut first: Vec<_> = attempts(&env, &id)
        .iter()
        .map(|a| a["email"].as_str().expect("email").to_owned())
        .collect();
    first.sort();
    assert_eq!(first, ["a@example.com", "b@example.com", "c@example.com"]);
    let second = env.json(&["mailing", "send", &id]);
    assert_eq!(second["run"]["total"], 1);
    assert!(attempts(&env, &id)
        .iter()
        .any(|a| a["email"] == "d@example.com"));
}

#[test]
fn moving_the_end_time_into_the_past_stops_a_queued_run_recording_what_was_not_sent() {
    let env = Env::new();
    let id = queued_run(&env);
    let end = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    env.ok(&["mailing", "edit", &id, "--end", &end]);
    env.ok(&["worker", "--until-idle"]);
    assert!(outbox(&env).is_empty());
    let recorded = attempts(&env, &id);
    assert_eq!(recorded.len(), 3);
    assert!(recorded
        .iter()
        .all(|a| a["response"] == "not sent: the mailing's end time passed"));
    assert_eq!(env.json(&["mailing", "show", &id])["status"], "completed");
}
