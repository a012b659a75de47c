//! The SMTP conversation on the wire, against scripted peers: pipelining
//! (RFC 2920) when offered, lockstep when not, the body and its final `.`
//! in one write, dot-stuffing, and what a misbehaving server cannot do.

mod support;

use std::sync::Arc;
use std::time::Duration;

use postpilot_core::ports::{Content, MailError, Mailer, ServerReply};
use postpilot_core::{BodyText, Subject};
use postpilot_smtp::{SmtpConfig, SmtpMailer};
use support::peer::{accept, connects_again, listen, Peer};
use support::{email, from};

const TIMEOUT: Duration = Duration::from_secs(10);

fn mailer(url: &str, timeout: Duration) -> SmtpMailer {
    let config: SmtpConfig = url.parse().expect("valid smtp url");
    SmtpMailer::new(&config, from(), timeout).expect("mailer")
}

/// Reads a pipelined MAIL, RCPT and DATA; returns how many reads they took.
async fn pipelined_envelope(peer: &mut Peer) -> usize {
    let (lines, reads) = peer.lines(3).await;
    assert!(
        lines[0].starts_with("MAIL FROM:<news@shop.example>"),
        "{lines:?}"
    );
    assert_eq!(lines[1], "RCPT TO:<ivan@example.com>");
    assert_eq!(lines[2], "DATA");
    reads
}

#[tokio::test]
async fn envelope_goes_in_one_write_and_the_body_with_its_dot_in_another() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME"]).await;
        let mut reads = Vec::new();
        for n in 1..=2 {
            // No reply before all three commands are in: a lockstep client
            // would wait for the reply to MAIL and time the test out.
            reads.push(pipelined_envelope(&mut peer).await);
            // The replies come in pieces, one cut inside a reply.
            peer.say("250 2.1.0 Ok\r\n").await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            peer.say("250 2.1.5 Ok\r\n35").await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            peer.say("4 End data with <CR><LF>.<CR><LF>\r\n").await;
            let (message, message_reads) = peer.message().await;
            assert!(message.ends_with(b"\r\n.\r\n"));
            reads.push(message_reads);
            peer.say(&format!("250 2.0.0 Ok: queued as {n}\r\n")).await;
        }
        assert!(
            !connects_again(&listener).await,
            "one connection serves both"
        );
        reads
    });

    let mailer = mailer(&format!("smtp://{addr}"), TIMEOUT);
    for n in 1..=2 {
        let reply = mailer.send(&email(&format!("postpilot.1.{n}"))).await;
        assert_eq!(
            reply,
            Ok(ServerReply(format!("250 2.0.0 Ok: queued as {n}")))
        );
    }
    // Envelope, body, envelope, body: one read each, so one write each.
    assert_eq!(server.await.expect("server"), vec![1, 1, 1, 1]);
}

#[tokio::test]
async fn refusal_under_pipelining_decides_and_every_reply_is_read_before_rset() {
    let rcpt_refused = "550 5.1.1 <ivan@example.com>: Recipient address rejected";
    let mail_deferred = "451 4.3.0 Try again later";
    let cases = [
        (
            [
                "250 2.1.0 Ok",
                rcpt_refused,
                "554 5.5.1 Error: no valid recipients",
            ],
            MailError::AddressRefused(rcpt_refused.into()),
        ),
        (
            [
                mail_deferred,
                "503 5.5.1 Error: need MAIL command",
                "503 5.5.1 Error: need RCPT command",
            ],
            MailError::Transient(mail_deferred.into()),
        ),
    ];
    for (replies, expected) in cases {
        let (listener, addr) = listen().await;
        let server = tokio::spawn(async move {
            let mut peer = accept(&listener, &["PIPELINING", "8BITMIME"]).await;
            pipelined_envelope(&mut peer).await;
            peer.say(&format!(
                "{}\r\n{}\r\n{}\r\n",
                replies[0], replies[1], replies[2]
            ))
            .await;
            assert_eq!(peer.line().await, "RSET");
            peer.say("250 2.0.0 Ok\r\n").await;
            // The same connection carries the next message.
            pipelined_envelope(&mut peer).await;
            peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
                .await;
            peer.message().await;
            peer.say("250 2.0.0 Ok: queued as 2\r\n").await;
            assert!(!connects_again(&listener).await, "the connection was kept");
        });

        let mailer = mailer(&format!("smtp://{addr}"), TIMEOUT);
        assert_eq!(mailer.send(&email("postpilot.2.1")).await, Err(expected));
        assert_eq!(
            mailer.send(&email("postpilot.2.2")).await,
            Ok(ServerReply("250 2.0.0 Ok: queued as 2".into()))
        );
        server.await.expect("server");
    }
}

