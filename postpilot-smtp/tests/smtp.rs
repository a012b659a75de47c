//! SmtpMailer against a real Postfix smtp-sink (and a few hand-made peers).
//!
//! smtp-sink options used (see `man 1 smtp-sink`): `-r CMD` / `-f CMD`
//! reply 4xx / 5xx to CMD (`-b` / `-B` set the reply text), `-Q CMD` says
//! 421 and disconnects after CMD, `-q CMD` disconnects after CMD without a
//! word, `-W CMD:SECONDS` waits before replying to CMD, `-t SECONDS` drops an
//! idle client. CMD is a command name, `CONNECT` for the greeting, or `.`
//! for the end of the message body.

mod support;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use postpilot_core::ports::{Content, MailError, Mailer, ServerReply};
use postpilot_core::{BodyText, Subject};
use postpilot_smtp::{SmtpConfig, SmtpMailer, DEFAULT_POOL_SIZE};
use support::{counting_proxy, email, free_port, from, SmtpSink};
use tokio::net::TcpListener;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The SMTP stages smtp-sink can misbehave at, by its command names, and
/// how our errors name them.
const STAGES: &[(&str, &str)] = &[
    ("CONNECT", "greeting"),
    ("EHLO", "EHLO"),
    ("MAIL", "MAIL FROM"),
    ("RCPT", "RCPT TO"),
    ("DATA", "DATA"),
    (".", "reply to the message"),
];

fn mailer(url: &str, timeout: Duration) -> SmtpMailer {
    let config: SmtpConfig = url.parse().expect("valid smtp url");
    SmtpMailer::new(&config, from(), timeout).expect("mailer")
}

/// Runs `send` and checks it returned after `deadline` (give or take timer
/// granularity) but well before a hang would: nothing ever waits past the
/// deadline of the conversation.
async fn within_deadline<T>(deadline: Duration, send: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let result = send.await;
    let elapsed = started.elapsed();
    assert!(
        elapsed + Duration::from_millis(50) >= deadline,
        "returned before the deadline: {elapsed:?}"
    );
    assert!(
        elapsed < deadline + Duration::from_millis(1500),
        "took {elapsed:?} for a {deadline:?} deadline"
    );
    result
}

#[tokio::test]
async fn accepted_email_returns_the_servers_250_reply() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let reply = mailer(&sink.url(), TIMEOUT)
        .send(&email("postpilot.3.17"))
        .await;
    // smtp-sink's reply to the final '.' has no queue id.
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok".into())));

    // smtp-sink writes the dump before it replies.
    let dumps = sink.dumps();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    assert!(
        dumps[0].contains("Message-ID: <postpilot.3.17@shop.example>"),
        "{}",
        dumps[0]
    );
    assert!(
        dumps[0].contains("X-Rcpt-Args: <ivan@example.com>"),
        "{}",
        dumps[0]
    );
    assert!(
        dumps[0].contains("X-Mail-Args: <news@shop.example>"),
        "{}",
        dumps[0]
    );
}

#[tokio::test]
async fn server_without_pipelining_is_served_in_lockstep() {
    // -p: no PIPELINING in the EHLO reply (as with -r and -f below).
    let Some(sink) = SmtpSink::start(&["-p"]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT);
    for i in 0..5 {
        let reply = mailer.send(&email(&format!("postpilot.2.{i}"))).await;
        assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok".into())), "message {i}");
    }
    assert_eq!(sink.dumps().len(), 5);
    assert_eq!(connections.opened(), 1);
}

#[tokio::test]
async fn body_lines_starting_with_a_dot_arrive_unchanged() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let mut email = email("postpilot.2.9");
    email.content = Arc::new(Content {
        subject: Subject::parse("Dots").expect("subject"),
        body_text: BodyText::parse("first\n.hidden\n..two\n.\nlast").expect("body"),
        body_html: None,
    });
    let reply = mailer(&sink.url(), TIMEOUT).send(&email).await;
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok".into())));
    let dumps = sink.dumps();
    assert_eq!(dumps.len(), 1, "{dumps:?}");
    // smtp-sink takes the stuffing off, as any server does (and dumps
    // lines with LF).
    assert!(
        dumps[0].contains("\nfirst\n.hidden\n..two\n.\nlast\n"),
        "{:?}",
        dumps[0]
    );
}

