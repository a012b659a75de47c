//! A mail server that answers with hostile bytes — NUL, BEL, escape
//! sequences that clear the screen or set the window title, bytes that are
//! not UTF-8 — through the real binary on SQLite and on PostgreSQL: the run
//! finishes, every attempt is recorded with the reply made visible, the
//! same text on both backends, and nothing of it reaches the terminal raw.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::Env;

/// The reply to every message's final `.`.
const ACCEPTED: &[u8] = b"250 2.0.0 \xff\xfe queued \xc3\x28 as \x00\x07ABC\x1b]0;pwned\x07\x1b[2J";
/// The reply to `RCPT TO:<refused…>`.
const REFUSED: &[u8] = b"550 5.1.1 \x00\x1b[2J no \xff such\x07 user";

/// [`ACCEPTED`] as recorded: invalid UTF-8 as U+FFFD, controls as escapes.
const ACCEPTED_RECORDED: &str =
    "250 2.0.0 \u{fffd}\u{fffd} queued \u{fffd}( as \\0\\u{7}ABC\\u{1b}]0;pwned\\u{7}\\u{1b}[2J";
/// [`REFUSED`] as recorded.
const REFUSED_RECORDED: &str =
    "permanent failure: 550 5.1.1 \\0\\u{1b}[2J no \u{fffd} such\\u{7} user";

/// Recipients `ok0@…` to `ok7@…`, whose emails the server takes, and
/// `refused0@…`, `refused1@…`, whom it refuses.
const TAKEN: usize = 8;
const REFUSED_RECIPIENTS: usize = 2;

/// A loopback SMTP server answering with [`ACCEPTED`] and [`REFUSED`];
/// counts the messages it took.
struct HostileServer {
    port: u16,
    taken: Arc<AtomicUsize>,
}

impl HostileServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let taken = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&taken);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    // The client hanging up ends the conversation.
                    let _ = converse(stream, &counter);
                });
            }
        });
        Self { port, taken }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn taken(&self) -> usize {
        self.taken.load(Ordering::SeqCst)
    }
}

/// One SMTP conversation, one command at a time (no PIPELINING offered).
fn converse(stream: TcpStream, taken: &AtomicUsize) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    let mut say = |reply: &[u8]| -> std::io::Result<()> {
        out.write_all(reply)?;
        out.write_all(b"\r\n")
    };
    say(b"220 hostile ESMTP")?;
    let mut refused = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        match &verb[..] {
            b"EHLO" | b"HELO" => say(b"250 hostile")?,
            b"MAIL" => {
                refused = false;
                say(b"250 2.1.0 Ok")?;
            }
            b"RCPT" if line.windows(8).any(|w| w == b"<refused") => {
                refused = true;
                say(REFUSED)?;
            }
            b"RCPT" => say(b"250 2.1.5 Ok")?,
            b"DATA" if refused => say(b"554 5.5.1 Error: no valid recipients")?,
            b"DATA" => {
                say(b"354 End data with <CR><LF>.<CR><LF>")?;
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line)? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" {
                        break;
                    }
                }
                taken.fetch_add(1, Ordering::SeqCst);
                say(ACCEPTED)?;
            }
            b"QUIT" => return say(b"221 2.0.0 Bye"),
            _ => say(b"250 2.0.0 Ok")?,
        }
    }
}

/// The recipients and an open mailing to all of them; returns its id.
fn mailing_to_taken_and_refused(env: &Env) -> String {
    let csv: String = std::iter::once("email,full_name\n".to_owned())
        .chain((0..TAKEN).map(|i| format!("ok{i}@example.com,Получатель {i}\n")))
        .chain((0..REFUSED_RECIPIENTS).map(|i| format!("refused{i}@example.com,Отказ {i}\n")))
        .collect();
    std::fs::write(env.dir.path().join("r.csv"), csv).expect("csv");
    env.ok(&["recipient", "import", "r.csv"]);
    let m = env.add_message("Новости", "Здравствуйте!");
    env.open_mailing(&[], &m, &["--all-recipients"])
}

/// Sends a mailing through the hostile server and checks the whole record:
/// the run finished, each recipient has exactly one attempt with the reply
/// made visible, and the server took each accepted email once. Returns the
/// attempts as (email, status, response), sorted by email.
fn send_through_a_hostile_server(env: &Env) -> Vec<(String, String, String)> {
    let server = HostileServer::start();
    let id = mailing_to_taken_and_refused(env);
    let out = env
        .cmd()
        .args(["--smtp-url", &server.url(), "--smtp-timeout", "5s"])
        .args(["mailing", "send", &id])
        // Before the fix, PostgreSQL refused every record and the command
        // gave up after retrying; no run may take this long.
        .timeout(Duration::from_secs(60))
        .output()
        .expect("ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "{TAKEN} sent, {REFUSED_RECIPIENTS} failed, 0 pending"
        )),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{REFUSED_RECIPIENTS} of {} deliveries failed",
            TAKEN + REFUSED_RECIPIENTS
        )),
        "{stderr}"
    );
    assert_eq!(server.taken(), TAKEN, "each accepted email was sent once");

    let runs = env.json(&["mailing", "runs", &id]);
    assert_eq!(runs.as_array().expect("runs").len(), 1);
    assert!(runs[0]["finished_at"].is_string(), "{runs}");
    assert_eq!(
        (&runs[0]["sent"], &runs[0]["failed"]),
        (&TAKEN.into(), &REFUSED_RECIPIENTS.into())
    );

    let mut attempts: Vec<(String, String, String)> = env
        .json(&["mailing", "attempts", &id])
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| {
            let text = |key: &str| a[key].as_str().expect("text").to_owned();
            (text("email"), text("status"), text("response"))
        })
        .collect();
    attempts.sort();
    let expected: Vec<(String, String, String)> = (0..TAKEN)
        .map(|i| {
            (
                format!("ok{i}@example.com"),
                "success".to_owned(),
                ACCEPTED_RECORDED.to_owned(),
            )
        })
        .chain((0..REFUSED_RECIPIENTS).map(|i| {
            (
                format!("refused{i}@example.com"),
                "failure".to_owned(),
                REFUSED_RECORDED.to_owned(),
            )
        }))
        .collect();
    assert_eq!(attempts, expected);
    attempts
}

#[test]
fn hostile_replies_are_recorded_visible_and_the_run_finishes_on_sqlite() {
    send_through_a_hostile_server(&Env::new());
}

#[test]
fn hostile_replies_reach_the_terminal_only_as_escapes() {
    let env = Env::new();
    send_through_a_hostile_server(&env);
    let out = env
        .cmd()
        .args(["mailing", "attempts", "1"])
        .output()
        .expect("ran");
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).expect("utf-8");
    let raw: Vec<char> = table
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "printed {raw:?} in {table}");
    assert!(table.contains(r"\0\u{7}ABC\u{1b}]0;pwned"), "{table}");
}

#[test]
fn hostile_replies_are_recorded_visible_and_the_run_finishes_on_postgres() {
    let Some(env) = Env::postgres("hostile_replies_on_postgres") else {
        return;
    };
    let on_postgres = send_through_a_hostile_server(&env);
    assert_eq!(
        on_postgres,
        send_through_a_hostile_server(&Env::new()),
        "the same text on both backends"
    );
}
