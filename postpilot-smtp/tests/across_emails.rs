//! Pipelining across emails, against scripted peers: with more sends than
//! connections, the next email's MAIL, RCPT and DATA go in the same write
//! as the previous body's final dot (RFC 2920), and with CHUNKING whole
//! emails (`BDAT <size> LAST`) are written ahead of their replies
//! (RFC 3030). Each email's outcome stays its own: a refusal decides only
//! its email, and a lost connection leaves an email whose message was
//! written unknown and one whose message was not written tried again.

mod support;

use std::time::Duration;

use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply};
use postpilot_smtp::{SmtpConfig, SmtpMailer};
use support::peer::{accept, connects_again, listen, Peer};
use support::{address, email};
use tokio::net::TcpListener;

const TIMEOUT: Duration = Duration::from_secs(10);

/// A mailer with one connection: every email after the first waits to be
/// taken on by the one before.
fn one_connection(addr: std::net::SocketAddr) -> SmtpMailer {
    let config: SmtpConfig = format!("smtp://{addr}").parse().expect("valid smtp url");
    SmtpMailer::new(&config, support::from(), TIMEOUT)
        .expect("mailer")
        .with_pool_size(1)
}

/// The email to `user` (at example.com), keyed by its number.
fn email_to(user: &str, n: u32) -> OutgoingEmail {
    OutgoingEmail {
        to: address(&format!("{user}@example.com")),
        ..email(&format!("postpilot.1.{n}"))
    }
}

/// Sends `emails` at once, each on its own task, started in order (the
/// test's runtime has one thread: each task runs until it waits, so they
/// queue in that order); their results in order.
async fn send_all(
    mailer: &SmtpMailer,
    emails: Vec<OutgoingEmail>,
) -> Vec<Result<ServerReply, MailError>> {
    let mut tasks = Vec::new();
    for email in emails {
        let mailer = mailer.clone();
        tasks.push(tokio::spawn(async move { mailer.send(&email).await }));
        tokio::task::yield_now().await;
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("send task"));
    }
    results
}

/// Sends `a` and then `b` over one connection; their results.
async fn send_a_and_b(addr: std::net::SocketAddr) -> Vec<Result<ServerReply, MailError>> {
    let mailer = one_connection(addr);
    send_all(&mailer, vec![email_to("a", 1), email_to("b", 2)]).await
}

/// Reads MAIL, RCPT and DATA for `user`; returns how many reads they took.
async fn envelope(peer: &mut Peer, user: &str) -> usize {
    let (lines, reads) = peer.lines(3).await;
    assert!(
        lines[0].starts_with("MAIL FROM:<news@shop.example>"),
        "{lines:?}"
    );
    assert_eq!(lines[1], format!("RCPT TO:<{user}@example.com>"));
    assert_eq!(lines[2], "DATA");
    reads
}

/// Reads MAIL, RCPT and a whole `BDAT … LAST` chunk for `user`; returns
/// the message and how many reads it all took.
async fn chunked(peer: &mut Peer, user: &str) -> (Vec<u8>, usize) {
    let (lines, reads) = peer.lines(2).await;
    assert!(
        lines[0].starts_with("MAIL FROM:<news@shop.example>"),
        "{lines:?}"
    );
    assert_eq!(lines[1], format!("RCPT TO:<{user}@example.com>"));
    let (message, more) = peer.chunk().await;
    (message, reads + more)
}

const GO: &str = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n";

async fn spawn_server<F, Fut, T>(script: F) -> (std::net::SocketAddr, tokio::task::JoinHandle<T>)
where
    F: FnOnce(TcpListener) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (listener, addr) = listen().await;
    (addr, tokio::spawn(script(listener)))
}

/// The first email `a` up to its body, with `b`'s envelope after it in the
/// same write: the peer, for the test to answer (or not).
async fn a_then_the_envelope_of_b(listener: &TcpListener) -> Peer {
    let mut peer = accept(listener, &["PIPELINING", "8BITMIME"]).await;
    envelope(&mut peer, "a").await;
    // Time for `b` to queue behind `a`.
    tokio::time::sleep(Duration::from_millis(100)).await;
    peer.say(GO).await;
    peer.message().await;
    envelope(&mut peer, "b").await;
    peer
}

/// `b` alone on a new connection, accepted as the second email.
async fn b_on_a_new_connection(listener: &TcpListener) {
    let mut peer = accept(listener, &["PIPELINING", "8BITMIME"]).await;
    envelope(&mut peer, "b").await;
    peer.say(GO).await;
    peer.message().await;
    peer.say("250 2.0.0 Ok: queued as 2\r\n").await;
}