#[tokio::test]
async fn data_accepted_after_a_refused_recipient_is_ended_with_a_lone_dot() {
    let refused = "550 5.1.1 <ivan@example.com>: Recipient address rejected";
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME"]).await;
        pipelined_envelope(&mut peer).await;
        peer.say(&format!("250 2.1.0 Ok\r\n{refused}\r\n354 go ahead\r\n"))
            .await;
        // RFC 2920 §3.1: no message, only its end.
        let (message, _) = peer.message().await;
        assert_eq!(message, b".\r\n");
        peer.say("554 5.5.1 Error: no valid recipients\r\n").await;
        assert_eq!(peer.line().await, "RSET");
        peer.say("250 2.0.0 Ok\r\n").await;
    });

    let result = mailer(&format!("smtp://{addr}"), TIMEOUT)
        .send(&email("postpilot.3.1"))
        .await;
    assert_eq!(result, Err(MailError::AddressRefused(refused.into())));
    server.await.expect("server");
}

#[tokio::test]
async fn server_without_pipelining_gets_one_command_at_a_time() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["8BITMIME"]).await;
        for (command, reply) in [
            ("MAIL FROM:<news@shop.example>", "250 2.1.0 Ok"),
            ("RCPT TO:<ivan@example.com>", "250 2.1.5 Ok"),
            ("DATA", "354 go ahead"),
        ] {
            let line = peer.line().await;
            assert!(line.starts_with(command), "{line}");
            // Give a pipelining client the time to send more.
            tokio::time::sleep(Duration::from_millis(50)).await;
            peer.read_pending().await;
            assert!(peer.is_drained(), "more than {command} before its reply");
            peer.say(&format!("{reply}\r\n")).await;
        }
        peer.message().await;
        peer.say("250 2.0.0 Ok: queued as 1\r\n").await;
    });

    let reply = mailer(&format!("smtp://{addr}"), TIMEOUT)
        .send(&email("postpilot.4.1"))
        .await;
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok: queued as 1".into())));
    server.await.expect("server");
}

#[tokio::test]
async fn server_that_stalls_at_rcpt_under_pipelining_times_out_naming_rcpt() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING"]).await;
        pipelined_envelope(&mut peer).await;
        peer.say("250 2.1.0 Ok\r\n").await;
        // Holds the connection open without another word.
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(peer);
    });

    let result = mailer(&format!("smtp://{addr}"), Duration::from_secs(1))
        .send(&email("postpilot.5.1"))
        .await;
    assert_eq!(
        result,
        Err(MailError::Transient(format!(
            "timed out after 1s talking to {addr} (stage: RCPT TO)"
        )))
    );
    server.abort();
}

#[tokio::test]
async fn body_lines_starting_with_a_dot_are_stuffed() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING", "8BITMIME"]).await;
        pipelined_envelope(&mut peer).await;
        peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
            .await;
        let (message, _) = peer.message().await;
        peer.say("250 2.0.0 Ok: queued as 1\r\n").await;
        String::from_utf8(message).expect("ascii message")
    });

    let mut email = email("postpilot.6.1");
    email.content = Arc::new(Content {
        subject: Subject::parse("Dots").expect("subject"),
        body_text: BodyText::parse("first\n.hidden\n..two\n.\nlast").expect("body"),
        body_html: None,
    });
    let reply = mailer(&format!("smtp://{addr}"), TIMEOUT)
        .send(&email)
        .await;
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok: queued as 1".into())));
    let message = server.await.expect("server");
    assert!(
        message.contains("\r\nfirst\r\n..hidden\r\n...two\r\n..\r\nlast\r\n.\r\n"),
        "{message:?}"
    );
    // Only the final '.' line ends the message.
    assert_eq!(message.matches("\r\n.\r\n").count(), 1, "{message:?}");
}

#[tokio::test]
async fn endless_reply_is_refused_once_it_passes_the_bound() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let line = format!("220-{}\r\n", "x".repeat(1000));
        // 10 MB of greeting, or until the client hangs up.
        for _ in 0..10_000 {
            if tokio::io::AsyncWriteExt::write_all(&mut stream, line.as_bytes())
                .await
                .is_err()
            {
                return true;
            }
        }
        false
    });

    let result = mailer(&format!("smtp://{addr}"), TIMEOUT)
        .send(&email("postpilot.7.1"))
        .await;
    assert_eq!(
        result,
        Err(MailError::Transient(format!(
            "connection to {addr} failed (stage: greeting): reply longer than 65536 bytes"
        )))
    );
    assert!(server.await.expect("server"), "the client hung up");
}

