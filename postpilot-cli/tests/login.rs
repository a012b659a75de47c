//! A wrong SMTP password through the real binary: one login in all, the run
//! ended at once, exit 1 with a clear message.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use support::Env;

const REFUSAL: &str = "535 5.7.8 Authentication credentials invalid";

/// What the refusing server saw.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    logins: AtomicUsize,
    quits: AtomicUsize,
}

/// A loopback SMTP server that refuses every login; its port and what it saw.
fn refusing_server() -> (u16, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let seen = Arc::new(Seen::default());
    let counts = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counts.connections.fetch_add(1, Ordering::SeqCst);
            let counts = Arc::clone(&counts);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let _ = stream.write_all(b"220 refusing ESMTP\r\n");
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let command = line.to_ascii_uppercase();
                    let reply = if command.starts_with("EHLO") {
                        "250-refusing\r\n250 AUTH PLAIN LOGIN\r\n".to_owned()
                    } else if command.starts_with("AUTH") {
                        counts.logins.fetch_add(1, Ordering::SeqCst);
                        format!("{REFUSAL}\r\n")
                    } else if command.starts_with("QUIT") {
                        counts.quits.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.write_all(b"221 2.0.0 Bye\r\n");
                        return;
                    } else {
                        "502 5.5.1 not here\r\n".to_owned()
                    };
                    let _ = stream.write_all(reply.as_bytes());
                    line.clear();
                }
            });
        }
    });
    (port, seen)
}

#[test]
fn a_wrong_password_is_tried_once_ends_the_run_and_exits_1_saying_so() {
    let env = Env::new();
    let mailing = env.mailing_to_new_recipients(5);
    let (port, seen) = refusing_server();
    let url = format!("smtp://ivan:wrong-password@127.0.0.1:{port}");
    let stderr = env.fails(
        1,
        &[
            "--smtp-url",
            &url,
            "--concurrency",
            "8",
            "--max-tries",
            "3",
            "--retry-backoff",
            "1s",
            "mailing",
            "send",
            &mailing,
        ],
    );
    assert!(
        stderr.contains(&format!("the SMTP server refused the login: {REFUSAL}")),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-password"), "{stderr}");
    assert_eq!(seen.logins.load(Ordering::SeqCst), 1, "one login in all");
    assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
    assert_eq!(seen.quits.load(Ordering::SeqCst), 1, "closed with QUIT");

    let attempts = env.attempts(&mailing);
    assert_eq!(attempts.len(), 5, "one record each, none retried");
    for attempt in &attempts {
        assert_eq!(attempt["status"], "failure", "{attempt}");
        let response = attempt["response"].as_str().expect("a response");
        assert!(response.contains(REFUSAL), "{response}");
    }
    let run = &env.json(&["mailing", "runs", &mailing])[0];
    assert!(run["finished_at"].is_string(), "the run is over: {run}");
    assert_eq!(run["failed"], 5, "{run}");
}