#[tokio::test]
async fn rejected_recipient_is_an_address_refusal_with_the_servers_5xx_reply() {
    let reply = "550 5.1.1 <ivan@example.com>: Recipient address rejected";
    let Some(sink) = SmtpSink::start(&["-f", "RCPT", "-B", reply]) else {
        return;
    };
    let result = mailer(&sink.url(), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    assert_eq!(result, Err(MailError::AddressRefused(reply.into())));
}

#[tokio::test]
async fn soft_rejected_recipient_is_a_transient_failure_with_the_4xx_reply() {
    let Some(sink) = SmtpSink::start(&["-r", "RCPT"]) else {
        return;
    };
    let result = mailer(&sink.url(), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    // smtp-sink's default soft-bounce reply, kept verbatim.
    assert_eq!(
        result,
        Err(MailError::Transient(
            "450 4.3.0 Error: command failed".into()
        ))
    );
}

#[tokio::test]
async fn soft_rejection_at_every_stage_is_transient_with_the_servers_reply() {
    for (command, stage) in STAGES {
        let reply = format!("451 4.3.0 {stage} soft-rejected");
        let Some(sink) = SmtpSink::start(&["-r", command, "-b", &reply]) else {
            return;
        };
        let result = mailer(&sink.url(), TIMEOUT)
            .send(&email("postpilot.1.1"))
            .await;
        assert_eq!(result, Err(MailError::Transient(reply)), "at {stage}");
    }
}

#[tokio::test]
async fn hard_rejection_at_every_stage_is_permanent_with_the_servers_reply() {
    for (command, stage) in STAGES {
        let reply = format!("554 5.3.0 {stage} hard-rejected");
        let Some(sink) = SmtpSink::start(&["-f", command, "-B", &reply]) else {
            return;
        };
        let result = mailer(&sink.url(), TIMEOUT)
            .send(&email("postpilot.1.1"))
            .await;
        // At RCPT the refusal is of the address itself (it then bounces).
        let expected = if *command == "RCPT" {
            MailError::AddressRefused(reply)
        } else {
            MailError::Permanent(reply)
        };
        assert_eq!(result, Err(expected), "at {stage}");
    }
}

#[tokio::test]
async fn reply_421_at_every_stage_is_transient_even_after_the_body() {
    for (command, stage) in STAGES {
        let Some(sink) = SmtpSink::start(&["-Q", command]) else {
            return;
        };
        let result = mailer(&sink.url(), TIMEOUT)
            .send(&email("postpilot.1.1"))
            .await;
        assert_eq!(
            result,
            Err(MailError::Transient(
                "421 4.0.0 Server closing connection".into()
            )),
            "at {stage}"
        );
    }
}

#[tokio::test]
async fn connection_lost_after_the_body_was_sent_is_an_unknown_outcome() {
    let Some(sink) = SmtpSink::start(&["-q", "."]) else {
        return;
    };
    let result = mailer(&sink.url(), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    assert_eq!(
        result,
        Err(MailError::UnknownOutcome(format!(
            "connection to {} lost after the message was sent; it may have been delivered \
             (the server closed the connection)",
            sink.addr
        )))
    );
}

#[tokio::test]
async fn connection_lost_before_the_body_was_sent_is_transient_naming_the_stage() {
    // The disconnect after CONNECT comes before the greeting is written.
    for (command, stage) in &STAGES[..STAGES.len() - 1] {
        let Some(sink) = SmtpSink::start(&["-q", command]) else {
            return;
        };
        let result = mailer(&sink.url(), TIMEOUT)
            .send(&email("postpilot.1.1"))
            .await;
        assert_eq!(
            result,
            Err(MailError::Transient(format!(
                "connection to {} failed (stage: {stage}): the server closed the connection",
                sink.addr
            ))),
            "at {stage}"
        );
    }
}

#[tokio::test]
async fn server_that_stalls_mid_conversation_times_out_within_the_deadline() {
    // -p: smtp-sink's -W, pipelined, answers the DATA before the RCPT it
    // delays (out of order, against RFC 2920); tests/pipelining.rs has a
    // server that stalls at RCPT under pipelining.
    let Some(sink) = SmtpSink::start(&["-p", "-W", "RCPT:30"]) else {
        return;
    };
    let timeout = Duration::from_secs(1);
    let mailer = mailer(&sink.url(), timeout);
    let result = within_deadline(timeout, mailer.send(&email("postpilot.1.1"))).await;
    assert_eq!(
        result,
        Err(MailError::Transient(format!(
            "timed out after 1s talking to {} (stage: RCPT TO)",
            sink.addr
        )))
    );
}

#[tokio::test]
async fn server_that_stalls_after_the_body_is_an_unknown_outcome_within_the_deadline() {
    let Some(sink) = SmtpSink::start(&["-W", ".:30"]) else {
        return;
    };
    let timeout = Duration::from_secs(1);
    let mailer = mailer(&sink.url(), timeout);
    let result = within_deadline(timeout, mailer.send(&email("postpilot.1.1"))).await;
    assert_eq!(
        result,
        Err(MailError::UnknownOutcome(format!(
            "no reply from {} within 1s after the message was sent; it may have been delivered",
            sink.addr
        )))
    );
}

#[tokio::test]
async fn server_that_greets_too_late_times_out_within_the_deadline() {
    let Some(sink) = SmtpSink::start(&["-W", "CONNECT:30"]) else {
        return;
    };
    let timeout = Duration::from_secs(1);
    let mailer = mailer(&sink.url(), timeout);
    let result = within_deadline(timeout, mailer.send(&email("postpilot.1.1"))).await;
    assert_eq!(
        result,
        Err(MailError::Transient(format!(
            "timed out after 1s talking to {} (stage: greeting)",
            sink.addr
        )))
    );
}

#[tokio::test]
async fn server_that_never_greets_times_out_within_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    // Accept and keep every connection open, never saying a word.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });

    let timeout = Duration::from_secs(1);
    let mailer = mailer(&format!("smtp://{addr}"), timeout);
    let result = within_deadline(timeout, mailer.send(&email("postpilot.1.1"))).await;
    silent.abort();

    assert_eq!(
        result,
        Err(MailError::Transient(format!(
            "timed out after 1s talking to {addr} (stage: greeting)"
        )))
    );
}

#[tokio::test]
async fn connection_refused_is_transient_naming_the_address() {
    let port = free_port();
    let result = mailer(&format!("smtp://127.0.0.1:{port}"), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    assert_eq!(
        result,
        Err(MailError::Transient(format!(
            "connection refused: 127.0.0.1:{port}"
        )))
    );
}

#[tokio::test]
async fn starttls_required_but_not_offered_is_permanent() {
    // smtp-sink never offers STARTTLS.
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let result = mailer(&format!("{}?tls=starttls", sink.url()), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    assert_eq!(
        result,
        Err(MailError::Permanent(format!(
            "{} does not offer STARTTLS, which tls=starttls requires",
            sink.addr
        )))
    );
    assert!(sink.dumps().is_empty());
}

#[tokio::test]
async fn opportunistic_tls_sends_in_plain_text_when_starttls_is_not_offered() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let result = mailer(&format!("{}?tls=opportunistic", sink.url()), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    assert_eq!(result, Ok(ServerReply("250 2.0.0 Ok".into())));
}

#[tokio::test]
async fn implicit_tls_to_a_plain_text_server_fails_transiently_at_the_handshake() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let result = mailer(&format!("smtps://{}", sink.addr), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    match result {
        Err(MailError::Transient(text)) => assert!(
            text.starts_with(&format!(
                "connection to {} failed (stage: TLS handshake): ",
                sink.addr
            )),
            "{text}"
        ),
        other => panic!("expected a transient failure, got {other:?}"),
    }
}

#[tokio::test]
async fn pooled_connection_is_reused_for_many_messages() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT).with_pool_size(1);
    for i in 0..50 {
        let reply = mailer.send(&email(&format!("postpilot.7.{i}"))).await;
        assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok".into())), "message {i}");
    }
    assert_eq!(sink.dumps().len(), 50);
    assert_eq!(connections.opened(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_use_at_most_pool_size_connections() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT).with_pool_size(4);
    assert_eq!(mailer.pool_size(), 4);
    let sends = (0..40).map(|i| {
        // Clones share the pool.
        let mailer = mailer.clone();
        tokio::spawn(async move { mailer.send(&email(&format!("postpilot.8.{i}"))).await })
    });
    for send in futures::future::join_all(sends).await {
        assert_eq!(
            send.expect("send task"),
            Ok(ServerReply("250 2.0.0 Ok".into()))
        );
    }
    assert_eq!(sink.dumps().len(), 40);
    let (max_open, opened) = (connections.max_open(), connections.opened());
    assert!(
        (1..=4).contains(&max_open),
        "{max_open} connections open at once"
    );
    assert!(opened <= 4, "{opened} connections opened in all");
}

/// Far more sends than connections on one thread, started in waves as the
/// sender starts them after each claim: each connection, once free, either
/// takes the next email on or goes back to the pool; none is closed and
/// opened again.
#[tokio::test]
async fn waves_of_sends_reuse_the_pools_connections_and_open_no_more() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT).with_pool_size(4);
    for wave in 0..10 {
        // Each woken on its own, as the sender's sends are.
        let sends: FuturesUnordered<_> = (0..24)
            .map(|i| {
                let mailer = mailer.clone();
                async move {
                    let email = email(&format!("postpilot.11.{wave}.{i}"));
                    mailer.send(&email).await
                }
            })
            .collect();
        for result in sends.collect::<Vec<_>>().await {
            assert_eq!(
                result,
                Ok(ServerReply("250 2.0.0 Ok".into())),
                "wave {wave}"
            );
        }
    }
    assert_eq!(sink.dumps().len(), 240);
    let opened = connections.opened();
    assert!(opened <= 4, "{opened} connections opened for a pool of 4");
}

/// Waits (a few seconds at most) until `count()` reaches `n`.
async fn until_count(n: usize, count: impl Fn() -> usize) -> usize {
    for _ in 0..250 {
        if count() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    count()
}

#[tokio::test]
async fn connections_opened_ahead_wait_in_the_pool_and_the_first_sends_use_them() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT).with_pool_size(3);
    mailer.connect_ahead(5);
    assert_eq!(
        until_count(3, || connections.opened()).await,
        3,
        "the pool's three connections open before any send"
    );
    let sends: FuturesUnordered<_> = (0..6)
        .map(|i| {
            let mailer = mailer.clone();
            async move { mailer.send(&email(&format!("postpilot.12.{i}"))).await }
        })
        .collect();
    for result in sends.collect::<Vec<_>>().await {
        assert_eq!(result, Ok(ServerReply("250 2.0.0 Ok".into())));
    }
    assert_eq!(sink.dumps().len(), 6);
    assert_eq!(
        connections.opened(),
        3,
        "the sends opened none of their own"
    );
}