#[tokio::test]
async fn the_next_envelope_goes_in_the_same_write_as_the_previous_body_and_its_dot() {
    let (addr, server) = spawn_server(|listener| async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME"]).await;
        envelope(&mut peer, "a").await;
        // Time for the other sends to queue behind this one.
        tokio::time::sleep(Duration::from_millis(100)).await;
        peer.say(GO).await;
        for (n, next) in [(1, Some("b")), (2, Some("c")), (3, None)] {
            let (message, _) = peer.message().await;
            assert!(message.ends_with(b"\r\n.\r\n"));
            if let Some(next) = next {
                // Already here: it came in the body's write.
                assert_eq!(envelope(&mut peer, next).await, 0, "email {n}");
                peer.say(&format!("250 2.0.0 Ok: queued as {n}\r\n{GO}"))
                    .await;
            } else {
                peer.say(&format!("250 2.0.0 Ok: queued as {n}\r\n")).await;
            }
        }
        assert!(
            !connects_again(&listener).await,
            "one connection serves all"
        );
    })
    .await;

    let mailer = one_connection(addr);
    let results = send_all(
        &mailer,
        vec![email_to("a", 1), email_to("b", 2), email_to("c", 3)],
    )
    .await;
    server.await.expect("server");
    for (n, result) in results.into_iter().enumerate() {
        assert_eq!(
            result,
            Ok(ServerReply(format!("250 2.0.0 Ok: queued as {}", n + 1)))
        );
    }
}

#[tokio::test]
async fn a_refused_dot_decides_only_its_email_and_the_next_goes_on() {
    let (addr, server) = spawn_server(|listener| async move {
        let mut peer = a_then_the_envelope_of_b(&listener).await;
        peer.say(&format!("554 5.7.1 Message refused: spam\r\n{GO}"))
            .await;
        peer.message().await;
        peer.say("250 2.0.0 Ok: queued as 2\r\n").await;
    })
    .await;

    let results = send_a_and_b(addr).await;
    server.await.expect("server");
    assert_eq!(
        results,
        vec![
            Err(MailError::Permanent(
                "554 5.7.1 Message refused: spam".into()
            )),
            Ok(ServerReply("250 2.0.0 Ok: queued as 2".into())),
        ]
    );
}

#[tokio::test]
async fn a_refused_recipient_of_the_pipelined_email_is_its_own_and_the_connection_is_reset() {
    let refused = "550 5.1.1 <b@example.com>: Recipient address rejected";
    let (addr, server) = spawn_server(move |listener| async move {
        let mut peer = a_then_the_envelope_of_b(&listener).await;
        peer.say(&format!(
            "250 2.0.0 Ok: queued as 1\r\n250 2.1.0 Ok\r\n{refused}\r\n554 5.5.1 Error: no valid recipients\r\n"
        ))
        .await;
        assert_eq!(peer.line().await, "RSET");
        peer.say("250 2.0.0 Ok\r\n").await;
    })
    .await;

    let results = send_a_and_b(addr).await;
    server.await.expect("server");
    assert_eq!(
        results,
        vec![
            Ok(ServerReply("250 2.0.0 Ok: queued as 1".into())),
            Err(MailError::AddressRefused(refused.into())),
        ]
    );
}

#[tokio::test]
async fn a_connection_lost_after_the_first_reply_leaves_it_sent_and_the_second_goes_on_a_new_one() {
    let (addr, server) = spawn_server(|listener| async move {
        let mut peer = a_then_the_envelope_of_b(&listener).await;
        peer.say("250 2.0.0 Ok: queued as 1\r\n").await;
        drop(peer);
        // The second email's message was never written: it goes again.
        b_on_a_new_connection(&listener).await;
    })
    .await;

    let results = send_a_and_b(addr).await;
    server.await.expect("server");
    assert_eq!(
        results,
        vec![
            Ok(ServerReply("250 2.0.0 Ok: queued as 1".into())),
            Ok(ServerReply("250 2.0.0 Ok: queued as 2".into())),
        ]
    );
}