#[tokio::test]
async fn hostile_reply_bytes_come_back_as_visible_text_at_rcpt_and_after_the_body() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING"]).await;
        pipelined_envelope(&mut peer).await;
        peer.say_bytes(
            b"250 2.1.0 Ok\r\n\
              550-5.1.1 \x00\x1b[2J no \xff such\x07 user\r\n\
              550 5.1.1 \x9b31m\xc2\x9b31m \xe2\x80\xae\r\n\
              554 5.5.1 Error: no valid recipients\r\n",
        )
        .await;
        assert_eq!(peer.line().await, "RSET");
        peer.say("250 2.0.0 Ok\r\n").await;
        pipelined_envelope(&mut peer).await;
        peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
            .await;
        peer.message().await;
        peer.say_bytes(b"250 2.0.0 \xff\xfe queued \xc3\x28 as \x00\x07ABC\x1b]0;pwned\x07\r\n")
            .await;
    });

    let mailer = mailer(&format!("smtp://{addr}"), TIMEOUT);
    assert_eq!(
        mailer.send(&email("postpilot.11.1")).await,
        Err(MailError::AddressRefused(
            "550 5.1.1 \\0\\u{1b}[2J no \u{fffd} such\\u{7} user \u{fffd}31m\\u{9b}31m \\u{202e}"
                .into()
        ))
    );
    assert_eq!(
        mailer.send(&email("postpilot.11.2")).await,
        Ok(ServerReply(
            "250 2.0.0 \u{fffd}\u{fffd} queued \u{fffd}( as \\0\\u{7}ABC\\u{1b}]0;pwned\\u{7}"
                .into()
        ))
    );
    server.await.expect("server");
}

#[tokio::test]
async fn a_password_echoed_in_a_reply_is_hidden_even_with_a_control_character_in_it() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING", "AUTH PLAIN"]).await;
        let auth = peer.line().await;
        assert!(auth.starts_with("AUTH PLAIN "), "{auth}");
        peer.say_bytes(b"535 5.7.8 password p\x07w! is wrong\r\n")
            .await;
    });

    let result = mailer(&format!("smtp://ivan:p%07w!@{addr}"), TIMEOUT)
        .send(&email("postpilot.12.1"))
        .await;
    assert_eq!(
        result,
        Err(MailError::LoginFailed(
            "535 5.7.8 password *** is wrong".into()
        ))
    );
    server.await.expect("server");
}

#[tokio::test]
async fn data_sent_with_the_starttls_reply_is_refused_before_the_handshake() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING", "STARTTLS"]).await;
        assert_eq!(peer.line().await, "STARTTLS");
        // Would be read as the reply to the EHLO after the handshake.
        peer.say("220 2.0.0 Ready to start TLS\r\n250-evil\r\n250 AUTH PLAIN\r\n")
            .await;
        peer
    });

    let result = mailer(&format!("smtp://{addr}?tls=starttls"), TIMEOUT)
        .send(&email("postpilot.8.1"))
        .await;
    assert_eq!(
        result,
        Err(MailError::Transient(format!(
            "connection to {addr} failed (stage: STARTTLS): \
             the server sent data after its STARTTLS reply, before the TLS handshake"
        )))
    );
    server.await.expect("server");
}

#[tokio::test]
async fn login_authentication_answers_the_servers_challenges() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING", "AUTH LOGIN"]).await;
        assert_eq!(peer.line().await, "AUTH LOGIN");
        peer.say("334 VXNlcm5hbWU6\r\n").await; // "Username:"
        assert_eq!(peer.line().await, "aXZhbg=="); // "ivan"
        peer.say("334 UGFzc3dvcmQ6\r\n").await; // "Password:"
        assert_eq!(peer.line().await, "cHc="); // "pw"
        peer.say("235 2.7.0 Authentication successful\r\n").await;
        pipelined_envelope(&mut peer).await;
        peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
            .await;
        peer.message().await;
        peer.say("250 2.0.0 Ok: queued as 1\r\n").await;
    });

    let reply = mailer(&format!("smtp://ivan:pw@{addr}"), TIMEOUT)
        .send(&email("postpilot.9.1"))
        .await;
    assert_eq!(reply, Ok(ServerReply("250 2.0.0 Ok: queued as 1".into())));
    server.await.expect("server");
}

#[tokio::test]
async fn a_reply_no_command_asked_for_costs_the_connection_not_the_message() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let mut peer = accept(&listener, &["PIPELINING"]).await;
        pipelined_envelope(&mut peer).await;
        peer.say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
            .await;
        peer.message().await;
        // One reply too many: taken as the next MAIL's, every reply after
        // it would answer the wrong command.
        peer.say("250 2.0.0 Ok: queued as 1\r\n250 2.0.0 Ok: queued as 1\r\n")
            .await;
        let mut fresh = accept(&listener, &["PIPELINING"]).await;
        pipelined_envelope(&mut fresh).await;
        fresh
            .say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
            .await;
        fresh.message().await;
        fresh.say("250 2.0.0 Ok: queued as 2\r\n").await;
        peer
    });

    let mailer = mailer(&format!("smtp://{addr}"), TIMEOUT);
    for n in 1..=2 {
        let reply = mailer.send(&email(&format!("postpilot.10.{n}"))).await;
        assert_eq!(
            reply,
            Ok(ServerReply(format!("250 2.0.0 Ok: queued as {n}")))
        );
    }
    server.await.expect("server");
}