#[tokio::test]
async fn connections_that_fail_to_open_ahead_leave_the_send_to_say_why() {
    let mailer = mailer(&format!("smtp://127.0.0.1:{}", free_port()), TIMEOUT);
    mailer.connect_ahead(2);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let result = mailer.send(&email("postpilot.13.1")).await;
    assert!(
        matches!(&result, Err(MailError::Transient(why)) if why.contains("connect")),
        "{result:?}"
    );
}

#[tokio::test]
async fn default_pool_holds_eight_connections() {
    assert_eq!(DEFAULT_POOL_SIZE, 8);
    assert_eq!(mailer("smtp://127.0.0.1:25", TIMEOUT).pool_size(), 8);
}

#[tokio::test]
async fn rejected_messages_do_not_cost_their_connection() {
    let Some(sink) = SmtpSink::start(&["-f", "RCPT"]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT);
    for i in 0..5 {
        let result = mailer.send(&email(&format!("postpilot.9.{i}"))).await;
        assert!(
            matches!(result, Err(MailError::AddressRefused(_))),
            "{result:?}"
        );
    }
    // Each rejection is followed by RSET, and the connection serves the next.
    assert_eq!(connections.opened(), 1);
}

#[tokio::test]
async fn pooled_connection_the_server_closed_is_replaced_without_failing_the_send() {
    // smtp-sink drops a client that stays idle for a second.
    let Some(sink) = SmtpSink::start(&["-t", "1"]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT);
    let first = mailer.send(&email("postpilot.10.1")).await;
    assert_eq!(first, Ok(ServerReply("250 2.0.0 Ok".into())));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let second = mailer.send(&email("postpilot.10.2")).await;
    assert_eq!(second, Ok(ServerReply("250 2.0.0 Ok".into())));
    assert_eq!(connections.opened(), 2);
    assert_eq!(sink.dumps().len(), 2);
}