#[tokio::test]
async fn a_connection_lost_before_the_first_reply_leaves_it_unknown_and_the_second_goes_again() {
    let (addr, server) = spawn_server(|listener| async move {
        drop(a_then_the_envelope_of_b(&listener).await);
        b_on_a_new_connection(&listener).await;
    })
    .await;

    let results = send_a_and_b(addr).await;
    server.await.expect("server");
    assert!(
        matches!(&results[0], Err(MailError::UnknownOutcome(_))),
        "the first may have been delivered: {:?}",
        results[0]
    );
    assert_eq!(
        results[1],
        Ok(ServerReply("250 2.0.0 Ok: queued as 2".into()))
    );
}

#[tokio::test]
async fn with_chunking_whole_emails_go_ahead_of_their_replies_with_their_exact_bytes() {
    let (addr, server) = spawn_server(|listener| async move {
        // Time for all six sends to queue behind the first before its
        // connection is greeted and takes them on.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME", "CHUNKING"]).await;
        // No reply before all six are in: a client waiting for replies
        // between them would time the test out.
        let mut messages = Vec::new();
        for user in ["a", "b", "c", "d", "e", "f"] {
            messages.push(chunked(&mut peer, user).await.0);
        }
        let mut replies = String::new();
        for n in 1..=6 {
            replies.push_str(&format!(
                "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: {} bytes queued as {n}\r\n",
                messages[n - 1].len()
            ));
        }
        peer.say(&replies).await;
        assert!(
            !connects_again(&listener).await,
            "one connection serves all"
        );
        messages
    })
    .await;

    let mailer = one_connection(addr);
    let emails: Vec<_> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .zip(1..)
        .map(|(user, n)| email_to(user, n))
        .collect();
    let expected: Vec<Vec<u8>> = emails
        .iter()
        .map(|e| mailer.preview(e).expect("preview"))
        .collect();
    let results = send_all(&mailer, emails).await;
    let messages = server.await.expect("server");
    for (n, result) in results.iter().enumerate() {
        assert!(
            matches!(result, Ok(ServerReply(reply)) if reply.ends_with(&format!("queued as {}", n + 1))),
            "{result:?}"
        );
    }
    // As built, byte for byte: no dot-stuffing, nothing added. (The
    // preview and the send differ only in the Date header's second.)
    for (sent, built) in messages.iter().zip(&expected) {
        assert!(sent.ends_with(b"\r\n"));
        let body = |m: &[u8]| {
            m.split(|&b| b == b'\n')
                .filter(|l| !l.starts_with(b"Date:"))
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        };
        assert_eq!(body(sent), body(built));
    }
}

#[tokio::test]
async fn chunked_refusals_at_mail_rcpt_and_bdat_each_decide_only_their_email() {
    let deferred = "451 4.3.0 Try again later";
    let refused_rcpt = "550 5.1.1 <b@example.com>: Recipient address rejected";
    let refused_body = "554 5.7.1 Message content rejected";
    let (addr, server) = spawn_server(move |listener| async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME", "CHUNKING"]).await;
        for user in ["a", "b", "c", "d"] {
            chunked(&mut peer, user).await;
        }
        peer.say(&format!(
            "{deferred}\r\n503 5.5.1 Error: need MAIL command\r\n503 5.5.1 Error: need MAIL command\r\n\
             250 2.1.0 Ok\r\n{refused_rcpt}\r\n554 5.5.1 Error: no valid recipients\r\n\
             250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n{refused_body}\r\n\
             250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 4\r\n"
        ))
        .await;
        assert!(!connects_again(&listener).await, "the connection was kept");
    })
    .await;

    let mailer = one_connection(addr);
    let emails = vec![
        email_to("a", 1),
        email_to("b", 2),
        email_to("c", 3),
        email_to("d", 4),
    ];
    let results = send_all(&mailer, emails).await;
    server.await.expect("server");
    assert_eq!(
        results,
        vec![
            Err(MailError::Transient(deferred.into())),
            Err(MailError::AddressRefused(refused_rcpt.into())),
            Err(MailError::Permanent(refused_body.into())),
            Ok(ServerReply("250 2.0.0 Ok: queued as 4".into())),
        ]
    );
}

#[tokio::test]
async fn a_mail_answered_out_of_step_after_a_refusal_is_worth_another_try() {
    let refused_rcpt = "550 5.1.1 <a@example.com>: Recipient address rejected";
    let (addr, server) = spawn_server(move |listener| async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME", "CHUNKING"]).await;
        for user in ["a", "b"] {
            chunked(&mut peer, user).await;
        }
        peer.say(&format!(
            "250 2.1.0 Ok\r\n{refused_rcpt}\r\n554 5.5.1 Error: no valid recipients\r\n\
             503 5.5.1 Error: nested MAIL command\r\n503 5.5.1 Error: need MAIL command\r\n\
             503 5.5.1 Error: need MAIL command\r\n"
        ))
        .await;
    })
    .await;

    let results = send_a_and_b(addr).await;
    server.await.expect("server");
    assert_eq!(
        results[0],
        Err(MailError::AddressRefused(refused_rcpt.into()))
    );
    assert!(
        matches!(&results[1], Err(MailError::Transient(reply)) if reply.contains("503 5.5.1 Error: nested MAIL")),
        "{:?}",
        results[1]
    );
}