#[tokio::test]
async fn password_never_appears_in_debug_or_errors() {
    const SECRET: &str = "S3cr3t-Pa55";
    let check = |what: &str, text: String| {
        assert!(!text.contains(SECRET), "{what} shows the password: {text}");
    };

    let config: SmtpConfig = format!("smtps://ivan:{SECRET}@mail.example.com")
        .parse()
        .expect("valid url");
    check("config Debug", format!("{config:?}"));
    check("config Display", config.to_string());
    let smtp = SmtpMailer::new(&config, from(), TIMEOUT).expect("mailer");
    check("mailer Debug", format!("{smtp:?}"));

    for bad in [
        format!("smtp://ivan:{SECRET}@mail.example.com"),
        format!("smtps://ivan:{SECRET}@mail.example.com:notaport"),
        format!("smtps://ivan:{SECRET}@mail.example.com/path"),
        // Errors name a parameter, never echo its value.
        format!("smtps://mail.example.com?user=ivan&password={SECRET}"),
        format!("smtp://mail.example.com?tls=starttls&pass={SECRET}"),
        format!("smtp://mail.example.com?tls=starttls&tls={SECRET}"),
        // An unescaped '#' or '?' in a password breaks the URL up.
        format!("smtps://ivan:{SECRET}#x@mail.example.com"),
        format!("smtps://ivan:{SECRET}?x@mail.example.com"),
        format!("imap://ivan:{SECRET}@mail.example.com"),
        format!("smtps://ivan:{SECRET}@"),
        format!("smtps://ivan:{SECRET}%FF@mail.example.com"),
    ] {
        let err = bad.parse::<SmtpConfig>().expect_err("malformed url");
        check("url error", err.to_string());
        check("url error Debug", format!("{err:?}"));
    }

    // Errors from sending, with credentials in use (plain text is allowed to loopback).
    let refused = mailer(
        &format!("smtp://ivan:{SECRET}@127.0.0.1:{}", free_port()),
        TIMEOUT,
    );
    let err = refused
        .send(&email("postpilot.1.1"))
        .await
        .expect_err("refused");
    check("connect error", err.to_string());

    let Some(sink) = SmtpSink::start(&["-f", "AUTH"]) else {
        return;
    };
    let auth = mailer(&format!("smtp://ivan:{SECRET}@{}", sink.addr), TIMEOUT);
    check("mailer Debug after use", format!("{auth:?}"));
    let err = auth
        .send(&email("postpilot.1.1"))
        .await
        .expect_err("AUTH is rejected");
    assert!(matches!(err, MailError::LoginFailed(_)), "{err:?}");
    check("auth error", err.to_string());
}

#[tokio::test]
async fn authentication_accepted_by_the_server_lets_the_email_through() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let result = mailer(&format!("smtp://ivan:pw@{}", sink.addr), TIMEOUT)
        .send(&email("postpilot.1.1"))
        .await;
    assert_eq!(result, Ok(ServerReply("250 2.0.0 Ok".into())));
}

/// A minimal SMTP server whose first message's final reply comes `late`,
/// after the client's deadline; every other reply is immediate.
async fn slow_first_reply_server(late: Duration) -> std::net::SocketAddr {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let messages = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let messages = Arc::clone(&messages);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 slow ESMTP\r\n").await;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply: String = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        let n = messages.fetch_add(1, Ordering::SeqCst) + 1;
                        if n == 1 {
                            tokio::time::sleep(late).await;
                        }
                        format!("250 2.0.0 Ok: queued as {n}\r\n")
                    } else {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        match verb.as_str() {
                            "EHLO" => "250-slow\r\n250 8BITMIME\r\n".into(),
                            "DATA" => {
                                in_data = true;
                                "354 go ahead\r\n".into()
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => "250 2.0.0 Ok\r\n".into(),
                        }
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn connection_that_timed_out_is_never_reused() {
    let addr = slow_first_reply_server(Duration::from_millis(1500)).await;
    let mailer = mailer(&format!("smtp://{addr}"), Duration::from_millis(500));

    // The reply to the final '.' comes after the deadline: the message may
    // well have been taken.
    let first = mailer.send(&email("postpilot.1.1")).await;
    assert!(
        matches!(first, Err(MailError::UnknownOutcome(_))),
        "{first:?}"
    );

    // Had the timed-out connection gone back to the pool, its late
    // "queued as 1" would be read as the answer to a later command and every
    // reply after it would be off by one.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mailer = mailer.clone();
    for n in 2..=4 {
        let reply = mailer.send(&email(&format!("postpilot.1.{n}"))).await;
        assert_eq!(
            reply,
            Ok(ServerReply(format!("250 2.0.0 Ok: queued as {n}")))
        );
    }
}

#[test]
fn mailer_dropped_after_its_runtime_does_not_panic() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let mailer = mailer(&sink.url(), TIMEOUT);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let reply = runtime.block_on(mailer.send(&email("postpilot.1.1")));
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok".into())));
    drop(runtime);
    // The pooled connection is still open; dropping it without a runtime
    // must not panic.
    drop(mailer);
}

#[tokio::test]
async fn idle_connections_can_be_closed_politely() {
    let Some(sink) = SmtpSink::start(&[]) else {
        return;
    };
    let (proxy, connections) = counting_proxy(sink.addr).await;
    let mailer = mailer(&format!("smtp://{proxy}"), TIMEOUT);
    let reply = mailer.send(&email("postpilot.1.1")).await;
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok".into())));
    mailer.close_idle().await;
    let reply = mailer.send(&email("postpilot.1.2")).await;
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok".into())));
    assert_eq!(connections.opened(), 2);
}