#[tokio::test]
async fn a_chunked_connection_lost_leaves_the_written_emails_unknown_once_the_first_is_answered() {
    let (addr, server) = spawn_server(|listener| async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME", "CHUNKING"]).await;
        for user in ["a", "b"] {
            chunked(&mut peer, user).await;
        }
        peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 1\r\n")
            .await;
        drop(peer);
        assert!(
            !connects_again(&listener).await,
            "the second is not sent again"
        );
    })
    .await;

    let results = send_a_and_b(addr).await;
    server.await.expect("server");
    assert_eq!(
        results[0],
        Ok(ServerReply("250 2.0.0 Ok: queued as 1".into()))
    );
    assert!(
        matches!(&results[1], Err(MailError::UnknownOutcome(_))),
        "its whole message was written: {:?}",
        results[1]
    );
}

#[tokio::test]
async fn an_idle_chunked_connection_is_proved_alive_by_mail_and_rcpt_before_a_message_goes() {
    let (addr, server) = spawn_server(|listener| async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME", "CHUNKING"]).await;
        chunked(&mut peer, "a").await;
        peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 1\r\n")
            .await;
        // Idle now; then b, c and d come together. b's MAIL and RCPT alone:
        let (lines, _) = peer.lines(2).await;
        assert_eq!(lines[1], "RCPT TO:<b@example.com>", "{lines:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        peer.read_pending().await;
        assert!(
            peer.is_drained(),
            "no message before MAIL and RCPT are answered"
        );
        peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n").await;
        // Then b's message, with c and d taken on in the same write.
        let (_, reads) = peer.chunk().await;
        let (_, more) = chunked(&mut peer, "c").await;
        let (_, more2) = chunked(&mut peer, "d").await;
        assert_eq!(reads + more + more2, 1, "one write");
        peer.say(
            "250 2.0.0 Ok: queued as 2\r\n\
             250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 3\r\n\
             250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as 4\r\n",
        )
        .await;
        assert!(
            !connects_again(&listener).await,
            "one connection serves all"
        );
    })
    .await;

    let mailer = one_connection(addr);
    let first = send_all(&mailer, vec![email_to("a", 1)]).await;
    let rest = send_all(
        &mailer,
        vec![email_to("b", 2), email_to("c", 3), email_to("d", 4)],
    )
    .await;
    server.await.expect("server");
    for (n, result) in (1..).zip(first.iter().chain(&rest)) {
        assert_eq!(
            result,
            &Ok(ServerReply(format!("250 2.0.0 Ok: queued as {n}")))
        );
    }
}

#[tokio::test]
async fn a_send_still_waiting_for_a_connection_when_the_stop_comes_is_not_started() {
    let (addr, server) = spawn_server(|listener| async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME"]).await;
        envelope(&mut peer, "a").await;
        // The stop comes while `a` waits for this reply and `b` for a turn.
        tokio::time::sleep(Duration::from_millis(200)).await;
        peer.say(GO).await;
        let (message, _) = peer.message().await;
        assert!(message.ends_with(b"\r\n.\r\n"));
        peer.say("250 2.0.0 Ok: queued as 1\r\n").await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        peer.read_pending().await;
        assert!(peer.is_drained(), "nothing of b was written");
        assert!(!connects_again(&listener).await, "no connection for b");
    })
    .await;

    let (stopper, stop) = postpilot_core::usecases::StopSignal::new();
    let mailer = one_connection(addr).with_stop(stop);
    let sends = tokio::spawn({
        let mailer = mailer.clone();
        async move { send_all(&mailer, vec![email_to("a", 1), email_to("b", 2)]).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    stopper.stop();
    let results = sends.await.expect("sends");
    server.await.expect("server");
    assert_eq!(
        results[0],
        Ok(ServerReply("250 2.0.0 Ok: queued as 1".into()))
    );
    assert!(
        matches!(&results[1], Err(MailError::NotStarted(_))),
        "{:?}",
        results[1]
    );
}
